/**
 * One runner's race: their start, the times they passed each kilometre, mile and checkpoint, and their
 * finish, built fix by fix on top of the matcher. Everything a list, a split table or a prediction
 * needs is derived from this small record, so a room keeps one per runner and nothing else.
 *
 * Timing rules:
 * - Fixes before the event's start time are ignored (a warm-up across the start line is not the race).
 * - A runner's own start is when they cross the start line (interpolated between the last fix behind it
 *   and the first past it, if those are at most START_BRACKET_MS apart); failing that the event's start time;
 *   failing that their first fix on the course, wherever it is. `start.basis` says which.
 * - A passing time is interpolated linearly between the two fixes on either side of the point. Points
 *   before the first fix on the course are interpolated from the start and marked by `observedFrom`.
 * - The finish is the passing of the course's end; after it nothing changes.
 */
import { type Course, distanceMarkers } from './course';
import {
  type CourseIndex,
  type Fix,
  type MatchOptions,
  type MatchResult,
  type MatchState,
  initialMatchState,
  matchFix,
} from './matcher';

export type TimingKind = 'km' | 'mi' | 'checkpoint' | 'finish';

export interface TimingPoint {
  /** Metres from the start. */
  at: number;
  kind: TimingKind;
  /** "5 km", "3 mi", the checkpoint's name, "Finish". */
  label: string;
}

/** Every kilometre, every mile, every checkpoint and the finish, in course order. */
export function timingPoints(course: Course): TimingPoint[] {
  const points: TimingPoint[] = [];
  for (const kind of ['km', 'mi'] as const) {
    for (const m of distanceMarkers(course, kind)) points.push({ at: m.at, kind, label: `${m.label} ${kind}` });
  }
  for (const cp of course.checkpoints) points.push({ at: cp.at, kind: 'checkpoint', label: cp.name });
  points.push({ at: course.length, kind: 'finish', label: 'Finish' });
  const order: Record<TimingKind, number> = { km: 0, mi: 1, checkpoint: 2, finish: 3 };
  return points.sort((a, b) => a.at - b.at || order[a.kind] - order[b.kind]);
}

export type StartBasis = 'line' | 'gun' | 'first-fix' | 'mat';

export interface RunnerRace {
  match: MatchState;
  start: { t: number; at: number; basis: StartBasis } | null;
  /**
   * Clock time (ms) at each timing point passed so far, in timing-point order; null for a point passed
   * before the runner was first seen on the course when there is nothing to interpolate from.
   */
  passings: Array<number | null>;
  /** Passings at points before this distance are estimates (the runner was first seen here). */
  observedFrom: number | null;
  /** Clock time at the finish line (ms). */
  finish: number | null;
  /** Recent progress samples, flat [t, at, t, at …], oldest first: current pace and fine-grained gaps. */
  recent: number[];
  /**
   * Until the start: the last raw fix behind the start line and the first past it, [t, at]. The
   * crossing is timed from these rather than from the filtered progress, which lags a standing start.
   */
  line: { behind: [number, number] | null; past: [number, number] | null } | null;
  /** Timing mats that saw the runner's chip, [metres, ms] by distance (lib/course/mats.ts); exact, unlike fixes. */
  mats?: Array<[at: number, t: number]>;
}

export function initialRunnerRace(): RunnerRace {
  return {
    match: initialMatchState(),
    start: null,
    passings: [],
    observedFrom: null,
    finish: null,
    recent: [],
    line: { behind: null, past: null },
  };
}

/** The fix behind the line and the fix past it must be this close in time to time a start from them. */
export const START_BRACKET_MS = 120_000;
/** Recent samples are at least this far apart … */
const RECENT_SPACING_MS = 5_000;
/** … and this many are kept (two minutes at the spacing). */
const RECENT_MAX = 24;

export interface Passed {
  /** Index into the timing points. */
  index: number;
  t: number;
}

export type RaceOutcome = MatchResult['outcome'] | 'before-start' | 'finished';

