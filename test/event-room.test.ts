/**
 * Unit: one event's rules (server/domain/event-room.ts), driven by hand with a fake clock and a fake commit.
 * No sockets, no files, no timers. `commit` stands in for the write pipeline: it numbers positions and skips
 * as the store would and runs the command's continuation; `fail` runs its abort instead.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { decodeTrail } from '../lib/polyline';
import { AppRefusal, ErrorCode, LIMITS, type PositionMessage, type ServerMessage } from '../lib/protocol';
import { cryptoCredentials } from '../server/credentials';
import type { Applied, Delivery, Effects } from '../server/domain/effects';
import { type AppReport, DEFAULT_TIMINGS, EventRoom } from '../server/domain/event-room';
import { INGEST_SEQ_BASE, RunnerTrack } from '../server/domain/runner-track';
import type { EventRecord, RoomRecord, RoomRunner, StoredPosition, WriteOp } from '../server/storage/store';

const T0 = 1_700_000_000_000;
let now = T0;
let arrival = 0;

type Msg<K extends ServerMessage['type']> = Extract<ServerMessage, { type: K }>;

function eventRecord(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    info: { id: 'sunday-10k', name: 'Sunday 10k', createdAt: T0, status: 'live', protected: false },
    organiserHash: cryptoCredentials.hash('organiser-token-0000'),
    viewCodeHash: null,
    quotas: {},
    ...overrides,
  };
}

function newRoom(record: Partial<RoomRecord> = {}): EventRoom {
  return new EventRoom(
    { event: eventRecord(), runners: [], links: [], samples: [], alerts: [], maxArrival: 0, course: null, ...record },
    { now: () => now, credentials: cryptoCredentials, timings: DEFAULT_TIMINGS },
  );
}

/** The write commits: positions and skips get arrivals unless `duplicates` says they existed already. */
function commit<R>(fx: Effects<R>, duplicates = new Set<number>()): Applied<R> {
  assert.ok(fx.commit, `expected something to wait for a write: ${JSON.stringify(fx.send)}`);
  const arrivals = fx.write.map((op, i) => (op.op === 'position' || op.op === 'skip' ? (duplicates.has(i) ? null : ++arrival) : null));
  return fx.commit(arrivals);
}

const toSender = (ds: readonly Delivery[]) => ds.filter((d) => 'sender' in d.to).map((d) => d.msg);

function only<K extends ServerMessage['type']>(ds: readonly Delivery[], type: K): Msg<K> {
  const msgs = ds.map((d) => d.msg);
  assert.equal(msgs.length, 1, `expected one message, got ${JSON.stringify(msgs)}`);
  assert.equal(msgs[0]!.type, type, JSON.stringify(msgs[0]));
  return msgs[0] as Msg<K>;
}

function errorOf(fx: Effects<unknown>, code: ErrorCode) {
  const err = only(fx.send, 'error');
  assert.equal(err.code, code);
  assert.deepEqual(fx.write, [], 'a refusal writes nothing');
  return err;
}

function join(room: EventRoom, name = 'Ada') {
  const fx = room.join(name, '#123456');
  assert.deepEqual(fx.send, [], 'nothing is said before the runner is stored');
  assert.equal(fx.write[0]!.op, 'runner');
  const applied = commit(fx);
  const joined = only(applied.send, 'joined');
  assert.ok(joined.token);
  assert.deepEqual(applied.sessions, [{ bind: joined.runnerId }]);
  return { runnerId: joined.runnerId, token: joined.token, joined };
}

/** A fix `i` steps north of the start, stamped `t` (by default the clock plus `seq` ms, so each time differs). */
function pos(seq: number, t = now + seq, i = seq): PositionMessage {
  return { type: 'pos', seq, lat: 51.5 + i * 0.0001, lon: -0.12, t, acc: 5 };
}

/** Send a fix and commit it; returns the ack. */
function send(room: EventRoom, runnerId: string, p: PositionMessage): number {
  const fx = room.position(runnerId, p);
  const sent = fx.commit ? commit(fx).send : fx.send;
  const ack = toSender(sent).find((m) => m.type === 'ack') as Msg<'ack'> | undefined;
  assert.ok(ack, `no ack in ${JSON.stringify(sent)}`);
  return ack.seq;
}

beforeEach(() => {
  now = T0;
  arrival = 0;
});

