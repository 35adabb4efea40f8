/**
 * A course from a runner's recorded track ("promote this run to be the course"). A phone's track is
 * noisier than a planned route: it wobbles while the runner stands still and has the odd wild fix. Those
 * would become loops and spikes in the course, so they are dropped before the line is measured.
 */
import CheapRuler from 'cheap-ruler';
import type { TrackPoint } from '../protocol';
import { simplifyTrack } from '../simplify';
import type { Checkpoint } from './checkpoints';
import { type Course, type LatLon, MAX_COURSE_POINTS, buildCourse } from './course';
import { CourseError, CourseErrorCode } from './errors';

export interface TrackCourseOptions {
  name?: string | null;
  checkpoints?: readonly Checkpoint[];
  /** Keep only points recorded from / until these times (ms), to trim a warm-up or the walk home. */
  from?: number;
  to?: number;
  /** A point is kept once it is this far from the last kept one: twice a phone's usual error, so standing-still wobble stays out. */
  minStepM?: number;
  /** A point that would need more than this speed from the last kept one is a wild fix. */
  maxSpeedMps?: number;
}

export function courseFromTrack(track: readonly TrackPoint[], options: TrackCourseOptions = {}): Course {
  const { minStepM = 10, maxSpeedMps = 12, from = -Infinity, to = Infinity } = options;
  const kept: TrackPoint[] = [];
  let ruler: CheapRuler | null = null;
  for (const p of track) {
    const [lat, lon, t] = p;
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || !Number.isFinite(t)) continue;
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || t < from || t > to) continue;
    const last = kept[kept.length - 1];
    if (!last) {
      kept.push(p);
      ruler = new CheapRuler(lat, 'meters');
      continue;
    }
    if (t <= last[2]) continue;
    const step = ruler!.distance([last[1], last[0]], [lon, lat]);
    if (step < minStepM) continue;
    if (step / ((t - last[2]) / 1000) > maxSpeedMps) continue;
    kept.push(p);
  }
  if (kept.length < 2) {
    throw new CourseError(
      CourseErrorCode.TooShort,
      'This track has too few points that move to make a course: choose a track of the whole route.',
    );
  }
  const line = kept.length > MAX_COURSE_POINTS ? simplifyTrack(kept, MAX_COURSE_POINTS) : kept;
  const points: LatLon[] = line.map(([lat, lon]) => [lat, lon]);
  return buildCourse({ name: options.name ?? null, points, elevations: null }, options.checkpoints);
}
