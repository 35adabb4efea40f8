/**
 * Matches each GPS fix of a runner to the course: how far along it they are, how far from it, and whether
 * they have left it.
 *
 * Why it looks where it looks: a course that loops, laps, goes out and back or crosses itself passes the
 * same spot at several distances, so the nearest point of the whole course is often the wrong one. The
 * search is confined to a window around the runner's last progress: a little behind it (GPS jitter), and
 * ahead by what a runner could cover at `maxSpeedMps` since the last fix that was on the course (so after
 * a gap the window widens with the time that passed). Inside the window every separate stretch of course
 * that passes about as close to the fix is a candidate, and the one nearest to where the runner's recent
 * speed puts them wins; that is what tells the way out from the way back at a turnaround.
 *
 * A first fix is placed at the start when the course passes there (on a loop the start pen is next to the
 * finish, and a runner who starts sharing in the pen after the gun is starting, not finishing); elsewhere
 * nearest to where the time since the gun puts a typical runner. Their own track can say otherwise: while
 * progress is still at the start, a fix far from the start's stretch is searched for on the whole course
 * again, and where it matches the runner is placed there.
 *
 * Progress never goes backwards: a fix a few metres behind holds it. A fix too far from the course moves
 * nothing, and only a run of such fixes lasting `offCourseS` raises the off-course flag; it drops again
 * after `backOnCourseS` of fixes close to the course. Both distance tests allow for the fix's accuracy.
 *
 * Geometry: the course is projected once onto a plane in metres with cheap-ruler's scale factors for its
 * latitude (what `ruler.pointOnLine` does on every call), and cut into chunks with bounding boxes so that a
 * wide window (a first fix, a long gap) skips the parts of the course that are far from the fix. The
 * segment scan is written out here because it must report every local closest approach, not only the
 * nearest one, and must not allocate on a hot path that runs for every fix of every runner.
 */
import { type Course, segmentAt } from './course';

/** Segments per chunk: small enough to skip most of a wide window, large enough that the boxes cost little. */
const CHUNK = 16;
/**
 * A closest approach counts as its own candidate once the distance has risen this much past it: enough
 * to ignore rounding on nearly straight stretches, small enough to tell the two sides of a turnaround
 * apart a few metres from its tip.
 */
const PROMINENCE_M = 1;
/** The direction of the line this far in from each end measures "before the start" and "past the finish". */
const END_BASELINE_M = 20;
/** A first fix this close to the start line (or anywhere behind it) is at the start. */
export const START_ZONE_M = 50;

export interface CourseIndex {
  readonly course: Course;
  readonly lat0: number;
  readonly lon0: number;
  readonly kx: number;
  readonly ky: number;
  /** Vertices in metres east and north of the first one. */
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  /** Per segment: its vector, and one over its squared length (0 for a zero-length segment). */
  readonly dxs: Float64Array;
  readonly dys: Float64Array;
  readonly inv2: Float64Array;
  /** Per chunk: min x, min y, max x, max y of its vertices. */
  readonly boxes: Float64Array;
  /** Unit vectors along the course at the start and at the finish. */
  readonly startDir: readonly [number, number];
  readonly endDir: readonly [number, number];
}

/** Precomputes what makes matching fast; build once per course (about a millisecond for 20,000 points). */
export function indexCourse(course: Course): CourseIndex {
  const n = course.points.length;
  const [lat0, lon0] = course.points[0]!;
  const { kx, ky } = course.ruler;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [lat, lon] = course.points[i]!;
    xs[i] = wrap(lon - lon0) * kx;
    ys[i] = (lat - lat0) * ky;
  }
  const dxs = new Float64Array(n - 1);
  const dys = new Float64Array(n - 1);
  const inv2 = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) {
    dxs[i] = xs[i + 1]! - xs[i]!;
    dys[i] = ys[i + 1]! - ys[i]!;
    const len2 = dxs[i]! * dxs[i]! + dys[i]! * dys[i]!;
    inv2[i] = len2 > 0 ? 1 / len2 : 0;
  }
  const chunks = Math.ceil((n - 1) / CHUNK);
  const boxes = new Float64Array(chunks * 4);
  for (let c = 0; c < chunks; c++) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = c * CHUNK; i <= Math.min(n - 1, (c + 1) * CHUNK); i++) {
      if (xs[i]! < minX) minX = xs[i]!;
      if (xs[i]! > maxX) maxX = xs[i]!;
      if (ys[i]! < minY) minY = ys[i]!;
      if (ys[i]! > maxY) maxY = ys[i]!;
    }
    boxes.set([minX, minY, maxX, maxY], c * 4);
  }
  const cum = course.cumulative;
  const headEnd = Math.min(n - 1, segmentAt(cum, END_BASELINE_M) + 1);
  const tailStart = Math.max(0, segmentAt(cum, course.length - END_BASELINE_M));
  return {
    course,
    lat0,
    lon0,
    kx,
    ky,
    xs,
    ys,
    dxs,
    dys,
    inv2,
    boxes,
    startDir: unit(xs[headEnd]! - xs[0]!, ys[headEnd]! - ys[0]!),
    endDir: unit(xs[n - 1]! - xs[tailStart]!, ys[n - 1]! - ys[tailStart]!),
  };
}

