/**
 * The estimator: where a runner probably is now, and when they will probably reach a point ahead, each as
 * an interval, from their last observation and their own pace.
 *
 * Every source is an observation with an error: a phone or tracking-app fix (metres, every second or so),
 * a satellite tracker's fix (metres, minutes apart), a timing mat's passing (exact place, exact time). The
 * last observation anchors the estimate; the runner's pace over what was really seen of them (the last
 * 2 km, or what was seen if less) moves it on, converted to a flat speed so that the hills ahead count
 * (effort.ts). How far their pace has varied from kilometre to kilometre, and how much any runner's pace
 * drifts over the hours ahead (most slow down, some a lot), widen it into a band: the slowest and fastest
 * plausible progress, each side holding about 95 % (so the band about 90 %).
 *
 * A runner not heard from for longer than their source's normal interval (phone about a minute, satellite
 * about 12 minutes; a chip-only runner: until the latest likely arrival at the next mat) is a ghost: drawn
 * where the estimate puts them, with the band. Everything here is pure and takes the time as an argument,
 * so the server and the browser compute the same thing from the same numbers.
 */
import { type EffortProfile, distanceAtEffort, effortAt } from './effort';

export type SourceKind = 'gps' | 'sat' | 'mat';

/** How often each source is normally heard from (ms); a mat has no interval: see `overdueAfter`. */
export const SOURCE_EVERY_MS: Readonly<Record<Exclude<SourceKind, 'mat'>, number>> = { gps: 60_000, sat: 12 * 60_000 };

/** What the pace is measured over: the last 2 km seen, all that was seen (less), the average since the start, or nothing yet. */
export type PaceBasisKind = 'recent' | 'observed' | 'average' | 'typical';

export interface RunnerEstimate {
  /** The source of the last observation. */
  src: SourceKind;
  /** When and where the runner was last observed (ms; metres along the course). */
  t: number;
  at: number;
  /** 1-σ error of `at`, metres (0 at a mat). */
  err: number;
  /** Likely flat speed from there (effort metres per second; see effort.ts). */
  v: number;
  /** Relative spread of the runner's own pace (0.05: their kilometres vary by about ±5 %). */
  spread: number;
  basis: PaceBasisKind;
  /** Course metres the pace was measured over. */
  metres: number;
  /** Nothing heard by this time (ms), the runner is a ghost. */
  until: number;
}

/** A runner's pace before any is measured: about 6:00 /km, very uncertain. */
export const TYPICAL_FLAT_SPEED = 2.8;
export const TYPICAL_SPREAD = 0.3;
/** The spread assumed before several kilometres were seen, and how many kilometres it counts as. */
export const PRIOR_SPREAD = 0.06;
const PRIOR_WEIGHT = 3;
const MIN_SPREAD = 0.02;
/** One-sided 95 %: each edge of the band is passed by about one runner in twenty. */
const Z = 1.645;
/** Runners slow as the hours go on: on average, and how differently (relative speed per hour ahead). */
const SLOWING_PER_H = 0.03;
const DRIFT_SD_PER_H = 0.05;
/**
 * How much of the kilometre-to-kilometre spread stays in an average over the stretch ahead: the pace
 * measured over the last 2 km and the pace to come are both averages, in which much of it cancels.
 */
const SPREAD_KEPT = 0.7;
/** No one is predicted slower than walking pace or much faster than they have been running. */
const SLOWEST_FACTOR = 0.3;
const FASTEST_FACTOR = 1.4;

/** Relative speed over a horizon of `seconds`: slowest plausible, likely, fastest plausible. */
export function speedFactors(spread: number, seconds: number): [slow: number, likely: number, fast: number] {
  const h = Math.max(0, seconds) / 3600;
  const sd = Math.sqrt((SPREAD_KEPT * spread) ** 2 + (DRIFT_SD_PER_H * h) ** 2);
  const likely = 1 - SLOWING_PER_H * h;
  return [Math.max(SLOWEST_FACTOR, likely - Z * sd), Math.max(SLOWEST_FACTOR, likely), Math.min(FASTEST_FACTOR, 1 + Z * sd)];
}

