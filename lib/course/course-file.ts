/**
 * Course files: GPX (track or route), KML (LineString, gx:Track) and GeoJSON (LineString, MultiLineString,
 * in a Feature or a FeatureCollection). The readers (course-xml.ts, course-geojson.ts) keep to a budget of
 * points, lines and nesting while they read (file-budget.ts); the rest is linear in the points kept. This is
 * still CPU work in proportion to the file: the server runs it in a worker (server/http/course-upload).
 *
 * Rules, so the organiser can predict what happens:
 * - One line is the course. Several *different* lines are refused with a list to choose from (`pick`);
 *   identical copies (a planner that writes the route and the track) count as one (distinct-lines.ts).
 * - The pieces of one line (GPX track segments, KML MultiGeometry) are joined in file order when each
 *   starts within JOIN_GAP_M of the previous one's end; farther apart, the file is refused.
 * - Elevations: kept when every point has one; when up to a fifth are missing they are filled from the
 *   neighbours; with more missing the course has no profile. Each case says so in `warnings`.
 */
import CheapRuler from 'cheap-ruler';
import type { Position } from 'geojson';
import type { Checkpoint } from './checkpoints';
import {
  type Course,
  type LatLon,
  MAX_ELEVATION_M,
  MIN_ELEVATION_M,
  buildCourse,
  checkCoordinate,
} from './course';
import { readGeoJsonCourse } from './course-geojson';
import { readXmlCourse } from './course-xml';
import { distinctLines } from './distinct-lines';
import { CourseError, CourseErrorCode, type LineSummary, count, metres } from './errors';
import { type BudgetLimits, type Candidate, FILE_LIMITS, FileBudget, type Found } from './file-budget';

export type CourseFormat = 'gpx' | 'kml' | 'geojson';

/** 20 MiB holds 50,000 points even from a watch that writes heart rate, cadence and temperature for each. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Pieces closer than this are one line with a dropout between them; farther, they are different lines. */
export const JOIN_GAP_M = 250;
/** Up to this share of points without elevation are filled in; more, and the profile would be invented. */
const MAX_MISSING_ELEVATION = 0.2;

export interface ParseOptions {
  /** Which of several lines is the course: an index into the `lines` of a `several-lines` error. */
  pick?: number;
  checkpoints?: readonly Checkpoint[];
  /** The reading budget; FILE_LIMITS unless a test wants small numbers. */
  limits?: BudgetLimits;
}

export interface ParsedCourseFile {
  course: Course;
  format: CourseFormat;
  /** Things done to the file that the organiser should know about (filled elevations, ignored lines). */
  warnings: string[];
}

/** Reads a course file (bytes or text). Throws a CourseError whose message tells the organiser what to do. */
export function parseCourseFile(input: string | Uint8Array, options: ParseOptions = {}): ParsedCourseFile {
  const text = toText(input);
  const start = text.search(/\S/);
  if (start < 0) throw new CourseError(CourseErrorCode.Empty, 'The file is empty: choose the course file again.');
  const head = text.slice(start, start + 200);
  const budget = new FileBudget(options.limits ?? FILE_LIMITS);

  let format: CourseFormat;
  let found: Found;
  if (head.startsWith('{') || head.startsWith('[')) {
    format = 'geojson';
    found = readGeoJsonCourse(text, budget);
  } else if (head.startsWith('<')) {
    // Leading white space is not XML, but files with it are common enough to read anyway.
    ({ format, found } = readXmlCourse(text.slice(start), budget));
  } else {
    throw new CourseError(
      CourseErrorCode.UnknownFormat,
      'This is not a GPX, KML or GeoJSON file: export the course from your route planner in one of those formats.',
    );
  }

  const warnings: string[] = [];
  const chosen = choose(found, options.pick, warnings);
  const positions = join(chosen);
  const { points, elevations } = toPoints(positions, warnings);
  const course = buildCourse({ name: chosen.name ?? found.documentName, points, elevations }, options.checkpoints);
  return { course, format, warnings };
}

function toText(input: string | Uint8Array): string {
  if (typeof input !== 'string') {
    checkSize(input.byteLength);
    if (input[0] === 0x50 && input[1] === 0x4b && input[2] === 0x03 && input[3] === 0x04) zipped();
    input = new TextDecoder('utf-8').decode(input);
  } else {
    // A string's UTF-8 size lies between its length and three times it; measure only when it matters.
    if (input.length * 3 > MAX_FILE_BYTES) checkSize(new TextEncoder().encode(input).byteLength);
    if (input.startsWith('PK\u0003\u0004')) zipped();
  }
  return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
}

function checkSize(bytes: number): void {
  if (bytes === 0) throw new CourseError(CourseErrorCode.Empty, 'The file is empty: choose the course file again.');
  if (bytes > MAX_FILE_BYTES) {
    throw new CourseError(
      CourseErrorCode.TooLarge,
      `The file is ${(bytes / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_FILE_BYTES / 1024 / 1024} MB: export the course without heart rate and other extras, or simplify it.`,
    );
  }
}

function zipped(): never {
  throw new CourseError(
    CourseErrorCode.Zipped,
    'This is a zipped file (KMZ or ZIP): unzip it and upload the .kml or .gpx inside.',
  );
}

function lengthOf(parts: Position[][]): number {
  const first = parts[0]?.[0];
  const ruler = new CheapRuler(typeof first?.[1] === 'number' && Math.abs(first[1]) <= 90 ? first[1] : 0, 'meters');
  let total = 0;
  for (const part of parts) {
    for (let i = 1; i < part.length; i++) {
      const a = part[i - 1]!;
      const b = part[i]!;
      const d = ruler.distance([a[0]!, a[1]!], [b[0]!, b[1]!]);
      if (Number.isFinite(d)) total += d;
    }
  }
  return total;
}

