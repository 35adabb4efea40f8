/**
 * Unit: the race inside an event room (server/room/race.ts with room/race-course.ts): a course
 * set by the organiser, fixes matched to it as they commit, the race order and gaps in updates and
 * snapshots, checkpoints retimed, bibs, a course that survives a checkpoint and restart, and refusals.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { encodeCourse } from '../../lib/course/compact';
import { buildCourse, type LatLon } from '../../lib/course/course';
import { offsetM } from '../../lib/geo';
import type { PositionMessage, RunnerInfo } from '../../lib/protocol';
import { cryptoCredentials } from '../../server/credentials';
import type { Applied, Effects } from '../../server/room/effects';
import { DEFAULT_TIMINGS } from '../../server/room/deps';
import { Room } from '../../server/room/state';
import { clock, T0 } from './support';
import * as runners from '../../server/room/runners';
import * as fixes from '../../server/room/fixes';
import * as raceRules from '../../server/room/race';
import * as organiser from '../../server/room/organiser';
import * as picture from '../../server/room/picture';
import * as recovery from '../../server/room/recovery';
import { QUERIES } from '../../server/room/queries';
import type { EventRecord, RoomRecord, RoomRunner, WriteOp } from '../../server/storage/store';

const START: LatLon = [51.5, -0.12];

/** Out 2.5 km due north and back: the two halves lie on top of each other. */
function outAndBack() {
  const points: LatLon[] = [];
  for (let m = 0; m <= 2500; m += 50) points.push(offsetM(START[0], START[1], m, 0));
  for (let m = 2450; m >= 0; m -= 50) points.push(offsetM(START[0], START[1], m + 0.5, 0.5));
  return buildCourse({ name: 'Out and back', points, elevations: null });
}

/** Where a runner is after `m` metres of the out-and-back. */
function along(m: number): LatLon {
  return m <= 2500 ? offsetM(START[0], START[1], m, 0) : offsetM(START[0], START[1], 5000 - m, 0);
}

function eventRecord(): EventRecord {
  return {
    info: { id: 'park-5k', name: 'Park 5k', createdAt: T0, status: 'live', protected: false },
    organiserHash: cryptoCredentials.hash('organiser-token-0000'),
    viewCodeHash: null,
    quotas: {},
  };
}

function newRoom(record: Partial<RoomRecord> = {}): Room {
  return new Room(
    { event: eventRecord(), runners: [], links: [], samples: [], alerts: [], maxArrival: 0, course: null, timingPoints: [], trackers: [], controls: [], ...record },
    { now: () => clock.now, secrets: cryptoCredentials, timings: DEFAULT_TIMINGS },
  );
}

function commit<R>(fx: Effects<R>): Applied<R> {
  assert.ok(fx.commit, `expected a write: ${JSON.stringify(fx.send)}`);
  return fx.commit(fx.write.map((op) => (op.op === 'position' || op.op === 'skip' ? ++clock.arrival : null)));
}

function join(room: Room, name: string, bib: string | null = null): string {
  const joined = commit(runners.join(room, name, '#123456', bib)).send[0]!.msg;
  assert.equal(joined.type, 'joined');
  return joined.type === 'joined' ? joined.runnerId : '';
}

const seqs = new Map<string, number>();
/** The runner is `m` metres into the race at the clock's time. */
function at(room: Room, runnerId: string, m: number): void {
  const seq = (seqs.get(runnerId) ?? 0) + 1;
  seqs.set(runnerId, seq);
  const [lat, lon] = along(m);
  const msg: PositionMessage = { type: 'pos', seq, lat, lon, t: clock.now, acc: 5 };
  commit(fixes.position(room, runnerId, msg));
}

/** Runs a race: each runner at its own speed (m/s) from the gun at `gun` s, one fix every 5 s from `from` s for `seconds`. */
function run(room: Room, speeds: Record<string, number>, seconds: number, from = 0, gun = 0): void {
  for (let s = from; s <= from + seconds; s += 5) {
    clock.now = T0 + s * 1000;
    for (const [id, v] of Object.entries(speeds)) at(room, id, Math.min(5000, v * (s - gun)));
  }
}

