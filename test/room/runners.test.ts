/** Unit: a runner's life in the event: joining, resuming, status, stopping (server/room/runners.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../lib/protocol';
import { DEFAULT_TIMINGS } from '../../server/room/deps';
import { type WriteOp } from '../../server/storage/store';
import * as runners from '../../server/room/runners';
import * as fixes from '../../server/room/fixes';
import * as picture from '../../server/room/picture';
import { clock, commit, errorOf, eventRecord, join, newRoom, only, pos, send } from './support';

describe('joining and resuming', () => {
  test('joining gives a server-chosen runner id and a token only once the runner is stored', () => {
    const room = newRoom();
    const fx = runners.join(room, 'Ada', '#123456');
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
    runners.join(room, 'Ada', '#123456').abort!();
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
    errorOf(runners.join(room, 'Ada', '#123456'), ErrorCode.EventFinished);
  });

  test('an event takes no more runners than its limit, with a clear refusal', () => {
    const room = newRoom({ event: eventRecord({ quotas: { maxRunners: 2 } }) });
    join(room, 'A');
    const pending = runners.join(room, 'B', '#123456');
    // A join still being written counts too.
    const err = errorOf(runners.join(room, 'C', '#123456'), ErrorCode.QuotaExceeded);
    assert.match(err.message, /at most 2 runners/);
    commit(pending);
    assert.equal(room.runners.size, 2);
  });

  test('resuming with the token answers after pending writes, with the highest contiguous sequence number', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    send(room, runnerId, pos(1));
    send(room, runnerId, pos(2));
    const inFlight = fixes.position(room, runnerId, pos(3));
    const fx = runners.resume(room, runnerId, token);
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
    const wrong = errorOf(runners.resume(room, runnerId, 'x'.repeat(32)), ErrorCode.BadToken);
    const other = errorOf(runners.resume(room, runnerId, b.token), ErrorCode.BadToken);
    const unknown = errorOf(runners.resume(room, 'nobody00', 'x'.repeat(32)), ErrorCode.BadToken);
    assert.equal(wrong.message, unknown.message);
    assert.equal(other.message, unknown.message);
  });

  test('resuming with a new name stores it; spectators see it with the next update', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    send(room, runnerId, pos(1));
    picture.tick(room);
    const fx = runners.resume(room, runnerId, token, 'Ada L.', '#654321');
    assert.equal(fx.write[0]!.op, 'runner');
    assert.equal(room.runners.get(runnerId)!.record.name, 'Ada', 'not before it is stored');
    commit(fx);
    const delta = picture.tick(room);
    assert.deepEqual(delta!.runners.map((r) => [r.name, r.color]), [['Ada L.', '#654321']]);
  });
});

describe('runner status', () => {
  test('idle after 30 s without a fix, offline after 5 minutes, active again with a fix', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    picture.tick(room);
    clock.now += DEFAULT_TIMINGS.idleAfterMs;
    assert.deepEqual(picture.tick(room)!.runners.map((r) => r.status), ['idle']);
    clock.now += DEFAULT_TIMINGS.offlineAfterMs;
    assert.deepEqual(picture.tick(room)!.runners.map((r) => r.status), ['offline']);
    send(room, runnerId, pos(2));
    assert.deepEqual(picture.tick(room)!.runners.map((r) => r.status), ['active']);
  });

  test('a runner who stops is shown stopped, stays so, and runs again with a new fix (stored as not stopped)', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    picture.tick(room);
    commit(runners.stop(room, runnerId));
    assert.deepEqual(picture.tick(room)!.runners.map((r) => r.status), ['stopped']);
    clock.now += DEFAULT_TIMINGS.offlineAfterMs * 2;
    assert.equal(picture.tick(room), null);
    const fx = fixes.position(room, runnerId, pos(2));
    assert.deepEqual(fx.write.map((o) => o.op), ['position', 'runner']);
    commit(fx);
    assert.deepEqual(picture.tick(room)!.runners.map((r) => r.status), ['active']);
  });
});

describe('mood', () => {
  test('a mood said again (a phone does on every reconnect) writes nothing and keeps when it was said; a new one is news', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const first = runners.mood(room, runnerId, 2);
    assert.deepEqual(first.write.map((o) => o.op), ['mood']);
    commit(first);
    const said = clock.now;
    assert.equal(picture.summary(room, runnerId)!.moodAt, said);
    clock.now += 60_000;
    const again = runners.mood(room, runnerId, 2);
    assert.deepEqual(again.write, []);
    if (again.commit) again.commit([]);
    assert.equal(picture.summary(room, runnerId)!.moodAt, said, 'the console’s acknowledgement of this low mood holds');
    const lower = runners.mood(room, runnerId, 1);
    commit(lower);
    assert.equal(picture.summary(room, runnerId)!.moodAt, clock.now);
  });
});
