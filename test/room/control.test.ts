/**
 * Unit: race control in the room (verdicts, the console's marks and thresholds, messages to runners,
 * stillness), driven by hand with a fake clock and a fake commit; a room loaded from what was written
 * holds the same.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EntryFields } from '../../lib/entries/entry';
import { ErrorCode } from '../../lib/protocol';
import { execute } from '../../server/room/commands';
import { markWatch, setConsoleSettings } from '../../server/room/console';
import { messageSeen, sendMessage } from '../../server/room/messages';
import { summary } from '../../server/room/picture';
import { QUERIES } from '../../server/room/queries';
import type { Effects } from '../../server/room/effects';
import type { Room } from '../../server/room/state';
import { setVerdicts } from '../../server/room/verdicts';
import type { ControlRecord, WriteOp } from '../../server/storage/store';
import { clock, commit, errorOf, join, newRoom, only, send } from './support';

/** The store as far as race control goes: control records by kind and id, as every commit leaves them. */
function controlStore() {
  const rows = new Map<string, ControlRecord>();
  return {
    take(ops: readonly WriteOp[]) {
      for (const op of ops) {
        if (op.op === 'control') rows.set(`${op.control.kind}/${op.control.id}`, op.control);
        if (op.op === 'deleteControl') rows.delete(`${op.kind}/${op.id}`);
      }
    },
    get records() {
      return [...rows.values()].sort((a, b) => a.updatedAt - b.updatedAt);
    },
  };
}

function stored<R>(store: ReturnType<typeof controlStore>, fx: Effects<R>) {
  store.take(fx.write);
  return commit(fx);
}

/** A room restarted from the runners and the control records written so far. */
function reload(room: Room, store: ReturnType<typeof controlStore>): Room {
  const runners = [...room.runners.values()].map((r) => ({ ...r.record, mood: null, moodAt: null, cheers: [], checkpoint: { through: 0, state: r.checkpoint() }, avatarAt: null }));
  return newRoom({ runners, controls: store.records });
}

describe('verdicts', () => {
  test('the organiser gives DNF, DSQ (with its reason) and DNS; each shows in the runner’s info, and survives a restart', () => {
    const room = newRoom();
    const store = controlStore();
    const a = join(room, 'Ada').runnerId;
    const b = join(room, 'Bo').runnerId;
    send(room, a, { type: 'pos', seq: 1, lat: 51.5, lon: -0.12, t: clock.now, acc: 5 });
    errorOf(setVerdicts(room, [a], { kind: 'dsq' }, 'organiser'), ErrorCode.BadVerdict);
    errorOf(setVerdicts(room, ['nobody'], { kind: 'dnf' }, 'organiser'), ErrorCode.NoSuchRunner);
    clock.now += 1000;
    const given = stored(store, setVerdicts(room, [a], { kind: 'dsq', reason: '  Cut the course ' }, 'organiser')).result!;
    assert.deepEqual(given, [{ kind: 'dsq', reason: 'Cut the course', at: clock.now, by: 'organiser', atM: null }]);
    assert.ok(room.dirty.has(a), 'the next update carries it');
    stored(store, setVerdicts(room, [b], { kind: 'dns' }, 'organiser'));
    assert.equal(summary(room, a)!.verdict!.kind, 'dsq');
    const again = reload(room, store);
    assert.deepEqual(summary(again, a)!.verdict, given[0]);
    assert.equal(summary(again, b)!.verdict!.kind, 'dns');
    // Taken back: gone from the info and from the store.
    stored(store, setVerdicts(room, [b], null, 'organiser'));
    assert.equal(summary(room, b)!.verdict, undefined);
    assert.equal(summary(reload(room, store), b)!.verdict, undefined);
  });

  test('a runner can say they did not finish, and take it back; nothing else', () => {
    const room = newRoom();
    const a = join(room, 'Ada').runnerId;
    errorOf(setVerdicts(room, [a], { kind: 'dsq', reason: 'x' }, 'runner'), ErrorCode.BadVerdict);
    errorOf(setVerdicts(room, [a], { kind: 'dns' }, 'runner'), ErrorCode.BadVerdict);
    assert.equal(commit(setVerdicts(room, [a], { kind: 'dnf', reason: 'Knee' }, 'runner')).result![0]!.by, 'runner');
    commit(setVerdicts(room, [a], null, 'runner'));
    assert.equal(summary(room, a)!.verdict, undefined);
    commit(setVerdicts(room, [a], { kind: 'dnf' }, 'organiser'));
    errorOf(setVerdicts(room, [a], null, 'runner'), ErrorCode.BadVerdict);
  });

  test('many runners at once (everyone past a cut-off) is one write; those who had it already are left as they were', () => {
    const room = newRoom();
    const ids = ['A', 'B', 'C'].map((n) => join(room, n).runnerId);
    commit(setVerdicts(room, [ids[0]!], { kind: 'dnf' }, 'organiser'));
    const at = room.runners.get(ids[0]!)!.verdict!.at;
    clock.now += 5000;
    const fx = setVerdicts(room, ids, { kind: 'dnf', reason: null }, 'organiser');
    assert.equal(fx.write.length, 2);
    assert.equal(commit(fx).result!.length, 2);
    assert.equal(room.runners.get(ids[0]!)!.verdict!.at, at);
  });
});

