/**
 * Unit: course files are read within a budget of points, lines and nesting that is checked as the file is
 * read, so a hostile file is refused with its reason before the reader gets to the end of it; and the
 * names a course shows are cleaned like runners' names.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCourseFile } from '../lib/course/course-file';
import { MAX_COURSE_POINTS } from '../lib/course/course';
import { CourseError, type CourseErrorCode } from '../lib/course/errors';
import { type BudgetLimits, FILE_LIMITS, MAX_FILE_LINES, MAX_FILE_POINTS, MAX_NESTING } from '../lib/course/file-budget';
import { validateCheckpoints } from '../lib/course/checkpoints';
import { deepGeoJson, deepGeoJsonArrays, deepKml, geoJsonOfManyLines, gpxNearSizeLimit, gpxOfManyTracks } from './support/hostile-courses';

function refusal(input: string | Uint8Array, limits?: BudgetLimits): CourseError {
  try {
    parseCourseFile(input, limits ? { limits } : {});
  } catch (e) {
    if (e instanceof CourseError) return e;
    throw e;
  }
  assert.fail('expected the file to be refused');
}

function refused(input: string | Uint8Array, code: CourseErrorCode, limits?: BudgetLimits): CourseError {
  const e = refusal(input, limits);
  assert.equal(e.code, code, e.message);
  return e;
}

const small = (changes: Partial<BudgetLimits>): BudgetLimits => ({ ...FILE_LIMITS, ...changes });

const gpx = (body: string) => `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">${body}</gpx>`;
const trkpts = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `<trkpt lat="${(48 + (from + i) * 0.001).toFixed(3)}" lon="11"/>`).join('');
const track = (name: string, n: number, from = 0) => `<trk><name>${name}</name><trkseg>${trkpts(n, from)}</trkseg></trk>`;
/** Not XML at all: a reader that got this far would refuse the file as invalid-xml, not for its budget. */
const BROKEN_XML_TAIL = '<trk><trkseg></gpx';

describe('budgets checked while the file is read', () => {
  test('a GPX with more lines than the budget is refused at the first line too many, before the broken end', () => {
    const lines = Array.from({ length: 4 }, (_, i) => track(`T${i}`, 3, i * 10)).join('');
    const e = refused(gpx(lines + BROKEN_XML_TAIL), 'too-many-lines', small({ lines: 3 }));
    assert.match(e.message, /more than 3 lines \(tracks, routes or paths\); a course needs one: export only the course/);
    // Within the budget, the same lines are offered to choose from.
    const e3 = refused(gpx(Array.from({ length: 3 }, (_, i) => track(`T${i}`, 3, i * 10)).join('')), 'several-lines', small({ lines: 3 }));
    assert.equal(e3.lines?.length, 3);
  });

  test('a GPX with more points than the budget is refused at the first point too many, before the broken end', () => {
    const e = refused(gpx(`<trk><trkseg>${trkpts(11)}</trkseg></trk>${BROKEN_XML_TAIL}`), 'too-many-points', small({ points: 10 }));
    assert.match(e.message, /more than 10 points; a course may have 50,000: export only the course, simplified/);
    // Waypoints count too: a file of nothing but points is still work to read.
    refused(gpx(`${'<wpt lat="48" lon="11"/>'.repeat(11)}${BROKEN_XML_TAIL}`), 'too-many-points', small({ points: 10 }));
  });

  test('KML nesting deeper than the budget is refused when the reader gets there, before the broken end', () => {
    const folders = (n: number) => `<kml xmlns="http://www.opengis.net/kml/2.2">${'<Folder>'.repeat(n)}`;
    const e = refused(`${folders(10)}<Placemark><LineString><coordinates>11,48 11,48.01`, 'too-deep', small({ nesting: 8 }));
    assert.match(e.message, /nests more than 8 levels deep, which no GPX, KML or GeoJSON course does/);
    // Exactly at the budget, the file is read.
    const atBudget = `${folders(6)}<Placemark><LineString><coordinates>11,48 11,48.01</coordinates></LineString></Placemark>${'</Folder>'.repeat(6)}</kml>`;
    assert.equal(parseCourseFile(atBudget, { limits: small({ nesting: 10 }) }).course.points.length, 2);
    refused(atBudget, 'too-deep', small({ nesting: 9 }));
  });

  test('GeoJSON nesting is measured on the text, before it is parsed', () => {
    // Broken JSON after the deep part: the nesting budget answers first.
    refused(`{"type":"LineString","coordinates":${'['.repeat(9)}`, 'too-deep', small({ nesting: 8 }));
    // Brackets inside strings are not nesting.
    const named = JSON.stringify({ type: 'Feature', properties: { name: '[[[[[[[[[[{{{{{{{{' }, geometry: { type: 'LineString', coordinates: [[11, 48], [11, 48.01]] } });
    assert.equal(parseCourseFile(named, { limits: small({ nesting: 4 }) }).course.name, '[[[[[[[[[[{{{{{{{{');
  });

  test('GeoJSON points and lines are counted feature by feature: the budget answers before a broken feature further on', () => {
    const line = (i: number) => ({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[11 + i, 48], [11 + i, 48.01]] } });
    const features = [line(0), line(1), line(2), line(3), { type: 'Feature', geometry: 'broken' }];
    refused(JSON.stringify({ type: 'FeatureCollection', features }), 'too-many-lines', small({ lines: 3 }));
    refused(JSON.stringify({ type: 'FeatureCollection', features }), 'too-many-points', small({ points: 5 }));
    // Without a budget in the way, the broken feature is what the organiser hears about.
    refused(JSON.stringify({ type: 'FeatureCollection', features }), 'unknown-format');
  });

  test('the same 50,000-point line written as a track and as a route is within the budget: one line', () => {
    const n = MAX_COURSE_POINTS;
    const points = Array.from({ length: n }, (_, i) => `lat="${(48 + i * 1e-4).toFixed(4)}" lon="11"`);
    const file = gpx(`<trk><name>T</name><trkseg>${points.map((p) => `<trkpt ${p}/>`).join('')}</trkseg></trk><rte><name>R</name>${points.map((p) => `<rtept ${p}/>`).join('')}</rte>`);
    const { course, warnings } = parseCourseFile(file);
    assert.equal(course.points.length, n);
    assert.deepEqual(warnings, []);
    assert.ok(MAX_FILE_POINTS >= 2 * n);
  });
});

