/** Unit: the organiser's decisions and the event's happiness (server/room/organiser.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../lib/protocol';
import { DEFAULT_TIMINGS } from '../../server/room/deps';
import * as runners from '../../server/room/runners';
import * as fixes from '../../server/room/fixes';
import * as links from '../../server/room/share-links';
import * as organiser from '../../server/room/organiser';
import * as picture from '../../server/room/picture';
import { T0, clock, commit, eventRecord, join, newRoom, only, pos, send, toSender, type Msg } from './support';

describe('happiness', () => {
  test('a sample is the mean latest mood of active runners, rounded, with their count; stopped and quiet ones are left out', () => {
    const room = newRoom();
    const ids = ['A', 'B', 'C', 'D'].map((n) => join(room, n).runnerId);
    [9, 6, 7, 2].forEach((v, i) => commit(runners.mood(room, ids[i]!, v)));
    commit(runners.stop(room, ids[3]!));
    clock.now += 1000;
    const fx = organiser.sampleHappiness(room)!;
    const sample = commit(fx).result!;
    assert.deepEqual(sample, { t: clock.now, mean: 7.33, count: 3 });
    clock.now += DEFAULT_TIMINGS.activeWindowMs;
    assert.deepEqual(commit(organiser.sampleHappiness(room)!).result, { t: clock.now, mean: null, count: 0 });
    assert.equal(room.happiness.length, 2);
  });

  test('a long history reaches a late spectator thinned, its latest sample exact', () => {
    const room = newRoom({ samples: Array.from({ length: 4320 }, (_, i) => ({ t: T0 + i * 5000, mean: (i % 10) + 0.5, count: 3 })) });
    const { happiness } = picture.snapshot(room, null);
    assert.ok(happiness.length <= 360);
    assert.deepEqual(happiness.at(-1), { t: T0 + 4319 * 5000, mean: 9.5, count: 3 });
  });

  test('a finished event is not sampled', () => {
    const room = newRoom({ event: eventRecord({ info: { ...eventRecord().info, status: 'finished' } }) });
    assert.equal(organiser.sampleHappiness(room), null);
  });
});

describe('the organiser', () => {
  test('finishing tells everyone; a finished event refuses fixes for good (settled), so outboxes empty', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    const applied = commit(organiser.finish(room));
    assert.deepEqual(applied.send, [{ to: { event: true }, msg: { type: 'event', event: { ...room.info, status: 'finished' } } }]);
    const fx = fixes.position(room, runnerId, pos(2));
    assert.equal(only(fx.send, 'error').code, ErrorCode.EventFinished);
    assert.deepEqual(toSender(commit(fx).send), [{ type: 'ack', seq: 2 }]);
    assert.deepEqual(organiser.finish(room).write, [], 'finishing twice writes nothing');
  });

  test('protecting the event asks the sessions to check access again; lifting it does not', () => {
    const room = newRoom();
    const applied = commit(organiser.setViewCode(room, 'scrypt$a$b'));
    assert.equal(room.info.protected, true);
    assert.deepEqual(applied.sessions, [{ recheckAccess: true }]);
    assert.deepEqual(commit(organiser.setViewCode(room, null)).sessions, []);
    assert.equal(room.info.protected, false);
  });

  test('removing a runner removes them for spectators, tells their phone and unbinds it', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    picture.tick(room);
    const fx = runners.removeRunner(room, runnerId);
    assert.deepEqual(fx.write, [{ op: 'deleteRunner', event: room.id, runnerId }]);
    const applied = commit(fx);
    assert.deepEqual(applied.sessions, [{ unbindRunner: runnerId }]);
    assert.equal((applied.send[0]!.msg as Msg<'error'>).code, ErrorCode.RunnerRemoved);
    assert.deepEqual(picture.tick(room)!.removed, [runnerId]);
    assert.equal(only(fixes.position(room, runnerId, pos(2)).send, 'error').code, ErrorCode.RunnerRemoved);
  });

  test('a withdrawn share link drops whoever watches through it; an expired one is reported once by the tick', () => {
    const room = newRoom();
    const link = commit(links.createLink(room, { label: 'Family', runners: null, expiresAt: null })).result!;
    const revoked = commit(links.revokeLink(room, link.id));
    assert.deepEqual(revoked.sessions, [{ dropLink: link.id, reason: 'revoked' }]);
    assert.deepEqual(links.revokeLink(room, link.id).write, [], 'withdrawing twice writes nothing');
    const soon = commit(links.createLink(room, { label: 'Soon', runners: null, expiresAt: clock.now + 1000 })).result!;
    assert.deepEqual(links.lapsedLinks(room), []);
    clock.now += 1000;
    assert.deepEqual(links.lapsedLinks(room), [soon.id]);
    assert.deepEqual(links.lapsedLinks(room), []);
    assert.equal(links.createLink(room, { label: 'x', runners: ['nobody00'], expiresAt: null }).refusal?.code, 'bad_link');
  });
});
