/**
 * Unit: the start list in a room (server/room/entries.ts): entries imported whole or not at all, listed to
 * spectators before any fix, edited, claimed from a phone by bib with the claim code (nobody takes over
 * another's bib), a bib that belongs to one runner only, and a runner's own details given when joining.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EntryFields, JoinDetailsSchema, saysAnything } from '../../lib/entries/entry';
import { execute } from '../../server/room/commands';
import * as entries from '../../server/room/entries';
import { snapshot, tick } from '../../server/room/picture';
import * as race from '../../server/room/race';
import { answer } from '../../server/room/queries';
import type { Room } from '../../server/room/state';
import { clock, commit, errorOf, join, newRoom, only, send, toSender } from './support';
import { ClientMessageSchema, ErrorCode } from '../../lib/protocol';

function entry(bib: string, lastName: string, extra: Partial<EntryFields> = {}): EntryFields {
  return { bib, firstName: null, lastName, sex: null, birthYear: null, ageGroup: null, category: null, club: null, wave: null, chip: null, ...extra };
}

function importList(room: Room, list: EntryFields[]) {
  const fx = entries.importEntries(room, list);
  return fx.commit ? commit(fx).result! : fx.result!;
}

const claimCodeOf = (room: Room, bib: string) => answer(room, { ask: 'entries' }).find((e) => e.bib === bib)!.entry.claimCode;

/** A phone joins with a bib (and a claim code). */
function joinWith(room: Room, bib: string, claim?: string) {
  return execute(room, { do: 'join', name: 'Phone', color: '#abcdef', bib, ...(claim ? { claim } : {}) });
}

