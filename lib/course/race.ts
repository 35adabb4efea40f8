/**
 * One runner's race: their start, the times they passed each kilometre, mile and checkpoint, and their
 * finish, built fix by fix on top of the matcher. Everything a list, a split table or a prediction
 * needs is derived from this small record, so a room keeps one per runner and nothing else.
 *
 * Timing rules:
 * - Fixes before the event's start time are ignored (a warm-up across the start line is not the race).
 * - A runner's own start is when they cross the start line. GPS noise in a standing start throws single
 *   fixes back and forth across the line, so the crossing is timed on the runner's smoothed track: the
 *   fixes since the gun, fitted with the closest track that never goes backwards (isotonic regression),
 *   and interpolated where that track crosses the line. A runner first seen behind the line (or at it)
 *   always gets their own crossing, never the gun. Only a runner first seen farther on gets the event's
 *   start time, failing that their first fix on the course. `start.basis` says which.
 * - A passing time is interpolated linearly between the two fixes on either side of the point. Points
 *   before the first fix on the course are interpolated from the start and marked by `observedFrom`.
 * - The finish is the passing of the course's end; after it nothing changes.
 */
import { type Course, distanceMarkers } from './course';
import type { SourceKind } from './estimate';
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
  /** Passings at points before this distance are estimates (the runner was first seen here) … */
  observedFrom: number | null;
  /** … at this time (ms); absent from records stored before it was kept. */
  observedT?: number | null;
  /** The source of the latest observation on the course (absent: a phone). */
  src?: SourceKind;
  /** Clock time at the finish line (ms). */
  finish: number | null;
  /** Recent progress samples, flat [t, at, t, at …], oldest first: current pace and fine-grained gaps. */
  recent: number[];
  /**
   * Until the start: the latest raw fixes since the gun, flat [t, at, accuracy …], oldest first. The
   * crossing is timed from these rather than from the filtered progress, which lags a standing start.
   * Null once started (records stored before this field have none: read as empty).
   */
  pen: number[] | null;
  /**
   * Timing mats that saw the runner's chip, [metres, ms] by distance (lib/course/mats.ts); exact, unlike fixes.
   * Null before any (records stored before this field have none).
   */
  mats?: Array<[at: number, t: number]> | null;
}

export function initialRunnerRace(): RunnerRace {
  return {
    match: initialMatchState(),
    start: null,
    passings: [],
    observedFrom: null,
    observedT: null,
    src: 'gps',
    finish: null,
    recent: [],
    pen: [],
    mats: null,
  };
}

/**
 * A runner is taken to have started once their filtered progress is this far past the line: beyond the
 * reach of noise in a standing start (8 m GPS error is about 5 m along the course), and seen the same way
 * for a runner first seen just past the line.
 */
export const START_CONFIRM_M = 30;
/** Fixes kept until the start: two minutes at one a second, enough to see the crossing. */
const PEN_MAX = 120;
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
 * Takes one fix (from a phone, a tracking app or a satellite tracker: `src`). `points` must be
 * `timingPoints(course)` for the course `ix` indexes; `options.startTime` is the event's start. Returns a
 * new record; the old one is not changed.
 */