describe('joining and resuming', () => {
  test('joining gives a server-chosen runner id and a token only once the runner is stored', () => {
    const room = newRoom();
    const fx = room.join('Ada', '#123456');
    assert.equal(room.runners.size, 0, 'not there before the write commits');
    const applied = commit(fx);
    const joined = only(applied.send, 'joined');
    assert.match(joined.runnerId, /^[A-Za-z0-9_-]{6,32}$/);
    assert.match(joined.token!, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(joined.lastSeq, 0);
    const op = fx.write[0] as Extract<WriteOp, { op: 'runner' }>;
    assert.notEqual(op.runner.tokenHash, joined.token, 'only a hash of the token is stored');
    assert.equal(room.runners.size, 1);
  });

  test('a join whose write failed leaves nothing behind', () => {
    const room = newRoom();
    room.join('Ada', '#123456').abort!();
    assert.equal(room.runners.size, 0);
    assert.equal(room.busy, false);
  });

  test('two runners get different ids and tokens', () => {
    const room = newRoom();
    const a = join(room, 'A');
    const b = join(room, 'B');
    assert.notEqual(a.runnerId, b.runnerId);
    assert.notEqual(a.token, b.token);
  });

  test('a finished event takes no new runners', () => {
    const room = newRoom({ event: eventRecord({ info: { ...eventRecord().info, status: 'finished' } }) });
    errorOf(room.join('Ada', '#123456'), ErrorCode.EventFinished);
  });

  test('an event takes no more runners than its limit, with a clear refusal', () => {
    const room = newRoom({ event: eventRecord({ quotas: { maxRunners: 2 } }) });
    join(room, 'A');
    const pending = room.join('B', '#123456');
    // A join still being written counts too.
    const err = errorOf(room.join('C', '#123456'), ErrorCode.QuotaExceeded);
    assert.match(err.message, /at most 2 runners/);
    commit(pending);
    assert.equal(room.runners.size, 2);
  });

  test('resuming with the token answers after pending writes, with the highest contiguous sequence number', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    send(room, runnerId, pos(1));
    send(room, runnerId, pos(2));
    const inFlight = room.position(runnerId, pos(3));
    const fx = room.resume(runnerId, token);
    assert.deepEqual(fx.write, []);
    commit(inFlight);
    const joined = only(fx.commit!([]).send, 'joined');
    assert.equal(joined.lastSeq, 3, 'the fix that was being written counts once it is durable');
    assert.equal(joined.token, undefined, 'the token is never sent again');
  });

  test('an unknown runner and a wrong token are refused alike, so ids cannot be probed', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const b = join(room, 'Bo');
    const wrong = errorOf(room.resume(runnerId, 'x'.repeat(32)), ErrorCode.BadToken);
    const other = errorOf(room.resume(runnerId, b.token), ErrorCode.BadToken);
    const unknown = errorOf(room.resume('nobody00', 'x'.repeat(32)), ErrorCode.BadToken);
    assert.equal(wrong.message, unknown.message);
    assert.equal(other.message, unknown.message);
  });

  test('resuming with a new name stores it; spectators see it with the next update', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    send(room, runnerId, pos(1));
    room.tick();
    const fx = room.resume(runnerId, token, 'Ada L.', '#654321');
    assert.equal(fx.write[0]!.op, 'runner');
    assert.equal(room.runners.get(runnerId)!.record.name, 'Ada', 'not before it is stored');
    commit(fx);
    const { delta } = room.tick();
    assert.deepEqual(delta!.runners.map((r) => [r.name, r.color]), [['Ada L.', '#654321']]);
  });
});

