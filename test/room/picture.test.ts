/** Unit: what spectators see: one update per tick, snapshots and their budgets (server/room/picture.ts), driven by hand with a fake clock and a fake commit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LIMITS } from '../../lib/protocol';
import { decodeTrail } from '../../lib/polyline';
import * as picture from '../../server/room/picture';
import { T0, clock, eventRecord, join, newRoom, pos, send } from './support';

describe('updates and snapshots', () => {
  test('one update per tick carries every point since the last, once, with the distance so far', () => {
    const room = newRoom();
    const a = join(room, 'A');
    send(room, a.runnerId, pos(1));
    send(room, a.runnerId, pos(2));
    const first = picture.tick(room)!;
    assert.equal(first.points[a.runnerId]!.length, 2);
    assert.ok(first.distance[a.runnerId]! > 10);
    assert.equal(picture.tick(room), null, 'nothing new, nothing sent');
    send(room, a.runnerId, pos(3));
    const next = picture.tick(room)!;
    assert.equal(next.seq, first.seq + 1);
    assert.deepEqual(next.points[a.runnerId]!.map((p) => p[0]), [pos(3).lat]);
    assert.deepEqual(next.runners, [], 'a new point alone changes no runner info');
  });

  test('runners who never sent a fix are not shown to spectators; the organiser sees them', () => {
    const room = newRoom();
    const a = join(room, 'Ada');
    join(room, 'Blocked Bob');
    send(room, a.runnerId, pos(1));
    assert.deepEqual(picture.tick(room)!.runners.map((r) => r.name), ['Ada']);
    assert.deepEqual(picture.snapshot(room, null).runners.map((r) => r.name), ['Ada']);
    assert.deepEqual(picture.summaries(room, false).map((r) => r.name), ['Ada']);
    assert.deepEqual(picture.summaries(room, true).map((r) => r.name).sort(), ['Ada', 'Blocked Bob']);
  });

  test('a snapshot carries each runner’s trail encoded, the latest fix exact, and is built once per update', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    for (let i = 1; i <= 5; i++) send(room, runnerId, { ...pos(i), lat: 51.5 + i * 0.000123456 });
    picture.tick(room);
    const snap = picture.snapshot(room, null);
    const r = snap.runners[0]!;
    const trail = decodeTrail(r.trail);
    assert.equal(trail.length, 5);
    assert.ok(Math.abs(trail[4]![0] - r.last![0]) < 1e-5);
    assert.equal(r.last![0], 51.5 + 5 * 0.000123456, 'exact');
    assert.equal(r.points, 5);
    assert.equal(snap.seq, room.seq);
    assert.strictEqual(picture.snapshot(room, null), snap, 'the same snapshot until something changes');
    send(room, runnerId, pos(6));
    picture.tick(room);
    assert.notStrictEqual(picture.snapshot(room, null), snap);
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
      clock.now = T0 + i * 1000;
      send(room, runnerId, { type: 'pos', seq: i, lat, lon, t: clock.now, acc: 5 });
      if (i % 150 === 0) picture.tick(room);
    }
    const r = room.runners.get(runnerId)!;
    assert.equal(r.points, 18_000);
    assert.ok(r.trail.length <= LIMITS.trailMaxPoints * 1.5, `room trail ${r.trail.length}`);
    const snap = picture.snapshot(room, null).runners[0]!;
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
      clock.now = T0 + i * 1000;
      ids.forEach((id, k) => send(room, id, { type: 'pos', seq: i, lat: 51.5 + k * 0.001 + i * 0.00003 * Math.cos(i / 40), lon: -0.12 + i * 0.00003, t: clock.now, acc: 5 }));
    }
    picture.tick(room);
    const bytes = Buffer.byteLength(JSON.stringify(picture.snapshot(room, null)));
    assert.ok(bytes < 1.5 * 1024 * 1024, `snapshot ${bytes} bytes`);
    for (const r of picture.snapshot(room, null).runners) assert.ok(decodeTrail(r.trail).length <= LIMITS.snapshotPoints / 1000 + 1);
  });

  test('a snapshot is the picture as of the last update: what arrived since comes with the next one, once', () => {
    const room = newRoom();
    const { runnerId } = join(room);
    send(room, runnerId, pos(1));
    picture.tick(room);
    send(room, runnerId, pos(2));
    const snap = picture.snapshot(room, null);
    assert.equal(snap.seq, room.seq);
    assert.equal(decodeTrail(snap.runners[0]!.trail).length, 1);
    assert.equal(snap.runners[0]!.last![2], pos(1).t);
    assert.equal(snap.runners[0]!.points, 1);
    const delta = picture.tick(room);
    assert.equal(delta!.seq, snap.seq + 1);
    assert.deepEqual(delta!.points[runnerId]!.map((p) => p[2]), [pos(2).t]);
  });

  test('a snapshot for chosen runners holds only them', () => {
    const room = newRoom();
    const a = join(room, 'A');
    const b = join(room, 'B');
    send(room, a.runnerId, pos(1));
    send(room, b.runnerId, pos(1));
    picture.tick(room);
    assert.deepEqual(picture.snapshot(room, new Set([b.runnerId])).runners.map((r) => r.name), ['B']);
  });
});
