/**
 * The course model: a polyline with distances along it, built once and then only read (by the matcher,
 * the race logic and the map). Coordinates are rounded to the precision of the compact form so that a
 * course rebuilt from storage or in a browser measures exactly the same as the one the server built.
 */
import CheapRuler from 'cheap-ruler';
import { type Checkpoint, validateCheckpoints } from './checkpoints';
import { CourseError, CourseErrorCode, count, metres } from './errors';
import { MAX_COURSE_NAME, cleanName } from './names';
import { type DistanceUnit, UNIT_M } from './units';

export type LatLon = readonly [lat: number, lon: number];

/** What a file or a recorded track yields: the line, before it is measured. */
export interface CourseShape {
  name: string | null;
  points: readonly LatLon[];
  /** One per point, metres above sea level, or null when the source has none. */
  elevations: readonly number[] | null;
}

export interface Bounds {
  south: number;
  west: number;
  north: number;
  east: number;
}

export interface Course {
  readonly name: string | null;
  readonly points: readonly LatLon[];
  readonly elevations: readonly number[] | null;
  /** Metres from the start to each point. */
  readonly cumulative: Float64Array;
  /** Metres from start to finish. */
  readonly length: number;
  readonly start: LatLon;
  readonly finish: LatLon;
  readonly bounds: Bounds;
  /** Sorted by distance; see checkpoints.ts. */
  readonly checkpoints: readonly Checkpoint[];
  /** Measures in metres around the course's middle latitude (error well under 0.1 % across a city). */
  readonly ruler: CheapRuler;
}

export const MAX_COURSE_POINTS = 50_000;
/** Shorter than this is a mistake (a single spot, a test tap on a map), not a course to run. */
export const MIN_COURSE_LENGTH_M = 100;
/** 1e-6° is about 0.1 m: far below GPS noise, and what the compact form keeps. */
const COORD_SCALE = 1e6;
/** Decimetres: below the noise of any elevation source. */
const ELEVATION_SCALE = 10;
export const MIN_ELEVATION_M = -500;
export const MAX_ELEVATION_M = 9000;

export const roundCoord = (v: number) => Math.round(v * COORD_SCALE) / COORD_SCALE;
export const roundElevation = (v: number) => Math.round(v * ELEVATION_SCALE) / ELEVATION_SCALE;

/** Throws a `bad-coordinate` error naming the first point that is not a place on Earth. */
export function checkCoordinate(lat: number, lon: number, index: number): void {
  if (Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) return;
  // Only now: formatting the number costs more than the check, and this runs for every point of a file.
  const where = `Point ${count(index + 1)}`;
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
    throw new CourseError(
      CourseErrorCode.BadCoordinate,
      `${where} has no valid latitude and longitude: fix or delete it in your route planner and upload again.`,
    );
  }
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    const swapped = Math.abs(lat) > 90 && Math.abs(lon) <= 90 ? ' (latitude and longitude may be swapped)' : '';
    throw new CourseError(
      CourseErrorCode.BadCoordinate,
      `${where} is at latitude ${lat}, longitude ${lon}, which is not on Earth${swapped}: latitude must be within ±90 and longitude within ±180.`,
    );
  }
}

