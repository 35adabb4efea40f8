/**
 * Copies of one line in a file (a planner that writes the route and the track, a map with the path twice)
 * count as one. Two lines are the same when their points, pieces joined, are the same at the precision a
 * course keeps (1e-6°, about 0.1 m). Each line is hashed once and compared only with the lines that share
 * its hash and length, so a file of thousands of different lines costs a pass over its points, not a
 * comparison of every line with every other.
 */
import type { Position } from 'geojson';

const SCALE = 1e6;

export interface HasParts {
  parts: readonly (readonly Position[])[];
}

/** The lines in file order, without later copies of an earlier one. */
export function distinctLines<T extends HasParts>(lines: readonly T[]): T[] {
  const kept: T[] = [];
  const byKey = new Map<string, Array<{ line: T; at: Float64Array }>>();
  for (const line of lines) {
    const at = rounded(line.parts);
    const key = `${at.length}:${hash(at)}`;
    const same = byKey.get(key);
    if (same?.some((other) => equal(other.at, at))) continue;
    if (same) same.push({ line, at });
    else byKey.set(key, [{ line, at }]);
    kept.push(line);
  }
  return kept;
}

/** [lon, lat, lon, lat, …] of every point, pieces joined, rounded as the course keeps them. */
function rounded(parts: readonly (readonly Position[])[]): Float64Array {
  let n = 0;
  for (const part of parts) n += part.length;
  const out = new Float64Array(n * 2);
  let i = 0;
  for (const part of parts) {
    for (const p of part) {
      out[i++] = Math.round((p[0] ?? Number.NaN) * SCALE);
      out[i++] = Math.round((p[1] ?? Number.NaN) * SCALE);
    }
  }
  return out;
}

/** FNV-1a over both 32-bit halves of each value: only to sort lines into groups, equality is checked after. */
function hash(values: Float64Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    h = Math.imul(h ^ (v | 0), 0x01000193);
    h = Math.imul(h ^ ((v / 4294967296) | 0), 0x01000193);
  }
  return h >>> 0;
}

/** NaN equals nothing, so a line with a broken point is never taken for a copy. */
function equal(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