function choose(found: Found, pick: number | undefined, warnings: string[]): Candidate {
  const distinct = distinctLines(found.candidates);
  if (distinct.length === 0) {
    const message =
      found.areas > 0
        ? 'The file has an area (a polygon) but no line: draw the course as a line (a path or route) and export that.'
        : found.points > 0
          ? `The file has only ${count(found.points)} single point${found.points === 1 ? '' : 's'} (waypoints) and no line: export the route or track itself.`
          : 'The file holds no track, route or line: export the course as a GPX track or route, a KML path or a GeoJSON LineString.';
    throw new CourseError(CourseErrorCode.NoLine, message);
  }
  const describe = (c: Candidate) => `${c.kind}${c.name ? ` "${c.name}"` : ''} (${metres(lengthOf(c.parts))})`;
  if (distinct.length > 1 && pick === undefined) {
    const lines: LineSummary[] = distinct.map((c) => ({
      kind: c.kind,
      name: c.name,
      points: c.parts.reduce((n, p) => n + p.length, 0),
      lengthM: Math.round(lengthOf(c.parts)),
    }));
    throw new CourseError(
      CourseErrorCode.SeveralLines,
      `The file holds ${distinct.length} different lines: ${distinct.map(describe).join(', ')}. Choose which one is the course, or delete the others in your route planner.`,
      lines,
    );
  }
  const index = pick ?? 0;
  const chosen = distinct[index];
  if (!Number.isInteger(index) || !chosen) {
    throw new CourseError(
      CourseErrorCode.SeveralLines,
      `There is no line number ${index + 1} in this file; it holds ${distinct.length}: choose one of them.`,
    );
  }
  if (distinct.length > 1) {
    warnings.push(`Kept the ${describe(chosen)}; ignored ${distinct.length - 1} other line${distinct.length > 2 ? 's' : ''}.`);
  }
  return chosen;
}

function join(candidate: Candidate): Position[] {
  const out: Position[] = [];
  const first = candidate.parts[0]![0]!;
  const ruler = new CheapRuler(Number.isFinite(first[1]) && Math.abs(first[1]!) <= 90 ? first[1]! : 0, 'meters');
  candidate.parts.forEach((part, i) => {
    if (i > 0) {
      const end = out[out.length - 1]!;
      const gap = ruler.distance([end[0]!, end[1]!], [part[0]![0]!, part[0]![1]!]);
      if (!(gap <= JOIN_GAP_M)) {
        const label = `${candidate.kind}${candidate.name ? ` "${candidate.name}"` : ''}`;
        throw new CourseError(
          CourseErrorCode.Disconnected,
          `The ${label} is in ${candidate.parts.length} pieces, and piece ${i + 1} starts ${metres(gap)} from where piece ${i} ends: join them in your route planner, or keep only the piece that is the course.`,
        );
      }
    }
    // One at a time: spreading a long piece into push() passes every point as an argument.
    for (const p of part) out.push(p);
  });
  return out;
}

function toPoints(positions: Position[], warnings: string[]): { points: LatLon[]; elevations: number[] | null } {
  const points: LatLon[] = new Array(positions.length);
  const raw: Array<number | null> = new Array(positions.length);
  let withElevation = 0;
  for (let i = 0; i < positions.length; i++) {
    const [lon, lat, ele] = positions[i]!;
    checkCoordinate(lat ?? Number.NaN, lon ?? Number.NaN, i);
    points[i] = [lat!, lon!];
    // Out-of-range values are "no data" markers of terrain models (-32768) or unit mistakes, not heights.
    const ok = typeof ele === 'number' && Number.isFinite(ele) && ele >= MIN_ELEVATION_M && ele <= MAX_ELEVATION_M;
    raw[i] = ok ? ele : null;
    if (ok) withElevation++;
  }
  const n = positions.length;
  if (withElevation === 0) return { points, elevations: null };
  if (withElevation === n) return { points, elevations: raw as number[] };
  const missing = n - withElevation;
  if (missing / n > MAX_MISSING_ELEVATION) {
    warnings.push(
      `Only ${count(withElevation)} of ${count(n)} points have an elevation, too few for a profile: the course has none. Add elevations in your route planner to get one.`,
    );
    return { points, elevations: null };
  }
  warnings.push(`${count(missing)} of ${count(n)} points had no usable elevation; they were filled in from their neighbours.`);
  return { points, elevations: fillGaps(points, raw) };
}

/** Linear in distance between the nearest known elevations; the ends take the nearest known value. */
function fillGaps(points: LatLon[], raw: Array<number | null>): number[] {
  const ruler = new CheapRuler(points[0]![0], 'meters');
  const along = new Float64Array(points.length);
  for (let i = 1; i < points.length; i++) {
    along[i] = along[i - 1]! + ruler.distance([points[i - 1]![1], points[i - 1]![0]], [points[i]![1], points[i]![0]]);
  }
  const out = new Array<number>(raw.length);
  let prev = -1;
  for (let i = 0; i <= raw.length; i++) {
    if (i < raw.length && raw[i] === null) continue;
    // Fill the run between the known points prev and i.
    for (let j = prev + 1; j < i; j++) {
      if (prev < 0) out[j] = raw[i]!;
      else if (i >= raw.length) out[j] = raw[prev]!;
      else {
        const span = along[i]! - along[prev]!;
        const f = span > 0 ? (along[j]! - along[prev]!) / span : 0;
        out[j] = raw[prev]! + (raw[i]! - raw[prev]!) * f;
      }
    }
    if (i < raw.length) out[i] = raw[i]!;
    prev = i;
  }
  return out;
}
