/**
 * The encoded polyline algorithm (signed deltas in 5-bit groups as printable ASCII), as map services
 * use it. A 50,000-point course packs into a few hundred kilobytes of JSON-safe text, which is what a
 * browser downloads and what the store keeps. The same coding carries elevations as a series of
 * integers, which the two-dimensional libraries cannot do.
 */
import { CourseError, CourseErrorCode } from './errors';

function pushValue(out: string[], delta: number): void {
  // Arithmetic, not bit shifts: deltas of whole-world longitudes at 1e-6 pass 2^31 once doubled.
  let v = delta < 0 ? -2 * delta - 1 : 2 * delta;
  while (v >= 0x20) {
    out.push(String.fromCharCode((0x20 | (v % 0x20)) + 63));
    v = Math.floor(v / 0x20);
  }
  out.push(String.fromCharCode(v + 63));
}

/** Encodes integer series interleaved (lat, lon, lat, lon …) as one string of deltas. */
function encodeInts(values: ArrayLike<number>, width: number): string {
  const out: string[] = [];
  const previous = new Array<number>(width).fill(0);
  for (let i = 0; i < values.length; i++) {
    const column = i % width;
    const v = values[i]!;
    pushValue(out, v - previous[column]!);
    previous[column] = v;
  }
  return out.join('');
}

function decodeInts(text: string, width: number): number[] {
  const out: number[] = [];
  const previous = new Array<number>(width).fill(0);
  let i = 0;
  while (i < text.length) {
    let result = 0;
    let scale = 1;
    let byte: number;
    do {
      if (i >= text.length) throw new CourseError(CourseErrorCode.BadCompact, 'The stored course line is cut off.');
      byte = text.charCodeAt(i++) - 63;
      if (byte < 0 || byte > 63) {
        throw new CourseError(CourseErrorCode.BadCompact, 'The stored course line holds a character it cannot.');
      }
      result += (byte % 0x20) * scale;
      scale *= 0x20;
    } while (byte >= 0x20);
    const delta = result % 2 === 1 ? -(result + 1) / 2 : result / 2;
    const column = out.length % width;
    const v = previous[column]! + delta;
    previous[column] = v;
    out.push(v);
  }
  if (out.length % width !== 0) throw new CourseError(CourseErrorCode.BadCompact, 'The stored course line is cut off.');
  return out;
}

/** Encodes [lat, lon] points with `precision` decimals (6 keeps about 0.1 m). */
export function encodePolyline(points: ReadonlyArray<readonly [number, number]>, precision = 6): string {
  const factor = 10 ** precision;
  const ints = new Array<number>(points.length * 2);
  points.forEach(([lat, lon], i) => {
    ints[2 * i] = Math.round(lat * factor);
    ints[2 * i + 1] = Math.round(lon * factor);
  });
  return encodeInts(ints, 2);
}

export function decodePolyline(text: string, precision = 6): Array<[number, number]> {
  const factor = 10 ** precision;
  const ints = decodeInts(text, 2);
  const out = new Array<[number, number]>(ints.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = [ints[2 * i]! / factor, ints[2 * i + 1]! / factor];
  return out;
}

/** Encodes one series of numbers with `precision` decimals (elevations: 1, decimetres). */
export function encodeSeries(values: readonly number[], precision: number): string {
  const factor = 10 ** precision;
  return encodeInts(
    values.map((v) => Math.round(v * factor)),
    1,
  );
}

export function decodeSeries(text: string, precision: number): number[] {
  const factor = 10 ** precision;
  return decodeInts(text, 1).map((v) => v / factor);
}
