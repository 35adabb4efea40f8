/**
 * Unit: the compact live encoding (lib/live-codec.ts) and the map geometry it counts in (lib/tiles.ts):
 * frames decode to what was written, several frames travel in one message, damage is refused, and a view
 * never covers more tiles than the budget is shared among.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  colorHex,
  decodeFrame,
  decodeFrames,
  Flag,
  flagsOf,
  FrameError,
  type FrameHeader,
  FrameKind,
  FrameWriter,
  kindOf,
  quantise,
  statusOf,
  SUMMARY_LEVEL,
  writeEntry,
  writeHeader,
} from '../lib/live-codec';
import { latOf, lonOf, MAX_VIEW_TILES, tileKey, tileOfKey, tileShift, viewTiles, worldX, worldY } from '../lib/tiles';

function frame(h: FrameHeader, entries: Array<[n: number, x: number, y: number, flags: number, color: number]>): Uint8Array {
  const w = new FrameWriter(4);
  writeHeader(w, h, entries.length);
  let prev = -1;
  for (const [n, x, y, flags, color] of entries) {
    writeEntry(w, h, prev, n, quantise(x, h.shift), quantise(y, h.shift), flags, color);
    prev = n;
  }
  return w.bytes();
}

const header = (over: Partial<FrameHeader> = {}): FrameHeader => ({
  kind: FrameKind.Positions,
  gen: 7,
  seq: 123_456,
  level: SUMMARY_LEVEL,
  tileX: 0,
  tileY: 0,
  shift: 6,
  originX: quantise(worldX(-73.97), 6),
  originY: quantise(worldY(40.78), 6),
  ...over,
});

describe('live codec', () => {
  test('a frame decodes to its header and each runner within half a step of where it was', () => {
    const h = header();
    const at = (lat: number, lon: number): [number, number] => [worldX(lon), worldY(lat)];
    const a = at(40.7812, -73.9665);
    const b = at(40.7, -74.1);
    const bytes = frame(h, [
      [3, a[0], a[1], flagsOf('idle', 'ghost', Flag.Alert) | Flag.Color, 0xd7263d],
      [40_000, b[0], b[1], flagsOf('stopped'), 0],
    ]);
    const got = decodeFrame(bytes);
    assert.equal(got.end, bytes.length);
    assert.deepEqual([got.kind, got.gen, got.seq, got.level, got.shift], [FrameKind.Positions, 7, 123_456, SUMMARY_LEVEL, 6]);
    assert.deepEqual([...got.n], [3, 40_000]);
    const step = 2 ** h.shift;
    for (const [k, p] of [a, b].entries()) {
      assert.ok(Math.abs(got.x[k]! - p[0]) <= step / 2 && Math.abs(got.y[k]! - p[1]) <= step / 2);
    }
    assert.equal(statusOf(got.flags[0]!), 'idle');
    assert.equal(kindOf(got.flags[0]!), 'ghost');
    assert.ok(got.flags[0]! & Flag.Alert);
    assert.equal(colorHex(got.color[0]!), '#d7263d');
    assert.equal(got.color[1], -1, 'no colour unless the flags say one follows');
    assert.equal(statusOf(got.flags[1]!), 'stopped');
    // Back to degrees, within the step (64 world pixels is under ten metres).
    assert.ok(Math.abs(latOf(got.y[0]!) - 40.7812) < 1e-4 && Math.abs(lonOf(got.x[0]!) + 73.9665) < 1e-4);
  });

  test('a tile frame says its tile; several frames in one message are read one after another', () => {
    const t = { level: 12, x: 1205, y: 1539 };
    const one = frame(header({ level: t.level, tileX: t.x, tileY: t.y, shift: tileShift(12) }), [[1, worldX(-73.97), worldY(40.78), 0, 0]]);
    const two = frame(header({ kind: FrameKind.Field }), []);
    const joined = new Uint8Array(one.length + two.length);
    joined.set(one);
    joined.set(two, one.length);
    const [a, b] = decodeFrames(joined);
    assert.deepEqual([a!.level, a!.tileX, a!.tileY, a!.shift], [12, 1205, 1539, 6]);
    assert.equal(b!.kind, FrameKind.Field);
    assert.equal(b!.n.length, 0);
  });

  test('numbers past 32 bits survive (a generation, an offset, an index step)', () => {
    const big = 2 ** 40 + 3;
    const got = decodeFrame(frame(header({ gen: big, seq: big }), [[2 ** 31, worldX(0), worldY(0), 0, 0]]));
    assert.equal(got.gen, big);
    assert.equal(got.seq, big);
    assert.equal(got.n[0], 2 ** 31);
  });

  test('a frame cut short, of an unknown kind or another codec version is refused', () => {
    const bytes = frame(header(), [[1, worldX(1), worldY(1), 0, 0]]);
    assert.throws(() => decodeFrame(bytes.subarray(0, bytes.length - 1)), FrameError);
    assert.throws(() => decodeFrame(Uint8Array.from([9, 1, 0])), FrameError);
    const other = bytes.slice();
    other[1] = 99;
    assert.throws(() => decodeFrame(other), FrameError);
  });
});

describe('tiles', () => {
  test('world pixels go back to degrees', () => {
    for (const [lat, lon] of [
      [40.7812, -73.9665],
      [-33.86, 151.21],
      [64.1, -21.9],
    ] as const) {
      assert.ok(Math.abs(latOf(worldY(lat)) - lat) < 1e-9);
      assert.ok(Math.abs(lonOf(worldX(lon)) - lon) < 1e-9);
    }
  });

  test('a tile key names its tile', () => {
    for (const t of [
      { level: 0, x: 0, y: 0 },
      { level: 11, x: 602, y: 769 },
      { level: 17, x: 2 ** 17 - 1, y: 5 },
    ]) {
      assert.deepEqual(tileOfKey(tileKey(t.level, t.x, t.y)), t);
    }
  });

  test('a view covers tiles a level under its zoom, and a huge screen goes up levels to stay within the budget', () => {
    const phone = viewTiles({ west: -73.99, south: 40.76, east: -73.96, north: 40.8, zoom: 14 });
    assert.ok(phone.every((t) => t.level === 13));
    assert.ok(phone.length <= MAX_VIEW_TILES);
    const wall = viewTiles({ west: -75, south: 39, east: -72, north: 42, zoom: 14 });
    assert.ok(wall.length <= MAX_VIEW_TILES);
    assert.ok(wall[0]!.level < 13);
    assert.ok(viewTiles({ west: -180, south: -85, east: 180, north: 85, zoom: 2 }).length <= MAX_VIEW_TILES);
  });
});
