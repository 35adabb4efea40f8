import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrackPoint } from '../lib/protocol';
import { simplifyTrack } from '../lib/simplify';

const T = 1_700_000_000_000;
/** A square lap of about 1.1 km a side, sampled every metre or so. */
function squareLap(perSide: number): TrackPoint[] {
  const corners: Array<[number, number]> = [
    [51.5, -0.12],
    [51.51, -0.12],
    [51.51, -0.104],
    [51.5, -0.104],
    [51.5, -0.12],
  ];
  const out: TrackPoint[] = [];
  for (let c = 0; c < 4; c++) {
    const [a, b] = [corners[c]!, corners[c + 1]!];
    for (let i = 0; i < perSide; i++) {
      const f = i / perSide;
      out.push([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, T + out.length * 1000]);
    }
  }
  out.push([51.5, -0.12, T + out.length * 1000]);
  return out;
}

test('a trail within the budget comes back unchanged', () => {
  const lap = squareLap(10);
  assert.deepEqual(simplifyTrack(lap, 100), lap);
});

test('a long trail is cut to the budget, keeping its ends and its corners, in order', () => {
  const lap = squareLap(1000);
  const simple = simplifyTrack(lap, 50);
  assert.ok(simple.length <= 50);
  assert.equal(simple[0], lap[0]);
  assert.equal(simple.at(-1), lap.at(-1));
  for (const corner of [lap[1000], lap[2000], lap[3000]]) assert.ok(simple.includes(corner!), 'corners survive');
  for (let i = 1; i < simple.length; i++) assert.ok(simple[i]![2] > simple[i - 1]![2], 'time order kept');
});

test('the budget is met exactly when there are more shape points than room', () => {
  const zigzag: TrackPoint[] = Array.from({ length: 5000 }, (_, i) => [51.5 + i * 0.0001, -0.12 + (i % 2) * 0.0003, T + i]);
  assert.equal(simplifyTrack(zigzag, 300).length, 300);
});
