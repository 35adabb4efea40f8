/** Unit: fixes from the runner's page: durable, then acknowledged and visible (server/room/fixes.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, LIMITS } from '../../lib/protocol';
import * as fixes from '../../server/room/fixes';
import * as picture from '../../server/room/picture';
import { T0, clock, commit, errorOf, eventRecord, join, newRoom, only, pos, send, toSender } from './support';

describe('positions: durable, then visible', () => {
  test('a fix is acknowledged and seen only after it is stored', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const fx = fixes.position(room, runnerId, pos(1));
    assert.deepEqual(fx.send, [], 'no ack yet');
    assert.equal(fx.write[0]!.op, 'position');
    assert.equal(picture.tick(room), null, 'spectators see nothing yet');
    assert.equal(picture.snapshot(room, null).runners.length, 0);
    const applied = commit(fx);
    assert.deepEqual(toSender(applied.send), [{ type: 'ack', seq: 1 }]);
    const delta = picture.tick(room);
    assert.deepEqual(delta!.points[runnerId], [[51.5001, -0.12, T0 + 1]]);
    assert.equal(delta!.runners[0]!.id, runnerId, 'the first fix makes the runner visible, with their info');
  });

  test('a fix whose write failed is not acknowledged and is written again when resent', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    fixes.position(room, runnerId, pos(1)).abort!();
    assert.equal(room.busy, false);
    const again = fixes.position(room, runnerId, pos(1));
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
    const fx = fixes.position(room, runnerId, pos(1));
    assert.deepEqual(fx.write, []);
    assert.deepEqual(toSender(fx.send), [{ type: 'ack', seq: 1 }]);
  });

  test('a duplicate of a fix being written is not written twice and is acknowledged once it is durable', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const first = fixes.position(room, runnerId, pos(1));
    const dup = fixes.position(room, runnerId, pos(1));
    assert.deepEqual(dup.write, []);
    assert.deepEqual(dup.send, []);
    commit(first);
    assert.deepEqual(toSender(dup.commit!([]).send), [{ type: 'ack', seq: 1 }]);
  });

  test('a fix the store already held is acknowledged but not drawn or counted again', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    picture.tick(room);
    const fx = fixes.position(room, runnerId, pos(2));
    const applied = commit(fx, new Set([0]));
    assert.deepEqual(toSender(applied.send), [{ type: 'ack', seq: 2 }]);
    assert.equal(picture.tick(room), null);
    assert.equal(room.runners.get(runnerId)!.points, 1);
  });

  test('fixes stamped too far ahead or too old are refused for good: settled, so the ack moves past them', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    for (const [seq, t] of [
      [2, clock.now + LIMITS.maxFutureMs + 1000],
      [3, clock.now - LIMITS.maxPastMs - 1000],
    ] as const) {
      const fx = fixes.position(room, runnerId, pos(seq, t));
      const err = only(fx.send, 'error');
      assert.equal(err.code, ErrorCode.BadPosition);
      assert.equal(err.seq, seq);
      assert.deepEqual(fx.write, [{ op: 'skip', event: room.id, runnerId, seq }]);
      commit(fx);
    }
    assert.equal(send(room, runnerId, pos(4)), 4);
    const again = fixes.position(room, runnerId, pos(2, clock.now + LIMITS.maxFutureMs + 1000));
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
    clock.now = T0 + 10_000;
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
      clock.now = T0 + i * 1000;
      send(room, runnerId, { type: 'pos', seq: i, lat: 51.5 + (i % 2) * 0.00002, lon: -0.12 + (i % 3) * 0.00002, t: clock.now, acc: 5 });
    }
    assert.equal(room.runners.get(runnerId)!.distance, 0);
  });

  test('a runner may store only as many fixes as the time since joining allows, and is told when to send more', () => {
    const room = newRoom({ event: eventRecord({ quotas: { fixesPerRunnerPerHour: 3600 } }) });
    const { runnerId } = join(room);
    for (let i = 1; i <= 600; i++) send(room, runnerId, pos(i, clock.now, i % 50));
    const fx = fixes.position(room, runnerId, pos(601));
    const err = errorOf(fx, ErrorCode.QuotaExceeded);
    assert.ok(err.retryAfterMs! >= 1000);
    assert.equal(room.runners.get(runnerId)!.contiguous, 600, 'not settled: the phone keeps the fix and sends it later');
    clock.now += 2000;
    assert.equal(send(room, runnerId, pos(601)), 601);
  });
});
