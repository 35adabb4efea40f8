/**
 * Unit: timing points and passings in a room (server/room/timing.ts), satellite feeds' reports
 * (tracking-apps.ts feedReport): a key per point, passings kept once however often they are sent, out of
 * order and late ones, unknown chips counted and taken by an entry given the chip later, chip-only runners
 * in race order from the mats, and a room that loads its passings again after a restart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeCourse } from '../../lib/course/compact';
import { buildCourse, type LatLon } from '../../lib/course/course';
import type { EntryFields } from '../../lib/entries/entry';
import { offsetM } from '../../lib/geo';
import { whereabouts } from '../../lib/course/estimate';
import { ErrorCode } from '../../lib/protocol';
import type { DecoderPassing } from '../../lib/timing/decoder-line';
import { cryptoCredentials } from '../../server/credentials';
import { execute } from '../../server/room/commands';
import { tick } from '../../server/room/picture';
import { answer } from '../../server/room/queries';
import { passingsLoaded, restored } from '../../server/room/recovery';
import type { Room } from '../../server/room/state';
import type { StoredPassing, TimingPointRecord } from '../../server/storage/store';
import { clock, commit, newRoom, T0 } from './support';

const START: LatLon = [51.5, -0.12];
/** 10 km due north. */
const course = () => {
  const points: LatLon[] = [];
  for (let m = 0; m <= 10_000; m += 100) points.push(offsetM(START[0], START[1], m, 0));
  return buildCourse({ name: 'Straight 10k', points, elevations: null });
};

function entry(bib: string, chip: string | null): EntryFields {
  return { bib, firstName: null, lastName: `Runner ${bib}`, sex: null, birthYear: null, ageGroup: null, category: null, club: null, wave: null, chip };
}

/** An event with a 10 km course, the gun at T0, and mats at the start, 5 km and the finish. */
function raceDay(): { room: Room; points: Record<string, { id: string; key: string }> } {
  const room = newRoom();
  commit(execute(room, { do: 'setCourse', course: encodeCourse(course()) }));
  commit(execute(room, { do: 'setRaceSettings', startsAt: T0 }));
  const points: Record<string, { id: string; key: string }> = {};
  for (const [name, at] of [
    ['Start', 0],
    ['5 km', 5000],
    ['Finish', 10_000],
  ] as const) {
    const out = commit(execute(room, { do: 'addTimingPoint', point: { name, at, timeZone: 'UTC' } })).result!;
    points[name] = { id: out.point.id, key: out.key };
  }
  return { room, points };
}

const hash = (key: string) => cryptoCredentials.hash(key);
const passing = (chip: string, t: number): DecoderPassing => ({ chip, t, loop: null, lap: null, battery: null, rewind: false });

function send(room: Room, point: { id: string; key: string }, passings: DecoderPassing[], duplicates = new Set<number>()) {
  const fx = execute(room, { do: 'passings', pointId: point.id, keyHash: hash(point.key), passings, malformed: 0 });
  return commit(fx, duplicates).result!;
}

