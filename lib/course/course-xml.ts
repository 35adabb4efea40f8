/**
 * GPX and KML course files, read as a stream of tags (saxes, a conformant non-validating XML reader): no
 * document tree is built, and the budget is asked before every level, point and line is kept, so a file
 * over a limit is refused as soon as the reader gets there.
 *
 * What is taken, following the conventions of route planners and of togeojson, which this replaces:
 * - GPX: every track (`trk`, its `trkseg`s as pieces) and then every route (`rte`), each piece with at
 *   least two points; waypoints are counted, not kept. Names are the `name` of the track or route; the
 *   document's is in `metadata` (GPX 1.1) or on the root (GPX 1.0).
 * - KML: every Placemark whose geometry (directly, or inside MultiGeometry / gx:MultiTrack) has lines:
 *   LineString, a LinearRing outside a Polygon, gx:Track. Points and polygons are counted. The document's
 *   name is that of the first Document, else of the first Folder, else of the root.
 * - Every point of a track, route or line must have a number for latitude and longitude (the libraries
 *   skip such a point silently; a course with a silent hole is worse than an error).
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { Position } from 'geojson';
import { checkCoordinate } from './course';
import { CourseError, CourseErrorCode } from './errors';
import { type Candidate, type FileBudget, type Found, emptyFound } from './file-budget';
import { MAX_COURSE_NAME, cleanName } from './names';

export type XmlCourseFormat = 'gpx' | 'kml';

/** Text is handed to the reader in pieces, so a budget stops it part way through a large file. */
const CHUNK_CHARS = 64 * 1024;
/** Names are cut to MAX_COURSE_NAME; no need to hold more of one than this while reading it. */
const NAME_TEXT_MAX = 4 * 1024;

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** Reads a GPX or KML file; throws a CourseError for anything else, malformed XML or a budget exceeded. */
export function readXmlCourse(text: string, budget: FileBudget): { format: XmlCourseFormat; found: Found } {
  const parser = new SaxesParser({ position: true, xmlns: false });
  const stack: string[] = [];
  const state: { format: XmlCourseFormat | null; reader: TagReader | null; text: string[] | null; length: number; max: number } = {
    format: null,
    reader: null,
    text: null,
    length: 0,
    max: 0,
  };

  parser.on('error', (err) => {
    throw new CourseError(
      CourseErrorCode.InvalidXml,
      `The file is not well-formed XML (${err.message.replace(/\.$/, '')}): it may be cut short; download or export it again.`,
    );
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag.name);
    stack.push(name);
    budget.nesting(stack.length);
    if (!state.reader) {
      state.format = rootFormat(name);
      state.reader = state.format === 'gpx' ? new GpxReader(budget) : new KmlReader(budget);
    }
    const capture = state.reader.open(name, stack, tag.attributes);
    if (capture) {
      state.text = [];
      state.length = 0;
      state.max = capture === 'name' ? NAME_TEXT_MAX : Infinity;
    }
  });
  const onText = (t: string) => {
    if (!state.text || state.length >= state.max) return;
    state.text.push(t);
    state.length += t.length;
  };
  parser.on('text', onText);
  // Planners write names as CDATA too (<name><![CDATA[Loop & back]]></name>).
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const captured = state.text ? state.text.join('') : null;
    state.text = null;
    state.reader!.close(stack, captured);
    stack.pop();
  });

  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + CHUNK_CHARS);
    // Keep a surrogate pair in one piece.
    if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end++;
    parser.write(text.slice(i, end));
    i = end;
  }
  parser.close();
  if (!state.reader || !state.format) {
    throw new CourseError(CourseErrorCode.InvalidXml, 'The file is not well-formed XML (it has no elements): download or export it again.');
  }
  return { format: state.format, found: state.reader.found() };
}

function rootFormat(root: string): XmlCourseFormat {
  if (root === 'gpx' || root === 'kml') return root;
  if (root === 'TrainingCenterDatabase') {
    throw new CourseError(
      CourseErrorCode.UnknownFormat,
      'TCX files are not read as courses: export the route or activity as GPX and upload that.',
    );
  }
  throw new CourseError(
    CourseErrorCode.UnknownFormat,
    `This XML file is neither GPX nor KML (it starts with <${root}>): export the course as GPX, KML or GeoJSON.`,
  );
}

/** What the element just opened needs of its text: a name (cut short) or coordinates (all of it). */
type Capture = 'name' | 'all' | null;

interface TagReader {
  /** `stack` ends with the element being opened. */
  open(name: string, stack: readonly string[], attributes: Record<string, string>): Capture;
  /** `stack` still ends with the element being closed; `text` is its text when `open` asked for it. */
  close(stack: readonly string[], text: string | null): void;
  found(): Found;
}

/** The first non-empty name among several holders, by the order the holders opened in. */
class FirstName {
  private best: { order: number; name: string } | null = null;
  offer(order: number, name: string | null): void {
    if (name && (!this.best || order < this.best.order)) this.best = { order, name };
  }
  get value(): string | null {
    return this.best?.name ?? null;
  }
}

