/** Unit: course files (GPX, KML, GeoJSON) become courses, and every bad file gets an error saying what to do. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MAX_FILE_BYTES, parseCourseFile } from '../lib/course/course-file';
import { MAX_COURSE_POINTS } from '../lib/course/course';
import { CourseError, type CourseErrorCode } from '../lib/course/errors';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'courses', name), 'utf8');

function refused(input: string | Uint8Array, code: CourseErrorCode, pattern?: RegExp, pick?: number): CourseError {
  try {
    parseCourseFile(input, pick === undefined ? {} : { pick });
  } catch (e) {
    assert.ok(e instanceof CourseError, `expected a CourseError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected the file to be refused with ${code}`);
}

const gpx = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">${body}</gpx>`;
const trk = (name: string, pts: Array<[number, number, number?]>) =>
  `<trk><name>${name}</name><trkseg>${pts.map(([lat, lon, ele]) => `<trkpt lat="${lat}" lon="${lon}">${ele === undefined ? '' : `<ele>${ele}</ele>`}</trkpt>`).join('')}</trkseg></trk>`;
/** n points heading north from (48, 11), 0.001° (about 111 m) apart. */
const line = (n: number, from = 0, ele?: (i: number) => number | undefined): Array<[number, number, number?]> =>
  Array.from({ length: n }, (_, i) => [48 + (from + i) * 0.001, 11, ele?.(i)]);