describe('the console', () => {
  test('a mark acknowledges, assigns and notes an item; it goes to organisers only, once stored, and survives a restart', () => {
    const room = newRoom();
    const store = controlStore();
    const a = join(room, 'Ada').runnerId;
    errorOf(markWatch(room, 'nonsense', {}, 'Director'), ErrorCode.BadMark);
    errorOf(markWatch(room, 'sos:someone-else', {}, 'Director'), ErrorCode.BadMark);
    const fx = markWatch(room, `stopped:${a}`, { ackedSince: 123 }, 'Jo');
    assert.deepEqual(fx.send, [], 'nothing before it is stored');
    store.take(fx.write);
    const applied = commit(fx);
    assert.deepEqual(applied.send[0]!.to, { organisers: true });
    assert.deepEqual(only(applied.send, 'control').mark, { key: `stopped:${a}`, ackedSince: 123, ackedBy: 'Jo', assignee: null, note: null, updatedAt: clock.now });
    clock.now += 1000;
    // Assigning keeps the acknowledgement.
    const second = stored(store, markWatch(room, `stopped:${a}`, { assignee: 'Medic 2', note: 'Sitting by the water table' }, 'Sam')).result!;
    assert.deepEqual([second.ackedSince, second.ackedBy, second.assignee, second.note], [123, 'Jo', 'Medic 2', 'Sitting by the water table']);
    stored(store, setConsoleSettings(room, { stoppedMin: 4 }));
    const again = reload(room, store);
    assert.deepEqual(QUERIES.control(again, { ask: 'control' }).marks, [second]);
    assert.equal(QUERIES.control(again, { ask: 'control' }).settings.stoppedMin, 4);
    assert.equal(QUERIES.control(again, { ask: 'control' }).settings.silentMin, 15, 'the others keep their defaults');
  });
});

describe('messages to runners', () => {
  test('to everyone or to one runner: stored, then sent to the runners’ phones and the organisers; a receipt once, shown to the console', () => {
    const room = newRoom();
    const store = controlStore();
    const a = join(room, 'Ada').runnerId;
    const b = join(room, 'Bo').runnerId;
    errorOf(sendMessage(room, '   ', null), ErrorCode.BadRunnerMessage);
    errorOf(sendMessage(room, 'x'.repeat(281), null), ErrorCode.BadRunnerMessage);
    errorOf(sendMessage(room, 'Hi', 'nobody'), ErrorCode.NoSuchRunner);
    const all = stored(store, sendMessage(room, 'Course change at km 12', null));
    assert.deepEqual(all.send.map((d) => d.to), [{ runners: true }, { organisers: true }]);
    const sent = all.result!;
    clock.now += 1000;
    const one = stored(store, sendMessage(room, 'Bo: your crew is at km 20', b));
    assert.deepEqual(one.send[0]!.to, { runner: b });
    assert.deepEqual(QUERIES.runnerMessages(room, { ask: 'runnerMessages', runnerId: a }).map((m) => m.text), ['Course change at km 12']);
    assert.deepEqual(QUERIES.runnerMessages(room, { ask: 'runnerMessages', runnerId: b }).map((m) => m.text), ['Course change at km 12', 'Bo: your crew is at km 20']);
    errorOf(messageSeen(room, a, one.result!.id), ErrorCode.NoSuchMessage);
    clock.now += 1000;
    const seenAt = clock.now;
    const receipt = stored(store, messageSeen(room, a, sent.id));
    assert.deepEqual(only(receipt.send, 'control').message!.seen, { [a]: seenAt });
    clock.now += 1000;
    assert.deepEqual(messageSeen(room, a, sent.id), { send: [], write: [], result: seenAt }, 'seen twice: nothing new');
    const again = reload(room, store);
    assert.deepEqual(QUERIES.control(again, { ask: 'control' }).messages.map((m) => [m.text, m.seen]), [
      ['Course change at km 12', { [a]: seenAt }],
      ['Bo: your crew is at km 20', {}],
    ]);
    assert.equal(QUERIES.runnerMessages(again, { ask: 'runnerMessages', runnerId: a })[0]!.seenAt, seenAt);
  });
});