describe('start list', () => {
  test('an imported entry is a runner spectators see and can follow before any fix, with the public part only', () => {
    const room = newRoom();
    const out = importList(room, [
      entry('101', 'Lovelace', { firstName: 'Ada', sex: 'F', birthYear: 1985, ageGroup: 'W40', category: 'Half', club: 'AAC', wave: 'A', chip: 'KX101' }),
      entry('102', 'Turing', { firstName: 'Alan' }),
    ]);
    assert.deepEqual(out, { created: 2, updated: 0, problems: [] });
    const snap = snapshot(room, null);
    assert.deepEqual(
      snap.runners.map((r) => [r.name, r.bib, r.last, r.trail]),
      [
        ['Ada Lovelace', '101', null, ''],
        ['Alan Turing', '102', null, ''],
      ],
    );
    assert.deepEqual(snap.runners[0]!.entry, { sex: 'F', ageGroup: 'W40', category: 'Half', club: 'AAC', wave: 'A' });
    assert.ok(!JSON.stringify(snap).includes('1985') && !JSON.stringify(snap).includes('KX101'), 'never the birth year or chip');
    assert.ok(!JSON.stringify(snap).includes(claimCodeOf(room, '101')), 'never the claim code');
    const update = tick(room)!;
    assert.equal(update.runners.length, 2, 'the next update carries them too');
  });

  test('importing again updates entries by bib and keeps their claim codes; a bad list saves nothing', () => {
    const room = newRoom();
    importList(room, [entry('1', 'One'), entry('2', 'Two', { chip: 'C2' })]);
    const code = claimCodeOf(room, '1');
    const again = importList(room, [entry('1', 'Uno', { chip: 'C1' }), entry('3', 'Three')]);
    assert.deepEqual(again, { created: 1, updated: 1, problems: [] });
    assert.equal(claimCodeOf(room, '1'), code);
    assert.deepEqual(
      answer(room, { ask: 'entries' }).map((e) => [e.bib, e.name, e.entry.chip]),
      [
        ['1', 'Uno', 'C1'],
        ['2', 'Two', 'C2'],
        ['3', 'Three', null],
      ],
    );
    const bad = entries.importEntries(room, [entry('4', 'Four', { chip: 'c2' }), entry('5', 'Five'), entry('005', 'Also five')]);
    assert.deepEqual(bad.write, [], 'nothing is written');
    assert.deepEqual(
      bad.result!.problems.map((p) => [p.index, p.message]),
      [
        [0, "chip c2 is bib 2's (Two)"],
        [2, 'bib 005 is in the list twice (entry 2): give each runner their own'],
      ],
    );
    assert.equal(room.runners.size, 3);
  });

  test('a bib a phone runner gave when joining cannot go to an entry too', () => {
    const room = newRoom();
    commit(execute(room, { do: 'join', name: 'Early', color: '#123456', bib: '7' }));
    const out = entries.importEntries(room, [entry('7', 'Seven')]);
    assert.match(out.result!.problems[0]!.message, /bib 7 belongs to Early, who joined by phone/);
  });

  test('the runner limit counts the new entries', () => {
    const room = newRoom({ event: { ...newRoom().eventRecord(), quotas: { maxRunners: 2 } } });
    const fx = entries.importEntries(room, [entry('1', 'A'), entry('2', 'B'), entry('3', 'C')]);
    assert.equal(fx.refusal?.code, ErrorCode.QuotaExceeded);
  });

  test('the organiser edits an entry: a new bib and chip, checked against everyone else’s', () => {
    const room = newRoom();
    importList(room, [entry('1', 'One', { chip: 'C1' }), entry('2', 'Two', { chip: 'C2' })]);
    const one = answer(room, { ask: 'entries' })[0]!.runnerId;
    const clash = entries.editEntry(room, one, entry('2', 'One'));
    assert.match(clash.result!.problems[0]!.message, /bib 2 is Two's already/);
    const chip = entries.editEntry(room, one, entry('1', 'One', { chip: 'c2' }));
    assert.match(chip.result!.problems[0]!.message, /chip c2 is bib 2's/);
    assert.deepEqual(commit(entries.editEntry(room, one, entry('11', 'Won', { chip: 'C11' }))).result, { created: 0, updated: 1, problems: [] });
    assert.equal(room.runnerByBib('11')?.id, one);
    assert.equal(room.runnerByChip('c11')?.id, one);
    assert.equal(room.runnerByBib('1'), undefined);
  });
});

describe('claiming an entry from a phone', () => {
  test('with the bib and its claim code the phone becomes that runner and can send fixes', () => {
    const room = newRoom();
    importList(room, [entry('101', 'Lovelace', { firstName: 'Ada' })]);
    const id = room.runnerByBib('101')!.id;
    const fx = joinWith(room, '101', claimCodeOf(room, '101').toLowerCase().replace(/(....)/, '$1-'));
    const applied = commit(fx);
    const joined = only(applied.send, 'joined');
    assert.equal(joined.runnerId, id);
    assert.equal(joined.name, 'Ada Lovelace', 'the start list’s name');
    assert.ok(joined.token);
    assert.deepEqual(applied.sessions, [{ bind: id }]);
    assert.equal(answer(room, { ask: 'token', runnerId: id, token: joined.token!, organiser: false }), true);
    assert.equal(room.runners.size, 1, 'no second runner with that bib');
  });

  test('without the code, with a wrong one, or once claimed, the bib is refused with what to do', () => {
    const room = newRoom();
    importList(room, [entry('9', 'Nine')]);
    assert.match(errorOf(joinWith(room, '9'), ErrorCode.ClaimRequired).message, /on the start list: enter the claim code/);
    assert.match(errorOf(joinWith(room, '9', 'WRONGONE'), ErrorCode.BadClaimCode).message, /not the claim code of bib 9/);
    const code = claimCodeOf(room, '9');
    const first = joinWith(room, '9', code);
    // A second phone with the same code while the first claim is being written, and after it.
    assert.match(errorOf(joinWith(room, '9', code), ErrorCode.BibClaimed).message, /claimed on another phone already/);
    commit(first);
    errorOf(joinWith(room, '9', code), ErrorCode.BibClaimed);
  });

  test('a bib a phone runner has is refused to the next phone: a search never finds two', () => {
    const room = newRoom();
    commit(execute(room, { do: 'join', name: 'First', color: '#123456', bib: '42' }));
    const second = execute(room, { do: 'join', name: 'Second', color: '#123456', bib: '042' });
    assert.match(errorOf(second, ErrorCode.BibTaken).message, /Bib 42 belongs to another runner/);
    // Two phones joining with the same new bib at once: the second is refused while the first is written.
    const a = execute(room, { do: 'join', name: 'A', color: '#123456', bib: '50' });
    errorOf(execute(room, { do: 'join', name: 'B', color: '#123456', bib: '50' }), ErrorCode.BibTaken);
    commit(a);
    assert.equal([...room.runners.values()].filter((r) => r.record.bib === '50').length, 1);
  });

  test('the organiser cannot give a runner a bib someone else has', () => {
    const room = newRoom();
    importList(room, [entry('1', 'One')]);
    const { runnerId } = join(room);
    assert.equal(race.setBib(room, runnerId, '01').refusal?.code, ErrorCode.BibTaken);
    assert.equal(commit(race.setBib(room, runnerId, '2')).result, true);
  });

  test('a new claim code lets the phone that claimed go and a new phone claim it', () => {
    const room = newRoom();
    importList(room, [entry('5', 'Five')]);
    const id = room.runnerByBib('5')!.id;
    commit(joinWith(room, '5', claimCodeOf(room, '5')));
    const applied = commit(entries.newClaimCode(room, id));
    assert.deepEqual(applied.sessions, [{ unbindRunner: id }]);
    const code = applied.result!;
    assert.notEqual(code, null);
    assert.equal(toSender(applied.send).length, 0);
    assert.equal(commit(joinWith(room, '5', code)).result!.runnerId, id);
  });
});

describe('race-day registration from a phone', () => {
  const details = (d: Record<string, unknown>) => JoinDetailsSchema.parse(d);

  test('a runner not on the start list who gives sex, year, category and club has them as their entry; one who gives nothing has none', () => {
    const room = newRoom();
    const joined = commit(execute(room, { do: 'join', name: 'Walk-in', color: '#abcdef', bib: '77', details: details({ sex: 'F', birthYear: 1981, category: ' Half ', club: 'Isar Harriers' }) }));
    const id = only(joined.send, 'joined').runnerId;
    const plain = join(room, 'Just sharing').runnerId;
    // Like anyone who joins from a phone, they show with their first fix (a blocked location never does).
    assert.equal(snapshot(room, null).runners.length, 0);
    send(room, id, { type: 'pos', seq: 1, lat: 51.5, lon: -0.12, t: clock.now, acc: 5 });
    tick(room);
    const snap = snapshot(room, null);
    const byId = new Map(snap.runners.map((r) => [r.id, r]));
    // The age group is worked out for the race's year (the clock's: 2023, so 42 years old).
    assert.deepEqual(byId.get(id)!.entry, { sex: 'F', ageGroup: 'F40', category: 'Half', club: 'Isar Harriers', wave: null });
    assert.equal(byId.has(plain), false);
    assert.equal(room.runners.get(plain)!.record.entry, null);
    assert.ok(!JSON.stringify(snap).includes('1981'), 'never the birth year');
    // It is not a start-list entry: not in the organiser's list, nothing to claim, and its bib stays theirs.
    assert.equal(answer(room, { ask: 'entries' }).length, 0);
    assert.equal(entries.newClaimCode(room, id).result, null);
    assert.deepEqual(importList(room, [entry('77', 'Someone else')]).problems.map((p) => p.message), ['bib 77 belongs to Walk-in, who joined by phone: change their bib or this entry\'s']);
    errorOf(joinWith(room, '77'), ErrorCode.BibTaken);
  });

  test('the details are checked as a start list is: years out of range and overlong text are refused, blank text is none', () => {
    const parse = (d: Record<string, unknown>) => ClientMessageSchema.safeParse({ type: 'join', event: 'harbour-10k', name: 'Ada', color: '#d7263d', details: d });
    assert.equal(parse({ birthYear: 1899 }).success, false);
    assert.equal(parse({ birthYear: 1988.5 }).success, false);
    assert.equal(parse({ club: 'x'.repeat(61) }).success, false);
    assert.equal(parse({ sex: 'W' }).success, false);
    const blank = parse({ category: '   ', club: '\u202e' });
    assert.ok(blank.success && blank.data.type === 'join');
    assert.equal(saysAnything(blank.data.type === 'join' ? blank.data.details : null), false);
  });
});