describe('hostile files at the real limits', () => {
  test('thousands of different 2-point lines are refused for having too many lines', () => {
    for (const file of [geoJsonOfManyLines(6000), gpxOfManyTracks(4000)]) {
      const e = refused(file, 'too-many-lines');
      assert.match(e.message, new RegExp(`more than ${MAX_FILE_LINES} lines`));
    }
  });

  test('a GPX near the size limit with over 600,000 points is refused for its points', () => {
    const file = gpxNearSizeLimit(20 * 1024 * 1024 - 100 * 1024);
    assert.ok((file.match(/<trkpt/g)?.length ?? 0) > 600_000);
    refused(new TextEncoder().encode(file), 'too-many-points');
  });

  test('100,000 levels of nesting in KML and GeoJSON are a refusal with a reason, not a crash', () => {
    for (const file of [deepKml(100_000), deepGeoJson(100_000), deepGeoJsonArrays(100_000)]) {
      const e = refused(file, 'too-deep');
      assert.match(e.message, new RegExp(`more than ${MAX_NESTING} levels`));
    }
  });
});

describe('names shown to everyone', () => {
  test('a course name loses control characters and bidirectional overrides', () => {
    const file = gpx(`<trk><name>Park\u202Enur\u202C run\u009B\u200B</name><trkseg>${trkpts(3)}</trkseg></trk>`);
    assert.equal(parseCourseFile(file).course.name, 'Parknur run');
  });

  test('a name written as CDATA is read like text', () => {
    const file = gpx(`<trk><name><![CDATA[Loop & back]]></name><trkseg>${trkpts(3)}</trkseg></trk>`);
    assert.equal(parseCourseFile(file).course.name, 'Loop & back');
  });

  test('a line named with nothing visible has no name, and the document name is used', () => {
    const file = gpx(`<metadata><name>Club 10K</name></metadata><trk><name>\u202E\u200F\u2066</name><trkseg>${trkpts(3)}</trkseg></trk>`);
    assert.equal(parseCourseFile(file).course.name, 'Club 10K');
  });

  test('checkpoint names lose control characters and bidirectional overrides; an invisible name is no name', () => {
    assert.deepEqual(validateCheckpoints([{ name: 'Water\u202E 3\u0000', at: 100 }], 1000), [{ name: 'Water 3', at: 100 }]);
    assert.throws(
      () => validateCheckpoints([{ name: '\u202E\u2066\u200B', at: 100 }], 1000),
      (e: unknown) => e instanceof CourseError && e.code === 'bad-checkpoint' && /has no name/.test(e.message),
    );
  });
});