describe('positions: durable, then visible', () => {
  test('a fix is acknowledged and seen only after it is stored', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const fx = room.position(runnerId, pos(1));
    assert.deepEqual(fx.send, [], 'no ack yet');
    assert.equal(fx.write[0]!.op, 'position');
    assert.equal(room.tick().delta, null, 'spectators see nothing yet');
    assert.equal(room.snapshot(null).runners.length, 0);
    const applied = commit(fx);
    assert.deepEqual(toSender(applied.send), [{ type: 'ack', seq: 1 }]);
    const { delta } = room.tick();
    assert.deepEqual(delta!.points[runnerId], [[51.5001, -0.12, T0 + 1]]);
    assert.equal(delta!.runners[0]!.id, runnerId, 'the first fix makes the runner visible, with their info');
  });

  test('a fix whose write failed is not acknowledged and is written again when resent', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    room.position(runnerId, pos(1)).abort!();
    assert.equal(room.busy, false);
    const again = room.position(runnerId, pos(1));
    assert.equal(again.write.length, 1, 'not taken for a duplicate');
    assert.equal(toSender(commit(again).send)[0]!.type, 'ack');
  });

  test('the ack is the highest contiguous sequence number; a gap holds it until it fills', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    assert.equal(send(room, runnerId, pos(1)), 1);
    assert.equal(send(room, runnerId, pos(3)), 1);
    assert.equal(send(room, runnerId, pos(4)), 1);
    assert.equal(send(room, runnerId, pos(2)), 4);
  });

  test('a duplicate of a durable fix is acknowledged again at once and not written', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const fx = room.position(runnerId, pos(1));
    assert.deepEqual(fx.write, []);
    assert.deepEqual(toSender(fx.send), [{ type: 'ack', seq: 1 }]);
  });

  test('a duplicate of a fix being written is not written twice and is acknowledged once it is durable', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const first = room.position(runnerId, pos(1));
    const dup = room.position(runnerId, pos(1));
    assert.deepEqual(dup.write, []);
    assert.deepEqual(dup.send, []);
    commit(first);
    assert.deepEqual(toSender(dup.commit!([]).send), [{ type: 'ack', seq: 1 }]);
  });

  test('a fix the store already held is acknowledged but not drawn or counted again', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    room.tick();
    const fx = room.position(runnerId, pos(2));
    const applied = commit(fx, new Set([0]));
    assert.deepEqual(toSender(applied.send), [{ type: 'ack', seq: 2 }]);
    assert.equal(room.tick().delta, null);
    assert.equal(room.runners.get(runnerId)!.points, 1);
  });

  test('fixes stamped too far ahead or too old are refused for good: settled, so the ack moves past them', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    for (const [seq, t] of [
      [2, now + LIMITS.maxFutureMs + 1000],
      [3, now - LIMITS.maxPastMs - 1000],
    ] as const) {
      const fx = room.position(runnerId, pos(seq, t));
      const err = only(fx.send, 'error');
      assert.equal(err.code, ErrorCode.BadPosition);
      assert.equal(err.seq, seq);
      assert.deepEqual(fx.write, [{ op: 'skip', event: room.id, runnerId, seq }]);
      commit(fx);
    }
    assert.equal(send(room, runnerId, pos(4)), 4);
    const again = room.position(runnerId, pos(2, now + LIMITS.maxFutureMs + 1000));
    assert.deepEqual(again.write, [], 'a refused fix sent again is not written again');
  });

  test('each runner has their own sequence numbers', () => {
    const room = newRoom();
    const a = join(room, 'A');
    const b = join(room, 'B');
    assert.equal(send(room, a.runnerId, pos(1)), 1);
    assert.equal(send(room, b.runnerId, pos(1)), 1);
    assert.equal(send(room, a.runnerId, pos(2)), 2);
  });

  test('a late fix is drawn in time order but does not count again towards the distance', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    now = T0 + 10_000;
    send(room, runnerId, pos(1, T0, 0));
    send(room, runnerId, pos(3, T0 + 2000, 200));
    const before = room.runners.get(runnerId)!.distance;
    assert.ok(before > 2000);
    send(room, runnerId, pos(2, T0 + 1000, 400));
    const r = room.runners.get(runnerId)!;
    assert.equal(r.distance, before);
    assert.deepEqual(r.trail.toPoints().map((p) => p[2]), [T0, T0 + 1000, T0 + 2000]);
    assert.equal(r.last!.seq, 3, 'the latest fix is the latest by time');
  });

  test('standing still does not add distance: jitter under five metres is left out', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    for (let i = 1; i <= 50; i++) {
      now = T0 + i * 1000;
      send(room, runnerId, { type: 'pos', seq: i, lat: 51.5 + (i % 2) * 0.00002, lon: -0.12 + (i % 3) * 0.00002, t: now, acc: 5 });
    }
    assert.equal(room.runners.get(runnerId)!.distance, 0);
  });

  test('a runner may store only as many fixes as the time since joining allows, and is told when to send more', () => {
    const room = newRoom({ event: eventRecord({ quotas: { fixesPerRunnerPerHour: 3600 } }) });
    const { runnerId } = join(room);
    for (let i = 1; i <= 600; i++) send(room, runnerId, pos(i, now, i % 50));
    const fx = room.position(runnerId, pos(601));
    const err = errorOf(fx, ErrorCode.QuotaExceeded);
    assert.ok(err.retryAfterMs! >= 1000);
    assert.equal(room.runners.get(runnerId)!.contiguous, 600, 'not settled: the phone keeps the fix and sends it later');
    now += 2000;
    assert.equal(send(room, runnerId, pos(601)), 601);
  });
});

