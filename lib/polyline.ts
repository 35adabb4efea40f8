/**
 * The encoded-polyline algorithm (as in Google's and OSRM's polylines), the one codec for every line the
 * app sends or stores: each value is a signed integer written as the difference from the value before it
 * in its series, zig-zagged and cut into 5-bit groups of printable ASCII (63–126), so steady progress costs
 * a few characters a value and the text is JSON-safe.
 *
 * - **Trails** ([lat, lon, t] triples): latitude and longitude to 1e-5 degrees (about a metre), time in
 *   whole seconds (snapshots) or milliseconds (a runner's full track, where every fix counts).
 * - **Lines** ([lat, lon] pairs, a course) at a chosen precision (6 decimals keeps about 0.1 m), and
 *   **series** of single numbers (elevations at 1 decimal), which the two-dimensional libraries cannot do.
 *
 * Trails decode leniently (a damaged trail yields the points before the damage: a live picture carries on);
 * lines and series decode strictly (a damaged course must be uploaded again), throwing a PolylineError.
 */
import type { TrackPoint } from './protocol';

const DEG = 1e5;

/** Time step of an encoded trail, ms: whole seconds unless said otherwise. */
export type TimeStep = 1000 | 1;

export class PolylineError extends Error {
  constructor(readonly reason: 'cut' | 'character') {
    super(reason === 'cut' ? 'The encoded line is cut off.' : 'The encoded line holds a character it cannot.');
  }
}

// Arithmetic rather than bit operators: a first time value (seconds since 1970) or a whole-world longitude
// at 1e-6 outgrows 32 bits once doubled.
function put(out: string[], delta: number): void {
  let v = delta < 0 ? -2 * delta - 1 : 2 * delta;
  while (v >= 32) {
    out.push(String.fromCharCode(32 + (v % 32) + 63));
    v = Math.floor(v / 32);
  }
  out.push(String.fromCharCode(v + 63));
}

/**
 * `width` interleaved series (lat, lon, t, lat, lon, t …) as one string of deltas, each value made an
 * integer as round(value × mul ÷ div) of its series (division kept exact: ms to whole seconds must round the
 * same everywhere). `values` is flat; `count` groups from group `start`.
 */
function encodeScaled(values: ArrayLike<number>, width: number, mul: readonly number[], div: readonly number[], start: number, count: number): string {
  const out: string[] = [];
  const previous = new Array<number>(width).fill(0);
  for (let i = start * width; i < (start + count) * width; i++) {
    const column = i % width;
    const v = Math.round((values[i]! * mul[column]!) / div[column]!);
    put(out, v - previous[column]!);
    previous[column] = v;
  }
  return out.join('');
}

/**
 * The integers of `width` interleaved series, flat, and what stopped the reading early (null when the whole
 * text was read and ends on a whole group).
 */
function decodeInts(text: string, width: number): { values: number[]; damage: PolylineError['reason'] | null } {
  const values: number[] = [];
  const previous = new Array<number>(width).fill(0);
  let i = 0;
  while (i < text.length) {
    let result = 0;
    let scale = 1;
    let byte: number;
    do {
      if (i >= text.length) return { values, damage: 'cut' };
      byte = text.charCodeAt(i++) - 63;
      if (byte < 0 || byte > 63) return { values, damage: 'character' };
      result += (byte % 32) * scale;
      scale *= 32;
    } while (byte >= 32);
    const column = values.length % width;
    const v = previous[column]! + (result % 2 ? -(result + 1) / 2 : result / 2);
    previous[column] = v;
    values.push(v);
  }
  return { values, damage: values.length % width === 0 ? null : 'cut' };
}

function decodeStrict(text: string, width: number): number[] {
  const { values, damage } = decodeInts(text, width);
  if (damage) throw new PolylineError(damage);
  return values;
}

// ---------- trails ----------

/** Encode points given as a flat array [lat, lon, t, lat, lon, t, …], `count` of them from `start`. */
export function encodeFlat(flat: ArrayLike<number>, start = 0, count = Math.floor(flat.length / 3) - start, step: TimeStep = 1000): string {
  return encodeScaled(flat, 3, [DEG, DEG, 1], [1, 1, step], start, count);
}

export function encodeTrail(points: readonly TrackPoint[], step: TimeStep = 1000): string {
  const flat = new Array<number>(points.length * 3);
  points.forEach((p, i) => {
    flat[i * 3] = p[0];
    flat[i * 3 + 1] = p[1];
    flat[i * 3 + 2] = p[2];
  });
  return encodeFlat(flat, 0, points.length, step);
}

/** The points of an encoded trail; a malformed string yields the points before the damage. */
export function decodeTrail(encoded: string, step: TimeStep = 1000): TrackPoint[] {
  const { values } = decodeInts(encoded, 3);
  const out = new Array<TrackPoint>(Math.floor(values.length / 3));
  for (let i = 0; i < out.length; i++) out[i] = [values[i * 3]! / DEG, values[i * 3 + 1]! / DEG, values[i * 3 + 2]! * step];
  return out;
}

// ---------- lines and series ----------

/** Encodes [lat, lon] points with `precision` decimals (6 keeps about 0.1 m). */
export function encodePolyline(points: ReadonlyArray<readonly [number, number]>, precision = 6): string {
  const factor = 10 ** precision;
  const flat = new Array<number>(points.length * 2);
  points.forEach(([lat, lon], i) => {
    flat[2 * i] = lat;
    flat[2 * i + 1] = lon;
  });
  return encodeScaled(flat, 2, [factor, factor], [1, 1], 0, points.length);
}

/** The [lat, lon] points of an encoded line; throws a PolylineError when it is damaged. */
export function decodePolyline(text: string, precision = 6): Array<[number, number]> {
  const factor = 10 ** precision;
  const ints = decodeStrict(text, 2);
  const out = new Array<[number, number]>(ints.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = [ints[2 * i]! / factor, ints[2 * i + 1]! / factor];
  return out;
}

/** Encodes one series of numbers with `precision` decimals (elevations: 1, decimetres). */
export function encodeSeries(values: readonly number[], precision: number): string {
  return encodeScaled(values, 1, [10 ** precision], [1], 0, values.length);
}

/** The numbers of an encoded series; throws a PolylineError when it is damaged. */
export function decodeSeries(text: string, precision: number): number[] {
  const factor = 10 ** precision;
  return decodeStrict(text, 1).map((v) => v / factor);
}
