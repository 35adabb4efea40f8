/** Unit: copies of a line in a file count once, found in one pass over the points (no line compared with every other). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Position } from 'geojson';
import { distinctLines } from '../lib/course/distinct-lines';

const line = (name: string, ...parts: Position[][]) => ({ name, parts });
const north = (n: number, lon = 11, from = 0): Position[] => Array.from({ length: n }, (_, i) => [lon, 48 + (from + i) * 0.001]);

describe('distinct lines', () => {
  test('a route and a track with the same points are one line; the first in the file is kept', () => {
    const kept = distinctLines([line('track', north(5)), line('route', north(5)), line('other', north(5, 12))]);
    assert.deepEqual(kept.map((l) => l.name), ['track', 'other']);
  });

  test('the same points in pieces and in one piece are the same line', () => {
    const whole = north(6);
    const kept = distinctLines([line('pieces', whole.slice(0, 2), whole.slice(2)), line('whole', whole)]);
    assert.deepEqual(kept.map((l) => l.name), ['pieces']);
  });

  test('points that round to the same 1e-6° (what the course keeps) are the same; one point off is another line', () => {
    const a = north(4);
    const close = a.map(([lon, lat]) => [lon! + 2e-7, lat! - 3e-7]);
    const off = a.map((p, i) => (i === 2 ? [p[0]!, p[1]! + 1e-5] : p));
    assert.deepEqual(distinctLines([line('a', a), line('close', close), line('off', off)]).map((l) => l.name), ['a', 'off']);
  });

  test('a line with one more or one fewer point is another line', () => {
    assert.equal(distinctLines([line('5', north(5)), line('4', north(4)), line('6', north(6))]).length, 3);
  });

  test('a point without numbers is never taken for a copy', () => {
    const broken: Position[] = [[11, 48], [11, Number.NaN]];
    assert.equal(distinctLines([line('a', broken), line('b', broken.map((p) => [...p]))]).length, 2);
  });

  test('thousands of different lines: each line\'s points are read once, whatever the number of lines', () => {
    const reads: number[] = [];
    const lines = Array.from({ length: 4000 }, (_, i) => {
      const parts = [north(2, 11 + i * 1e-4)];
      reads.push(0);
      return {
        get parts() {
          reads[i]!++;
          return parts;
        },
      };
    });
    assert.equal(distinctLines(lines).length, 4000);
    assert.ok(reads.every((n) => n === 1), `a line was read ${Math.max(...reads)} times`);
  });
});