describe('updates and snapshots', () => {
  test('one update per tick carries every point since the last, once, with the distance so far', () => {
    const room = newRoom();
    const a = join(room, 'A');
    send(room, a.runnerId, pos(1));
    send(room, a.runnerId, pos(2));
    const first = room.tick().delta!;
    assert.equal(first.points[a.runnerId]!.length, 2);
    assert.ok(first.distance[a.runnerId]! > 10);
    assert.equal(room.tick().delta, null, 'nothing new, nothing sent');
    send(room, a.runnerId, pos(3));
    const next = room.tick().delta!;
    assert.equal(next.seq, first.seq + 1);
    assert.deepEqual(next.points[a.runnerId]!.map((p) => p[0]), [pos(3).lat]);
    assert.deepEqual(next.runners, [], 'a new point alone changes no runner info');
  });

  test('runners who never sent a fix are not shown to spectators; the organiser sees them', () => {
    const room = newRoom();
    const a = join(room, 'Ada');
    join(room, 'Blocked Bob');
    send(room, a.runnerId, pos(1));
    assert.deepEqual(room.tick().delta!.runners.map((r) => r.name), ['Ada']);
    assert.deepEqual(room.snapshot(null).runners.map((r) => r.name), ['Ada']);
    assert.deepEqual(room.summaries(false).map((r) => r.name), ['Ada']);
    assert.deepEqual(room.summaries(true).map((r) => r.name).sort(), ['Ada', 'Blocked Bob']);
  });

  test('a snapshot carries each runner’s trail encoded, the latest fix exact, and is built once per update', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    for (let i = 1; i <= 5; i++) send(room, runnerId, { ...pos(i), lat: 51.5 + i * 0.000123456 });
    room.tick();
    const snap = room.snapshot(null);
    const r = snap.runners[0]!;
    const trail = decodeTrail(r.trail);
    assert.equal(trail.length, 5);
    assert.ok(Math.abs(trail[4]![0] - r.last![0]) < 1e-5);
    assert.equal(r.last![0], 51.5 + 5 * 0.000123456, 'exact');
    assert.equal(r.points, 5);
    assert.equal(snap.seq, room.seq);
    assert.strictEqual(room.snapshot(null), snap, 'the same snapshot until something changes');
    send(room, runnerId, pos(6));
    room.tick();
    assert.notStrictEqual(room.snapshot(null), snap);
  });

  test('a five-hour trail stays bounded in the room and in snapshots, with its distance exact', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    let lat = 51.5;
    let lon = -0.12;
    for (let i = 1; i <= 18_000; i++) {
      // A winding course: the direction turns slowly, so thinning has shape to keep.
      lat += 0.00002 * Math.cos(i / 300);
      lon += 0.00003 * Math.sin(i / 300);
      now = T0 + i * 1000;
      send(room, runnerId, { type: 'pos', seq: i, lat, lon, t: now, acc: 5 });
      if (i % 150 === 0) room.tick();
    }
    const r = room.runners.get(runnerId)!;
    assert.equal(r.points, 18_000);
    assert.ok(r.trail.length <= LIMITS.trailMaxPoints * 1.5, `room trail ${r.trail.length}`);
    const snap = room.snapshot(null).runners[0]!;
    const trail = decodeTrail(snap.trail);
    assert.ok(trail.length <= LIMITS.trailMaxPoints, `snapshot trail ${trail.length}`);
    assert.equal(trail[0]![2], T0 + 1000, 'the start stays');
    assert.ok(snap.distance > 10_000);
  });

  test('a big field shares the snapshot budget: 1,000 runners with long trails make a snapshot under 1.5 MB', () => {
    const room = newRoom({ event: eventRecord({ quotas: { maxRunners: 5000 } }) });
    const ids: string[] = [];
    for (let k = 0; k < 1000; k++) ids.push(join(room, `Runner number ${k} with a long name`).runnerId);
    for (let i = 1; i <= 400; i++) {
      now = T0 + i * 1000;
      ids.forEach((id, k) => send(room, id, { type: 'pos', seq: i, lat: 51.5 + k * 0.001 + i * 0.00003 * Math.cos(i / 40), lon: -0.12 + i * 0.00003, t: now, acc: 5 }));
    }
    room.tick();
    const bytes = Buffer.byteLength(JSON.stringify(room.snapshot(null)));
    assert.ok(bytes < 1.5 * 1024 * 1024, `snapshot ${bytes} bytes`);
    for (const r of room.snapshot(null).runners) assert.ok(decodeTrail(r.trail).length <= LIMITS.snapshotPoints / 1000 + 1);
  });

  test('a snapshot is the picture as of the last update: what arrived since comes with the next one, once', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    room.tick();
    send(room, runnerId, pos(2));
    const snap = room.snapshot(null);
    assert.equal(snap.seq, room.seq);
    assert.equal(decodeTrail(snap.runners[0]!.trail).length, 1);
    assert.equal(snap.runners[0]!.last![2], pos(1).t);
    assert.equal(snap.runners[0]!.points, 1);
    const { delta } = room.tick();
    assert.equal(delta!.seq, snap.seq + 1);
    assert.deepEqual(delta!.points[runnerId]!.map((p) => p[2]), [pos(2).t]);
  });

  test('a snapshot for chosen runners holds only them', () => {
    const room = newRoom();
    const a = join(room, 'A');
    const b = join(room, 'B');
    send(room, a.runnerId, pos(1));
    send(room, b.runnerId, pos(1));
    room.tick();
    assert.deepEqual(room.snapshot(new Set([b.runnerId])).runners.map((r) => r.name), ['B']);
  });
});

describe('runner status', () => {
  test('idle after 30 s without a fix, offline after 5 minutes, active again with a fix', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    room.tick();
    now += DEFAULT_TIMINGS.idleAfterMs;
    assert.deepEqual(room.tick().delta!.runners.map((r) => r.status), ['idle']);
    now += DEFAULT_TIMINGS.offlineAfterMs;
    assert.deepEqual(room.tick().delta!.runners.map((r) => r.status), ['offline']);
    send(room, runnerId, pos(2));
    assert.deepEqual(room.tick().delta!.runners.map((r) => r.status), ['active']);
  });

  test('a runner who stops is shown stopped, stays so, and runs again with a new fix (stored as not stopped)', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    room.tick();
    commit(room.stop(runnerId));
    assert.deepEqual(room.tick().delta!.runners.map((r) => r.status), ['stopped']);
    now += DEFAULT_TIMINGS.offlineAfterMs * 2;
    assert.equal(room.tick().delta, null);
    const fx = room.position(runnerId, pos(2));
    assert.deepEqual(fx.write.map((o) => o.op), ['position', 'runner']);
    commit(fx);
    assert.deepEqual(room.tick().delta!.runners.map((r) => r.status), ['active']);
  });
});