function latestInfos(room: Room): Map<string, RunnerInfo> {
  const out = new Map<string, RunnerInfo>();
  clock.now += 1100;
  const delta = picture.tick(room);
  for (const r of delta?.runners ?? []) out.set(r.id, r);
  for (const r of picture.snapshot(room, null).runners) if (!out.has(r.id)) out.set(r.id, r);
  return out;
}

beforeEach(() => {
  seqs.clear();
});

describe('a course in the room', () => {
  test('setting a course is written with the event and announced once it commits', () => {
    const room = newRoom();
    const fx = raceRules.setCourse(room, outAndBack());
    assert.deepEqual(
      fx.write.map((op) => op.op),
      ['course', 'event'],
    );
    assert.equal(room.course, null, 'nothing changes before the write commits');
    const applied = commit(fx);
    assert.equal(applied.send[0]!.msg.type, 'event');
    const race = room.info.race!;
    assert.ok(race.course, 'the event says it has a course');
    assert.ok(Math.abs(race.course.length - 5000) < 5, `length ${race.course.length}`);
    assert.equal(race.course.name, 'Out and back');
  });

  test('on an out-and-back course runners are ordered by distance along it, not by where they stand', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    const fast = join(room, 'Fast Fiona', '7');
    const slow = join(room, 'Slow Sam', '12');
    // After 700 s Fiona (5 m/s) is at 3,500 m, on the way back, 1,500 m from the start; Sam (2 m/s) is at
    // 1,400 m, on the way out, nearly beside her.
    run(room, { [fast]: 5, [slow]: 2 }, 700);
    const infos = latestInfos(room);
    const f = infos.get(fast)!.race!;
    const s = infos.get(slow)!.race!;
    assert.equal(f.pos, 1);
    assert.equal(s.pos, 2);
    assert.ok(Math.abs(f.at! - 3500) < 60, `Fiona at ${f.at}`);
    assert.ok(Math.abs(s.at! - 1400) < 60, `Sam at ${s.at}`);
    assert.equal(infos.get(fast)!.bib, '7');
    // Sam is where Fiona was at 280 s: 420 s behind, measured at the same spot.
    assert.ok(s.ahead !== null && Math.abs(s.ahead - 420) < 30, `gap ${s.ahead}`);
    assert.equal(s.gap, s.ahead, 'behind the leader by as much as behind the runner ahead');
    assert.ok(f.speed !== null && Math.abs(f.speed - 5) < 0.5, `speed ${f.speed}`);
  });

  test('finishers are first, by their finish time, with the finish as their last checkpoint', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    const a = join(room, 'A');
    const b = join(room, 'B');
    run(room, { [a]: 5, [b]: 4 }, 1300);
    const infos = latestInfos(room);
    const ra = infos.get(a)!.race!;
    const rb = infos.get(b)!.race!;
    assert.equal(ra.state, 'finished');
    assert.equal(rb.state, 'finished');
    assert.ok(ra.finish! < rb.finish!, `${ra.finish} < ${rb.finish}`);
    assert.equal(ra.pos, 1);
    assert.equal(ra.cp?.name, 'Finish');
    const detail = raceRules.raceDetail(room, a, 'km');
    assert.ok(detail);
    assert.equal(detail.splits.length, 5, 'a split at every kilometre, the last being the finish');
    assert.ok(Math.abs(detail.splits[0]!.split! - 200) < 15, `first km in ${detail.splits[0]!.split} s`);
  });

  test('checkpoints added mid-race are timed from what is known, and predictions point at the next one', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    const a = join(room, 'A');
    run(room, { [a]: 4 }, 600); // 2,400 m
    commit(raceRules.setCheckpoints(room, [{ name: 'Turn', at: 2500 }, { name: 'Water', at: 1000 }].sort((x, y) => x.at - y.at)));
    let detail = raceRules.raceDetail(room, a, 'km')!;
    assert.equal(detail.checkpoints.length, 1, 'Water passed');
    assert.ok(Math.abs(detail.checkpoints[0]!.elapsed! - 250) < 20, `Water at ${detail.checkpoints[0]!.elapsed}`);
    const next = detail.forecast.ahead[0]!;
    assert.equal(next.label, 'Turn');
    assert.ok(Math.abs((next.t - T0) / 1000 - 625) < 30, `Turn predicted at ${(next.t - T0) / 1000} s`);
    run(room, { [a]: 4 }, 100, 605);
    const infos = latestInfos(room);
    assert.equal(infos.get(a)!.race!.cp?.name, 'Turn');
    detail = raceRules.raceDetail(room, a, 'km')!;
    assert.equal(detail.checkpoints.length, 2);
  });

  test('a start time set by the organiser leaves out the warm-up', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    commit(raceRules.setRaceSettings(room, { startsAt: T0 + 300_000, unit: 'mi' }));
    assert.equal(room.info.race!.unit, 'mi');
    const a = join(room, 'A');
    // A warm-up along the first 600 m, then back to the line for the gun.
    for (let s = 0; s <= 300; s += 5) {
      clock.now = T0 + s * 1000;
      at(room, a, s <= 150 ? s * 4 : Math.max(0, 600 - (s - 150) * 4));
    }
    run(room, { [a]: 4 }, 300, 305, 300);
    const r = latestInfos(room).get(a)!.race!;
    assert.ok(r.start! >= T0 + 300_000 && r.start! < T0 + 310_000, `the race starts at the gun, not in the warm-up: ${(r.start! - T0) / 1000} s`);
    assert.ok(Math.abs(r.at! - 1200) < 60, `at ${r.at}`);
  });

  test('a runner with no course has no race, and checkpoints without a course are refused', () => {
    const room = newRoom();
    const a = join(room, 'A');
    at(room, a, 0);
    assert.equal(latestInfos(room).get(a)!.race, undefined);
    const fx = raceRules.setCheckpoints(room, [{ name: 'Water', at: 100 }]);
    assert.equal(fx.refusal?.code, 'no_course');
    assert.deepEqual(fx.write, []);
  });

  test('a finished event keeps its course', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    commit(organiser.finish(room));
    assert.equal(raceRules.setCourse(room, null).refusal?.code, 'event_finished');
  });

  test('bibs are set and corrected by the organiser, and shown with the runner', () => {
    const room = newRoom();
    const a = join(room, 'A', '101');
    at(room, a, 0);
    commit(raceRules.setBib(room, a, 'F12'));
    assert.equal(latestInfos(room).get(a)!.bib, 'F12');
    const fx = raceRules.setBib(room, a, null);
    const op = fx.write[0] as Extract<WriteOp, { op: 'runner' }>;
    assert.equal(op.runner.bib, null);
  });

  test('the race picks up where it was after a restart: course from the store, races from the checkpoints', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    const a = join(room, 'A');
    run(room, { [a]: 4 }, 400);
    const before = latestInfos(room).get(a)!.race!;
    const checkpoints = recovery.checkpoints(room) as Array<Extract<WriteOp, { op: 'checkpoint' }>>;
    const r = room.runners.get(a)!;
    const stored: RoomRunner = {
      ...r.record,
      mood: null,
      moodAt: null,
      cheers: [],
      checkpoint: { through: checkpoints[0]!.through, state: checkpoints[0]!.state },
      avatarAt: null,
    };
    const again = newRoom({ event: room.eventRecord(), runners: [stored], maxArrival: clock.arrival, course: room.course!.compact() });
    recovery.restored(again);
    const after = picture.snapshot(again, null).runners[0]!.race!;
    assert.equal(after.at, before.at);
    assert.equal(after.start, before.start);
    assert.equal(again.course!.version, room.course!.version);
  });
});