export interface Fix {
  lat: number;
  lon: number;
  /** ms since the epoch. */
  t: number;
  /** Radius of 68 % confidence, metres, as browsers and most apps report it; null when unknown. */
  accuracy?: number | null;
}

/** Per runner; plain data so a room can store it, send it, and restore it. */
export interface MatchState {
  /** Furthest distance along the course the runner has reached, metres (negative: behind the start line). */
  progress: number | null;
  /**
   * Filtered position along the course (metres) and speed along it (m/s), with their covariance: a
   * constant-velocity Kalman filter over the matched distances. Progress follows the filtered position,
   * not the raw fixes, so that GPS noise does not ratchet it ahead of the runner.
   */
  estimate: number | null;
  speed: number | null;
  covariance: [pp: number, pv: number, vv: number] | null;
  /** Time of the last fix that was on the course (ms): the window ahead grows from here. */
  anchorT: number | null;
  /** Time of the last fix looked at (ms); older or equal fixes are ignored. */
  lastT: number | null;
  offCourse: boolean;
  /** When the current off-course spell began (its first clearly-off fix, ms); null while on the course. */
  offFrom?: number | null;
  /** Start of the current run of clearly-off fixes (ms). */
  offSince: number | null;
  /** Start of the current run of clearly-on fixes while flagged off (ms). */
  onSince: number | null;
}

export function initialMatchState(): MatchState {
  return {
    progress: null,
    estimate: null,
    speed: null,
    covariance: null,
    anchorT: null,
    lastT: null,
    offCourse: false,
    offFrom: null,
    offSince: null,
    onSince: null,
  };
}

export interface MatchOptions {
  /** No runner covers ground faster than this (m/s); bounds the window ahead. 7 m/s is a 2:23 /km pace. */
  maxSpeedMps: number;
  /** Assumed speed before a runner's own is known (m/s). */
  typicalSpeedMps: number;
  /** How far behind progress to look, metres, plus twice the fix's accuracy (jitter, a step back). */
  backWindowM: number;
  /** Added to the window ahead, metres, plus twice the fix's accuracy (error in the last fix matched). */
  slackM: number;
  /** Stretches of course closer to the fix than the nearest plus this are all candidates, metres. */
  ambiguityM: number;
  /** Fixes less accurate than this are ignored, metres. */
  maxAccuracyM: number;
  /** Accuracy assumed when a fix does not say, metres. */
  defaultAccuracyM: number;
  /** Farther than this plus the fix's accuracy is clearly off the course, metres. */
  offCourseM: number;
  /** Within this plus the accuracy is clearly on it, metres (below offCourseM: hysteresis). */
  onCourseM: number;
  /** Clearly off for this long raises the flag, seconds. */
  offCourseS: number;
  /** Clearly on for this long lowers it, seconds. */
  backOnCourseS: number;
  /** How quickly a runner's speed changes, m/s² (the filter's process noise). */
  accelerationMps2: number;
  /** The event's start (ms) when known: where a first fix can be along the course is bounded by it. */
  startTime: number | null;
}

export const DEFAULT_MATCH_OPTIONS: Readonly<MatchOptions> = Object.freeze({
  maxSpeedMps: 7,
  typicalSpeedMps: 3,
  backWindowM: 30,
  slackM: 20,
  ambiguityM: 10,
  maxAccuracyM: 100,
  defaultAccuracyM: 15,
  offCourseM: 50,
  onCourseM: 25,
  offCourseS: 30,
  backOnCourseS: 10,
  accelerationMps2: 0.1,
  startTime: null,
});