describe('happiness', () => {
  test('a sample is the mean latest mood of active runners, rounded, with their count; stopped and quiet ones are left out', () => {
    const room = newRoom();
    const runners = ['A', 'B', 'C', 'D'].map((n) => join(room, n).runnerId);
    [9, 6, 7, 2].forEach((v, i) => commit(room.mood(runners[i]!, v)));
    commit(room.stop(runners[3]!));
    now += 1000;
    const fx = room.sampleHappiness()!;
    const sample = commit(fx).result!;
    assert.deepEqual(sample, { t: now, mean: 7.33, count: 3 });
    now += DEFAULT_TIMINGS.activeWindowMs;
    assert.deepEqual(commit(room.sampleHappiness()!).result, { t: now, mean: null, count: 0 });
    assert.equal(room.happiness.length, 2);
  });

  test('a long history reaches a late spectator thinned, its latest sample exact', () => {
    const room = newRoom({ samples: Array.from({ length: 4320 }, (_, i) => ({ t: T0 + i * 5000, mean: (i % 10) + 0.5, count: 3 })) });
    const { happiness } = room.snapshot(null);
    assert.ok(happiness.length <= 360);
    assert.deepEqual(happiness.at(-1), { t: T0 + 4319 * 5000, mean: 9.5, count: 3 });
  });

  test('a finished event is not sampled', () => {
    const room = newRoom({ event: eventRecord({ info: { ...eventRecord().info, status: 'finished' } }) });
    assert.equal(room.sampleHappiness(), null);
  });
});

describe('cheers', () => {
  test('a stored cheer reaches the runner’s phones, and the sender hears whether the runner is connected', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const fx = room.cheer(runnerId, 'Go Ada!', undefined, null);
    assert.deepEqual(fx.send, []);
    const applied = commit(fx);
    const toRunner = applied.send.find((d) => 'runner' in d.to)!;
    assert.deepEqual(toRunner.to, { runner: runnerId });
    assert.equal((toRunner.msg as Msg<'cheer'>).cheer.from, 'A spectator');
    assert.deepEqual(toSender(applied.send), [{ type: 'cheered', runnerId, online: false }]);
    room.runnerConnected(runnerId, 1);
    assert.deepEqual(toSender(commit(room.cheer(runnerId, 'Again', 'Mum', null)).send), [{ type: 'cheered', runnerId, online: true }]);
  });

  test('only the 20 latest cheers are kept, and a runner finds them when resuming', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    send(room, runnerId, pos(1));
    for (let i = 0; i < 25; i++) commit(room.cheer(runnerId, `cheer ${i}`, undefined, null));
    const joined = only(room.resume(runnerId, token).commit!([]).send, 'joined');
    assert.equal(joined.cheers.length, 20);
    assert.equal(joined.cheers[0]!.text, 'cheer 5');
  });

  test('cheers for a runner spectators cannot see, or outside a share link’s runners, are refused', () => {
    const room = newRoom();
    const a = join(room, 'A');
    const hidden = join(room, 'Hidden');
    send(room, a.runnerId, pos(1));
    errorOf(room.cheer(hidden.runnerId, 'hi', undefined, null), ErrorCode.NoSuchRunner);
    errorOf(room.cheer('nobody00', 'hi', undefined, null), ErrorCode.NoSuchRunner);
    errorOf(room.cheer(a.runnerId, 'hi', undefined, new Set(['someone'])), ErrorCode.NoSuchRunner);
  });

  test('an event takes at most its cheers per minute, and says when to try again', () => {
    const room = newRoom({ event: eventRecord({ quotas: { cheersPerMinute: 3 } }) });
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    for (let i = 0; i < 3; i++) commit(room.cheer(runnerId, 'go', undefined, null));
    const err = errorOf(room.cheer(runnerId, 'go', undefined, null), ErrorCode.QuotaExceeded);
    assert.ok(err.retryAfterMs! > 0 && err.retryAfterMs! <= 20_000);
    now += 20_000;
    assert.ok(room.cheer(runnerId, 'go', undefined, null).commit);
  });
});

describe('the organiser', () => {
  test('finishing tells everyone; a finished event refuses fixes for good (settled), so outboxes empty', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const applied = commit(room.finish());
    assert.deepEqual(applied.send, [{ to: { event: true }, msg: { type: 'event', event: { ...room.info, status: 'finished' } } }]);
    const fx = room.position(runnerId, pos(2));
    assert.equal(only(fx.send, 'error').code, ErrorCode.EventFinished);
    assert.deepEqual(toSender(commit(fx).send), [{ type: 'ack', seq: 2 }]);
    assert.deepEqual(room.finish().write, [], 'finishing twice writes nothing');
  });

  test('protecting the event asks the sessions to check access again; lifting it does not', () => {
    const room = newRoom();
    const applied = commit(room.setViewCode('scrypt$a$b'));
    assert.equal(room.info.protected, true);
    assert.deepEqual(applied.sessions, [{ recheckAccess: true }]);
    assert.deepEqual(commit(room.setViewCode(null)).sessions, []);
    assert.equal(room.info.protected, false);
  });

  test('removing a runner removes them for spectators, tells their phone and unbinds it', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    room.tick();
    const fx = room.removeRunner(runnerId);
    assert.deepEqual(fx.write, [{ op: 'deleteRunner', event: room.id, runnerId }]);
    const applied = commit(fx);
    assert.deepEqual(applied.sessions, [{ unbindRunner: runnerId }]);
    assert.equal((applied.send[0]!.msg as Msg<'error'>).code, ErrorCode.RunnerRemoved);
    assert.deepEqual(room.tick().delta!.removed, [runnerId]);
    assert.equal(only(room.position(runnerId, pos(2)).send, 'error').code, ErrorCode.RunnerRemoved);
  });

  test('a withdrawn share link drops whoever watches through it; an expired one is reported once by the tick', () => {
    const room = newRoom();
    const link = commit(room.createLink({ label: 'Family', runners: null, expiresAt: null })).result!;
    const revoked = commit(room.revokeLink(link.id));
    assert.deepEqual(revoked.sessions, [{ dropLink: link.id, reason: 'revoked' }]);
    assert.deepEqual(room.revokeLink(link.id).write, [], 'withdrawing twice writes nothing');
    const soon = commit(room.createLink({ label: 'Soon', runners: null, expiresAt: now + 1000 })).result!;
    assert.deepEqual(room.tick().lapsedLinks, []);
    now += 1000;
    assert.deepEqual(room.tick().lapsedLinks, [soon.id]);
    assert.deepEqual(room.tick().lapsedLinks, []);
    assert.equal(room.createLink({ label: 'x', runners: ['nobody00'], expiresAt: null }).refusal?.code, 'bad_link');
  });
});

