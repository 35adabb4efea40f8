/**
 * Timing mats in a runner's race. A mat is an exact observation: this runner was at this distance at this
 * time. Mats win over GPS for official times (start, checkpoints, finish); timing points between two mats
 * (or the start and a mat) are interpolated between them, so the times follow from the set of mats alone,
 * whatever order the passings came in. Beyond the last mat GPS keeps timing the runner.
 *
 * Rules:
 * - A passing before the event's start time is a warm-up, not the race.
 * - Each mat keeps its earliest passing (a runner standing on it is read again and again).
 * - A start mat (at 0) gives the runner's own start; a mat at the finish gives the finish.
 * - A passing newer than everything known of the runner moves their progress and clock to the mat, even
 *   back from where GPS put them; an older one (out of order, late, or sent again from a decoder's memory)
 *   only fills in passing times, and moves progress on if GPS had not got that far.
 * - Applying a passing the race holds already changes nothing, so passings can be applied again after a
 *   restart.
 */
import type { Course } from './course';
import type { RunnerRace, TimingPoint } from './race';

/** A mat this close to a timing point (km marker, checkpoint, finish) times it exactly. */
export const MAT_AT_POINT_M = 1;

export interface MatPassing {
  /** Metres from the start. */
  at: number;
  /** ms since the epoch. */
  t: number;
}

/** The runner's mats with this passing, or the same array when it adds nothing. */
function withMat(mats: ReadonlyArray<[number, number]>, at: number, t: number): Array<[number, number]> | null {
  const i = mats.findIndex(([a]) => Math.abs(a - at) < MAT_AT_POINT_M);
  if (i >= 0) {
    if (mats[i]![1] <= t) return null;
    const next = mats.slice();
    next[i] = [mats[i]![0], t];
    return next;
  }
  return [...mats, [at, t] as [number, number]].sort((a, b) => a[0] - b[0]);
}

/** Takes one mat passing; returns a new race (or the same one when nothing changes). */
export function applyMat(course: Course, points: readonly TimingPoint[], race: RunnerRace, mat: MatPassing, startTime: number | null): RunnerRace {
  if (startTime !== null && mat.t < startTime) return race;
  const length = course.length;
  const at = Math.min(length, Math.max(0, mat.at));
  const mats = withMat(race.mats ?? [], at, mat.t);
  if (!mats) return race;
  const first = mats[0]!;
  const last = mats[mats.length - 1]!;

  let { start, observedFrom, observedT, finish, match } = race;
  if (first[0] < MAT_AT_POINT_M) {
    start = { t: first[1], at: 0, basis: 'mat' };
    observedFrom = 0;
    observedT = first[1];
  } else if (!start) {
    start = startTime !== null ? { t: startTime, at: 0, basis: 'gun' } : { t: first[1], at: first[0], basis: 'first-fix' };
    observedFrom = first[0];
    observedT = first[1];
  }
  if (last[0] > length - MAT_AT_POINT_M) finish = last[1];

  const newest = match.anchorT === null || mat.t >= match.anchorT;
  let src = race.src;
  if (newest && race.finish === null) {
    // The matcher's filter restarts from the mat: exact place, the speed since the previous observation.
    const prevAt = match.progress;
    const speed = prevAt !== null && match.anchorT !== null && mat.t > match.anchorT ? Math.max(0, at - prevAt) / ((mat.t - match.anchorT) / 1000) : match.speed;
    match = {
      ...match,
      progress: at,
      estimate: at,
      speed,
      covariance: [1, 0, match.covariance?.[2] ?? 1],
      anchorT: mat.t,
      lastT: Math.max(match.lastT ?? -Infinity, mat.t),
      offCourse: false,
      offFrom: null,
      offSince: null,
      onSince: null,
    };
    src = 'mat';
  } else if (match.progress === null || match.progress < at) {
    match = { ...match, progress: at, estimate: at };
  }

  const reach = finish !== null ? Infinity : (match.progress ?? -Infinity);
  const passings: Array<number | null> = [];
  for (let i = 0; i < points.length && points[i]!.at <= reach; i++) {
    passings.push(passingAt(points[i]!.at, race.passings[i], mats, start, finish !== null ? length : null, finish));
  }

  const recent = race.recent.slice();
  let k = recent.length;
  while (k >= 2 && recent[k - 2]! > mat.t) k -= 2;
  recent.splice(k, 0, mat.t, at);
  return { ...race, match, start, observedFrom, observedT, finish, passings, recent, mats, src, pen: null };
}

/** The time at one timing point: the mat's own, else interpolated between the mats around it, else GPS's. */
function passingAt(
  x: number,
  gps: number | null | undefined,
  mats: ReadonlyArray<[number, number]>,
  start: NonNullable<RunnerRace['start']>,
  finishAt: number | null,
  finish: number | null,
): number | null {
  if (x < start.at) return null;
  let lo: [number, number] = [start.at, start.t];
  let hi: [number, number] | null = finishAt !== null && finish !== null ? [finishAt, finish] : null;
  for (const m of mats) {
    if (Math.abs(m[0] - x) < MAT_AT_POINT_M) return m[1];
    if (m[0] <= x && m[0] >= lo[0]) lo = m;
    if (m[0] >= x && (hi === null || m[0] <= hi[0])) hi = m;
  }
  if (hi && hi[0] > lo[0]) return lo[1] + ((x - lo[0]) / (hi[0] - lo[0])) * (hi[1] - lo[1]);
  return gps ?? null;
}

/** The first timing mat beyond `at` (metres) among the event's (metres), or null. */
export function nextMatAfter(mats: readonly number[], at: number): number | null {
  let next: number | null = null;
  for (const m of mats) if (m > at + MAT_AT_POINT_M && (next === null || m < next)) next = m;
  return next;
}
