/**
 * Splits (what a runner did) and predictions (when they will reach the next checkpoints and the finish).
 *
 * A prediction extends the runner's recent pace from where they were last seen: the pace over the last
 * RECENT_M of course seen, else over what was seen (from MIN_BASIS_M on): since their start when they were
 * seen from it, since they were first seen when that was later (a phone that started mid-race), else none.
 * Recent pace follows a runner who slows in the second half, which the average since the start would not;
 * the basis is returned with every prediction so a page can say so. Each predicted time is an interval,
 * from the estimator (estimate.ts): the runner's own pace spread, the drift of the hours ahead, the hills.
 */
import type { Course } from './course';
import {
  type RunnerRace,
  type TimingKind,
  type TimingPoint,
  progressTime,
  raceProgress,
  timeAt,
} from './race';
import { type DistanceUnit, UNIT_M, formatDistance } from './units';
import { type EffortProfile, effortAt } from './effort';
import { PRIOR_SPREAD, type RunnerEstimate, TYPICAL_FLAT_SPEED, TYPICAL_SPREAD, arrival, overdueAfter, paceSpread } from './estimate';

export const RECENT_M = 2000;
const MIN_BASIS_M = 200;
/** The spread of a runner's pace is measured over their latest kilometres, this many. */
const SPREAD_KMS = 10;

export interface Split {
  label: string;
  kind: TimingKind;
  /** Metres from the start. */
  at: number;
  /** Clock time of the passing (ms); null when the runner was not seen there. */
  t: number | null;
  /** Seconds from the runner's start. */
  elapsed: number | null;
  /** Seconds since the previous row (or the start). */
  split: number | null;
  /** m/s over that stretch. */
  speed: number | null;
  /** Interpolated from the start because the runner was first seen farther on. */
  estimated: boolean;
}

/** Rows for the points of one kind the runner has passed, and the finish once they have finished. */
export function splits(points: readonly TimingPoint[], race: RunnerRace, kind: 'km' | 'mi' | 'checkpoint'): Split[] {
  const start = race.start;
  if (!start) return [];
  const rows: Split[] = [];
  let prevT: number | null = start.t;
  let prevAt = start.at;
  race.passings.forEach((t, i) => {
    const point = points[i]!;
    if (point.kind !== kind && point.kind !== 'finish') return;
    const split = t !== null && prevT !== null ? (t - prevT) / 1000 : null;
    rows.push({
      label: point.label,
      kind: point.kind,
      at: point.at,
      t,
      elapsed: t !== null ? (t - start.t) / 1000 : null,
      split,
      speed: split !== null && split > 0 ? (point.at - prevAt) / split : null,
      estimated: race.observedFrom !== null && point.at < race.observedFrom,
    });
    prevT = t;
    prevAt = point.at;
  });
  return rows;
}

export interface ForecastBasis {
  /**
   * recent: the last RECENT_M seen; observed: all that was seen of a runner first seen after their start,
   * less than that; average: since their start, seen from it.
   */
  kind: 'recent' | 'observed' | 'average';
  /** Metres of course the pace was measured over. */
  metres: number;
  /** m/s. */
  speed: number;
}

export interface Eta {
  label: string;
  kind: 'checkpoint' | 'finish';
  at: number;
  /** Likely clock time (ms), and the earliest and latest plausible. */
  t: number;
  lo: number;
  hi: number;
  /** Likely seconds from the runner's start. */
  elapsed: number;
}

export interface Forecast {
  basis: ForecastBasis | null;
  /** The estimator's anchor and pace (see estimate.ts); null before the start and after the finish. */
  estimate: RunnerEstimate | null;
  /** Checkpoints ahead, nearest first (at most the number asked for), then the finish. */
  ahead: Eta[];
}

/**
 * The pace a prediction is made from, and what it is; null without enough to go on. Only what was seen of
 * the runner counts: before they were first seen, their passings are interpolated from the gun, which says
 * nothing about how they run.
 */
export function forecastBasis(course: Course, points: readonly TimingPoint[], race: RunnerRace): ForecastBasis | null {
  const start = race.start;
  const at = raceProgress(course, race);
  const t = progressTime(race);
  if (!start || at === null || t === null) return null;
  const seenFrom = Math.max(start.at, race.observedFrom ?? start.at);
  const seen = at - seenFrom;
  if (seen >= RECENT_M) {
    const then = timeAt(points, race, at - RECENT_M);
    if (then !== null && t > then) return { kind: 'recent', metres: RECENT_M, speed: RECENT_M / ((t - then) / 1000) };
  }
  if (seenFrom <= start.at) {
    if (seen >= MIN_BASIS_M && t > start.t) return { kind: 'average', metres: seen, speed: seen / ((t - start.t) / 1000) };
    return null;
  }
  const seenT = race.observedT ?? null;
  if (seen >= MIN_BASIS_M && seenT !== null && t > seenT) return { kind: 'observed', metres: seen, speed: seen / ((t - seenT) / 1000) };
  return null;
}