/** Full options from a partial set; make it once per event, not per fix. */
export function matchOptions(partial: Partial<MatchOptions> = {}): MatchOptions {
  return { ...DEFAULT_MATCH_OPTIONS, ...partial };
}

export type MatchOutcome =
  /** Near the course: progress moved on or held. */
  | 'on-course'
  /** Too far from the course near the runner's progress: nothing moved. */
  | 'off-course'
  /** Accuracy worse than maxAccuracyM. */
  | 'inaccurate'
  /** Not newer than the last fix. */
  | 'out-of-order';

export interface MatchResult {
  state: MatchState;
  outcome: MatchOutcome;
  /** The runner's progress after this fix (metres along the course), as in `state`. */
  progress: number | null;
  /** Where this fix itself lies along the course (can be behind `progress` by jitter); null if not looked up. */
  at: number | null;
  /** Distance from the fix to the course near the runner's progress, metres; null if not looked up. */
  offCourseM: number | null;
  offCourse: boolean;
  /** The runner was placed afresh: their first fix, or their track showed they are not at the start. */
  placed: boolean;
}

// Scratch space for candidates: the matcher runs on one thread and never re-enters.
const MAX_CANDIDATES = 64;
const candAlong = new Float64Array(MAX_CANDIDATES);
const candDist = new Float64Array(MAX_CANDIDATES);
let candCount = 0;
let bestDist = Infinity;

function emit(along: number, dist: number, tol: number): void {
  if (dist > bestDist + tol) return;
  if (candCount < MAX_CANDIDATES) {
    candAlong[candCount] = along;
    candDist[candCount++] = dist;
    return;
  }
  let worst = 0;
  for (let k = 1; k < candCount; k++) if (candDist[k]! > candDist[worst]!) worst = k;
  if (dist < candDist[worst]!) {
    candAlong[worst] = along;
    candDist[worst] = dist;
  }
}

/**
 * Fills the candidates: every local closest approach of segments segFrom..segTo to the point that is
 * within `tol` of the nearest one.
 */
function scan(ix: CourseIndex, px: number, py: number, segFrom: number, segTo: number, tol: number): void {
  const { xs, ys, dxs, dys, inv2, boxes } = ix;
  const cum = ix.course.cumulative;
  const last = xs.length - 2;
  candCount = 0;
  bestDist = Infinity;

  // An upper bound on the nearest distance lets whole chunks be skipped without looking inside.
  const c0 = Math.floor(segFrom / CHUNK);
  const c1 = Math.floor(segTo / CHUNK);
  let ex = xs[segTo + 1]! - px;
  let ey = ys[segTo + 1]! - py;
  let bound = ex * ex + ey * ey;
  for (let c = c0; c <= c1; c++) {
    const v = Math.max(segFrom, c * CHUNK);
    ex = xs[v]! - px;
    ey = ys[v]! - py;
    const d = ex * ex + ey * ey;
    if (d < bound) bound = d;
  }
  bound = Math.sqrt(bound);
  const skipBeyond = bound + tol;

  // Walk the distance profile: descend into a valley, emit its floor once it has risen PROMINENCE_M
  // above it, climb to the next peak, and start a new valley once it has fallen that much below it.
  let valley = Infinity;
  let valleyAlong = 0;
  let rising = false;
  let peak = 0;
  for (let c = c0; c <= c1; c++) {
    const b = c * 4;
    const bx = px < boxes[b]! ? boxes[b]! - px : px > boxes[b + 2]! ? px - boxes[b + 2]! : 0;
    const by = py < boxes[b + 1]! ? boxes[b + 1]! - py : py > boxes[b + 3]! ? py - boxes[b + 3]! : 0;
    if (bx * bx + by * by > skipBeyond * skipBeyond) {
      // Everything in this chunk is farther than any candidate can be: it separates stretches.
      if (!rising && valley < Infinity) emit(valleyAlong, valley, tol);
      valley = Infinity;
      rising = false;
      continue;
    }
    const iEnd = Math.min(segTo, c * CHUNK + CHUNK - 1);
    for (let i = Math.max(segFrom, c * CHUNK); i <= iEnd; i++) {
      const ax = xs[i]!;
      const ay = ys[i]!;
      const dx = dxs[i]!;
      const dy = dys[i]!;
      let t = ((px - ax) * dx + (py - ay) * dy) * inv2[i]!;
      let along: number;
      if (t < 0 && i === 0) {
        t = 0;
        along = Math.min(0, (px - ax) * ix.startDir[0] + (py - ay) * ix.startDir[1]);
      } else if (t > 1 && i === last) {
        t = 1;
        along = cum[i + 1]! + Math.max(0, (px - xs[i + 1]!) * ix.endDir[0] + (py - ys[i + 1]!) * ix.endDir[1]);
      } else {
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        along = cum[i]! + (cum[i + 1]! - cum[i]!) * t;
      }
      ex = ax + dx * t - px;
      ey = ay + dy * t - py;
      const d = Math.sqrt(ex * ex + ey * ey);
      if (d < bestDist) bestDist = d;
      if (rising) {
        if (d > peak) peak = d;
        else if (d < peak - PROMINENCE_M) {
          rising = false;
          valley = d;
          valleyAlong = along;
        }
      } else if (d < valley) {
        valley = d;
        valleyAlong = along;
      } else if (d > valley + PROMINENCE_M) {
        emit(valleyAlong, valley, tol);
        rising = true;
        peak = d;
      }
    }
  }
  if (!rising && valley < Infinity) emit(valleyAlong, valley, tol);
}