describe('tracking apps', () => {
  type Fix = Omit<StoredPosition, 'seq'>;
  const appFix = (t: number, extra: Partial<Fix> = {}): Fix => ({ lat: 51.5, lon: -0.12, t, acc: 8, alt: null, spd: 2, hdg: null, bat: 80, ...extra });
  const report = (fixes: Fix[], extra: Partial<AppReport> = {}): AppReport => ({ app: 'Traccar Client', fixes, refused: [], sos: false, ...extra });

  function withKey(room: EventRoom) {
    const { runnerId, token } = join(room);
    const key = commit(room.issueDeviceKey(runnerId)).result!;
    return { runnerId, token, hash: cryptoCredentials.hash(key) };
  }

  test('an app fix is numbered from its time, so the same fix sent again is kept once', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    const fix = appFix(now - 1000);
    const fx = room.ingest(runnerId, hash, report([fix]));
    const op = fx.write[0] as Extract<WriteOp, { op: 'position' }>;
    assert.equal(op.pos.seq, INGEST_SEQ_BASE + fix.t);
    assert.deepEqual(commit(fx).result, { stored: 1, duplicates: 0, refused: {}, retryAfterMs: null, alert: null });
    assert.equal(commit(room.ingest(runnerId, hash, report([fix])), new Set([0])).result!.duplicates, 1);
    assert.equal(room.runners.get(runnerId)!.points, 1);
    assert.equal(room.runners.get(runnerId)!.contiguous, 0, 'app fixes do not move the browser’s sequence');
  });

  test('a revoked or replaced key is refused', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const first = commit(room.issueDeviceKey(runnerId)).result!;
    const second = commit(room.issueDeviceKey(runnerId)).result!;
    const r = report([appFix(now)]);
    assert.equal(room.ingest(runnerId, cryptoCredentials.hash(first), r).refusal?.code, 'unknown_key');
    assert.equal(room.heartbeat(runnerId, cryptoCredentials.hash(first)).refusal?.code, 'unknown_key');
    assert.ok(room.ingest(runnerId, cryptoCredentials.hash(second), r).commit);
    commit(room.revokeDeviceKey(runnerId));
    assert.equal(room.ingest(runnerId, cryptoCredentials.hash(second), r).refusal?.code, 'unknown_key');
  });

  test('fixes that can never be taken are counted per reason, not refused: the rest of the batch is kept', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    const fx = room.ingest(
      runnerId,
      hash,
      report([appFix(now - LIMITS.maxPastMs - 1), appFix(now - 2000), appFix(now + LIMITS.maxFutureMs + 1), appFix(now - 2000), appFix(now - 1000)], {
        refused: [AppRefusal.OutOfRange, AppRefusal.OutOfRange, AppRefusal.Malformed],
      }),
    );
    assert.equal(fx.refusal, undefined);
    assert.equal(fx.write.length, 2, 'two fixes written; the repeated time within the request is one fix');
    const out = commit(fx).result!;
    assert.deepEqual(out.refused, { out_of_range: 2, malformed: 1, too_old: 1, in_future: 1 });
    assert.deepEqual([out.stored, out.duplicates], [2, 1]);
    assert.deepEqual(room.refusedFixes(runnerId), { out_of_range: 2, malformed: 1, too_old: 1, in_future: 1 });
    commit(room.ingest(runnerId, hash, report([], { refused: [AppRefusal.Malformed] })));
    assert.equal(room.refusedFixes(runnerId)!.malformed, 2);
    // Counts survive a restart with the checkpoint.
    const cp = room.checkpoints().find((op) => op.op === 'checkpoint' && op.runnerId === runnerId) as Extract<WriteOp, { op: 'checkpoint' }>;
    const back = RunnerTrack.restore({ ...room.runners.get(runnerId)!.record, mood: null, moodAt: null, cheers: [], checkpoint: { through: cp.through, state: cp.state }, avatarAt: null }, 100);
    assert.deepEqual(back.refused, { out_of_range: 2, malformed: 2, too_old: 1, in_future: 1 });
  });

  test('after the event finished, app fixes are counted as refused and nothing is written', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(room.finish());
    const fx = room.ingest(runnerId, hash, report([appFix(now)]));
    assert.deepEqual(fx.write, []);
    assert.deepEqual(commit(fx).result!.refused, { event_finished: 1 });
  });

  test('over the fix quota, the fixes under it are kept and the app is told to send the rest later', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(room.setQuotas({ fixesPerRunnerPerHour: 60 }));
    const many = Array.from({ length: 700 }, (_, i) => appFix(now - 700_000 + i * 1000));
    const out = commit(room.ingest(runnerId, hash, report(many))).result!;
    assert.ok(out.stored > 0 && out.stored < 700, `${out.stored} stored`);
    assert.ok(out.retryAfterMs! > 0);
    const more = commit(room.ingest(runnerId, hash, report([appFix(now)]))).result!;
    assert.equal(more.stored, 0);
    assert.ok(more.retryAfterMs! > 0);
    // An alarm's fix is kept whatever the quota.
    const sos = commit(room.ingest(runnerId, hash, report([appFix(now + 1)], { sos: true }))).result!;
    assert.equal(sos.stored, 1);
    assert.equal(sos.retryAfterMs, null);
  });

  test('a heartbeat keeps a still runner active, without a fix', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(room.ingest(runnerId, hash, report([appFix(now)])));
    room.tick();
    now += DEFAULT_TIMINGS.idleAfterMs + 1000;
    room.tick();
    assert.equal(room.runners.get(runnerId)!.status, 'idle');
    const hb = room.heartbeat(runnerId, hash);
    assert.deepEqual(hb.write, [], 'nothing to store');
    assert.equal(commit(hb).result, 'heard');
    assert.equal(room.runners.get(runnerId)!.status, 'active');
    const delta = room.tick().delta!;
    assert.deepEqual(delta.runners.map((r) => [r.id, r.status]), [[runnerId, 'active']]);
    assert.deepEqual(delta.points, {}, 'no new point');
    assert.equal(room.runners.get(runnerId)!.points, 1);
  });

  test('an SOS raises one alert with the fix it came with, sent at once to whoever watches that runner, until the organiser acknowledges it', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(room.ingest(runnerId, hash, report([appFix(now - 5000, { lat: 47.1 })])));
    const fx = room.ingest(runnerId, hash, report([appFix(now - 1000, { lat: 47.2, acc: 6 })], { sos: true }));
    const alertOp = fx.write.find((op) => op.op === 'alert') as Extract<WriteOp, { op: 'alert' }>;
    assert.ok(alertOp, 'the alert is written with the fix');
    const applied = commit(fx);
    const alert = applied.result!.alert!;
    assert.deepEqual(alertOp.alert, alert);
    assert.deepEqual(
      { runnerId: alert.runnerId, name: alert.name, kind: alert.kind, raisedAt: alert.raisedAt, at: alert.at, source: alert.source, ackedAt: alert.ackedAt },
      { runnerId, name: 'Ada', kind: 'sos', raisedAt: now, at: { lat: 47.2, lon: -0.12, t: now - 1000, acc: 6 }, source: 'Traccar Client', ackedAt: null },
    );
    assert.deepEqual(applied.send, [{ to: { watchers: runnerId }, msg: { type: 'alert', event: room.id, alert } }]);
    assert.deepEqual(room.snapshot(null).alerts, [alert]);
    assert.deepEqual(room.snapshot(new Set(['someone-else'])).alerts, [], 'a share link without the runner does not show it');
    assert.deepEqual(room.summary(runnerId)!.alert, alert);

    // Pressed again while it is open: the fix is kept, no second alert.
    const again = room.ingest(runnerId, hash, report([appFix(now)], { sos: true }));
    assert.ok(!again.write.some((op) => op.op === 'alert'));
    assert.equal(commit(again).result!.alert!.id, alert.id);

    assert.equal(room.acknowledgeAlert('no-such-alert').commit, undefined);
    now += 60_000;
    const ack = room.acknowledgeAlert(alert.id);
    assert.deepEqual(ack.write, [{ op: 'alert', event: room.id, alert: { ...alert, ackedAt: now } }]);
    const acked = commit(ack);
    assert.deepEqual(acked.send, [{ to: { watchers: runnerId }, msg: { type: 'alert', event: room.id, alert: { ...alert, ackedAt: now } } }]);
    assert.deepEqual(room.snapshot(null).alerts, []);
    assert.equal(room.summary(runnerId)!.alert, null);

    // A new alarm after that is a new alert; one without a fix puts the runner at their latest.
    const next = commit(room.ingest(runnerId, hash, report([], { sos: true, app: 'OsmAnd' }))).result!.alert!;
    assert.notEqual(next.id, alert.id);
    assert.deepEqual(next.at, { lat: 51.5, lon: -0.12, t: now - 60_000, acc: 8 });
  });

  test('an SOS after the event finished still raises the alert, though its fix is not kept', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(room.finish());
    const out = commit(room.ingest(runnerId, hash, report([appFix(now, { lat: 10 })], { sos: true }))).result!;
    assert.equal(out.stored, 0);
    assert.equal(out.alert!.at!.lat, 10);
    assert.equal(room.alerts.size, 1);
  });

  test('open alerts come back with the room, and go with a removed runner', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    const alert = commit(room.ingest(runnerId, hash, report([appFix(now)], { sos: true }))).result!.alert!;
    const back = newRoom({ alerts: [alert] });
    assert.deepEqual(back.snapshot(null).alerts, [alert]);
    commit(room.removeRunner(runnerId));
    assert.deepEqual(room.snapshot(null).alerts, []);
  });

  test('a picture from the app becomes the runner’s avatar, with a version that changes with it', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(room.ingest(runnerId, hash, report([appFix(now)])));
    room.tick();
    const fx = room.setAvatar(runnerId, hash, { name: 'Ada', mime: 'image/png', data: 'iVBORw0KGgo=' });
    assert.deepEqual(fx.write, [{ op: 'avatar', event: room.id, runnerId, avatar: { name: 'Ada', mime: 'image/png', data: 'iVBORw0KGgo=', updatedAt: now } }]);
    assert.equal(commit(fx).result, now);
    assert.equal(room.tick().delta!.runners[0]!.avatar, now);
    assert.equal(commit(room.setAvatar(runnerId, hash, { name: null, mime: 'image/png', data: 'iVBORw0KGgo=' })).result, now + 1, 'a new version even within the same millisecond');
    assert.equal(room.setAvatar(runnerId, 'wrong', { name: null, mime: 'image/png', data: '' }).refusal?.code, 'unknown_key');
  });
});

