/** Unit: tracking apps: fixes by device key, heartbeats, alarms, pictures (server/room/tracking-apps.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppRefusal, LIMITS } from '../../lib/protocol';
import { DEFAULT_TIMINGS } from '../../server/room/deps';
import { type Room } from '../../server/room/state';
import { type StoredPosition, type WriteOp } from '../../server/storage/store';
import { type AppReport } from '../../server/room/tracking-apps';
import { INGEST_SEQ_BASE, RunnerTrack } from '../../server/room/runner-track';
import { cryptoCredentials } from '../../server/credentials';
import * as runners from '../../server/room/runners';
import * as apps from '../../server/room/tracking-apps';
import * as alerts from '../../server/room/alerts';
import * as organiser from '../../server/room/organiser';
import * as picture from '../../server/room/picture';
import * as recovery from '../../server/room/recovery';
import { clock, commit, join, newRoom } from './support';

describe('tracking apps', () => {
  type Fix = Omit<StoredPosition, 'seq'>;
  const appFix = (t: number, extra: Partial<Fix> = {}): Fix => ({ lat: 51.5, lon: -0.12, t, acc: 8, alt: null, spd: 2, hdg: null, bat: 80, ...extra });
  const report = (fixes: Fix[], extra: Partial<AppReport> = {}): AppReport => ({ app: 'Traccar Client', fixes, refused: [], sos: false, ...extra });

  function withKey(room: Room) {
    const { runnerId, token } = join(room);
    const key = commit(apps.issueDeviceKey(room, runnerId)).result!;
    return { runnerId, token, hash: cryptoCredentials.hash(key) };
  }

  test('an app fix is numbered from its time, so the same fix sent again is kept once', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    const fix = appFix(clock.now - 1000);
    const fx = apps.ingest(room, runnerId, hash, report([fix]));
    const op = fx.write[0] as Extract<WriteOp, { op: 'position' }>;
    assert.equal(op.pos.seq, INGEST_SEQ_BASE + fix.t);
    assert.deepEqual(commit(fx).result, { stored: 1, duplicates: 0, refused: {}, retryAfterMs: null, alert: null });
    assert.equal(commit(apps.ingest(room, runnerId, hash, report([fix])), new Set([0])).result!.duplicates, 1);
    assert.equal(room.runners.get(runnerId)!.points, 1);
    assert.equal(room.runners.get(runnerId)!.contiguous, 0, 'app fixes do not move the browser’s sequence');
  });

  test('a revoked or replaced key is refused', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    const first = commit(apps.issueDeviceKey(room, runnerId)).result!;
    const second = commit(apps.issueDeviceKey(room, runnerId)).result!;
    const r = report([appFix(clock.now)]);
    assert.equal(apps.ingest(room, runnerId, cryptoCredentials.hash(first), r).refusal?.code, 'unknown_key');
    assert.equal(apps.heartbeat(room, runnerId, cryptoCredentials.hash(first)).refusal?.code, 'unknown_key');
    assert.ok(apps.ingest(room, runnerId, cryptoCredentials.hash(second), r).commit);
    commit(apps.revokeDeviceKey(room, runnerId));
    assert.equal(apps.ingest(room, runnerId, cryptoCredentials.hash(second), r).refusal?.code, 'unknown_key');
  });

  test('fixes that can never be taken are counted per reason, not refused: the rest of the batch is kept', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    const fx = apps.ingest(room, 
      runnerId,
      hash,
      report([appFix(clock.now - LIMITS.maxPastMs - 1), appFix(clock.now - 2000), appFix(clock.now + LIMITS.maxFutureMs + 1), appFix(clock.now - 2000), appFix(clock.now - 1000)], {
        refused: [AppRefusal.OutOfRange, AppRefusal.OutOfRange, AppRefusal.Malformed],
      }),
    );
    assert.equal(fx.refusal, undefined);
    assert.equal(fx.write.length, 2, 'two fixes written; the repeated time within the request is one fix');
    const out = commit(fx).result!;
    assert.deepEqual(out.refused, { out_of_range: 2, malformed: 1, too_old: 1, in_future: 1 });
    assert.deepEqual([out.stored, out.duplicates], [2, 1]);
    assert.deepEqual(apps.deviceKeyState(room, runnerId)!.refused, { out_of_range: 2, malformed: 1, too_old: 1, in_future: 1 });
    commit(apps.ingest(room, runnerId, hash, report([], { refused: [AppRefusal.Malformed] })));
    assert.equal(apps.deviceKeyState(room, runnerId)!.refused.malformed, 2);
    // Counts survive a restart with the checkpoint.
    const cp = recovery.checkpoints(room).find((op) => op.op === 'checkpoint' && op.runnerId === runnerId) as Extract<WriteOp, { op: 'checkpoint' }>;
    const back = RunnerTrack.restore({ ...room.runners.get(runnerId)!.record, mood: null, moodAt: null, cheers: [], checkpoint: { through: cp.through, state: cp.state }, avatarAt: null }, 100);
    assert.deepEqual(back.refused, { out_of_range: 2, malformed: 2, too_old: 1, in_future: 1 });
  });

  test('after the event finished, app fixes are counted as refused and nothing is written', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(organiser.finish(room));
    const fx = apps.ingest(room, runnerId, hash, report([appFix(clock.now)]));
    assert.deepEqual(fx.write, []);
    assert.deepEqual(commit(fx).result!.refused, { event_finished: 1 });
  });

  test('over the fix quota, the fixes under it are kept and the app is told to send the rest later', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(organiser.setQuotas(room, { fixesPerRunnerPerHour: 60 }));
    const many = Array.from({ length: 700 }, (_, i) => appFix(clock.now - 700_000 + i * 1000));
    const out = commit(apps.ingest(room, runnerId, hash, report(many))).result!;
    assert.ok(out.stored > 0 && out.stored < 700, `${out.stored} stored`);
    assert.ok(out.retryAfterMs! > 0);
    const more = commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now)]))).result!;
    assert.equal(more.stored, 0);
    assert.ok(more.retryAfterMs! > 0);
    // An alarm's fix is kept whatever the quota.
    const sos = commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now + 1)], { sos: true }))).result!;
    assert.equal(sos.stored, 1);
    assert.equal(sos.retryAfterMs, null);
  });

  test('a heartbeat keeps a still runner active, without a fix', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now)])));
    picture.tick(room);
    clock.now += DEFAULT_TIMINGS.idleAfterMs + 1000;
    picture.tick(room);
    assert.equal(room.runners.get(runnerId)!.status, 'idle');
    const hb = apps.heartbeat(room, runnerId, hash);
    assert.deepEqual(hb.write, [], 'nothing to store');
    assert.equal(commit(hb).result, 'heard');
    assert.equal(room.runners.get(runnerId)!.status, 'active');
    const delta = picture.tick(room)!;
    assert.deepEqual(delta.runners.map((r) => [r.id, r.status]), [[runnerId, 'active']]);
    assert.deepEqual(delta.points, {}, 'no new point');
    assert.equal(room.runners.get(runnerId)!.points, 1);
  });

  test('an SOS raises one alert with the fix it came with, sent at once to whoever watches that runner, until the organiser acknowledges it', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now - 5000, { lat: 47.1 })])));
    const fx = apps.ingest(room, runnerId, hash, report([appFix(clock.now - 1000, { lat: 47.2, acc: 6 })], { sos: true }));
    const alertOp = fx.write.find((op) => op.op === 'alert') as Extract<WriteOp, { op: 'alert' }>;
    assert.ok(alertOp, 'the alert is written with the fix');
    const applied = commit(fx);
    const alert = applied.result!.alert!;
    assert.deepEqual(alertOp.alert, alert);
    assert.deepEqual(
      { runnerId: alert.runnerId, name: alert.name, kind: alert.kind, raisedAt: alert.raisedAt, at: alert.at, source: alert.source, ackedAt: alert.ackedAt },
      { runnerId, name: 'Ada', kind: 'sos', raisedAt: clock.now, at: { lat: 47.2, lon: -0.12, t: clock.now - 1000, acc: 6 }, source: 'Traccar Client', ackedAt: null },
    );
    assert.deepEqual(applied.send, [{ to: { watchers: runnerId }, msg: { type: 'alert', event: room.id, alert } }]);
    assert.deepEqual(picture.snapshot(room, null).alerts, [alert]);
    assert.deepEqual(picture.snapshot(room, new Set(['someone-else'])).alerts, [], 'a share link without the runner does not show it');
    assert.deepEqual(picture.summary(room, runnerId)!.alert, alert);

    // Pressed again while it is open: the fix is kept, no second alert.
    const again = apps.ingest(room, runnerId, hash, report([appFix(clock.now)], { sos: true }));
    assert.ok(!again.write.some((op) => op.op === 'alert'));
    assert.equal(commit(again).result!.alert!.id, alert.id);

    assert.equal(alerts.acknowledgeAlert(room, 'no-such-alert').commit, undefined);
    clock.now += 60_000;
    const ack = alerts.acknowledgeAlert(room, alert.id);
    assert.deepEqual(ack.write, [{ op: 'alert', event: room.id, alert: { ...alert, ackedAt: clock.now } }]);
    const acked = commit(ack);
    assert.deepEqual(acked.send, [{ to: { watchers: runnerId }, msg: { type: 'alert', event: room.id, alert: { ...alert, ackedAt: clock.now } } }]);
    assert.deepEqual(picture.snapshot(room, null).alerts, []);
    assert.equal(picture.summary(room, runnerId)!.alert, null);

    // A new alarm after that is a new alert; one without a fix puts the runner at their latest.
    const next = commit(apps.ingest(room, runnerId, hash, report([], { sos: true, app: 'OsmAnd' }))).result!.alert!;
    assert.notEqual(next.id, alert.id);
    assert.deepEqual(next.at, { lat: 51.5, lon: -0.12, t: clock.now - 60_000, acc: 8 });
  });

  test('an SOS after the event finished still raises the alert, though its fix is not kept', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(organiser.finish(room));
    const out = commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now, { lat: 10 })], { sos: true }))).result!;
    assert.equal(out.stored, 0);
    assert.equal(out.alert!.at!.lat, 10);
    assert.equal(room.alerts.size, 1);
  });

  test('open alerts come back with the room, and go with a removed runner', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    const alert = commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now)], { sos: true }))).result!.alert!;
    const back = newRoom({ alerts: [alert] });
    assert.deepEqual(picture.snapshot(back, null).alerts, [alert]);
    commit(runners.removeRunner(room, runnerId));
    assert.deepEqual(picture.snapshot(room, null).alerts, []);
  });

  test('a picture from the app becomes the runner’s avatar, with a version that changes with it', () => {
    const room = newRoom();
    const { runnerId, hash } = withKey(room);
    commit(apps.ingest(room, runnerId, hash, report([appFix(clock.now)])));
    picture.tick(room);
    const fx = apps.setAvatar(room, runnerId, hash, { name: 'Ada', mime: 'image/png', data: 'iVBORw0KGgo=' });
    assert.deepEqual(fx.write, [{ op: 'avatar', event: room.id, runnerId, avatar: { name: 'Ada', mime: 'image/png', data: 'iVBORw0KGgo=', updatedAt: clock.now } }]);
    assert.equal(commit(fx).result, clock.now);
    assert.equal(picture.tick(room)!.runners[0]!.avatar, clock.now);
    assert.equal(commit(apps.setAvatar(room, runnerId, hash, { name: null, mime: 'image/png', data: 'iVBORw0KGgo=' })).result, clock.now + 1, 'a new version even within the same millisecond');
    assert.equal(apps.setAvatar(room, runnerId, 'wrong', { name: null, mime: 'image/png', data: '' }).refusal?.code, 'unknown_key');
  });
});