/** Measures a line into a course. Throws a CourseError for anything that cannot be a course. */
export function buildCourse(shape: CourseShape, checkpoints: readonly Checkpoint[] = []): Course {
  const { points: input, elevations: inputEle } = shape;
  if (inputEle && inputEle.length !== input.length) {
    throw new CourseError(CourseErrorCode.BadCompact, 'The course has a different number of elevations and points.');
  }
  const points: LatLon[] = [];
  const elevations: number[] | null = inputEle ? [] : null;
  for (let i = 0; i < input.length; i++) {
    const [lat, lon] = input[i]!;
    checkCoordinate(lat, lon, i);
    const p: LatLon = [roundCoord(lat), roundCoord(lon)];
    const last = points[points.length - 1];
    // Repeated points (a watch standing still, a planner's doubled vertex) add nothing but zero-length segments.
    if (last && last[0] === p[0] && last[1] === p[1]) continue;
    points.push(p);
    if (elevations) elevations.push(roundElevation(inputEle![i]!));
  }
  if (points.length > MAX_COURSE_POINTS) {
    throw new CourseError(
      CourseErrorCode.TooManyPoints,
      `The course has ${count(points.length)} points; the limit is ${count(MAX_COURSE_POINTS)}: simplify it in your route planner (often called "reduce points") and upload again.`,
    );
  }
  if (points.length < 2) {
    throw new CourseError(
      CourseErrorCode.TooShort,
      'The course is a single point: a course needs a line from the start to the finish.',
    );
  }

  let south = Infinity;
  let north = -Infinity;
  let west = Infinity;
  let east = -Infinity;
  for (const [lat, lon] of points) {
    if (lat < south) south = lat;
    if (lat > north) north = lat;
    if (lon < west) west = lon;
    if (lon > east) east = lon;
  }
  const ruler = new CheapRuler((south + north) / 2, 'meters');
  const cumulative = new Float64Array(points.length);
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    cumulative[i] = cumulative[i - 1]! + ruler.distance([a[1], a[0]], [b[1], b[0]]);
  }
  const length = cumulative[points.length - 1]!;
  if (length < MIN_COURSE_LENGTH_M) {
    throw new CourseError(
      CourseErrorCode.TooShort,
      `The course is ${metres(length)} long; a course must be at least ${MIN_COURSE_LENGTH_M} m: check that the file holds the whole route.`,
    );
  }
  return {
    name: cleanName(shape.name, MAX_COURSE_NAME),
    points,
    elevations,
    cumulative,
    length,
    start: points[0]!,
    finish: points[points.length - 1]!,
    bounds: { south, west, north, east },
    checkpoints: validateCheckpoints(checkpoints, length),
    ruler,
  };
}

/** The same course with other checkpoints; the measured line is shared, not copied. */
export function withCheckpoints(course: Course, checkpoints: readonly Checkpoint[]): Course {
  return { ...course, checkpoints: validateCheckpoints(checkpoints, course.length) };
}

/** Index of the segment (points i..i+1) holding distance `along`, clamped to the course. */
export function segmentAt(cumulative: Float64Array, along: number): number {
  const last = cumulative.length - 2;
  if (along <= 0) return 0;
  if (along >= cumulative[last + 1]!) return last;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cumulative[mid]! <= along) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The place `along` metres from the start (clamped to the course). */
export function positionAt(course: Course, along: number): LatLon {
  const i = segmentAt(course.cumulative, along);
  const a = course.points[i]!;
  const b = course.points[i + 1]!;
  const from = course.cumulative[i]!;
  const span = course.cumulative[i + 1]! - from;
  const f = span > 0 ? Math.min(1, Math.max(0, (along - from) / span)) : 0;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

/** The part of the course between two distances, for drawing (for example the stretch a runner has covered). */
export function sliceAlong(course: Course, from: number, to: number): LatLon[] {
  const a = Math.max(0, Math.min(from, to));
  const b = Math.min(course.length, Math.max(from, to));
  const first = segmentAt(course.cumulative, a);
  const last = segmentAt(course.cumulative, b);
  return [positionAt(course, a), ...course.points.slice(first + 1, last + 1), positionAt(course, b)];
}

export interface DistanceMarker {
  /** Metres from the start. */
  at: number;
  /** 1, 2, 3 … in the marker unit. */
  label: number;
  position: LatLon;
}

/** A marker this close to the finish is the finish (a 10 km course measured at 10,004 m has no "10 km" marker). */
export const MARKER_FINISH_GAP_M = 10;

/** Markers every kilometre or mile, from the first one to the last before the finish. */
export function distanceMarkers(course: Course, unit: DistanceUnit): DistanceMarker[] {
  const unitM = UNIT_M[unit];
  const out: DistanceMarker[] = [];
  for (let k = 1; k * unitM < course.length - MARKER_FINISH_GAP_M; k++) {
    out.push({ at: k * unitM, label: k, position: positionAt(course, k * unitM) });
  }
  return out;
}