describe('messages to a wave or a category', () => {
  const entry = (bib: string, name: string, fields: Partial<EntryFields>): EntryFields => ({
    bib, firstName: null, lastName: name, sex: null, birthYear: null, ageGroup: null, category: null, club: null, wave: null, chip: null, ...fields,
  });

  test('reach the runners of that group live and when they read, and nobody else; a group nobody is in is refused', () => {
    const room = newRoom();
    const store = controlStore();
    commit(
      execute(room, {
        do: 'importEntries',
        entries: [
          entry('1', 'Ann', { category: 'Half', wave: 'A' }),
          entry('2', 'Bob', { category: 'Half', wave: 'B' }),
          entry('3', 'Cy', { category: '10 km', wave: 'A' }),
        ],
      }),
    );
    const [ann, bob, cy] = ['1', '2', '3'].map((bib) => room.runnerByBib(bib)!.id) as [string, string, string];
    const walkIn = join(room, 'Walk-in').runnerId;
    errorOf(sendMessage(room, 'Wave C moves', null, { kind: 'wave', name: 'C' }), ErrorCode.NoSuchGroup);
    errorOf(sendMessage(room, 'Both', ann, { kind: 'wave', name: 'A' }), ErrorCode.BadRunnerMessage);

    const waveA = stored(store, sendMessage(room, 'Wave A: your start is 9:40', null, { kind: 'wave', name: 'A' }));
    assert.deepEqual(waveA.send.map((d) => d.to), [{ runner: ann }, { runner: cy }, { organisers: true }], 'live to the wave only');
    clock.now += 1000;
    stored(store, sendMessage(room, 'Half: water at every station', null, { kind: 'category', name: 'Half' }));
    const texts = (runnerId: string, r: Room = room) => QUERIES.runnerMessages(r, { ask: 'runnerMessages', runnerId }).map((m) => m.text);
    assert.deepEqual(texts(ann), ['Wave A: your start is 9:40', 'Half: water at every station']);
    assert.deepEqual(texts(bob), ['Half: water at every station']);
    assert.deepEqual(texts(cy), ['Wave A: your start is 9:40']);
    assert.deepEqual(texts(walkIn), [], 'a runner without an entry is in no group');
    errorOf(messageSeen(room, bob, waveA.result!.id), ErrorCode.NoSuchMessage);
    assert.equal(typeof stored(store, messageSeen(room, cy, waveA.result!.id)).result, 'number');

    // Moved to wave A by the organiser: the message to wave A is theirs now too.
    commit(execute(room, { do: 'editEntry', runnerId: bob, fields: entry('2', 'Bob', { category: 'Half', wave: 'A' }) }));
    assert.deepEqual(texts(bob), ['Wave A: your start is 9:40', 'Half: water at every station']);
    const again = reload(room, store);
    assert.deepEqual(QUERIES.control(again, { ask: 'control' }).messages.map((m) => m.group), [
      { kind: 'wave', name: 'A' },
      { kind: 'category', name: 'Half' },
    ]);
  });
});

describe('stillness', () => {
  test('a runner whose fixes stay in one place reads still from their first fix there, after a minute; moving again clears it', () => {
    const room = newRoom();
    const a = join(room, 'Ada').runnerId;
    const at = (seq: number, north: number, t: number) => send(room, a, { type: 'pos', seq, lat: 51.5 + north * 0.0001, lon: -0.12, t, acc: 5 });
    const t0 = clock.now;
    at(1, 0, t0);
    at(2, 10, t0 + 10_000); // 111 m on: moving
    room.dirty.clear();
    at(3, 11, t0 + 40_000); // 11 m: GPS wander
    assert.equal(summary(room, a)!.still, undefined, 'not a minute yet');
    at(4, 10, t0 + 75_000);
    assert.equal(summary(room, a)!.still, t0 + 10_000);
    assert.ok(room.dirty.has(a), 'stopping is news');
    room.dirty.clear();
    at(5, 30, t0 + 90_000);
    assert.equal(summary(room, a)!.still, undefined);
    assert.ok(room.dirty.has(a), 'moving again is news');
  });
});