export function raceStep(
  ix: CourseIndex,
  points: readonly TimingPoint[],
  race: RunnerRace,
  fix: Fix,
  options: MatchOptions,
  src: SourceKind = 'gps',
): RaceStepResult {
  if (race.finish !== null) return { race, outcome: 'finished', match: null, passed: [], started: false };
  if (options.startTime !== null && fix.t < options.startTime) {
    return { race, outcome: 'before-start', match: null, passed: [], started: false };
  }
  const match = matchFix(ix, race.match, fix, options);
  // Placed afresh away from the start (their track showed they are not in the pen): a race from here.
  if (match.placed && race.match.progress !== null) race = { ...initialRunnerRace(), match: race.match };
  if (match.outcome !== 'on-course' || match.progress === null) {
    return { race: { ...race, match: match.state }, outcome: match.outcome, match, passed: [], started: false };
  }
  const t = fix.t;
  const at = match.progress;
  const prev = race.start && race.match.anchorT !== null && race.match.progress !== null ? { t: race.match.anchorT, at: race.match.progress } : null;
  let first: Pick<RunnerRace, 'start' | 'observedFrom' | 'observedT'> | null = null;
  if (race.start === null) {
    let pen = (race.pen ?? []).concat(t, match.at ?? at, fix.accuracy ?? options.defaultAccuracyM);
    if (pen.length > PEN_MAX * 3) pen = pen.slice(pen.length - PEN_MAX * 3);
    if (at <= START_CONFIRM_M) return { race: { ...race, match: match.state, src, pen }, outcome: match.outcome, match, passed: [], started: false };
    first = firstStart(lineCrossing(pen, match.state.speed), t, at, options.startTime);
  }
  const start = first?.start ?? race.start!;
  const moved = advance(points, race, start, prev, t, at);
  return {
    // One literal of one shape: this runs for every fix of every runner.
    race: {
      match: match.state,
      start,
      passings: moved.passings,
      observedFrom: first ? first.observedFrom : race.observedFrom,
      observedT: first ? first.observedT : (race.observedT ?? null),
      src,
      finish: moved.finish,
      recent: moved.recent,
      pen: null,
      mats: race.mats ?? null,
    },
    outcome: match.outcome,
    match,
    passed: moved.passed,
    started: first !== null,
  };
}

/** Observed at a place and time exactly: a timing mat's passing (or any source that places a runner on the course). */
export interface ExactObservation {
  t: number;
  /** Metres along the course. */
  at: number;
  src: SourceKind;
}

/**
 * Takes an exact observation (a mat passing): progress moves to its place (never back), passings are
 * interpolated from the previous observation, and the estimator anchors on it. A passing at the start
 * (within START_CONFIRM_M) is the runner's own start. An observation older than the latest one changes
 * nothing here.
 */
export function raceObserve(points: readonly TimingPoint[], race: RunnerRace, obs: ExactObservation, startTime: number | null): RaceStepResult {
  if (race.finish !== null) return { race, outcome: 'finished', match: null, passed: [], started: false };
  if (startTime !== null && obs.t < startTime) return { race, outcome: 'before-start', match: null, passed: [], started: false };
  const m = race.match;
  if (m.anchorT !== null && obs.t <= m.anchorT) return { race, outcome: 'out-of-order', match: null, passed: [], started: false };
  const at = Math.max(m.progress ?? -Infinity, obs.at);
  const prev = race.start && m.anchorT !== null && m.progress !== null ? { t: m.anchorT, at: m.progress } : null;
  const speed = prev && obs.t > prev.t ? (at - prev.at) / ((obs.t - prev.t) / 1000) : m.speed;
  const match: MatchState = {
    ...m,
    progress: at,
    estimate: at,
    speed,
    covariance: [1, 0, m.covariance?.[2] ?? 1],
    anchorT: obs.t,
    lastT: Math.max(m.lastT ?? -Infinity, obs.t),
    offCourse: false,
    offFrom: null,
    offSince: null,
    onSince: null,
  };
  let next: RunnerRace = { ...race, match, src: obs.src };
  let started = false;
  if (next.start === null) {
    next = { ...next, ...firstStart(obs.at <= START_CONFIRM_M ? obs.t : null, obs.t, at, startTime), pen: null };
    started = true;
    if (at <= START_CONFIRM_M) return { race: next, outcome: 'on-course', match: null, passed: [], started };
  }
  const moved = advance(points, next, next.start!, prev, obs.t, at);
  return { race: { ...next, passings: moved.passings, finish: moved.finish, recent: moved.recent }, outcome: 'on-course', match: null, passed: moved.passed, started };
}

/** A runner's start: their crossing of the line when known, else the gun, else where they were first seen. */
function firstStart(crossed: number | null, t: number, at: number, startTime: number | null): Pick<RunnerRace, 'start' | 'observedFrom' | 'observedT'> {
  if (crossed !== null) {
    const start = Math.max(crossed, startTime ?? crossed);
    return { start: { t: start, at: 0, basis: 'line' }, observedFrom: 0, observedT: start };
  }
  if (startTime !== null) return { start: { t: startTime, at: 0, basis: 'gun' }, observedFrom: at, observedT: t };
  return { start: { t, at, basis: 'first-fix' }, observedFrom: at, observedT: t };
}