export interface RaceStepResult {
  race: RunnerRace;
  outcome: RaceOutcome;
  /** The matcher's view of the fix; null when the fix was not matched (before the start, after the finish). */
  match: MatchResult | null;
  /** Timing points this fix took the runner past (notifications: "passed Water 3"). */
  passed: Passed[];
  /** Set when this fix gave the runner their start. */
  started: boolean;
}

/**
 * Takes one fix. `points` must be `timingPoints(course)` for the course `ix` indexes; `options.startTime`
 * is the event's start. Returns a new record; the old one is not changed.
 */
export function raceStep(
  ix: CourseIndex,
  points: readonly TimingPoint[],
  race: RunnerRace,
  fix: Fix,
  options: MatchOptions,
): RaceStepResult {
  if (race.finish !== null) return { race, outcome: 'finished', match: null, passed: [], started: false };
  if (options.startTime !== null && fix.t < options.startTime) {
    return { race, outcome: 'before-start', match: null, passed: [], started: false };
  }
  const before = race.match;
  const match = matchFix(ix, before, fix, options);
  if (match.outcome !== 'on-course' || match.progress === null) {
    return { race: { ...race, match: match.state }, outcome: match.outcome, match, passed: [], started: false };
  }
  const t = fix.t;
  const at = match.progress;
  const prevT = before.anchorT;
  const prevAt = before.progress;

  let start = race.start;
  let observedFrom = race.observedFrom;
  let line = race.line;
  let started = false;
  if (start === null) {
    const raw = match.at ?? at;
    const behind = raw <= 0 ? ([t, raw] as [number, number]) : (line?.behind ?? null);
    const past = raw <= 0 ? null : (line?.past ?? ([t, raw] as [number, number]));
    line = { behind, past };
    if (at <= 0) {
      return { race: { ...race, match: match.state, line }, outcome: match.outcome, match, passed: [], started: false };
    }
    if (behind && past && past[0] - behind[0] <= START_BRACKET_MS) {
      const crossed = behind[0] + ((0 - behind[1]) / (past[1] - behind[1])) * (past[0] - behind[0]);
      start = { t: Math.max(crossed, options.startTime ?? crossed), at: 0, basis: 'line' };
      observedFrom = 0;
    } else if (options.startTime !== null) {
      start = { t: options.startTime, at: 0, basis: 'gun' };
      observedFrom = at;
    } else {
      start = { t, at, basis: 'first-fix' };
      observedFrom = at;
    }
    line = null;
    started = true;
  }

  // Interpolate from the last sample on the course after the start, or from the start itself.
  const fromT = !started && prevT !== null && prevAt !== null ? prevT : start.t;
  const fromAt = !started && prevT !== null && prevAt !== null ? prevAt : start.at;
  const passings = race.passings.slice();
  const passed: Passed[] = [];
  let finish: number | null = null;
  while (passings.length < points.length && points[passings.length]!.at <= at) {
    const point = points[passings.length]!;
    let when: number | null;
    if (point.at < start.at) when = null;
    else if (at > fromAt) when = fromT + ((point.at - fromAt) / (at - fromAt)) * (t - fromT);
    else when = t;
    passings.push(when);
    if (when !== null) passed.push({ index: passings.length - 1, t: when });
    if (point.kind === 'finish') finish = when ?? t;
  }

  const recent = race.recent.slice();
  const lastRecentT = recent.length ? recent[recent.length - 2]! : -Infinity;
  if (t - lastRecentT >= RECENT_SPACING_MS) {
    recent.push(t, at);
    if (recent.length > RECENT_MAX * 2) recent.splice(0, recent.length - RECENT_MAX * 2);
  }
  return {
    race: { ...race, match: match.state, start, passings, observedFrom, finish, recent, line },
    outcome: match.outcome,
    match,
    passed,
    started,
  };
}