describe('timing points', () => {
  test('a point has a key answered once; spectators see the points by distance, never the key', () => {
    const { room, points } = raceDay();
    assert.deepEqual(
      room.info.race!.timing!.map((p) => [p.name, p.at]),
      [
        ['Start', 0],
        ['5 km', 5000],
        ['Finish', 10_000],
      ],
    );
    assert.ok(!JSON.stringify(room.info).includes(points.Start!.key));
    const stored = room.timingPoints.get(points.Start!.id) as TimingPointRecord;
    assert.equal(stored.keyHash, hash(points.Start!.key));
    const fx = execute(room, { do: 'passings', pointId: points.Start!.id, keyHash: hash('not-the-key'), passings: [passing('A', T0)], malformed: 0 });
    assert.equal(fx.refusal?.code, ErrorCode.UnknownKey);
    assert.deepEqual(fx.write, []);
    const key = commit(execute(room, { do: 'newTimingKey', pointId: points.Start!.id })).result!;
    assert.equal(execute(room, { do: 'passings', pointId: points.Start!.id, keyHash: hash(points.Start!.key), passings: [], malformed: 0 }).refusal?.code, ErrorCode.UnknownKey, 'the old key stops');
    assert.ok(key);
  });

  test('a passing sent again (in a batch, a resend, a rewind) is kept once', () => {
    const { room, points } = raceDay();
    commit(execute(room, { do: 'importEntries', entries: [entry('1', 'KX1')] }));
    const first = send(room, points.Start!, [passing('kx1', T0 + 5000), passing('KX1', T0 + 5000), passing('KX1', T0 + 9000)]);
    assert.deepEqual(first, { stored: 2, duplicates: 1, unknown: 0, refused: {} });
    const again = send(room, points.Start!, [passing('KX1', T0 + 5000)], new Set([0]));
    assert.deepEqual(again, { stored: 0, duplicates: 1, unknown: 0, refused: {} }, 'the store had it: no arrival');
    assert.equal(answer(room, { ask: 'timing' }).points[0]!.passings, 2);
  });

  test('a decoder clock far ahead or a week behind is refused and counted, not stored', () => {
    const { room, points } = raceDay();
    clock.now = T0 + 3600_000;
    const fx = execute(room, {
      do: 'passings',
      pointId: points.Start!.id,
      keyHash: hash(points.Start!.key),
      passings: [passing('A', clock.now + 10 * 60_000), passing('A', clock.now - 8 * 86_400_000), passing('A', clock.now)],
      malformed: 2,
    });
    assert.equal(fx.write.length, 1);
    assert.deepEqual(commit(fx).result!.refused, { malformed: 2, in_future: 1, too_old: 1 });
  });

  test('unknown chips are counted for the organiser; an entry given the chip later takes its passings', () => {
    const { room, points } = raceDay();
    clock.now = T0 + 3600_000;
    const out = send(room, points['5 km']!, [passing('SPARE1', T0 + 1500_000), passing('SPARE1', T0 + 1600_000), passing('X9', T0 + 1700_000)]);
    assert.equal(out.unknown, 3);
    const view = answer(room, { ask: 'timing' });
    assert.deepEqual(
      view.unknownChips.map((c) => [c.chip, c.passings]),
      [
        ['SPARE1', 2],
        ['X9', 1],
      ],
    );
    commit(execute(room, { do: 'importEntries', entries: [entry('12', 'spare1')] }));
    const runner = room.runnerByBib('12')!;
    assert.deepEqual(
      runner.mats.map((m) => m.t),
      [T0 + 1500_000, T0 + 1600_000],
    );
    assert.equal(runner.race!.passings.length > 0, true);
    assert.deepEqual(answer(room, { ask: 'timing' }).unknownChips.map((c) => c.chip), ['X9']);
  });

  test('a point with passings stays where it is; one without may move', () => {
    const { room, points } = raceDay();
    commit(execute(room, { do: 'updateTimingPoint', pointId: points['5 km']!.id, changes: { at: 5100 } }));
    send(room, points['5 km']!, [passing('A', T0 + 60_000)]);
    assert.equal(execute(room, { do: 'updateTimingPoint', pointId: points['5 km']!.id, changes: { at: 5200 } }).refusal?.code, ErrorCode.BadTimingPoint);
    assert.equal(commit(execute(room, { do: 'updateTimingPoint', pointId: points['5 km']!.id, changes: { name: 'Half way' } })).result!.name, 'Half way');
  });
});

describe('chip-only runners', () => {
  test('mats put them in race order, predicted from their last mat up to the next', () => {
    const { room, points } = raceDay();
    commit(execute(room, { do: 'importEntries', entries: [entry('1', 'C1'), entry('2', 'C2'), entry('3', 'C3')] }));
    clock.now = T0 + 40 * 60_000;
    send(room, points.Start!, [passing('C1', T0 + 10_000), passing('C2', T0 + 20_000), passing('C3', T0 + 30_000)]);
    // Out of order: the 5 km mat's passings come in the other way round.
    send(room, points['5 km']!, [passing('C2', T0 + 26 * 60_000), passing('C1', T0 + 25 * 60_000)]);
    tick(room);
    room.updateStandings(clock.now, true);
    const order = [...room.runners.values()].sort((a, b) => (a.raceView!.pos ?? 99) - (b.raceView!.pos ?? 99)).map((r) => r.record.bib);
    assert.deepEqual(order, ['1', '2', '3']);
    const one = room.runnerByBib('1')!.raceView!;
    assert.equal(one.est!.src, 'mat');
    assert.equal(one.est!.at, 5000);
    assert.equal(one.est!.t, T0 + 25 * 60_000);
    assert.equal(one.est!.basis, 'recent', 'their pace over the last 2 km: the stretch between the mats');
    const likelyAtFinish = one.est!.t + (5000 / one.est!.v) * 1000;
    assert.ok(one.est!.until > likelyAtFinish, 'overdue only after the latest plausible arrival at the next mat (the finish)');
    assert.ok(one.est!.until < likelyAtFinish + 20 * 60_000, 'not the finish of a much later runner');
    const three = room.runnerByBib('3')!.raceView!;
    assert.equal(three.est!.src, 'mat');
    assert.equal(three.est!.at, 0);
    assert.equal(three.est!.basis, 'typical', 'one mat: a typical pace');
    assert.equal(whereabouts(three.est!, null, 10_000, clock.now).kind, 'predicted', 'not overdue at the 5 km mat yet');
    assert.ok(three.est!.until < three.est!.t + (10_000 / three.est!.v) * 1000, 'overdue at the next mat (5 km), long before the finish');
  });

  test('a room loaded again from its stored passings has the same races', () => {
    const { room, points } = raceDay();
    commit(execute(room, { do: 'importEntries', entries: [entry('1', 'C1')] }));
    clock.now = T0 + 40 * 60_000;
    const stored: StoredPassing[] = [];
    for (const [point, t] of [
      [points.Start!, T0 + 10_000],
      [points['5 km']!, T0 + 25 * 60_000],
    ] as const) {
      send(room, point, [passing('C1', t)]);
      stored.push({ point: point.id, chip: 'C1', t, loop: null, lap: null, battery: null, rewind: false, receivedAt: clock.now });
    }
    const before = room.runnerByBib('1')!.race;
    // The same room again from its records (no checkpoint), and every passing read back.
    const again = newRoom({
      event: room.eventRecord(),
      runners: [...room.runners.values()].map((r) => ({ ...r.record, mood: null, moodAt: null, cheers: [], checkpoint: null, avatarAt: null })),
      timingPoints: [...room.timingPoints.values()],
      course: room.course!.compact(),
    });
    passingsLoaded(again, stored.map((passing, i) => ({ arrival: i + 1, passing })));
    restored(again);
    assert.deepEqual(again.runnerByBib('1')!.race!.passings, before!.passings);
    assert.deepEqual(again.runnerByBib('1')!.race!.start, before!.start);
  });
});

