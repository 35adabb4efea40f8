/**
 * GeoJSON course files: a LineString or MultiLineString, bare, in a Feature, or in a FeatureCollection
 * (GeometryCollections included). Nesting is measured on the text before it is parsed, so that no value is
 * deeper than the budget allows when it is walked; points and lines are counted as they are walked.
 */
import type { Feature, Geometry, Position } from 'geojson';
import { CourseError, CourseErrorCode } from './errors';
import { type FileBudget, type Found, emptyFound } from './file-budget';
import { MAX_COURSE_NAME, cleanName } from './names';

const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);
/** Arrays around a position, per geometry type. */
const POSITION_DEPTH: Record<string, number> = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };

export function readGeoJsonCourse(text: string, budget: FileBudget): Found {
  checkNesting(text, budget);
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
  const found = emptyFound();
  const notGeoJson = () =>
    new CourseError(
      CourseErrorCode.UnknownFormat,
      'This JSON is not GeoJSON (no FeatureCollection, Feature or geometry): export the course as GeoJSON or GPX.',
    );
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw notGeoJson();
  const root = value as Record<string, unknown>;
  if (root.type === 'FeatureCollection') {
    if (!Array.isArray(root.features)) throw notGeoJson();
    if (root.name !== undefined) found.documentName = cleanName(root.name, MAX_COURSE_NAME);
    root.features.forEach((f, i) => addFeature(found, asFeature(f, `feature ${i + 1}`, budget), budget));
  } else if (root.type === 'Feature') {
    addFeature(found, asFeature(root, 'the feature', budget), budget);
  } else if (typeof root.type === 'string' && GEOMETRY_TYPES.has(root.type)) {
    addFeature(found, { type: 'Feature', properties: {}, geometry: asGeometry(root, 'the geometry', budget) }, budget);
  } else {
    throw notGeoJson();
  }
  return found;
}

/**
 * The deepest nesting of arrays and objects, from the text: one pass, outside strings. Parsing and walking
 * afterwards can then never go deeper than the budget (a 100,000-level file would overflow the stack).
 */
export function checkNesting(text: string, budget: FileBudget): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) budget.nesting(++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
}

function addFeature(found: Found, feature: Feature<Geometry | null>, budget: FileBudget): void {
  const parts: Position[][] = [];
  collectParts(found, feature.geometry, parts);
  if (parts.length) {
    budget.line();
    found.candidates.push({ kind: 'line', name: cleanName(feature.properties?.name, MAX_COURSE_NAME), parts });
  }
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

function malformed(where: string, what: string): CourseError {
  return new CourseError(
    CourseErrorCode.UnknownFormat,
    `The GeoJSON is malformed: ${where} ${what}. Export the course again from your route planner.`,
  );
}

function asFeature(value: unknown, where: string, budget: FileBudget): Feature<Geometry | null> {
  if (typeof value !== 'object' || value === null) throw malformed(where, 'is not an object');
  const f = value as Record<string, unknown>;
  if (f.type !== 'Feature') throw malformed(where, 'is not a Feature');
  const props = typeof f.properties === 'object' && f.properties !== null ? (f.properties as Record<string, unknown>) : {};
  return { type: 'Feature', properties: props, geometry: f.geometry === null ? null : asGeometry(f.geometry, where, budget) };
}

function asGeometry(value: unknown, where: string, budget: FileBudget): Geometry {
  if (typeof value !== 'object' || value === null) throw malformed(where, 'has no geometry');
  const g = value as Record<string, unknown>;
  if (g.type === 'GeometryCollection') {
    if (!Array.isArray(g.geometries)) throw malformed(where, 'has a GeometryCollection without geometries');
    return { type: 'GeometryCollection', geometries: g.geometries.map((x) => asGeometry(x, where, budget)) };
  }
  if (typeof g.type !== 'string' || !GEOMETRY_TYPES.has(g.type)) throw malformed(where, `has an unknown geometry "${String(g.type)}"`);
  if (!isNested(g.coordinates, POSITION_DEPTH[g.type] ?? 0, budget)) throw malformed(where, `has ${g.type} coordinates of the wrong shape`);
  return { type: g.type, coordinates: g.coordinates } as Geometry;
}

/** Arrays nested `depth` deep around positions (arrays of numbers; the numbers are checked later). */
function isNested(value: unknown, depth: number, budget: FileBudget): boolean {
  if (!Array.isArray(value)) return false;
  if (depth === 0) {
    budget.points();
    return value.every((n) => typeof n === 'number');
  }
  return value.every((v) => isNested(v, depth - 1, budget));
}