/** Flat speeds (effort metres per second) over the latest kilometres the runner was seen to run. */
function flatKmSpeeds(points: readonly TimingPoint[], race: RunnerRace, effort: EffortProfile | null): number[] {
  const from = race.observedFrom ?? 0;
  const speeds: number[] = [];
  let later: { at: number; t: number } | null = null;
  for (let i = race.passings.length - 1; i >= 0 && speeds.length < SPREAD_KMS; i--) {
    const point = points[i]!;
    const t = race.passings[i];
    if (point.kind !== 'km' || t === null || t === undefined || point.at < from) continue;
    if (later && later.t > t) speeds.push((effortAt(effort, later.at) - effortAt(effort, point.at)) / ((later.t - t) / 1000));
    later = { at: point.at, t };
  }
  return speeds;
}

/** The estimator's anchor for this runner: their last observation, flat pace and its spread; null before the start or after the finish. */
export function raceEstimate(course: Course, points: readonly TimingPoint[], race: RunnerRace, effort: EffortProfile | null, nextMat: number | null = null): RunnerEstimate | null {
  if (!race.start || race.finish !== null) return null;
  const at = raceProgress(course, race);
  const t = progressTime(race);
  if (at === null || t === null) return null;
  const basis = forecastBasis(course, points, race);
  const src = race.src ?? 'gps';
  const pp = race.match.covariance?.[0] ?? 25;
  const err = src === 'mat' ? 0 : Math.min(30, Math.max(3, Math.sqrt(pp)));
  let v = TYPICAL_FLAT_SPEED;
  // Between mats every kilometre is interpolated at one pace: their spread says nothing, so it is never
  // taken below what is assumed before any is seen.
  let spread = paceSpread(flatKmSpeeds(points, race, effort));
  if (src === 'mat') spread = Math.max(spread, PRIOR_SPREAD);
  if (basis) {
    const seconds = basis.metres / basis.speed;
    v = (effortAt(effort, at) - effortAt(effort, at - basis.metres)) / seconds;
  } else {
    spread = Math.max(spread, TYPICAL_SPREAD);
  }
  const anchor = { src, t, at, err, v, spread, basis: basis?.kind ?? ('typical' as const), metres: basis?.metres ?? 0 };
  return { ...anchor, until: overdueAfter(anchor, effort, nextMat, course.length) };
}

export function forecast(
  course: Course,
  points: readonly TimingPoint[],
  race: RunnerRace,
  effort: EffortProfile | null = null,
  checkpointsAhead = 3,
  nextMat: number | null = null,
): Forecast {
  if (race.finish !== null) return { basis: null, estimate: null, ahead: [] };
  const basis = forecastBasis(course, points, race);
  const estimate = raceEstimate(course, points, race, effort, nextMat);
  if (!basis || !estimate) return { basis, estimate, ahead: [] };
  const eta = (point: { at: number; label: string }, kind: Eta['kind']): Eta | null => {
    const when = arrival(estimate, effort, point.at);
    return when && { label: point.label, kind, at: point.at, ...when, elapsed: (when.t - race.start!.t) / 1000 };
  };
  const ahead = course.checkpoints
    .filter((cp) => cp.at > estimate.at && cp.at < course.length)
    .slice(0, checkpointsAhead)
    .map((cp) => eta({ at: cp.at, label: cp.name }, 'checkpoint'));
  ahead.push(eta({ at: course.length, label: 'Finish' }, 'finish'));
  return { basis, estimate, ahead: ahead.filter((e): e is Eta => e !== null) };
}

/**
 * "pace over the last 2 km" ("… 2 km (1.2 mi)" in miles), "pace over the 0.7 km seen so far", "average pace
 * since the start".
 */
export function describeBasis(basis: ForecastBasis | null, unit: DistanceUnit): string {
  if (!basis) return 'not enough of the race seen yet to predict';
  if (basis.kind === 'average') return 'average pace since the start';
  if (basis.kind === 'recent') {
    const km = `${Math.round(basis.metres / 100) / 10} km`;
    return `pace over the last ${unit === 'km' ? km : `${km} (${(basis.metres / UNIT_M.mi).toFixed(1)} mi)`}`;
  }
  return `pace over the ${formatDistance(basis.metres, unit, 1)} seen so far`;
}