describe('satellite feeds', () => {
  test('a poll’s fixes are stored once with the tracker’s state; an emergency raises one alert', () => {
    const room = newRoom();
    commit(execute(room, { do: 'importEntries', entries: [entry('7', null)] }));
    const runnerId = room.runnerByBib('7')!.id;
    const tracker = commit(execute(room, { do: 'addTracker', runnerId, kind: 'inreach', feed: 'Seven', password: 'pw' })).result!;
    assert.equal(tracker.hasPassword, true);
    assert.ok(!JSON.stringify(answer(room, { ask: 'trackers' })).includes('pw'), 'the password is never shown');
    clock.now = T0 + 600_000;
    const fix = (t: number) => ({ lat: 51.5, lon: -0.12, t, acc: 10, alt: null, spd: null, hdg: null, bat: null });
    const poll = { app: 'Garmin inReach', polledAt: clock.now, fixes: [fix(T0 + 300_000)], sos: true, lastT: T0 + 300_000, error: null };
    const fx = execute(room, { do: 'feedReport', trackerId: tracker.id, poll });
    assert.deepEqual(fx.write.map((w) => w.op), ['position', 'alert', 'tracker']);
    const applied = commit(fx);
    assert.equal(applied.result!.stored, 1);
    assert.equal(applied.send[0]!.msg.type, 'alert');
    assert.equal(room.runners.get(runnerId)!.last!.t, T0 + 300_000, 'on the map');
    assert.equal(room.trackers.get(tracker.id)!.lastT, T0 + 300_000);
    const again = commit(execute(room, { do: 'feedReport', trackerId: tracker.id, poll: { ...poll, polledAt: clock.now + 300_000 } }), new Set([0]));
    assert.equal(again.result!.stored, 0);
    assert.equal(again.send.length, 0, 'an open alert is not raised twice');
    const failed = execute(room, { do: 'feedReport', trackerId: tracker.id, poll: { ...poll, fixes: [], sos: false, lastT: null, error: 'HTTP 401: wrong password' } });
    commit(failed);
    assert.equal(answer(room, { ask: 'trackers' })[0]!.error, 'HTTP 401: wrong password');
    assert.equal(room.trackers.get(tracker.id)!.lastT, T0 + 300_000, 'a failed poll keeps the last message time');
  });

  test('a tracker’s fixes reach the estimator as satellite observations, a mat after them as a mat', () => {
    const { room, points } = raceDay();
    commit(execute(room, { do: 'importEntries', entries: [entry('8', 'C8')] }));
    const runner = room.runnerByBib('8')!;
    const tracker = commit(execute(room, { do: 'addTracker', runnerId: runner.id, kind: 'spot', feed: 'feed-8', password: null })).result!;
    clock.now = T0 + 30 * 60_000;
    const fixAt = (m: number, t: number) => {
      const [lat, lon] = offsetM(START[0], START[1], m, 0);
      return { lat, lon, t, acc: 10, alt: null, spd: null, hdg: null, bat: null };
    };
    const fixes = [fixAt(20, T0 + 60_000), fixAt(1500, T0 + 10 * 60_000), fixAt(3000, T0 + 20 * 60_000)];
    commit(execute(room, { do: 'feedReport', trackerId: tracker.id, poll: { app: 'SPOT', polledAt: clock.now, fixes, sos: false, lastT: T0 + 20 * 60_000, error: null } }));
    room.updateStandings(clock.now, true);
    const est = runner.raceView!.est!;
    assert.equal(est.src, 'sat');
    assert.equal(est.until, est.t + 12 * 60_000, 'a ghost after a tracker’s normal interval, not a phone’s minute');
    send(room, points['5 km']!, [passing('C8', T0 + 33 * 60_000)]);
    clock.now = T0 + 34 * 60_000;
    room.updateStandings(clock.now, true);
    assert.equal(runner.raceView!.est!.src, 'mat');
    assert.equal(runner.raceView!.est!.at, 5000);
  });
});
