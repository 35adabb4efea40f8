/**
 * What a course file may hold, counted while it is read: a reader asks the budget before it keeps each
 * point, line and level of nesting, so a hostile file is refused as soon as it goes over, not after it has
 * been parsed, converted and compared whole.
 */
import type { Position } from 'geojson';
import { MAX_COURSE_POINTS } from './course';
import { CourseError, CourseErrorCode, type LineSummary, count } from './errors';

/**
 * Points of every kind in one file. A course keeps up to MAX_COURSE_POINTS; a file may also hold the same
 * line twice (a planner writes the route and the track), waypoints, and repeated points that are dropped.
 */
export const MAX_FILE_POINTS = 4 * MAX_COURSE_POINTS;
/** Lines (tracks, routes, paths) in one file: enough for a club's whole map, few enough to choose from. */
export const MAX_FILE_LINES = 250;
/** Levels of elements or arrays: GPX and KML need under ten, GeoJSON under a dozen even in collections. */
export const MAX_NESTING = 64;

/** One line found in a file: its pieces in file order (GPX track segments, KML MultiGeometry parts). */
export interface Candidate {
  kind: LineSummary['kind'];
  name: string | null;
  parts: Position[][];
}

/** Everything a reader found in a file that decides what the course is (or why there is none). */
export interface Found {
  candidates: Candidate[];
  documentName: string | null;
  /** Single points (waypoints, placemarks): not a course, but worth naming when there is no line. */
  points: number;
  /** Polygons: likewise. */
  areas: number;
}

export const emptyFound = (): Found => ({ candidates: [], documentName: null, points: 0, areas: 0 });

export interface BudgetLimits {
  points: number;
  lines: number;
  nesting: number;
}

export const FILE_LIMITS: BudgetLimits = { points: MAX_FILE_POINTS, lines: MAX_FILE_LINES, nesting: MAX_NESTING };

/** Counts as a reader goes; each method throws the CourseError that says which limit the file went over. */
export class FileBudget {
  private pointsRead = 0;
  private linesRead = 0;

  constructor(readonly limits: BudgetLimits = FILE_LIMITS) {}

  /** `n` more points read (of a line, a waypoint, an area). */
  points(n = 1): void {
    this.pointsRead += n;
    if (this.pointsRead > this.limits.points) {
      throw new CourseError(
        CourseErrorCode.TooManyPoints,
        `The file holds more than ${count(this.limits.points)} points; a course may have ${count(MAX_COURSE_POINTS)}: export only the course, simplified in your route planner (often called "reduce points"), and upload that.`,
      );
    }
  }

  /** One more line found. */
  line(): void {
    this.linesRead++;
    if (this.linesRead > this.limits.lines) {
      throw new CourseError(
        CourseErrorCode.TooManyLines,
        `The file holds more than ${count(this.limits.lines)} lines (tracks, routes or paths); a course needs one: export only the course from your route planner and upload that.`,
      );
    }
  }

  /** The reader is `depth` levels deep (the outermost element or value is level 1). */
  nesting(depth: number): void {
    if (depth > this.limits.nesting) {
      throw new CourseError(
        CourseErrorCode.TooDeep,
        `The file nests more than ${this.limits.nesting} levels deep, which no GPX, KML or GeoJSON course does: export the course again from your route planner.`,
      );
    }
  }
}