/**
 * The relative spread of a runner's pace from their flat speeds per kilometre (the latest ten or so),
 * drawn towards PRIOR_SPREAD while there are few.
 */
export function paceSpread(flatSpeeds: readonly number[]): number {
  const n = flatSpeeds.length;
  let observed = 0;
  if (n >= 2) {
    const mean = flatSpeeds.reduce((a, b) => a + b, 0) / n;
    const variance = flatSpeeds.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
    observed = mean > 0 ? variance / (mean * mean) : 0;
  }
  const blended = (Math.max(0, n - 1) * observed + PRIOR_WEIGHT * PRIOR_SPREAD ** 2) / (Math.max(0, n - 1) + PRIOR_WEIGHT);
  return Math.max(MIN_SPREAD, Math.sqrt(blended));
}

export type WhereaboutsKind = 'seen' | 'predicted' | 'ghost';

export interface Whereabouts {
  /** Seen: heard from within the source's interval. Predicted: a chip-only runner between mats. Ghost: silent for longer. */
  kind: WhereaboutsKind;
  /** Likely metres along the course now, and the band from slowest to fastest plausible. */
  at: number;
  lo: number;
  hi: number;
  /** Milliseconds since the runner was last observed. */
  silentMs: number;
}

/** Where the runner probably is at `now` (never past the finish, never behind where they were seen). */
export function whereabouts(est: RunnerEstimate, effort: EffortProfile | null, length: number, now: number): Whereabouts {
  const seconds = Math.max(0, (now - est.t) / 1000);
  const [slow, likely, fast] = speedFactors(est.spread, seconds);
  const e0 = effortAt(effort, est.at);
  const move = (factor: number) => Math.min(length, distanceAtEffort(effort, e0 + est.v * factor * seconds));
  const margin = Z * est.err;
  const kind: WhereaboutsKind = now <= est.until ? (est.src === 'mat' ? 'predicted' : 'seen') : 'ghost';
  return {
    kind,
    at: move(likely),
    lo: Math.max(0, Math.min(length, move(slow) - margin)),
    hi: Math.min(length, move(fast) + margin),
    silentMs: Math.max(0, now - est.t),
  };
}

export interface Arrival {
  /** Likely arrival (ms), and the earliest and latest plausible. */
  t: number;
  lo: number;
  hi: number;
}

/** When the runner will probably reach `x` metres along the course; null when they are there already. */
export function arrival(est: RunnerEstimate, effort: EffortProfile | null, x: number): Arrival | null {
  const ahead = effortAt(effort, x) - effortAt(effort, est.at);
  if (ahead <= 0 || est.v <= 0) return null;
  const seconds = (index: 0 | 1 | 2) => {
    // The factor depends on the horizon, which depends on the factor: a few rounds settle it.
    let s = ahead / est.v;
    for (let k = 0; k < 4; k++) s = ahead / (est.v * speedFactors(est.spread, s)[index]);
    return s;
  };
  const jitter = (Z * est.err) / est.v;
  return {
    t: est.t + seconds(1) * 1000,
    lo: est.t + Math.max(0, seconds(2) - jitter) * 1000,
    hi: est.t + (seconds(0) + jitter) * 1000,
  };
}

/**
 * When a runner last observed at `t` by `src` becomes overdue: a phone's or a tracker's interval after
 * it, or for a mat the latest plausible arrival at the next mat (`nextMat` metres; the finish if none).
 */
export function overdueAfter(est: Omit<RunnerEstimate, 'until'>, effort: EffortProfile | null, nextMat: number | null, length: number): number {
  if (est.src !== 'mat') return est.t + SOURCE_EVERY_MS[est.src];
  const next = arrival({ ...est, until: Infinity }, effort, nextMat ?? length);
  return next ? next.hi : est.t + SOURCE_EVERY_MS.gps;
}