/** Matches one fix; returns the runner's new state (the old one is not changed) and what the fix showed. */
export function matchFix(
  ix: CourseIndex,
  state: MatchState,
  fix: Fix,
  options: MatchOptions = DEFAULT_MATCH_OPTIONS,
): MatchResult {
  const { t } = fix;
  if (state.lastT !== null && !(t > state.lastT)) {
    return { state, outcome: 'out-of-order', progress: state.progress, at: null, offCourseM: null, offCourse: state.offCourse, placed: false };
  }
  const accuracy = fix.accuracy ?? options.defaultAccuracyM;
  if (!(accuracy <= options.maxAccuracyM)) {
    const next = { ...state, lastT: t };
    return { state: next, outcome: 'inaccurate', progress: state.progress, at: null, offCourseM: null, offCourse: state.offCourse, placed: false };
  }

  const px = wrap(fix.lon - ix.lon0) * ix.kx;
  const py = (fix.lat - ix.lat0) * ix.ky;
  const tol = Math.max(options.ambiguityM, Math.min(accuracy, 2 * options.ambiguityM));

  const first = state.progress === null || state.anchorT === null;
  let { at, dist } = first ? firstMatch(ix, px, py, t, accuracy, tol, options) : followMatch(ix, state, px, py, t, accuracy, tol, options);
  let plausible = dist <= options.offCourseM + accuracy;
  let restart = first;
  if (!plausible && !first && state.progress! <= START_ZONE_M && state.offSince !== null && t - state.offSince >= options.backOnCourseS * 1000) {
    // Placed at the start, and far from it for a while since: the runner's own track says they are
    // somewhere else (one wild fix does not).
    const again = firstMatch(ix, px, py, t, accuracy, tol, options, true);
    if (again.dist <= options.offCourseM + accuracy) {
      ({ at, dist } = again);
      plausible = true;
      restart = true;
    }
  }

  const clearlyOn = dist <= options.onCourseM + accuracy;
  let { progress, estimate, speed, covariance, anchorT, offCourse, offSince, onSince } = state;
  let offFrom = state.offFrom ?? null;
  if (restart && !first) {
    progress = null;
    estimate = null;
    offCourse = false;
    offFrom = null;
    offSince = null;
    onSince = null;
  }
  if (plausible) {
    // A 2-D fix error of `accuracy` (68 % radius) is about accuracy / 1.5 along the course.
    const r = (accuracy / 1.5) ** 2;
    if (estimate === null || speed === null || covariance === null || anchorT === null) {
      estimate = at;
      speed = 0;
      covariance = [r, 0, options.typicalSpeedMps ** 2];
    } else {
      const dt = (t - anchorT) / 1000;
      const q = options.accelerationMps2 ** 2;
      const [pp0, pv0, vv0] = covariance;
      const x = estimate + speed * dt;
      const pp = pp0 + 2 * dt * pv0 + dt * dt * vv0 + (q * dt ** 4) / 4;
      const pv = pv0 + dt * vv0 + (q * dt ** 3) / 2;
      const vv = vv0 + q * dt * dt;
      const residual = at - x;
      const kp = pp / (pp + r);
      const kv = pv / (pp + r);
      estimate = x + kp * residual;
      speed = Math.min(options.maxSpeedMps, Math.max(0, speed + kv * residual));
      covariance = [(1 - kp) * pp, (1 - kp) * pv, vv - kv * pv];
    }
    progress = progress === null ? estimate : Math.max(progress, estimate);
    anchorT = t;
  }
  if (progress !== null) {
    if (!plausible) {
      onSince = null;
      offSince ??= t;
      if (!offCourse && t - offSince >= options.offCourseS * 1000) {
        offCourse = true;
        offFrom = offSince;
      }
    } else if (clearlyOn) {
      offSince = null;
      if (offCourse) {
        onSince ??= t;
        if (t - onSince >= options.backOnCourseS * 1000) {
          offCourse = false;
          offFrom = null;
          onSince = null;
        }
      }
    }
  }
  return {
    state: { progress, estimate, speed, covariance, anchorT, lastT: t, offCourse, offFrom, offSince, onSince },
    outcome: plausible ? 'on-course' : 'off-course',
    progress,
    at,
    offCourseM: dist,
    offCourse,
    placed: restart && plausible,
  };
}