describe('after a restart', () => {
  function restartedRoom() {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    const a = join(room, 'A');
    run(room, { [a]: 3 }, 300);
    const checkpoints = recovery.checkpoints(room) as Array<Extract<WriteOp, { op: 'checkpoint' }>>;
    const stored: RoomRunner[] = [...room.runners.values()].map((r) => ({
      ...r.record,
      mood: null,
      moodAt: null,
      cheers: [],
      checkpoint: { through: checkpoints.find((c) => c.runnerId === r.id)!.through, state: checkpoints.find((c) => c.runnerId === r.id)!.state },
      avatarAt: null,
    }));
    const again = newRoom({ event: room.eventRecord(), runners: stored, maxArrival: clock.arrival, course: room.course!.compact() });
    recovery.restored(again);
    return { again, a };
  }

  test('a runner\'s race answers as soon as their fixes are in, never "not found" while the order waits', () => {
    const { again } = restartedRoom();
    const b = join(again, 'B');
    // 24 fresh fixes within the second after the room came back: the order is not worked out again yet.
    for (let i = 0; i < 24; i++) {
      clock.now += 40;
      at(again, b, 1 + i * 0.1);
    }
    const answer = QUERIES.raceDetail(again, { ask: 'raceDetail', runnerId: b, unit: 'km' });
    assert.ok(answer.detail, 'the race of a runner with fixes on the course');
    assert.equal(answer.detail.race.state, 'not-started');
    assert.equal(QUERIES.raceDetail(again, { ask: 'raceDetail', runnerId: 'nobody', unit: 'km' }).detail, null, 'no race for no runner: the event is still there');
  });

  test('every runner\'s pace, estimate and ETA intervals are there at once', () => {
    const { again, a } = restartedRoom();
    const view = picture.snapshot(again, null).runners.find((r) => r.id === a)!.race!;
    assert.ok(view.speed !== null && Math.abs(view.speed - 3) < 0.2, `pace now ${view.speed}`);
    assert.ok(view.est && Math.abs(view.est.v - 3) < 0.2);
    assert.deepEqual(view.eta.map((e) => e.kind), ['finish']);
    assert.ok(view.eta[0]!.lo < view.eta[0]!.t && view.eta[0]!.t < view.eta[0]!.hi);
  });
});

