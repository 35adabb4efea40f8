/**
 * Where a runner the mats last saw probably is now: carried on along the course from their last mat at the
 * speed of their last stretch (or a predicted speed before they have one), but never past the next mat, which
 * has not seen them yet. The simple model the estimator generalises: it has no uncertainty, only a place.
 */

export interface MatSighting {
  /** Metres from the start where the last mat saw the runner. */
  at: number;
  /** When, ms since the epoch. */
  t: number;
  /** m/s over their last stretch between mats; null before they have one. */
  speed: number | null;
}

export interface BetweenMats {
  /** Metres from the start. */
  at: number;
  /** Held at the next mat (or the finish): the runner should have reached it, and it has not seen them. */
  waiting: boolean;
}

/**
 * Progress at time `now` (ms). `nextAt` is the next mat's distance beyond the sighting (null when there is
 * none before `length`, the finish); `predicted` stands in for a missing speed.
 */
export function progressBetweenMats(sighting: MatSighting, now: number, nextAt: number | null, length: number, predicted: number | null): BetweenMats {
  const speed = sighting.speed ?? predicted;
  const cap = Math.min(length, nextAt ?? length);
  if (speed === null || !(speed > 0) || sighting.at >= cap) return { at: Math.min(sighting.at, length), waiting: false };
  const at = sighting.at + (speed * Math.max(0, now - sighting.t)) / 1000;
  return at >= cap ? { at: cap, waiting: true } : { at, waiting: false };
}

/** The first mat beyond `at` (metres) among the event's, or null. */
export function nextMatAfter(mats: ReadonlyArray<{ at: number }>, at: number): number | null {
  let next: number | null = null;
  for (const m of mats) if (m.at > at + 1 && (next === null || m.at < next)) next = m.at;
  return next;
}

/** A GPS fix this young places a runner (over the mats' prediction), ms. */
export const GPS_FRESH_MS = 120_000;

export type Placement =
  /** Where their latest GPS (phone, app or satellite) fix put them. */
  | { basis: 'gps'; lat: number; lon: number; t: number }
  /** Carried on from their last mat: drawn as predicted. */
  | { basis: 'predicted'; at: number; waiting: boolean };

/**
 * Where to draw a runner now: a fresh GPS fix newer than their last mat places them; else the mats' prediction
 * does (`at` metres along the course); else their latest fix, however old; else nowhere (null).
 */
export function placeRunner(
  gps: { lat: number; lon: number; t: number } | null,
  mat: MatSighting | null,
  now: number,
  course: { length: number; nextAt: (at: number) => number | null; predicted: number | null } | null,
): Placement | null {
  const fresh = gps !== null && now - gps.t <= GPS_FRESH_MS && (mat === null || gps.t >= mat.t);
  if (gps && (fresh || !mat || !course)) return { basis: 'gps', lat: gps.lat, lon: gps.lon, t: gps.t };
  if (!mat || !course) return null;
  const where = progressBetweenMats(mat, now, course.nextAt(mat.at), course.length, course.predicted);
  return { basis: 'predicted', at: where.at, waiting: where.waiting };
}