interface Picked {
  at: number;
  dist: number;
}

/**
 * Where a runner not placed yet is: at the start if the course passes there (unless `awayFromStart`),
 * else nearest to where the time since the gun puts a typical runner, else the earliest stretch.
 */
function firstMatch(ix: CourseIndex, px: number, py: number, t: number, accuracy: number, tol: number, options: MatchOptions, awayFromStart = false): Picked {
  const cum = ix.course.cumulative;
  const since = options.startTime === null ? null : Math.max(0, (t - options.startTime) / 1000);
  const hi = since === null ? ix.course.length : options.maxSpeedMps * since + options.slackM + 2 * accuracy;
  const expected = since === null ? null : options.typicalSpeedMps * since;
  scan(ix, px, py, 0, segmentAt(cum, hi), tol);
  let pick = -1;
  let pickScore = Infinity;
  for (let k = 0; k < candCount; k++) {
    if (candDist[k]! > bestDist + tol) continue;
    const along = candAlong[k]!;
    const atStart = along <= START_ZONE_M;
    if (awayFromStart && atStart) continue;
    const score = atStart ? -Infinity : expected === null ? along : Math.abs(along - expected);
    if (score < pickScore) {
      pickScore = score;
      pick = k;
    }
  }
  return pick < 0 ? { at: 0, dist: Infinity } : { at: candAlong[pick]!, dist: candDist[pick]! };
}

/** Where a placed runner is: in the window their progress and speed allow, nearest to where they should be. */
function followMatch(ix: CourseIndex, state: MatchState, px: number, py: number, t: number, accuracy: number, tol: number, options: MatchOptions): Picked {
  const cum = ix.course.cumulative;
  const dt = Math.max(0, (t - state.anchorT!) / 1000);
  const lo = state.progress! - options.backWindowM - 2 * accuracy;
  const hi = state.progress! + options.maxSpeedMps * dt + options.slackM + 2 * accuracy;
  const expected = (state.estimate ?? state.progress!) + (state.speed ?? 0) * dt;
  scan(ix, px, py, segmentAt(cum, lo), segmentAt(cum, hi), tol);
  // Nearest to where the runner is expected; a candidate behind the progress already made pays for it
  // too, so that a filter slowed by one bad pick at a turnaround is not led back down the way out.
  let pick = 0;
  let pickScore = Infinity;
  for (let k = 0; k < candCount; k++) {
    if (candDist[k]! > bestDist + tol) continue;
    const along = candAlong[k]!;
    const score = Math.abs(along - expected) + Math.max(0, state.progress! - along);
    if (score < pickScore) {
      pickScore = score;
      pick = k;
    }
  }
  return { at: candAlong[pick]!, dist: candDist[pick]! };
}

function wrap(deg: number): number {
  while (deg < -180) deg += 360;
  while (deg > 180) deg -= 360;
  return deg;
}

function unit(x: number, y: number): [number, number] {
  const l = Math.sqrt(x * x + y * y);
  return l > 0 ? [x / l, y / l] : [1, 0];
}
