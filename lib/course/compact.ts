/**
 * The form a course is stored in and sent to browsers: plain JSON, small, and exact — decoding gives
 * back the very coordinates the course was built from, so distances along it agree to the millimetre
 * between the server and every page.
 */
import type { Checkpoint } from './checkpoints';
import { type Course, buildCourse } from './course';
import { CourseError, CourseErrorCode } from './errors';
import { decodePolyline, decodeSeries, encodePolyline, encodeSeries, PolylineError } from '../polyline';

export const COMPACT_COURSE_VERSION = 1;

export interface CompactCourse {
  v: typeof COMPACT_COURSE_VERSION;
  name: string | null;
  /** Encoded polyline of [lat, lon] at 6 decimals. */
  line: string;
  /** Elevations in metres at 1 decimal, encoded the same way; null when the course has none. */
  elevations: string | null;
  checkpoints: Checkpoint[];
}

export function encodeCourse(course: Course): CompactCourse {
  return {
    v: COMPACT_COURSE_VERSION,
    name: course.name,
    line: encodePolyline(course.points, 6),
    elevations: course.elevations ? encodeSeries(course.elevations, 1) : null,
    checkpoints: course.checkpoints.map(({ name, at, cutoff }) => (cutoff != null ? { name, at, cutoff } : { name, at })),
  };
}

function bad(what: string): never {
  throw new CourseError(CourseErrorCode.BadCompact, `The stored course is damaged (${what}): upload the course again.`);
}

function decoded<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof PolylineError) bad(`${what}: ${err.reason === 'cut' ? 'cut off' : 'a character it cannot hold'}`);
    throw err;
  }
}

/** Rebuilds a course from its compact form; throws a CourseError when the value is not one. */
export function decodeCourse(value: unknown): Course {
  if (typeof value !== 'object' || value === null) bad('not an object');
  const v = value as Record<string, unknown>;
  if (v.v !== COMPACT_COURSE_VERSION) bad(`unknown version ${String(v.v)}`);
  if (typeof v.line !== 'string') bad('no line');
  if (v.name !== null && typeof v.name !== 'string') bad('name');
  if (v.elevations !== null && typeof v.elevations !== 'string') bad('elevations');
  if (!Array.isArray(v.checkpoints)) bad('checkpoints');
  const checkpoints = v.checkpoints.map((c: unknown): Checkpoint => {
    if (typeof c !== 'object' || c === null) bad('checkpoint');
    const { name, at, cutoff } = c as Record<string, unknown>;
    if (typeof name !== 'string' || typeof at !== 'number') bad('checkpoint');
    return typeof cutoff === 'number' ? { name, at, cutoff } : { name, at };
  });
  const points = decoded('line', () => decodePolyline(v.line as string, 6));
  const elevations = typeof v.elevations === 'string' ? decoded('elevations', () => decodeSeries(v.elevations as string, 1)) : null;
  if (elevations && elevations.length !== points.length) bad('elevations do not match the line');
  return buildCourse({ name: v.name, points, elevations }, checkpoints);
}
