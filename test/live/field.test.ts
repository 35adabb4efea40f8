/**
 * Unit: the field of spectators who say what they look at (server/live/interest/field.ts): the whole-field
 * frame, the summary and tile streams that send what changed within their byte budgets, stalest first, and
 * runners moving between tiles, changing state and leaving. No sockets, no clock but the updates' own.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { colorHex, decodeFrame, decodeFrames, Flag, FrameKind, kindOf, statusOf } from '../../lib/live-codec';
import type { RunnerInfo, TrackPoint } from '../../lib/protocol';
import { latOf, lonOf, tileIndex, tileKey, worldX, worldY } from '../../lib/tiles';
import { Field } from '../../server/live/interest/field';
import type { FieldRunner } from '../../server/room/picture';
import type { Delta } from '../../server/room/state';

const runner = (i: number, lat: number, lon: number, over: Partial<FieldRunner> = {}): FieldRunner => ({
  id: `runner${i}`,
  lat,
  lon,
  t: 1000,
  status: 'active',
  color: '#d7263d',
  finished: false,
  alert: false,
  ...over,
});

const info = (id: string, over: Partial<RunnerInfo> = {}): RunnerInfo => ({ id, name: id, color: '#d7263d', status: 'active', lastSeen: 1, mood: null, ...over });

let seq = 0;
function delta(now: number, points: Record<string, TrackPoint[]>, runners: RunnerInfo[] = [], removed: string[] = []): Delta {
  return { seq: ++seq, now, runners, points, distance: {}, removed };
}

/** A crowd around Central Park, `count` runners a few metres apart. */
function crowd(count: number): FieldRunner[] {
  return Array.from({ length: count }, (_, i) => runner(i, 40.78 + (i % 100) * 0.0001, -73.97 + Math.floor(i / 100) * 0.0001));
}

