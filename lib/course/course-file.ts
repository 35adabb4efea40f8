/**
 * Course files: GPX (track or route), KML (LineString, gx:Track) and GeoJSON (LineString, MultiLineString,
 * in a Feature or a FeatureCollection). XML goes through @xmldom/xmldom and @tmcw/togeojson, so the same
 * code reads a file on the server and in the organiser's browser; the checks here are the ones those
 * libraries leave to us (they drop malformed points silently, and accept several lines in one file).
 *
 * Rules, so the organiser can predict what happens:
 * - One line is the course. Several *different* lines are refused with a list to choose from (`pick`);
 *   identical copies (a planner that writes the route and the track) count as one.
 * - The pieces of one line (GPX track segments, KML MultiGeometry) are joined in file order when each
 *   starts within JOIN_GAP_M of the previous one's end; farther apart, the file is refused.
 * - Elevations: kept when every point has one; when up to a fifth are missing they are filled from the
 *   neighbours; with more missing the course has no profile. Each case says so in `warnings`.
 */
import { DOMParser } from '@xmldom/xmldom';
import { gpx, kml } from '@tmcw/togeojson';
import CheapRuler from 'cheap-ruler';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import type { Checkpoint } from './checkpoints';
import {
  type Course,
  type LatLon,
  MAX_ELEVATION_M,
  MIN_ELEVATION_M,
  buildCourse,
  checkCoordinate,
} from './course';
import { CourseError, CourseErrorCode, type LineSummary, count, metres } from './errors';

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
}

export interface ParsedCourseFile {
  course: Course;
  format: CourseFormat;
  /** Things done to the file that the organiser should know about (filled elevations, ignored lines). */
  warnings: string[];
}

interface Candidate {
  kind: LineSummary['kind'];
  name: string | null;
  parts: Position[][];
}

interface Found {
  candidates: Candidate[];
  documentName: string | null;
  points: number;
  areas: number;
}

/** Reads a course file (bytes or text). Throws a CourseError whose message tells the organiser what to do. */
export function parseCourseFile(input: string | Uint8Array, options: ParseOptions = {}): ParsedCourseFile {
  const text = toText(input);
  const start = text.search(/\S/);
  if (start < 0) throw new CourseError(CourseErrorCode.Empty, 'The file is empty: choose the course file again.');
  const head = text.slice(start, start + 200);

  let format: CourseFormat;
  let found: Found;
  if (head.startsWith('{') || head.startsWith('[')) {
    format = 'geojson';
    found = fromGeoJson(text);
  } else if (head.startsWith('<')) {
    const doc = parseXml(text);
    const root = doc.documentElement?.localName ?? '';
    if (root === 'gpx') {
      format = 'gpx';
      checkGpxPoints(doc);
      found = fromFeatures(gpx(doc), documentName(doc, ['metadata', 'gpx']));
    } else if (root === 'kml') {
      format = 'kml';
      checkKmlCoordinates(doc);
      found = fromFeatures(kml(doc), documentName(doc, ['Document', 'Folder', 'kml']));
    } else if (root === 'TrainingCenterDatabase') {
      throw new CourseError(
        CourseErrorCode.UnknownFormat,
        'TCX files are not read as courses: export the route or activity as GPX and upload that.',
      );
    } else {
      throw new CourseError(
        CourseErrorCode.UnknownFormat,
        `This XML file is neither GPX nor KML (it starts with <${root}>): export the course as GPX, KML or GeoJSON.`,
      );
    }
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

type XmlDocument = ReturnType<DOMParser['parseFromString']>;
type XmlElement = ReturnType<XmlDocument['getElementsByTagName']>[number];

function parseXml(text: string): XmlDocument {
  try {
    return new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/^\[xmldom \w+\]\s*/, '');
    throw new CourseError(
      CourseErrorCode.InvalidXml,
      `The file is not well-formed XML (${reason.trim()}): it may be cut short; download or export it again.`,
    );
  }
}

/** The name of the document itself (not of a line in it), from the first of `parents` that has one. */
function documentName(doc: XmlDocument, parents: string[]): string | null {
  for (const parent of parents) {
    const holders = parent === doc.documentElement?.localName ? [doc.documentElement] : Array.from(doc.getElementsByTagName(parent));
    for (const holder of holders) {
      if (!holder) continue;
      for (const child of Array.from(holder.childNodes)) {
        if (child.nodeType === 1 && (child as XmlElement).localName === 'name') {
          const name = clean(child.textContent);
          if (name) return name;
        }
      }
    }
  }
  return null;
}

function clean(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const s = value.replace(/\s+/g, ' ').trim();
  return s ? s.slice(0, 120) : null;
}

/** togeojson skips a point whose lat or lon does not parse; a course with a silent hole is worse than an error. */
function checkGpxPoints(doc: XmlDocument): void {
  let index = 0;
  for (const tag of ['trkpt', 'rtept']) {
    for (const el of Array.from(doc.getElementsByTagName(tag))) {
      const lat = Number.parseFloat(el.getAttribute('lat') ?? '');
      const lon = Number.parseFloat(el.getAttribute('lon') ?? '');
      checkCoordinate(lat, lon, index++);
    }
  }
}

/** The KML counterpart: every "lon,lat[,alt]" tuple of every line must be numbers. */
function checkKmlCoordinates(doc: XmlDocument): void {
  let index = 0;
  for (const el of Array.from(doc.getElementsByTagName('coordinates'))) {
    const parent = el.parentNode as XmlElement | null;
    if (!parent || (parent.localName !== 'LineString' && parent.localName !== 'LinearRing')) continue;
    const holder = (parent.parentNode as XmlElement | null)?.localName;
    if (holder === 'outerBoundaryIs' || holder === 'innerBoundaryIs') continue;
    for (const tuple of (el.textContent ?? '').trim().split(/\s+/)) {
      if (!tuple) continue;
      const [lon, lat] = tuple.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v)));
      checkCoordinate(lat ?? Number.NaN, lon ?? Number.NaN, index++);
    }
  }
}