/** Distance along the course the runner has reached (0 before the start, the length once finished). */
export function raceProgress(course: Course, race: RunnerRace): number | null {
  if (race.finish !== null) return course.length;
  const p = race.match.progress;
  if (p === null || race.start === null) return null;
  return Math.min(course.length, Math.max(0, p));
}

/** Clock time of the runner's latest known progress (ms): their last fix on the course, or the finish. */
export function progressTime(race: RunnerRace): number | null {
  return race.finish ?? race.match.anchorT;
}

/**
 * When the runner was at distance `x` (ms): interpolated between the nearest known moments on either
 * side (the start, the passings, the recent samples, the latest progress); null when the runner has not
 * been there yet or was not seen there.
 */
export function timeAt(points: readonly TimingPoint[], race: RunnerRace, x: number): number | null {
  const start = race.start;
  const lastT = progressTime(race);
  const lastAt = race.finish !== null ? points[points.length - 1]!.at : race.match.progress;
  if (!start || lastT === null || lastAt === null || x < start.at || x > lastAt) return null;
  let loAt = -Infinity;
  let loT = 0;
  let hiAt = Infinity;
  let hiT = 0;
  const consider = (at: number, t: number) => {
    if (at <= x && at > loAt) {
      loAt = at;
      loT = t;
    }
    if (at >= x && at < hiAt) {
      hiAt = at;
      hiT = t;
    }
  };
  consider(start.at, start.t);
  for (let i = 0; i < race.passings.length; i++) {
    const t = race.passings[i];
    if (t !== null && t !== undefined && points[i]!.at >= start.at) consider(points[i]!.at, t);
  }
  const r = race.recent;
  for (let k = 0; k < r.length; k += 2) consider(r[k + 1]!, r[k]!);
  for (const [at, t] of race.mats ?? []) consider(at, t);
  consider(lastAt, lastT);
  return lerpTime(loT, loAt, hiT, hiAt, x);
}

function lerpTime(t0: number, a0: number, t1: number, a1: number, x: number): number {
  if (a1 <= a0) return t0;
  return t0 + ((x - a0) / (a1 - a0)) * (t1 - t0);
}

/** Seconds since the runner's start: until `now`, or until the finish once finished. */
export function elapsedSeconds(race: RunnerRace, now: number): number | null {
  if (!race.start) return null;
  return ((race.finish ?? now) - race.start.t) / 1000;
}

/** Speed over the last minute or so of recent samples (m/s); null with too little to go on. */
export function currentSpeed(race: RunnerRace, windowMs = 60_000): number | null {
  if (race.finish !== null) return null;
  const r = race.recent;
  if (r.length < 4) return null;
  const endT = r[r.length - 2]!;
  const endAt = r[r.length - 1]!;
  let k = r.length - 4;
  while (k > 0 && endT - r[k - 2]! <= windowMs) k -= 2;
  const span = (endT - r[k]!) / 1000;
  if (span < 20) return null;
  return Math.max(0, (endAt - r[k + 1]!) / span);
}

/** Average speed since the start (m/s), to the finish once finished. */
export function averageSpeed(course: Course, race: RunnerRace): number | null {
  const start = race.start;
  const to = progressTime(race);
  const at = raceProgress(course, race);
  if (!start || to === null || at === null || to <= start.t) return null;
  return (at - start.at) / ((to - start.t) / 1000);
}

/**
 * Passings for a new set of timing points (the organiser added or moved a checkpoint mid-race),
 * interpolated from what is known about the runner.
 */
export function retime(
  oldPoints: readonly TimingPoint[],
  newPoints: readonly TimingPoint[],
  race: RunnerRace,
): RunnerRace {
  const passings: Array<number | null> = [];
  const reached = race.finish !== null ? Infinity : (race.match.progress ?? -Infinity);
  for (const point of newPoints) {
    if (point.at > reached || !race.start) break;
    passings.push(point.at < race.start.at ? null : timeAt(oldPoints, race, point.at));
  }
  return { ...race, passings };
}
