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

  let { start, observedFrom, finish, match } = race;
  if (first[0] < MAT_AT_POINT_M) {
    start = { t: first[1], at: 0, basis: 'mat' };
    observedFrom = 0;
  } else if (!start) {
    start = startTime !== null ? { t: startTime, at: 0, basis: 'gun' } : { t: first[1], at: first[0], basis: 'first-fix' };
    observedFrom = first[0];
  }
  if (last[0] > length - MAT_AT_POINT_M) finish = last[1];

  const newest = match.anchorT === null || mat.t >= match.anchorT;
  if (newest && race.finish === null) {
    match = { ...match, progress: at, estimate: at, anchorT: mat.t, lastT: Math.max(match.lastT ?? -Infinity, mat.t), offCourse: false, offSince: null };
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
  return { ...race, match, start, observedFrom, finish, passings, recent, mats };
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

/**
 * Where the mats put the runner last, and the speed to carry them on at: over their last stretch between
 * two mats (the start counts as one when the gun or a start mat timed it), or null before a second.
 */
export function lastMat(race: RunnerRace): { at: number; t: number; speed: number | null } | null {
  const mats = race.mats;
  if (!mats?.length) return null;
  let latest = mats[0]!;
  for (const m of mats) if (m[1] > latest[1]) latest = m;
  let before: [number, number] | null = null;
  for (const m of mats) if (m[1] < latest[1] && m[0] < latest[0] && (!before || m[1] > before[1])) before = m;
  if (!before && race.start && race.start.basis !== 'first-fix' && race.start.at < latest[0] && race.start.t < latest[1]) before = [race.start.at, race.start.t];
  const speed = before ? (latest[0] - before[0]) / ((latest[1] - before[1]) / 1000) : null;
  return { at: latest[0], t: latest[1], speed };
}

/** The middle of the speeds known (m/s): what a runner the mats saw only once is carried on at. */
export function medianSpeed(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = known.length >> 1;
  return known.length % 2 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
}