describe('the compact course', () => {
  test('travels as JSON and comes back the same', () => {
    const course = outAndBack();
    const json = JSON.parse(JSON.stringify(encodeCourse(course)));
    const room = newRoom();
    commit(raceRules.setCourse(room, course));
    assert.deepEqual(room.course!.compact().line, json.line);
  });
});

describe('the field of a big race', () => {
  test('a runner silent for longer than their source allows is placed where the estimator puts them, as a ghost, every few seconds', () => {
    const room = newRoom();
    commit(raceRules.setCourse(room, outAndBack()));
    const ada = join(room, 'Ada');
    run(room, { [ada]: 3 }, 300);
    latestInfos(room);
    // Five minutes of silence: longer than a phone's minute.
    clock.now += 5 * 60_000;
    room.raceMoved = true;
    room.updateStandings(clock.now, true);
    let placed: Record<string, [number, number, number]> | undefined;
    for (let k = 0; k < 3 && !placed; k++) {
      clock.now += picture.PLACE_EVERY_MS;
      placed = picture.tick(room)?.placed;
    }
    const p = placed?.[ada];
    assert.ok(p, 'placed');
    assert.equal(p[2], 2, 'a ghost');
    // Further along the course than where Ada was last seen (900 m in).
    const [lastLat] = along(900);
    assert.ok(p[0] > lastLat, 'moved on along the course');
    const dump = picture.fieldDump(room);
    assert.equal(dump.runners.find((r) => r.id === ada)?.kind, 2, "a late spectator's field has them there too");
  });
});