describe('course files that are read', () => {
  test('a sports watch GPX: two track segments are joined, elevations and the track name kept', () => {
    const { course, format, warnings } = parseCourseFile(fixture('watch-run.gpx'));
    assert.equal(format, 'gpx');
    assert.equal(course.name, 'Englischer Garten Parkrun');
    assert.equal(course.points.length, 121);
    assert.ok(course.elevations && course.elevations.length === 121);
    assert.ok(course.length > 4000 && course.length < 6000, `length ${course.length}`);
    assert.deepEqual(warnings, []);
  });

  test('a route planner GPX route: waypoints are not part of the line, the document name is used', () => {
    const { course } = parseCourseFile(fixture('planner-route.gpx'));
    assert.equal(course.name, 'Isar City 10K');
    assert.equal(course.points.length, 81);
    assert.equal(course.elevations, null);
  });

  test('a GPX 1.0 file with the name on the root element', () => {
    const { course } = parseCourseFile(fixture('gpx10.gpx'));
    assert.equal(course.name, 'Old club loop');
    assert.equal(course.points.length, 40);
  });

  test('a Google My Maps KML: the LineString is the course, Point placemarks are ignored', () => {
    const { course, format } = parseCourseFile(fixture('my-maps.kml'));
    assert.equal(format, 'kml');
    assert.equal(course.name, '5K route');
    assert.equal(course.points.length, 64);
    // Altitude 0 everywhere is a height, and a flat one.
    assert.ok(course.elevations?.every((e) => e === 0));
  });

  test('a KML gx:Track', () => {
    const kml = `<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><name>Tracked</name><Placemark><gx:Track>
      <when>2026-01-01T10:00:00Z</when><when>2026-01-01T10:01:00Z</when><when>2026-01-01T10:02:00Z</when>
      <gx:coord>11 48 500</gx:coord><gx:coord>11 48.001 501</gx:coord><gx:coord>11 48.002 502</gx:coord></gx:Track></Placemark></Document></kml>`;
    const { course } = parseCourseFile(kml);
    assert.equal(course.name, 'Tracked');
    assert.deepEqual(course.elevations, [500, 501, 502]);
  });

  test('a GeoJSON FeatureCollection with one LineString and points', () => {
    const { course, format } = parseCourseFile(fixture('trail.geojson'));
    assert.equal(format, 'geojson');
    assert.equal(course.name, 'Trail 7K');
    assert.equal(course.points.length, 90);
    assert.equal(course.elevations?.length, 90);
    assert.deepEqual(course.start, [48.155, 11.59]);
  });

  test('a bare GeoJSON LineString, a Feature and a MultiLineString', () => {
    const coords = line(5).map(([lat, lon]) => [lon, lat]);
    assert.equal(parseCourseFile(JSON.stringify({ type: 'LineString', coordinates: coords })).course.points.length, 5);
    const feature = { type: 'Feature', properties: { name: 'F' }, geometry: { type: 'LineString', coordinates: coords } };
    assert.equal(parseCourseFile(JSON.stringify(feature)).course.name, 'F');
    const multi = { type: 'MultiLineString', coordinates: [coords.slice(0, 3), coords.slice(2)] };
    assert.equal(parseCourseFile(JSON.stringify(multi)).course.points.length, 5);
  });

  test('bytes with a UTF-8 byte order mark read like text', () => {
    const bytes = new TextEncoder().encode(`\ufeff${fixture('gpx10.gpx')}`);
    assert.equal(parseCourseFile(bytes).course.points.length, 40);
  });

  test('a route and a track with the same points count as one line', () => {
    const pts = line(4);
    const rte = `<rte><name>R</name>${pts.map(([lat, lon]) => `<rtept lat="${lat}" lon="${lon}"/>`).join('')}</rte>`;
    const { course, warnings } = parseCourseFile(gpx(trk('T', pts) + rte));
    assert.equal(course.points.length, 4);
    assert.deepEqual(warnings, []);
  });

  test('with several different lines, `pick` chooses one and says what was left out', () => {
    const file = gpx(trk('Warm-up', line(3)) + trk('Race', line(6, 10)));
    const { course, warnings } = parseCourseFile(file, { pick: 1 });
    assert.equal(course.name, 'Race');
    assert.equal(course.points.length, 6);
    assert.match(warnings[0]!, /Kept the track "Race".*ignored 1 other line/);
  });

  test('a few missing elevations are filled in from the neighbours, with a warning', () => {
    const file = gpx(trk('T', line(10, 0, (i) => (i === 4 ? undefined : 100 + i))));
    const { course, warnings } = parseCourseFile(file);
    assert.equal(course.elevations?.[4], 104);
    assert.match(warnings[0]!, /1 of 10 points had no usable elevation; they were filled in/);
  });

  test('terrain "no data" values (-32768) count as missing', () => {
    const file = gpx(trk('T', line(10, 0, (i) => (i === 0 ? -32768 : 200))));
    const { course, warnings } = parseCourseFile(file);
    assert.equal(course.elevations?.[0], 200);
    assert.equal(warnings.length, 1);
  });

  test('mostly missing elevations give a course without a profile, with a warning', () => {
    const file = gpx(trk('T', line(10, 0, (i) => (i < 3 ? 100 : undefined))));
    const { course, warnings } = parseCourseFile(file);
    assert.equal(course.elevations, null);
    assert.match(warnings[0]!, /Only 3 of 10 points have an elevation.*no profile|the course has none/);
  });

  test('checkpoints given with the file are validated against its length', () => {
    const { course } = parseCourseFile(gpx(trk('T', line(11))), { checkpoints: [{ name: 'Half', at: 500 }] });
    assert.deepEqual(course.checkpoints, [{ name: 'Half', at: 500 }]);
    assert.throws(
      () => parseCourseFile(gpx(trk('T', line(11))), { checkpoints: [{ name: 'Far', at: 5000 }] }),
      (e: unknown) => e instanceof CourseError && e.code === 'bad-checkpoint' && /past the finish/.test(e.message),
    );
  });
});