describe('coming back after a restart', () => {
  /** The room's durable picture as a store would hand it back: runners with checkpoints, plus later arrivals. */
  function stored(room: EventRoom): RoomRecord {
    const checkpoints = new Map(room.checkpoints().map((op) => [(op as Extract<WriteOp, { op: 'checkpoint' }>).runnerId, op as Extract<WriteOp, { op: 'checkpoint' }>]));
    const runners: RoomRunner[] = [...room.runners.values()].map((r) => ({
      ...r.record,
      mood: r.mood,
      moodAt: r.moodAt,
      cheers: r.cheers,
      checkpoint: checkpoints.has(r.id) ? { through: checkpoints.get(r.id)!.through, state: checkpoints.get(r.id)!.state } : null,
      avatarAt: r.avatarAt,
    }));
    return { event: room.eventRecord(), runners, links: [], samples: room.happiness, alerts: [...room.alerts.values()], maxArrival: room.appliedArrival, course: null };
  }

  function picture(room: EventRoom) {
    return [...room.runners.values()].map((r) => ({
      id: r.id,
      contiguous: r.contiguous,
      ahead: [...r.ahead].sort(),
      points: r.points,
      distance: Math.round(r.distance * 1000),
      last: r.last,
      trail: r.trail.length,
    }));
  }

  test('a checkpoint brings back sequence numbers, totals, trail and latest fix exactly', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    for (const seq of [1, 2, 3, 5, 7]) send(room, runnerId, pos(seq, now + seq * 1000));
    const again = newRoom(stored(room));
    again.restored();
    assert.deepEqual(picture(again), picture(room));
    assert.equal(only(again.resume(runnerId, token).commit!([]).send, 'joined').lastSeq, 3);
    assert.equal(send(again, runnerId, pos(4, now + 4000)), 5, 'the gap fills and the ack jumps as before');
  });

  test('what arrived after the checkpoint is replayed on top of it', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const record = stored(room);
    // After the checkpoint: two fixes and a refused seq reach the store.
    const later: StoredPosition[] = [2, 3].map((seq) => ({ seq, lat: 51.5 + seq * 1e-4, lon: -0.12, t: now + seq * 1000, acc: 5, alt: null, spd: null, hdg: null, bat: null }));
    for (const p of later) send(room, runnerId, { type: 'pos', ...p });
    commit(room.refusePosition(runnerId, 4, 'bad'));
    const again = newRoom({ ...record, maxArrival: arrival });
    const from = again.replayFrom();
    assert.equal(from, record.runners[0]!.checkpoint!.through);
    let a = from!;
    for (const p of later) again.replay({ kind: 'position', arrival: ++a, runnerId, pos: p });
    again.replay({ kind: 'skip', arrival: ++a, runnerId, seq: 4 });
    again.restored();
    assert.deepEqual(picture(again), picture(room));
  });

  test('a runner without a checkpoint is rebuilt from their stored track', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    for (const seq of [1, 2, 4]) send(room, runnerId, pos(seq, now + seq * 1000));
    commit(room.refusePosition(runnerId, 3, 'bad'));
    const record = stored(room);
    record.runners[0]!.checkpoint = null;
    const again = newRoom(record);
    assert.deepEqual(again.runnersToRebuild(), [runnerId]);
    const track: StoredPosition[] = [1, 2, 4].map((seq) => ({ ...pos(seq, now + seq * 1000), alt: null, spd: null, hdg: null, bat: null })).map(({ type: _t, ...p }) => p as StoredPosition);
    again.rebuild(runnerId, track);
    again.rebuilt(runnerId, [3]);
    again.restored();
    assert.equal(again.runners.get(runnerId)!.contiguous, 4);
    assert.equal(again.runners.get(runnerId)!.points, 3);
    assert.equal(Math.round(again.runners.get(runnerId)!.distance), Math.round(room.runners.get(runnerId)!.distance));
  });

  test('after a restart a runner is judged by the time now: long unheard means offline', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    now += DEFAULT_TIMINGS.offlineAfterMs + 1000;
    const again = newRoom(stored(room));
    again.restored();
    assert.equal(again.runners.get(runnerId)!.status, 'offline');
  });
});