const nameOf = (text: string | null) => cleanName(text, MAX_COURSE_NAME);

class GpxReader implements TagReader {
  private readonly tracks: Candidate[] = [];
  private readonly routes: Candidate[] = [];
  private waypoints = 0;
  private track: Candidate | null = null;
  private segment: Position[] | null = null;
  private route: Candidate | null = null;
  private point: Position | null = null;
  private pointIndex = 0;
  private metadataOrder = 0;
  private readonly metadataName = new FirstName();
  private rootName: string | null = null;

  constructor(private readonly budget: FileBudget) {}

  open(name: string, stack: readonly string[], attributes: Record<string, string>): Capture {
    const parent = stack[stack.length - 2];
    switch (name) {
      case 'trk':
        if (!this.track) this.track = { kind: 'track', name: null, parts: [] };
        return null;
      case 'trkseg':
        if (this.track) this.segment = [];
        return null;
      case 'rte':
        if (!this.route) this.route = { kind: 'route', name: null, parts: [[]] };
        return null;
      case 'trkpt':
      case 'rtept': {
        const lat = Number.parseFloat(attributes.lat ?? '');
        const lon = Number.parseFloat(attributes.lon ?? '');
        checkCoordinate(lat, lon, this.pointIndex++);
        this.budget.points();
        this.point = [lon, lat];
        return null;
      }
      case 'wpt':
        this.budget.points();
        if (!Number.isNaN(Number.parseFloat(attributes.lat ?? '')) && !Number.isNaN(Number.parseFloat(attributes.lon ?? ''))) this.waypoints++;
        return null;
      case 'ele':
        return this.point && (parent === 'trkpt' || parent === 'rtept') ? 'all' : null;
      case 'metadata':
        this.metadataOrder++;
        return null;
      case 'name':
        if (parent === 'trk' && this.track && this.track.name === null) return 'name';
        if (parent === 'rte' && this.route && this.route.name === null) return 'name';
        if (parent === 'metadata' || (parent === 'gpx' && stack.length === 2)) return 'name';
        return null;
      default:
        return null;
    }
  }

  close(stack: readonly string[], text: string | null): void {
    const name = stack[stack.length - 1];
    const parent = stack[stack.length - 2];
    switch (name) {
      case 'ele': {
        const ele = Number.parseFloat(text ?? '');
        if (this.point && this.point.length === 2 && !Number.isNaN(ele)) this.point.push(ele);
        return;
      }
      case 'trkpt':
        if (this.segment && this.point) this.segment.push(this.point);
        this.point = null;
        return;
      case 'rtept':
        if (this.route && this.point) this.route.parts[0]!.push(this.point);
        this.point = null;
        return;
      case 'trkseg':
        if (this.track && this.segment && this.segment.length >= 2) this.track.parts.push(this.segment);
        this.segment = null;
        return;
      case 'trk':
        if (this.track?.parts.length) {
          this.budget.line();
          this.tracks.push(this.track);
        }
        this.track = null;
        return;
      case 'rte':
        if (this.route && this.route.parts[0]!.length >= 2) {
          this.budget.line();
          this.routes.push(this.route);
        }
        this.route = null;
        return;
      case 'name':
        if (text === null) return;
        if (parent === 'trk' && this.track) this.track.name = nameOf(text);
        else if (parent === 'rte' && this.route) this.route.name = nameOf(text);
        else if (parent === 'metadata') this.metadataName.offer(this.metadataOrder, nameOf(text));
        else if (parent === 'gpx') this.rootName ??= nameOf(text);
        return;
      default:
        // Any other element closing changes nothing read so far.
        return;
    }
  }

  found(): Found {
    return {
      ...emptyFound(),
      // Tracks before routes, as togeojson listed them: `pick` indexes stay what they were.
      candidates: [...this.tracks, ...this.routes],
      documentName: this.metadataName.value ?? this.rootName,
      points: this.waypoints,
    };
  }
}

/** Elements whose children are a Placemark's geometries. */
const MULTI = new Set(['MultiGeometry', 'MultiTrack']);

interface KmlGeometry {
  kind: 'line' | 'point' | 'track';
  /** The element it was opened by, and its depth: its coordinates are a direct child. */
  depth: number;
  coordinates: Position[] | null;
}

class KmlReader implements TagReader {
  private readonly candidates: Candidate[] = [];
  private points = 0;
  private areas = 0;
  private placemark: Candidate | null = null;
  private placemarkDepth = 0;
  /** Depth of each open element that holds geometries directly (the Placemark and MultiGeometry in it). */
  private readonly containers: number[] = [];
  private geometry: KmlGeometry | null = null;
  private lineIndex = 0;
  private holders = 0;
  private readonly documentName = new FirstName();
  private readonly folderName = new FirstName();
  private rootName: string | null = null;
  private readonly holderOrder: number[] = [];

  constructor(private readonly budget: FileBudget) {}