describe('field', () => {
  test('the whole-field frame holds every runner, with colour and state, within ten metres', () => {
    const field = new Field({ epoch: 'e', seq: 5, runners: [runner(0, 40.78, -73.97), runner(1, 40.79, -73.96, { status: 'idle', color: '#1f5fd6', alert: true })] }, { summary: 1000, tile: 500 });
    const f = decodeFrame(field.fieldFrame());
    assert.equal(f.kind, FrameKind.Field);
    assert.equal(f.gen, field.gen);
    assert.equal(f.seq, 5);
    assert.deepEqual([...f.n], [0, 1]);
    assert.equal(colorHex(f.color[1]!), '#1f5fd6');
    assert.equal(statusOf(f.flags[1]!), 'idle');
    assert.ok(f.flags[1]! & Flag.Alert);
    assert.ok(Math.abs(latOf(f.y[1]!) - 40.79) < 1e-4 && Math.abs(lonOf(f.x[1]!) + 73.96) < 1e-4);
    assert.equal(field.fieldFrame(), field.fieldFrame(), 'built once per update');
  });

  test('the summary sends only runners who moved at its precision, and a new runner with its colour', () => {
    const field = new Field({ epoch: 'e', seq: 0, runners: [runner(0, 40.78, -73.97), runner(1, 40.79, -73.96)] }, { summary: 10_000, tile: 500 });
    // Runner 0 moves a metre (nothing at ~150 m precision), runner 1 a kilometre, runner 2 is new.
    field.apply(delta(1000, { runner0: [[40.78001, -73.97, 2000]], runner1: [[40.8, -73.96, 2000]], runner2: [[40.77, -73.95, 2000]] }, [info('runner2', { color: '#2b8a3e' })]));
    const [f] = field.emit(1000).map((s) => decodeFrame(s.bytes));
    assert.deepEqual([...f!.n], [1, 2]);
    assert.equal(f!.color[0], -1);
    assert.equal(colorHex(f!.color[1]!), '#2b8a3e');
    assert.deepEqual(field.emit(1150), [], 'nothing changed since');
  });

  test('a crowded tile sends no more than its budget a second, stalest first, until every runner was sent', () => {
    const runners = crowd(2000);
    const field = new Field({ epoch: 'e', seq: 0, runners }, { summary: 100, tile: 600 });
    const level = 14;
    const tileOf = (r: FieldRunner) => tileKey(level, tileIndex(worldX(r.lon), level), tileIndex(worldY(r.lat), level));
    const key = tileOf(runners[1050]!);
    const members = runners.flatMap((r, n) => (tileOf(r) === key ? [n] : []));
    assert.ok(members.length > 1000);
    const seen = new Set<number>();
    const unseen = () => members.filter((n) => !seen.has(n)).length;
    field.watchTile(key);
    const bytesAt: Array<[number, number]> = [];
    let now = 0;
    for (let tick = 0; tick < 600 && unseen() > 0; tick++) {
      now += 150;
      // Everyone moves a few metres every tick: far more news than the budget.
      const points: Record<string, TrackPoint[]> = {};
      for (const [i, r] of runners.entries()) points[r.id] = [[r.lat + 0.00005 * ((tick + i) % 3), r.lon, now]];
      field.apply(delta(now, points));
      for (const s of field.emit(now)) {
        if (s.key !== key) continue;
        bytesAt.push([now, s.bytes.length]);
        for (const n of decodeFrame(s.bytes).n) seen.add(n);
      }
    }
    assert.equal(unseen(), 0, 'every runner of the tile was sent in turn');
    // Any ten seconds: at most the budget, plus one second's worth it may start with.
    for (const [t0] of bytesAt) {
      const sum = bytesAt.filter(([t]) => t >= t0 && t < t0 + 10_000).reduce((a, [, b]) => a + b, 0);
      assert.ok(sum <= 600 * 11, `${sum} bytes in ten seconds from ${t0}`);
    }
  });

  test('a quiet tile sends every change at once', () => {
    const field = new Field({ epoch: 'e', seq: 0, runners: crowd(5) }, { summary: 100, tile: 600 });
    const key = tileKey(16, tileIndex(worldX(-73.97), 16), tileIndex(worldY(40.78), 16));
    field.watchTile(key);
    field.apply(delta(150, { runner0: [[40.7801, -73.97, 5000]], runner3: [[40.7804, -73.97, 5000]] }));
    const tile = field.emit(150).find((s) => s.key === key)!;
    assert.deepEqual([...decodeFrame(tile.bytes).n], [0, 3]);
  });

  test('a runner leaving a watched tile is reported in it once more, at the new place', () => {
    const field = new Field({ epoch: 'e', seq: 0, runners: [runner(0, 40.78, -73.97)] }, { summary: 0, tile: 10_000 });
    const level = 15;
    const key = tileKey(level, tileIndex(worldX(-73.97), level), tileIndex(worldY(40.78), level));
    field.watchTile(key);
    field.apply(delta(150, { runner0: [[40.9, -73.5, 5000]] }));
    const frames = field.emit(150).filter((s) => s.key === key);
    assert.equal(frames.length, 1);
    const f = decodeFrame(frames[0]!.bytes);
    assert.ok(Math.abs(latOf(f.y[0]!) - 40.9) < 1e-3, 'the new position, outside the tile');
  });

  test('a tile picture for a view that starts looking, only where it is finer than the field frame', () => {
    const field = new Field({ epoch: 'e', seq: 0, runners: crowd(3) }, { summary: 100, tile: 600 });
    const fine = tileKey(16, tileIndex(worldX(-73.97), 16), tileIndex(worldY(40.78), 16));
    const coarse = tileKey(10, tileIndex(worldX(-73.97), 10), tileIndex(worldY(40.78), 10));
    field.watchTile(fine);
    field.watchTile(coarse);
    const picture = decodeFrames(field.tileFrame(fine)!);
    assert.deepEqual([...picture[0]!.n], [0, 1, 2]);
    assert.ok([...picture[0]!.flags].every((f) => f & Flag.Color));
    assert.equal(field.tileFrame(coarse), null);
  });

  test('a removed runner goes out as gone, and a state change as news', () => {
    const field = new Field({ epoch: 'e', seq: 0, runners: [runner(0, 40.78, -73.97), runner(1, 40.78, -73.96)] }, { summary: 10_000, tile: 500 });
    field.apply(delta(150, {}, [info('runner1', { status: 'stopped' })], ['runner0']));
    const f = decodeFrame(field.emit(150)[0]!.bytes);
    assert.deepEqual([...f.n], [0, 1]);
    assert.ok(f.flags[0]! & Flag.Gone);
    assert.equal(statusOf(f.flags[1]!), 'stopped');
    assert.deepEqual([...decodeFrame(field.fieldFrame()).n], [1], 'the field frame leaves the removed runner out');
  });

  test('runners the estimator places come with their kind (a chip-only runner new to the field too), and a fix makes them seen again', () => {
    const field = new Field({ epoch: 'e', seq: 0, runners: [runner(0, 40.78, -73.97)] }, { summary: 10_000, tile: 500 });
    const d = delta(150, {}, [info('chip')]);
    d.placed = { runner0: [40.8, -73.97, 2], chip: [40.79, -73.96, 1] };
    field.apply(d);
    const f = decodeFrame(field.emit(150)[0]!.bytes);
    assert.deepEqual([...f.n], [0, 1]);
    assert.equal(kindOf(f.flags[0]!), 'ghost');
    assert.ok(Math.abs(latOf(f.y[0]!) - 40.8) < 2e-3, 'where the estimator puts them');
    assert.equal(kindOf(f.flags[1]!), 'predicted');
    field.apply(delta(5150, { runner0: [[40.801, -73.97, 6000]] }));
    const again = decodeFrame(field.emit(5150)[0]!.bytes);
    assert.equal(kindOf(again.flags[0]!), 'gps');
  });
});
