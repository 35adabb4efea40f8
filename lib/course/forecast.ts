/**
 * Splits (what a runner did) and predictions (when they will reach the next checkpoints and the finish).
 *
 * A prediction extends the runner's recent pace from where they were last seen: the pace over the last
 * RECENT_M of course when they have run that far since their start, else their average since the start
 * (from MIN_BASIS_M on), else none. Recent pace follows a runner who slows in the second half, which the
 * average since the start would not; the basis is returned with every prediction so a page can say so.
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
import { type DistanceUnit, formatDistance } from './units';

export const RECENT_M = 2000;
const MIN_BASIS_M = 200;

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
  kind: 'recent' | 'average';
  /** Metres of course the pace was measured over. */
  metres: number;
  /** m/s. */
  speed: number;
}

export interface Eta {
  label: string;
  kind: 'checkpoint' | 'finish';
  at: number;
  /** Predicted clock time (ms). */
  t: number;
  /** Predicted seconds from the runner's start. */
  elapsed: number;
}

export interface Forecast {
  basis: ForecastBasis | null;
  /** Checkpoints ahead, nearest first (at most the number asked for), then the finish. */
  ahead: Eta[];
}

/** The pace a prediction is made from, and what it is; null without enough to go on. */
export function forecastBasis(course: Course, points: readonly TimingPoint[], race: RunnerRace): ForecastBasis | null {
  const start = race.start;
  const at = raceProgress(course, race);
  const t = progressTime(race);
  if (!start || at === null || t === null) return null;
  const covered = at - start.at;
  if (covered >= RECENT_M) {
    const then = timeAt(points, race, at - RECENT_M);
    if (then !== null && t > then) return { kind: 'recent', metres: RECENT_M, speed: RECENT_M / ((t - then) / 1000) };
  }
  if (covered >= MIN_BASIS_M && t > start.t) return { kind: 'average', metres: covered, speed: covered / ((t - start.t) / 1000) };
  return null;
}

export function forecast(
  course: Course,
  points: readonly TimingPoint[],
  race: RunnerRace,
  checkpointsAhead = 3,
): Forecast {
  if (race.finish !== null) return { basis: null, ahead: [] };
  const basis = forecastBasis(course, points, race);
  const at = raceProgress(course, race);
  const t = progressTime(race);
  if (!basis || at === null || t === null || basis.speed <= 0) return { basis, ahead: [] };
  const eta = (point: { at: number; label: string }, kind: Eta['kind']): Eta => {
    const when = t + ((point.at - at) / basis.speed) * 1000;
    return { label: point.label, kind, at: point.at, t: when, elapsed: (when - race.start!.t) / 1000 };
  };
  const ahead = course.checkpoints
    .filter((cp) => cp.at > at && cp.at < course.length)
    .slice(0, checkpointsAhead)
    .map((cp) => eta({ at: cp.at, label: cp.name }, 'checkpoint'));
  ahead.push(eta({ at: course.length, label: 'Finish' }, 'finish'));
  return { basis, ahead };
}

/** "pace over the last 2.00 km" / "average pace since the start". */
export function describeBasis(basis: ForecastBasis | null, unit: DistanceUnit): string {
  if (!basis) return 'not enough of the race run yet to predict';
  return basis.kind === 'recent' ? `pace over the last ${formatDistance(basis.metres, unit)}` : 'average pace since the start';
}
