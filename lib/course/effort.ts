/**
 * The course ahead as effort: metres of flat running that take as long as each stretch of the course, so
 * that a runner's pace measured on a flat stretch predicts a hill honestly, and a pace measured on a hill
 * does not make the flat ahead look slow. A runner's "flat speed" is effort metres per second.
 *
 * Grade cost: each 1 % of climb costs about 3 % more time, each 1 % of descent saves about 1.8 %, down to
 * -10 % (steeper descents save nothing more: runners brake). This is the shape of the grade-adjusted pace
 * tables runners use (Strava's and Daniels'), rounded; grades come from the smoothed elevation profile,
 * over 100 m or more, never from point-to-point wobble. Without elevations every metre is one effort metre.
 */
import type { Course } from './course';
import { elevationProfile } from './elevation';

const UPHILL_COST = 3.0;
const DOWNHILL_GAIN = 1.8;
const STEEPEST_HELPFUL_DESCENT = -0.1;

export interface EffortProfile {
  /** Course metres between samples. */
  readonly step: number;
  /** Effort metres from the start to each sample (k × step, the last at the course's length). */
  readonly cumulative: Float64Array;
  readonly length: number;
}

/** Time on a stretch of this grade (rise over run) relative to the flat. */
export function gradeCost(grade: number): number {
  return grade >= 0 ? 1 + UPHILL_COST * grade : 1 + DOWNHILL_GAIN * Math.max(STEEPEST_HELPFUL_DESCENT, grade);
}

/** The course's effort profile; null without elevations (then effort is distance). */
export function effortProfile(course: Course): EffortProfile | null {
  const profile = elevationProfile(course, { maxPoints: 100_000, smoothingM: 200, thresholdM: 0 });
  if (!profile || profile.distances.length < 2) return null;
  const { distances, elevations } = profile;
  const step = Math.max(50, distances[1]! - distances[0]!);
  const n = Math.ceil(course.length / step) + 1;
  const cumulative = new Float64Array(n);
  let j = 0;
  const elevationAt = (d: number) => {
    while (j < distances.length - 2 && distances[j + 1]! < d) j++;
    const span = distances[j + 1]! - distances[j]!;
    const f = span > 0 ? Math.min(1, Math.max(0, (d - distances[j]!) / span)) : 0;
    return elevations[j]! + (elevations[j + 1]! - elevations[j]!) * f;
  };
  let before = elevationAt(0);
  for (let k = 1; k < n; k++) {
    const d = Math.min(course.length, k * step);
    const run = d - Math.min(course.length, (k - 1) * step);
    const here = elevationAt(d);
    cumulative[k] = cumulative[k - 1]! + (run > 0 ? run * gradeCost((here - before) / run) : 0);
    before = here;
  }
  return { step, cumulative, length: course.length };
}

/** Effort metres from the start to `at` metres along the course (clamped to the course). */
export function effortAt(profile: EffortProfile | null, at: number): number {
  if (!profile) return at;
  const { step, cumulative, length } = profile;
  const x = Math.min(length, Math.max(0, at));
  const k = Math.min(cumulative.length - 2, Math.floor(x / step));
  const d0 = k * step;
  const d1 = Math.min(length, (k + 1) * step);
  const f = d1 > d0 ? (x - d0) / (d1 - d0) : 0;
  return cumulative[k]! + (cumulative[k + 1]! - cumulative[k]!) * f + Math.min(0, at) + Math.max(0, at - length);
}

/** Metres along the course where the effort from the start reaches `effort`. */
export function distanceAtEffort(profile: EffortProfile | null, effort: number): number {
  if (!profile) return effort;
  const { step, cumulative, length } = profile;
  const last = cumulative.length - 1;
  if (effort <= 0) return effort;
  if (effort >= cumulative[last]!) return length + (effort - cumulative[last]!);
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! <= effort) lo = mid;
    else hi = mid;
  }
  const d0 = lo * step;
  const d1 = Math.min(length, hi * step);
  const span = cumulative[hi]! - cumulative[lo]!;
  return d0 + (span > 0 ? (effort - cumulative[lo]!) / span : 0) * (d1 - d0);
}