describe('course files that are refused', () => {
  test('an empty file, as text or bytes', () => {
    refused('', 'empty', /empty/);
    refused('  \n\t ', 'empty');
    refused(new Uint8Array(), 'empty');
  });

  test('a file over the size limit, before it is parsed', () => {
    const big = new Uint8Array(MAX_FILE_BYTES + 1).fill(0x20);
    refused(big, 'too-large', /limit is 20 MB/);
    refused(' '.repeat(MAX_FILE_BYTES + 1), 'too-large');
  });

  test('a zipped KMZ says to unzip it', () => {
    refused(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'zipped', /unzip/);
  });

  test('neither XML nor JSON', () => {
    refused('lat,lon\n48,11\n', 'unknown-format', /GPX, KML or GeoJSON/);
  });

  test('other XML (an SVG) and TCX', () => {
    refused('<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'unknown-format', /<svg>/);
    refused('<TrainingCenterDatabase></TrainingCenterDatabase>', 'unknown-format', /export .* as GPX/);
  });

  test('a GPX cut off half way', () => {
    const whole = fixture('watch-run.gpx');
    refused(whole.slice(0, whole.length / 2), 'invalid-xml', /not well-formed XML.*cut short/);
  });

  test('XML with an entity bomb is refused, not expanded', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><gpx><trk><name>&c;</name></trk></gpx>`;
    const started = Date.now();
    assert.throws(() => parseCourseFile(bomb), CourseError);
    assert.ok(Date.now() - started < 5000);
  });

  test('broken JSON and JSON that is not GeoJSON', () => {
    refused('{"type": "FeatureCollection", "features": [', 'invalid-json', /not valid JSON/);
    refused('{"hello": "world"}', 'unknown-format', /not GeoJSON/);
    refused('{"type": "LineString", "coordinates": [1, 2]}', 'unknown-format', /wrong shape/);
  });

  test('a file with no line, only waypoints or only an area', () => {
    refused(gpx('<wpt lat="48" lon="11"><name>A</name></wpt><wpt lat="48.1" lon="11"/>'), 'no-line', /only 2 single points/);
    refused(gpx('<metadata><name>x</name></metadata>'), 'no-line', /no track, route or line/);
    const polygon = { type: 'Polygon', coordinates: [[[11, 48], [11.01, 48], [11.01, 48.01], [11, 48]]] };
    refused(JSON.stringify(polygon), 'no-line', /polygon/);
  });

  test('several different lines: the error lists them so one can be chosen', () => {
    const e = refused(gpx(trk('Warm-up', line(3)) + trk('Race', line(6, 10))), 'several-lines', /2 different lines: track "Warm-up" \(222 m\), track "Race" \(556 m\)/);
    assert.deepEqual(
      e.lines?.map((l) => [l.kind, l.name, l.points]),
      [
        ['track', 'Warm-up', 3],
        ['track', 'Race', 6],
      ],
    );
    refused(gpx(trk('A', line(3)) + trk('B', line(3, 10))), 'several-lines', /no line number 3/, 2);
  });

  test('pieces of one line far apart are refused, close pieces are joined', () => {
    const far = gpx(`<trk><name>T</name><trkseg>${line(3).map(([a, o]) => `<trkpt lat="${a}" lon="${o}"/>`).join('')}</trkseg><trkseg>${line(3, 20).map(([a, o]) => `<trkpt lat="${a}" lon="${o}"/>`).join('')}</trkseg></trk>`);
    refused(far, 'disconnected', /2 pieces, and piece 2 starts 2\.0 km from where piece 1 ends: join them/);
    const near = far.replace(/lat="48\.02"/, 'lat="48.0021"').replace(/lat="48\.021"/, 'lat="48.0031"').replace(/lat="48\.022"/, 'lat="48.0041"');
    assert.equal(parseCourseFile(near).course.points.length, 6);
  });

  test('a point with a latitude that is not a number, in GPX, KML and GeoJSON', () => {
    refused(gpx('<trk><trkseg><trkpt lat="48" lon="11"/><trkpt lat="abc" lon="11"/><trkpt lat="48.1" lon="11"/></trkseg></trk>'), 'bad-coordinate', /Point 2 has no valid latitude/);
    refused('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><LineString><coordinates>11,48 11,x 11,48.1</coordinates></LineString></Placemark></kml>', 'bad-coordinate', /Point 2/);
    refused(JSON.stringify({ type: 'LineString', coordinates: [[11, 48], [11, null], [11, 48.2]] }), 'unknown-format', /wrong shape/);
  });

  test('coordinates off the Earth, with a hint when latitude and longitude look swapped', () => {
    refused(JSON.stringify({ type: 'LineString', coordinates: [[48, 11], [48, 120]] }), 'bad-coordinate', /latitude 120.*swapped/);
    refused(gpx(trk('T', [[48, 11], [48, 200]])), 'bad-coordinate', /longitude 200, which is not on Earth/);
  });

  test('more than 50,000 points', () => {
    const coords = Array.from({ length: MAX_COURSE_POINTS + 1 }, (_, i) => [11 + i * 1e-5, 48]);
    refused(JSON.stringify({ type: 'LineString', coordinates: coords }), 'too-many-points', /50,001 points; the limit is 50,000: simplify/);
  });

  test('a line with no length', () => {
    refused(JSON.stringify({ type: 'LineString', coordinates: [[11, 48], [11, 48]] }), 'too-short', /single point/);
    refused(JSON.stringify({ type: 'LineString', coordinates: [[11, 48], [11, 48.0001]] }), 'too-short', /11 m long/);
  });
});
