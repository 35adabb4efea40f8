/**
 * Trails in a few bytes a point: the encoded-polyline algorithm (as in Google's and OSRM's polylines) over
 * triples (latitude, longitude, time). Latitude and longitude are rounded to 1e-5 degrees (about a metre),
 * time to whole seconds (snapshots) or milliseconds (a runner's full track, where every fix counts); each
 * value is written as the difference from the previous point's, so a runner's steady progress costs about
 * six characters a point. Every character is printable ASCII (63–126).
 */
import type { TrackPoint } from './protocol';

const DEG = 1e5;

/** Time step of an encoded trail, ms: whole seconds unless said otherwise. */
export type TimeStep = 1000 | 1;

// Arithmetic rather than bit operators: the first time value (seconds since 1970) outgrows 32 bits.
function put(out: string[], delta: number): void {
  let v = delta < 0 ? -2 * delta - 1 : 2 * delta;
  while (v >= 32) {
    out.push(String.fromCharCode(32 + (v % 32) + 63));
    v = Math.floor(v / 32);
  }
  out.push(String.fromCharCode(v + 63));
}

/** Encode points given as a flat array [lat, lon, t, lat, lon, t, …], `count` of them from `start`. */
export function encodeFlat(flat: ArrayLike<number>, start = 0, count = Math.floor(flat.length / 3) - start, step: TimeStep = 1000): string {
  const out: string[] = [];
  let pLat = 0;
  let pLon = 0;
  let pT = 0;
  for (let i = start; i < start + count; i++) {
    const lat = Math.round(flat[i * 3]! * DEG);
    const lon = Math.round(flat[i * 3 + 1]! * DEG);
    const t = Math.round(flat[i * 3 + 2]! / step);
    put(out, lat - pLat);
    put(out, lon - pLon);
    put(out, t - pT);
    pLat = lat;
    pLon = lon;
    pT = t;
  }
  return out.join('');
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
  const out: TrackPoint[] = [];
  const acc = [0, 0, 0];
  let i = 0;
  let k = 0;
  while (i < encoded.length) {
    let scale = 1;
    let result = 0;
    let byte: number;
    do {
      byte = encoded.charCodeAt(i++) - 63;
      if (byte < 0 || byte > 63) return out;
      result += (byte % 32) * scale;
      scale *= 32;
    } while (byte >= 32 && i < encoded.length);
    if (byte >= 32) return out;
    acc[k]! += result % 2 ? -(result + 1) / 2 : result / 2;
    k++;
    if (k === 3) {
      out.push([acc[0]! / DEG, acc[1]! / DEG, acc[2]! * step]);
      k = 0;
    }
  }
  return out;
}