  open(name: string, stack: readonly string[], _attributes: Record<string, string>): Capture {
    const depth = stack.length;
    const inContainer = this.containers.length > 0 && this.containers[this.containers.length - 1] === depth - 1;
    switch (name) {
      case 'Placemark':
        if (!this.placemark) {
          this.placemark = { kind: 'line', name: null, parts: [] };
          this.placemarkDepth = depth;
          this.containers.push(depth);
        }
        return null;
      case 'Document':
      case 'Folder':
        this.holderOrder[depth] = this.holders++;
        return null;
      case 'LineString':
      case 'LinearRing':
      case 'Point':
      case 'Track':
        if (inContainer && !this.geometry) {
          this.geometry = { kind: name === 'Point' ? 'point' : name === 'Track' ? 'track' : 'line', depth, coordinates: null };
          if (name === 'Track') this.geometry.coordinates = [];
        }
        return null;
      case 'Polygon':
        if (inContainer) this.areas++;
        return null;
      case 'coordinates':
        return this.geometry && this.geometry.kind !== 'track' && this.geometry.depth === depth - 1 && !this.geometry.coordinates ? 'all' : null;
      case 'coord':
        return this.geometry?.kind === 'track' && this.geometry.depth === depth - 1 ? 'all' : null;
      case 'name': {
        const parent = stack[depth - 2];
        if (parent === 'Placemark') return this.placemark && this.placemark.name === null && this.placemarkDepth === depth - 1 ? 'name' : null;
        return parent === 'Document' || parent === 'Folder' || (parent === 'kml' && depth === 2) ? 'name' : null;
      }
      default:
        if (MULTI.has(name) && inContainer) this.containers.push(depth);
        return null;
    }
  }

  close(stack: readonly string[], text: string | null): void {
    const depth = stack.length;
    const name = stack[depth - 1]!;
    if (this.containers[this.containers.length - 1] === depth) this.containers.pop();
    const geometry = this.geometry;
    switch (name) {
      case 'coordinates':
        if (geometry && text !== null) {
          if (geometry.kind === 'line') geometry.coordinates = this.lineCoordinates(text);
          else {
            this.budget.points();
            geometry.coordinates = pointCoordinates(text);
          }
        }
        return;
      case 'coord':
        if (geometry?.kind === 'track' && text !== null) {
          this.budget.points();
          const position = text.trim().split(' ').map(Number.parseFloat);
          checkCoordinate(position[1] ?? Number.NaN, position[0] ?? Number.NaN, this.lineIndex++);
          geometry.coordinates!.push(position);
        }
        return;
      case 'Placemark':
        if (this.placemark && depth === this.placemarkDepth) {
          if (this.placemark.parts.length) {
            this.budget.line();
            this.candidates.push(this.placemark);
          }
          this.placemark = null;
        }
        return;
      case 'name': {
        if (text === null) return;
        const parent = stack[depth - 2];
        if (parent === 'Placemark' && this.placemark) this.placemark.name = nameOf(text);
        else if (parent === 'Document') this.documentName.offer(this.holderOrder[depth - 1]!, nameOf(text));
        else if (parent === 'Folder') this.folderName.offer(this.holderOrder[depth - 1]!, nameOf(text));
        else if (parent === 'kml') this.rootName ??= nameOf(text);
        return;
      }
    }
    if (geometry && geometry.depth === depth) {
      const coords = geometry.coordinates ?? [];
      // A line needs two points; a gx:Track of one point is a point, a LineString of one is nothing.
      if (geometry.kind !== 'point' && coords.length >= 2) this.placemark?.parts.push(coords);
      else if (coords.length === 1 && geometry.kind !== 'line') this.points++;
      this.geometry = null;
    }
  }

  /** "lon,lat[,alt] lon,lat[,alt] …": every tuple must have numbers for both. */
  private lineCoordinates(text: string): Position[] {
    const out: Position[] = [];
    // One tuple at a time, not split all at once: the budget stops a line of millions part way.
    const tuples = /\S+/g;
    for (let m = tuples.exec(text); m; m = tuples.exec(text)) {
      const [lonText, latText, altText] = m[0].split(',');
      const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? Number.NaN : Number(v));
      const lon = num(lonText);
      const lat = num(latText);
      checkCoordinate(lat, lon, this.lineIndex++);
      this.budget.points();
      const alt = Number.parseFloat(altText ?? '');
      out.push(Number.isNaN(alt) ? [lon, lat] : [lon, lat, alt]);
    }
    return out;
  }

  found(): Found {
    return {
      candidates: this.candidates,
      documentName: this.documentName.value ?? this.folderName.value ?? this.rootName,
      points: this.points,
      areas: this.areas,
    };
  }
}

/** A Point's "lon,lat[,alt]": counted when it has two numbers. */
function pointCoordinates(text: string): Position[] {
  const numbers = text.replace(/\s+/g, '').split(',').map(Number.parseFloat).filter((n) => !Number.isNaN(n));
  return numbers.length >= 2 ? [numbers.slice(0, 3)] : [];
}