function fromFeatures(collection: FeatureCollection<Geometry | null>, docName: string | null): Found {
  const found: Found = { candidates: [], documentName: docName, points: 0, areas: 0 };
  for (const feature of collection.features) addFeature(found, feature);
  return found;
}

function addFeature(found: Found, feature: Feature<Geometry | null>): void {
  const props = feature.properties ?? {};
  const gpxType = props._gpxType;
  const kind: LineSummary['kind'] = gpxType === 'trk' ? 'track' : gpxType === 'rte' ? 'route' : 'line';
  const parts: Position[][] = [];
  collectParts(found, feature.geometry, parts);
  if (parts.length) found.candidates.push({ kind, name: clean(props.name), parts });
}

function collectParts(found: Found, geometry: Geometry | null, parts: Position[][]): void {
  if (!geometry) return;
  switch (geometry.type) {
    case 'LineString':
      if (geometry.coordinates.length) parts.push(geometry.coordinates);
      break;
    case 'MultiLineString':
      for (const part of geometry.coordinates) if (part.length) parts.push(part);
      break;
    case 'GeometryCollection':
      for (const g of geometry.geometries) collectParts(found, g, parts);
      break;
    case 'Point':
      found.points++;
      break;
    case 'MultiPoint':
      found.points += geometry.coordinates.length;
      break;
    case 'Polygon':
    case 'MultiPolygon':
      found.areas++;
      break;
  }
}

const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);

function fromGeoJson(text: string): Found {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new CourseError(
      CourseErrorCode.InvalidJson,
      `The file is not valid JSON (${reason}): it may be cut short; export it again.`,
    );
  }
  const found: Found = { candidates: [], documentName: null, points: 0, areas: 0 };
  const notGeoJson = () =>
    new CourseError(
      CourseErrorCode.UnknownFormat,
      'This JSON is not GeoJSON (no FeatureCollection, Feature or geometry): export the course as GeoJSON or GPX.',
    );
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notGeoJson();
  const root = value as Record<string, unknown>;
  if (root.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) throw notGeoJson();
    if (root.name !== undefined) found.documentName = clean(root.name);
    root.features.forEach((f, i) => addFeature(found, asFeature(f, `feature ${i + 1}`)));
  } else if (root.type === 'Feature') {
    addFeature(found, asFeature(root, 'the feature'));
  } else if (typeof root.type === 'string' && GEOMETRY_TYPES.has(root.type)) {
    addFeature(found, { type: 'Feature', properties: {}, geometry: asGeometry(root, 'the geometry') });
  } else {
    throw notGeoJson();
  }
  return found;
}

function malformed(where: string, what: string): CourseError {
  return new CourseError(
    CourseErrorCode.UnknownFormat,
    `The GeoJSON is malformed: ${where} ${what}. Export the course again from your route planner.`,
  );
}

function asFeature(value: unknown, where: string): Feature<Geometry | null> {
  if (typeof value !== 'object' || value === null) throw malformed(where, 'is not an object');
  const f = value as Record<string, unknown>;
  if (f.type !== 'Feature') throw malformed(where, 'is not a Feature');
  const props = typeof f.properties === 'object' && f.properties !== null ? (f.properties as Record<string, unknown>) : {};
  return { type: 'Feature', properties: props, geometry: f.geometry === null ? null : asGeometry(f.geometry, where) };
}

function asGeometry(value: unknown, where: string): Geometry {
  if (typeof value !== 'object' || value === null) throw malformed(where, 'has no geometry');
  const g = value as Record<string, unknown>;
  if (g.type === 'GeometryCollection') {
    if (!Array.isArray(g.geometries)) throw malformed(where, 'has a GeometryCollection without geometries');
    return { type: 'GeometryCollection', geometries: g.geometries.map((x) => asGeometry(x, where)) };
  }
  if (typeof g.type !== 'string' || !GEOMETRY_TYPES.has(g.type)) throw malformed(where, `has an unknown geometry "${String(g.type)}"`);
  const depth = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 }[g.type] ?? 0;
  if (!isNested(g.coordinates, depth)) throw malformed(where, `has ${g.type} coordinates of the wrong shape`);
  return { type: g.type, coordinates: g.coordinates } as Geometry;
}

/** Arrays nested `depth` deep around positions (arrays of numbers; the numbers are checked later). */
function isNested(value: unknown, depth: number): boolean {
  if (!Array.isArray(value)) return false;
  if (depth === 0) return value.every((n) => typeof n === 'number');
  return value.every((v) => isNested(v, depth - 1));
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

function sameLine(a: Candidate, b: Candidate): boolean {
  const pa = a.parts.flat();
  const pb = b.parts.flat();
  if (pa.length !== pb.length) return false;
  const close = (x: number | undefined, y: number | undefined) =>
    x !== undefined && y !== undefined && Math.abs(x - y) < 5e-7;
  return pa.every((p, i) => close(p[0], pb[i]![0]) && close(p[1], pb[i]![1]));
}

function choose(found: Found, pick: number | undefined, warnings: string[]): Candidate {
  const distinct: Candidate[] = [];
  for (const c of found.candidates) if (!distinct.some((d) => sameLine(d, c))) distinct.push(c);
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
    out.push(...part);
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
