/** Unit: coming back after a restart (server/room/recovery.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_TIMINGS } from '../../server/room/deps';
import { type Room } from '../../server/room/state';
import { type RoomRecord, type RoomRunner, type StoredPosition, type WriteOp } from '../../server/storage/store';
import * as runners from '../../server/room/runners';
import * as fixes from '../../server/room/fixes';
import * as recovery from '../../server/room/recovery';
import { clock, commit, join, newRoom, only, pos, send } from './support';

describe('coming back after a restart', () => {
  /** The room's durable picture as a store would hand it back: runners with checkpoints, plus later arrivals. */
  function stored(room: Room): RoomRecord {
    const checkpoints = new Map(recovery.checkpoints(room).map((op) => [(op as Extract<WriteOp, { op: 'checkpoint' }>).runnerId, op as Extract<WriteOp, { op: 'checkpoint' }>]));
    const runners: RoomRunner[] = [...room.runners.values()].map((r) => ({
      ...r.record,
      mood: r.mood,
      moodAt: r.moodAt,
      cheers: r.cheers,
      checkpoint: checkpoints.has(r.id) ? { through: checkpoints.get(r.id)!.through, state: checkpoints.get(r.id)!.state } : null,
      avatarAt: r.avatarAt,
    }));
    return { event: room.eventRecord(), runners, links: [], samples: room.happiness, alerts: [...room.alerts.values()], maxArrival: room.appliedArrival, course: null, timingPoints: [], trackers: [], controls: [] };
  }

  function picture(room: Room) {
    return [...room.runners.values()].map((r) => ({
      id: r.id,
      contiguous: r.contiguous,
      ahead: [...r.ahead].sort((a, b) => a - b),
      points: r.points,
      distance: Math.round(r.distance * 1000),
      last: r.last,
      trail: r.trail.length,
    }));
  }

  test('a checkpoint brings back sequence numbers, totals, trail and latest fix exactly', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    for (const seq of [1, 2, 3, 5, 7]) send(room, runnerId, pos(seq, clock.now + seq * 1000));
    const again = newRoom(stored(room));
    recovery.restored(again);
    assert.deepEqual(picture(again), picture(room));
    assert.equal(only(runners.resume(again, runnerId, token).commit!([]).send, 'joined').lastSeq, 3);
    assert.equal(send(again, runnerId, pos(4, clock.now + 4000)), 5, 'the gap fills and the ack jumps as before');
  });

  test('what arrived after the checkpoint is replayed on top of it', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const record = stored(room);
    // After the checkpoint: two fixes and a refused seq reach the store.
    const later: StoredPosition[] = [2, 3].map((seq) => ({ seq, lat: 51.5 + seq * 1e-4, lon: -0.12, t: clock.now + seq * 1000, acc: 5, alt: null, spd: null, hdg: null, bat: null }));
    for (const p of later) send(room, runnerId, { type: 'pos', ...p });
    commit(fixes.refusePosition(room, runnerId, 4, 'bad'));
    const again = newRoom({ ...record, maxArrival: clock.arrival });
    const from = recovery.replayFrom(again);
    assert.equal(from, record.runners[0]!.checkpoint!.through);
    let a = from;
    for (const p of later) recovery.replay(again, { kind: 'position', arrival: ++a, runnerId, pos: p });
    recovery.replay(again, { kind: 'skip', arrival: ++a, runnerId, seq: 4 });
    recovery.restored(again);
    assert.deepEqual(picture(again), picture(room));
  });

  test('a runner without a checkpoint is rebuilt from their stored track', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    for (const seq of [1, 2, 4]) send(room, runnerId, pos(seq, clock.now + seq * 1000));
    commit(fixes.refusePosition(room, runnerId, 3, 'bad'));
    const record = stored(room);
    record.runners[0]!.checkpoint = null;
    const again = newRoom(record);
    assert.deepEqual(recovery.runnersToRebuild(again), [runnerId]);
    const track: StoredPosition[] = [1, 2, 4].map((seq) => ({ ...pos(seq, clock.now + seq * 1000), alt: null, spd: null, hdg: null, bat: null })).map(({ type: _t, ...p }) => p as StoredPosition);
    recovery.rebuild(again, runnerId, track);
    recovery.rebuilt(again, runnerId, [3]);
    recovery.restored(again);
    assert.equal(again.runners.get(runnerId)!.contiguous, 4);
    assert.equal(again.runners.get(runnerId)!.points, 3);
    assert.equal(Math.round(again.runners.get(runnerId)!.distance), Math.round(room.runners.get(runnerId)!.distance));
  });

  test('after a restart a runner is judged by the time now: long unheard means offline', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    clock.now += DEFAULT_TIMINGS.offlineAfterMs + 1000;
    const again = newRoom(stored(room));
    recovery.restored(again);
    assert.equal(again.runners.get(runnerId)!.status, 'offline');
  });
});
