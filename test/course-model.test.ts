/** Unit: the course model — distances, markers, checkpoints, elevation profile, compact form, courses from tracks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateCheckpoints } from '../lib/course/checkpoints';
import { decodeCourse, encodeCourse } from '../lib/course/compact';
import {
  buildCourse,
  distanceMarkers,
  positionAt,
  sliceAlong,
  withCheckpoints,
} from '../lib/course/course';
import { courseFromTrack } from '../lib/course/course-from-track';
import { elevationAt, elevationProfile } from '../lib/course/elevation';
import { CourseError } from '../lib/course/errors';
import { decodePolyline, decodeSeries, encodePolyline, encodeSeries } from '../lib/polyline';
import type { TrackPoint } from '../lib/protocol';
import { courseFromXY, gaussian, jitter, rng, straight, toLatLon, winding } from './course-shapes';

const near = (actual: number, expected: number, tolerance: number, what = 'value') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);

describe('buildCourse', () => {
  test('measures cumulative distance, length, start, finish and bounds', () => {
    const course = courseFromXY(straight(5000, 100));
    assert.equal(course.points.length, 51);
    near(course.length, 5000, 0.5, 'length');
    near(course.cumulative[10]!, 1000, 0.1, 'distance to the 11th point');
    assert.deepEqual(course.start, course.points[0]);
    assert.deepEqual(course.finish, course.points[50]);
    assert.ok(course.bounds.east > course.bounds.west && course.bounds.north >= course.bounds.south);
  });

  test('agrees with the haversine length of a real-world line within 0.5 %', async () => {
    const { distanceM } = await import('../lib/geo');
    const course = courseFromXY(winding(10_000, 2000, 4));
    let haversine = 0;
    for (let i = 1; i < course.points.length; i++) {
      const [a, b] = [course.points[i - 1]!, course.points[i]!];
      haversine += distanceM(a[0], a[1], b[0], b[1]);
    }
    near(course.length / haversine, 1, 0.005, 'ratio');
  });

  test('drops repeated points and rounds coordinates to 1e-6°', () => {
    const p = toLatLon([0, 0]);
    const q = toLatLon([500, 0]);
    const course = buildCourse({ name: null, points: [p, p, [p[0] + 1e-8, p[1]], q], elevations: [1, 2, 3, 4.04] });
    assert.equal(course.points.length, 2);
    assert.deepEqual(course.elevations, [1, 4]);
    assert.equal(course.points[1]![0], Math.round(q[0] * 1e6) / 1e6);
  });

  test('refuses a single point and a course shorter than 100 m', () => {
    const p = toLatLon([0, 0]);
    assert.throws(() => buildCourse({ name: null, points: [p, p], elevations: null }), /single point/);
    assert.throws(() => buildCourse({ name: null, points: [p, toLatLon([50, 0])], elevations: null }), /50 m long; a course must be at least 100 m/);
  });

  test('positionAt interpolates and clamps to the ends', () => {
    const course = courseFromXY(straight(1000, 100));
    const mid = positionAt(course, 250);
    const expected = toLatLon([250, 0]);
    near(mid[0], expected[0], 1e-7);
    near(mid[1], expected[1], 1e-7);
    assert.deepEqual(positionAt(course, -10), course.start);
    assert.deepEqual(positionAt(course, 1e9), course.finish);
  });

  test('sliceAlong gives the stretch between two distances', () => {
    const course = courseFromXY(straight(1000, 100));
    const part = sliceAlong(course, 150, 420);
    assert.equal(part.length, 5);
    near(course.ruler.lineDistance(part.map(([lat, lon]) => [lon, lat])), 270, 0.5, 'length of the slice');
  });
});

describe('markers and checkpoints', () => {
  test('kilometre and mile markers up to the finish', () => {
    const course = courseFromXY(straight(42_195, 50));
    const km = distanceMarkers(course, 'km');
    assert.equal(km.length, 42);
    assert.deepEqual(km.slice(0, 2).map((m) => [m.label, m.at]), [[1, 1000], [2, 2000]]);
    const mi = distanceMarkers(course, 'mi');
    assert.equal(mi.length, 26);
    near(mi[25]!.at, 26 * 1609.344, 1e-9);
    near(course.ruler.distance([course.start[1], course.start[0]], [km[9]!.position[1], km[9]!.position[0]]), 10_000, 1, 'the 10 km marker');
  });

  test('checkpoints are trimmed, sorted and kept within the course', () => {
    const list = validateCheckpoints(
      [
        { name: '  Water   3 ', at: 15_000 },
        { name: 'Half way', at: 10_000 },
        { name: 'Finish', at: 20_050 },
      ],
      20_000,
    );
    assert.deepEqual(list, [
      { name: 'Half way', at: 10_000 },
      { name: 'Water 3', at: 15_000 },
      { name: 'Finish', at: 20_000 },
    ]);
  });

  test('checkpoints with no name, a shared name, no distance or off the course are refused with a way out', () => {
    const bad = (list: Array<{ name: string; at: number }>, pattern: RegExp) =>
      assert.throws(() => validateCheckpoints(list, 10_000), (e: unknown) => e instanceof CourseError && e.code === 'bad-checkpoint' && pattern.test(e.message));
    bad([{ name: ' ', at: 5 }], /number 1 has no name: give it one/);
    bad([{ name: 'Water', at: 5 }, { name: 'water', at: 50 }], /Two checkpoints are called "Water": give each its own name/);
    bad([{ name: 'A', at: Number.NaN }], /"A" has no distance/);
    bad([{ name: 'A', at: -1 }], /before the start: place it between 0 and 10\.0 km/);
    bad([{ name: 'A', at: 12_000 }], /past the finish \(10\.0 km\)/);
    bad([{ name: 'x'.repeat(41), at: 1 }], /longer than 40 characters/);
  });

  test('withCheckpoints shares the measured line', () => {
    const course = courseFromXY(straight(2000));
    const next = withCheckpoints(course, [{ name: 'Half', at: 1000 }]);
    assert.equal(next.cumulative, course.cumulative);
    assert.deepEqual(next.checkpoints, [{ name: 'Half', at: 1000 }]);
    assert.deepEqual(course.checkpoints, []);
  });
});

describe('elevation profile', () => {
  function hill(noiseM: number, seed = 1) {
    // 0 → 50 m → 0 over 4 km, sampled every 10 m, with seeded noise.
    const noise = gaussian(rng(seed));
    const xy = straight(4000, 10);
    const ele = xy.map(([x]) => 50 * Math.sin((Math.PI * x) / 4000) + noise() * noiseM);
    return buildCourse({ name: null, points: xy.map((p) => toLatLon(p)), elevations: ele });
  }

  test('a clean hill climbs and descends its height', () => {
    const profile = elevationProfile(hill(0))!;
    near(profile.gain, 50, 2, 'gain');
    near(profile.loss, 50, 2, 'loss');
    near(profile.max, 50, 1, 'max');
    assert.equal(profile.distances[0], 0);
    near(profile.distances[profile.distances.length - 1]!, hill(0).length, 1e-9);
  });

  test('noise of ±5 m does not turn into hundreds of metres of climb', () => {
    for (const seed of [1, 2, 3]) {
      const profile = elevationProfile(hill(5, seed))!;
      near(profile.gain, 50, 10, `gain, seed ${seed}`);
      near(profile.loss, 50, 10, `loss, seed ${seed}`);
    }
  });

  test('profiles are capped in points, and a runner can be placed on one', () => {
    const profile = elevationProfile(hill(0), { maxPoints: 100 })!;
    assert.ok(profile.distances.length <= 101);
    near(elevationAt(profile, 2000)!, 50, 2, 'top of the hill');
    assert.equal(elevationAt(null, 100), null);
    assert.equal(elevationProfile(courseFromXY(straight(1000))), null);
  });
});

describe('encoded polylines and the compact course', () => {
  test('the documented example encodes as in the reference (precision 5)', () => {
    const points: Array<[number, number]> = [
      [38.5, -120.2],
      [40.7, -120.95],
      [43.252, -126.453],
    ];
    assert.equal(encodePolyline(points, 5), '_p~iF~ps|U_ulLnnqC_mqNvxq`@');
    assert.deepEqual(decodePolyline('_p~iF~ps|U_ulLnnqC_mqNvxq`@', 5), points);
  });

  test('whole-world coordinates and negative series survive a round trip', () => {
    const points: Array<[number, number]> = [
      [-89.999999, -179.999999],
      [89.999999, 179.999999],
      [0, 0],
    ];
    assert.deepEqual(decodePolyline(encodePolyline(points)), points);
    assert.deepEqual(decodeSeries(encodeSeries([-430.5, 8848.8, 0, -0.1], 1), 1), [-430.5, 8848.8, 0, -0.1]);
  });

  test('damaged strings are refused', () => {
    assert.throws(() => decodePolyline('_p~iF~ps|U_ulL', 5), /cut off/);
    assert.throws(() => decodePolyline('_p~iF\u0001', 5), /character/);
  });

  test('a course rebuilt from its compact form is identical, to the bit', () => {
    const xy = winding(42_195, 20_000, 7);
    const course = buildCourse(
      { name: 'Marathon', points: xy.map((p) => toLatLon(p)), elevations: xy.map((_, i) => 500 + Math.sin(i / 300) * 40) },
      [{ name: 'Half way', at: 21_097.5 }],
    );
    const compact = encodeCourse(course);
    const json = JSON.stringify(compact);
    assert.ok(json.length < 400_000, `compact size ${json.length}`);
    const back = decodeCourse(JSON.parse(json));
    assert.deepEqual(back.points, course.points);
    assert.deepEqual(back.elevations, course.elevations);
    assert.deepEqual(Array.from(back.cumulative), Array.from(course.cumulative));
    assert.equal(back.length, course.length);
    assert.deepEqual(back.checkpoints, course.checkpoints);
    assert.equal(back.name, 'Marathon');
  });

  test('a damaged compact course says to upload again', () => {
    const compact = encodeCourse(courseFromXY(straight(1000)));
    for (const bad of [null, { ...compact, v: 2 }, { ...compact, line: 5 }, { ...compact, elevations: encodeSeries([1, 2], 1) }, { ...compact, checkpoints: [{ name: 1 }] }]) {
      assert.throws(() => decodeCourse(bad), (e: unknown) => e instanceof CourseError && /upload the course again|number of elevations/.test(e.message));
    }
  });
});

describe('a course from a recorded track', () => {
  test('standing-still wobble and wild fixes are dropped', () => {
    const noise = gaussian(rng(3));
    const t0 = 1_700_000_000_000;
    const track: TrackPoint[] = [];
    // A minute standing at the start, wobbling 3 m.
    for (let s = 0; s < 60; s++) {
      const [lat, lon] = jitter(toLatLon([0, 0]), noise() * 2, noise() * 2);
      track.push([lat, lon, t0 + s * 1000]);
    }
    // Then 2 km east at 3 m/s, with one fix thrown 400 m north.
    for (let s = 0; s <= 667; s++) {
      const [lat, lon] = toLatLon([s * 3, s === 300 ? 400 : 0]);
      track.push([lat, lon, t0 + (60 + s) * 1000]);
    }
    track.push(track[track.length - 1]!); // a duplicate
    const course = courseFromTrack(track, { name: 'Recce' });
    near(course.length, 2000, 15, 'length');
    assert.ok(course.bounds.north - course.bounds.south < 50 / 111_000, 'the wild fix is gone');
    assert.ok(course.points.length < 450, `${course.points.length} points`);
    assert.equal(course.name, 'Recce');
  });

  test('a time range trims the warm-up and the walk home', () => {
    const t0 = 1_700_000_000_000;
    const track: TrackPoint[] = Array.from({ length: 1000 }, (_, s) => {
      const [lat, lon] = toLatLon([s * 3, 0]);
      return [lat, lon, t0 + s * 1000];
    });
    const course = courseFromTrack(track, { from: t0 + 100_000, to: t0 + 600_000 });
    near(course.length, 1500, 10, 'length');
  });

  test('a track that never moves is refused', () => {
    const p = toLatLon([0, 0]);
    assert.throws(() => courseFromTrack([[p[0], p[1], 1], [p[0], p[1], 2]]), /too few points that move/);
  });

  test('a track with more than 50,000 points is simplified, not refused', () => {
    const t0 = 1_700_000_000_000;
    const track: TrackPoint[] = Array.from({ length: 60_000 }, (_, s) => {
      const [lat, lon] = toLatLon([s * 11, 40 * Math.sin(s / 10)]);
      return [lat, lon, t0 + s * 1000];
    });
    assert.equal(courseFromTrack(track).points.length, 50_000);
  });
});
