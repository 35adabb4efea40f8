/** Unit: cheers from spectators (server/room/cheers.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../lib/protocol';
import * as runners from '../../server/room/runners';
import * as cheers from '../../server/room/cheers';
import { clock, commit, errorOf, eventRecord, join, newRoom, only, pos, send, toSender, type Msg } from './support';

describe('cheers', () => {
  test('a stored cheer reaches the runner’s phones, and the sender hears whether the runner is connected', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const fx = cheers.cheer(room, runnerId, 'Go Ada!', undefined, null);
    assert.deepEqual(fx.send, []);
    const applied = commit(fx);
    const toRunner = applied.send.find((d) => 'runner' in d.to)!;
    assert.deepEqual(toRunner.to, { runner: runnerId });
    assert.equal((toRunner.msg as Msg<'cheer'>).cheer.from, 'A spectator');
    assert.deepEqual(toSender(applied.send), [{ type: 'cheered', runnerId, online: false }]);
    room.runnerConnected(runnerId, 1);
    assert.deepEqual(toSender(commit(cheers.cheer(room, runnerId, 'Again', 'Mum', null)).send), [{ type: 'cheered', runnerId, online: true }]);
  });

  test('only the 20 latest cheers are kept, and a runner finds them when resuming', () => {
    const room = newRoom();
    const { runnerId, token } = join(room);
    send(room, runnerId, pos(1));
    for (let i = 0; i < 25; i++) commit(cheers.cheer(room, runnerId, `cheer ${i}`, undefined, null));
    const joined = only(runners.resume(room, runnerId, token).commit!([]).send, 'joined');
    assert.equal(joined.cheers.length, 20);
    assert.equal(joined.cheers[0]!.text, 'cheer 5');
  });

  test('cheers for a runner spectators cannot see, or outside a share link’s runners, are refused', () => {
    const room = newRoom();
    const a = join(room, 'A');
    const hidden = join(room, 'Hidden');
    send(room, a.runnerId, pos(1));
    errorOf(cheers.cheer(room, hidden.runnerId, 'hi', undefined, null), ErrorCode.NoSuchRunner);
    errorOf(cheers.cheer(room, 'nobody00', 'hi', undefined, null), ErrorCode.NoSuchRunner);
    errorOf(cheers.cheer(room, a.runnerId, 'hi', undefined, new Set(['someone'])), ErrorCode.NoSuchRunner);
  });

  test('an event takes at most its cheers per minute, and says when to try again', () => {
    const room = newRoom({ event: eventRecord({ quotas: { cheersPerMinute: 3 } }) });
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    for (let i = 0; i < 3; i++) commit(cheers.cheer(room, runnerId, 'go', undefined, null));
    const err = errorOf(cheers.cheer(room, runnerId, 'go', undefined, null), ErrorCode.QuotaExceeded);
    assert.ok(err.retryAfterMs! > 0 && err.retryAfterMs! <= 20_000);
    clock.now += 20_000;
    assert.ok(cheers.cheer(room, runnerId, 'go', undefined, null).commit);
  });
});
