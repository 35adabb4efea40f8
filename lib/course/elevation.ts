/**
 * Elevation profile and climb totals. Elevations from GPS or from a map's terrain model wobble by metres
 * from point to point; summing every wobble turns a flat course into hundreds of metres of "climb". So the
 * profile is resampled at even distances, smoothed over a window, and only rises and falls larger than a
 * threshold count (the way sports watches and route planners report ascent).
 */
import type { Course } from './course';

export interface ElevationProfile {
  /** Metres from the start, evenly spaced, first 0 and last the course length. */
  distances: number[];
  /** Smoothed metres above sea level at each distance. */
  elevations: number[];
  /** Metres climbed and descended along the smoothed profile. */
  gain: number;
  loss: number;
  min: number;
  max: number;
}

export interface ProfileOptions {
  /** Samples in the returned profile (a chart needs no more than it has pixels). */
  maxPoints?: number;
  /** Width of the moving average, metres. */
  smoothingM?: number;
  /** A rise or fall counts once it exceeds this, metres. */
  thresholdM?: number;
}

/** The profile of a course with elevations; null when it has none. */
export function elevationProfile(course: Course, options: ProfileOptions = {}): ElevationProfile | null {
  const raw = course.elevations;
  if (!raw) return null;
  const { maxPoints = 1000, smoothingM = 150, thresholdM = 3 } = options;
  const cum = course.cumulative;
  const length = course.length;

  // Resample finely enough that the smoothing window spans several samples, then average over it.
  const step = Math.max(1, Math.min(smoothingM / 4, length / 2000));
  const n = Math.ceil(length / step) + 1;
  const grid = new Float64Array(n);
  let seg = 0;
  for (let k = 0; k < n; k++) {
    const d = Math.min(length, k * step);
    while (seg < cum.length - 2 && cum[seg + 1]! < d) seg++;
    const span = cum[seg + 1]! - cum[seg]!;
    const f = span > 0 ? Math.min(1, Math.max(0, (d - cum[seg]!) / span)) : 0;
    grid[k] = raw[seg]! + (raw[seg + 1]! - raw[seg]!) * f;
  }
  const half = Math.max(0, Math.round(smoothingM / step / 2));
  const prefix = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) prefix[k + 1] = prefix[k]! + grid[k]!;
  const smooth = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = Math.max(0, k - half);
    const b = Math.min(n - 1, k + half);
    smooth[k] = (prefix[b + 1]! - prefix[a]!) / (b - a + 1);
  }

  // Hysteresis: a climb is counted from the last turning point once it has grown past the threshold.
  let gain = 0;
  let loss = 0;
  let anchor = smooth[0]!;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < n; k++) {
    const e = smooth[k]!;
    if (e < min) min = e;
    if (e > max) max = e;
    if (e - anchor >= thresholdM) {
      gain += e - anchor;
      anchor = e;
    } else if (anchor - e >= thresholdM) {
      loss += anchor - e;
      anchor = e;
    }
  }

  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const distances: number[] = [];
  const elevations: number[] = [];
  for (let k = 0; k < n; k += stride) {
    distances.push(Math.min(length, k * step));
    elevations.push(round1(smooth[k]!));
  }
  if (distances[distances.length - 1] !== length) {
    distances.push(length);
    elevations.push(round1(smooth[n - 1]!));
  }
  return { distances, elevations, gain: round1(gain), loss: round1(loss), min: round1(min), max: round1(max) };
}

/** Elevation at a distance along a profile (to put a runner on the chart); null without a profile. */
export function elevationAt(profile: ElevationProfile | null, along: number): number | null {
  if (!profile) return null;
  const { distances, elevations } = profile;
  if (along <= 0) return elevations[0]!;
  let lo = 0;
  let hi = distances.length - 1;
  if (along >= distances[hi]!) return elevations[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (distances[mid]! <= along) lo = mid;
    else hi = mid;
  }
  const f = (along - distances[lo]!) / (distances[hi]! - distances[lo]!);
  return elevations[lo]! + (elevations[hi]! - elevations[lo]!) * f;
}

const round1 = (v: number) => Math.round(v * 10) / 10;
