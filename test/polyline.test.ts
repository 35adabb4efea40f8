/** Unit: the one encoded-polyline codec, for trails (snapshots, track pages) and course lines, held to its wire format. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCourse, encodeCourse } from '../lib/course/compact';
import { CourseError } from '../lib/course/errors';
import { decodePolyline, decodeSeries, decodeTrail, encodeFlat, encodePolyline, encodeSeries, encodeTrail, PolylineError } from '../lib/polyline';
import type { TrackPoint } from '../lib/protocol';
import { courseFromXY, straight } from './course-shapes';

const TRAIL: TrackPoint[] = [
  [51.50123, -0.12345, 1_700_000_000_000],
  [51.50131, -0.12301, 1_700_000_004_000],
  [51.49999, -0.1241, 1_700_000_005_000],
  [-33.9, 151.2, 1_700_000_065_432],
];

describe('trails', () => {
  // The strings below are what clients already hold and third-party readers decode: they must never change.
  test('a trail encodes to the same text as before, in whole seconds and in milliseconds', () => {
    assert.equal(encodeTrail(TRAIL), 'uyiyHpbW_ownidBOwAGfGxEA|tfhOsnrz[wB');
    assert.equal(encodeTrail(TRAIL, 1), 'uyiyHpbW__st{n}aBOwA_yFfGxEo}@|tfhOsnrz[_`uB');
  });

  test('a flat array encodes as the same points do, from any start', () => {
    const flat = TRAIL.flat();
    assert.equal(encodeFlat(flat), encodeTrail(TRAIL));
    assert.equal(encodeFlat(flat, 1, 2), encodeTrail(TRAIL.slice(1, 3)));
  });

  test('a trail decodes to 1e-5 degrees and whole seconds, or exact milliseconds', () => {
    assert.deepEqual(decodeTrail(encodeTrail(TRAIL)), [...TRAIL.slice(0, 3), [-33.9, 151.2, 1_700_000_065_000]]);
    assert.deepEqual(decodeTrail(encodeTrail(TRAIL, 1), 1), TRAIL);
  });

  test('half a second rounds up, as the division by 1000 does', () => {
    assert.deepEqual(decodeTrail(encodeTrail([[0, 0, 1_700_000_000_500]])), [[0, 0, 1_700_000_001_000]]);
  });

  test('a damaged trail yields the points before the damage', () => {
    const text = encodeTrail(TRAIL);
    assert.deepEqual(decodeTrail(text.slice(0, 20)), TRAIL.slice(0, 2));
    assert.deepEqual(decodeTrail(`${text.slice(0, 20)}\u0001${text.slice(21)}`), TRAIL.slice(0, 2));
    assert.deepEqual(decodeTrail(''), []);
  });
});

describe('lines and series', () => {
  test('the reference example encodes as documented (precision 5)', () => {
    const points: Array<[number, number]> = [
      [38.5, -120.2],
      [40.7, -120.95],
      [43.252, -126.453],
    ];
    assert.equal(encodePolyline(points, 5), '_p~iF~ps|U_ulLnnqC_mqNvxq`@');
    assert.deepEqual(decodePolyline('_p~iF~ps|U_ulLnnqC_mqNvxq`@', 5), points);
  });

  test('a course line and an elevation series encode to the same text as before', () => {
    assert.equal(encodePolyline([[51.501234, -0.123456], [-33.9, 151.2], [0, 180]], 6), 'cjkfaB~bpFbhn{aD_s`s_H_}at_A__y|u@');
    assert.equal(encodeSeries([12.3, -5, 8848.8], 1), 'uFxIs|kD');
    assert.deepEqual(decodeSeries('uFxIs|kD', 1), [12.3, -5, 8848.8]);
  });

  test('a trail and a line are one code: a line at 5 decimals is a trail without its times', () => {
    const line = encodePolyline(TRAIL.map((p) => [p[0], p[1]]), 5);
    assert.deepEqual(decodePolyline(line, 5), TRAIL.map((p) => [p[0], p[1]]));
    assert.equal(encodeTrail([[38.5, -120.2, 0]]).slice(0, -1), '_p~iF~ps|U');
  });

  test('a damaged line or series is refused, saying how', () => {
    assert.throws(() => decodePolyline('_p~iF~ps|U_ulL', 5), (e: unknown) => e instanceof PolylineError && e.reason === 'cut' && /cut off/.test(e.message));
    assert.throws(() => decodePolyline('_p~iF\u0001', 5), (e: unknown) => e instanceof PolylineError && e.reason === 'character');
    assert.throws(() => decodeSeries('uFxIs|k', 1), PolylineError);
  });

  test('a stored course whose line is damaged says to upload it again', () => {
    const compact = encodeCourse(courseFromXY(straight(1000)));
    for (const line of [compact.line.slice(0, -1), `${compact.line}\u0001`]) {
      assert.throws(
        () => decodeCourse({ ...compact, line }),
        (e: unknown) => e instanceof CourseError && /line.*upload the course again/.test(e.message),
      );
    }
  });
});