/**
 * Progress reached `at` at `t`: passings of the points up to it, interpolated from the previous
 * observation `prev` (null: from the runner's start), the finish, and the recent samples.
 */
function advance(
  points: readonly TimingPoint[],
  race: RunnerRace,
  start: NonNullable<RunnerRace['start']>,
  prev: { t: number; at: number } | null,
  t: number,
  at: number,
): { passings: Array<number | null>; finish: number | null; recent: number[]; passed: Passed[] } {
  const fromT = prev?.t ?? start.t;
  const fromAt = prev?.at ?? start.at;
  let passings = race.passings;
  const passed: Passed[] = [];
  let finish: number | null = null;
  if (passings.length < points.length && points[passings.length]!.at <= at) {
    passings = passings.slice();
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
  }

  let recent = race.recent;
  const lastRecentT = recent.length ? recent[recent.length - 2]! : -Infinity;
  if (t - lastRecentT >= RECENT_SPACING_MS) {
    recent = recent.slice();
    recent.push(t, at);
    if (recent.length > RECENT_MAX * 2) recent.splice(0, recent.length - RECENT_MAX * 2);
  }
  return { passings, finish, recent, passed };
}

/**
 * When the runner crossed the start line, from their fixes since the gun (flat [t, at, accuracy …]); null
 * when they were first seen farther on than START_CONFIRM_M. The fixes are fitted with the closest
 * non-decreasing track (weighted by accuracy), which pools a standing start's noise into one level and
 * follows the run that leaves it; the crossing is interpolated where that track passes the line. A runner
 * first seen just past the line (standing at it) started when the track left that first level, less the
 * few metres at their speed then.
 */
export function lineCrossing(pen: readonly number[], speed: number | null): number | null {
  const n = pen.length / 3;
  if (n === 0) return null;
  const fit = isotonic(pen);
  const level = Math.max(0, fit[0]!);
  if (level > START_CONFIRM_M) return null;
  let j = 1;
  while (j < n && fit[j]! <= level) j++;
  const tOf = (k: number) => pen[k * 3]!;
  if (j === n) return tOf(n - 1);
  const i = j - 1;
  let crossed = tOf(i) + ((level - fit[i]!) / (fit[j]! - fit[i]!)) * (tOf(j) - tOf(i));
  if (level > 0) {
    const pace = Math.max(1, speed ?? (fit[n - 1]! - fit[i]!) / Math.max(1, (tOf(n - 1) - tOf(i)) / 1000));
    crossed -= (level / pace) * 1000;
  }
  return crossed;
}

/** Weighted isotonic regression (pool adjacent violators) of the positions in [t, at, accuracy …]. */
function isotonic(pen: readonly number[]): Float64Array {
  const n = pen.length / 3;
  const value = new Float64Array(n);
  const weight = new Float64Array(n);
  const size = new Int32Array(n);
  let blocks = 0;
  for (let k = 0; k < n; k++) {
    const acc = Math.max(1, pen[k * 3 + 2]!);
    value[blocks] = pen[k * 3 + 1]!;
    weight[blocks] = 1 / (acc * acc);
    size[blocks] = 1;
    blocks++;
    while (blocks > 1 && value[blocks - 2]! > value[blocks - 1]!) {
      const w = weight[blocks - 2]! + weight[blocks - 1]!;
      value[blocks - 2] = (value[blocks - 2]! * weight[blocks - 2]! + value[blocks - 1]! * weight[blocks - 1]!) / w;
      weight[blocks - 2] = w;
      size[blocks - 2] = size[blocks - 2]! + size[blocks - 1]!;
      blocks--;
    }
  }
  const fit = new Float64Array(n);
  let k = 0;
  for (let b = 0; b < blocks; b++) for (let m = 0; m < size[b]!; m++) fit[k++] = value[b]!;
  return fit;
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
