/**
 * Where runners the timing mats place are drawn now (lib/course/between-mats.ts): the runners with a mat and
 * no fresher GPS fix, at their predicted distance along the course, as map positions. Pure; the page asks
 * again every second so that they move.
 */
import { nextMatAfter, placeRunner } from '../lib/course/between-mats';
import { type Course, positionAt } from '../lib/course/course';
import type { TimingPointInfo, TrackPoint } from '../lib/protocol';
import type { RunnerView } from './event-view';

export interface PredictedSpot {
  lat: number;
  lon: number;
  /** Metres along the course. */
  at: number;
  /** Held at the next mat: it should have seen them by now. */
  waiting: boolean;
}

/** Runner id → where to draw them as predicted, for every runner the mats place rather than GPS. */
export function predictedSpots(
  runners: readonly RunnerView[],
  course: Course | null,
  mats: readonly TimingPointInfo[],
  now: number,
): Map<string, PredictedSpot> {
  const out = new Map<string, PredictedSpot>();
  if (!course) return out;
  const along = { length: course.length, nextAt: (at: number) => nextMatAfter(mats, at), predicted: null };
  for (const r of runners) {
    const mat = r.race?.mat;
    if (!mat) continue;
    const last: TrackPoint | undefined = r.track[r.track.length - 1];
    const place = placeRunner(last ? { lat: last[0], lon: last[1], t: last[2] } : null, mat, now, along);
    if (place?.basis !== 'predicted') continue;
    const [lat, lon] = positionAt(course, place.at);
    out.set(r.id, { lat, lon, at: place.at, waiting: place.waiting });
  }
  return out;
}
