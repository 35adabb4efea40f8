/** Unit: geodesy helpers against known distances and bearings. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearingDeg, distanceM, formatDistance, formatPace, lerpPoint, offsetM, paceSecPerKm } from '../lib/geo';

const PARIS = [48.8566, 2.3522] as const;
const LONDON = [51.5074, -0.1278] as const;

function near(actual: number, expected: number, tolerance: number, what = 'value') {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

describe('distanceM', () => {
  test('one degree of latitude is about 111.2 km', () => {
    near(distanceM(0, 0, 1, 0), 111_195, 100, 'equator');
    near(distanceM(45, 10, 46, 10), 111_195, 100, 'mid-latitude');
  });

  test('one degree of longitude shrinks with the cosine of the latitude', () => {
    near(distanceM(0, 0, 0, 1), 111_195, 100, 'at the equator');
    near(distanceM(60, 0, 60, 1), 111_195 * Math.cos(Math.PI / 3), 100, 'at 60° north');
  });

  test('Paris to London is 343.5 km within a kilometre', () => {
    near(distanceM(PARIS[0], PARIS[1], LONDON[0], LONDON[1]), 343_500, 1000);
  });

  test('distance is symmetric and zero between a point and itself', () => {
    const there = distanceM(PARIS[0], PARIS[1], LONDON[0], LONDON[1]);
    const back = distanceM(LONDON[0], LONDON[1], PARIS[0], PARIS[1]);
    near(back, there, 1e-6);
    assert.equal(distanceM(PARIS[0], PARIS[1], PARIS[0], PARIS[1]), 0);
  });

  test('antipodal points are half the circumference apart and do not produce NaN', () => {
    const d = distanceM(0, 0, 0, 180);
    assert.ok(Number.isFinite(d));
    near(d, Math.PI * 6_371_008.8, 1);
    near(distanceM(90, 0, -90, 0), Math.PI * 6_371_008.8, 1, 'pole to pole');
  });

  test('crossing the antimeridian takes the short way round', () => {
    near(distanceM(0, 179.5, 0, -179.5), 111_195, 100);
  });

  test('a few metres between fixes are measured to within a centimetre of the flat-earth value', () => {
    // 0.0001° of latitude is ~11.12 m; at that scale the sphere is flat.
    near(distanceM(51.5, -0.12, 51.5001, -0.12), 11.1195, 0.01);
  });
});

describe('bearingDeg', () => {
  test('the cardinal directions are 0, 90, 180 and 270 degrees', () => {
    near(bearingDeg(0, 0, 1, 0), 0, 1e-9, 'north');
    near(bearingDeg(0, 0, 0, 1), 90, 1e-9, 'east');
    near(bearingDeg(0, 0, -1, 0), 180, 1e-9, 'south');
    near(bearingDeg(0, 0, 0, -1), 270, 1e-9, 'west');
  });

  test('bearings are always in [0, 360)', () => {
    for (const [lat, lon] of [
      [1, -1],
      [-1, -1],
      [-1, 1],
      [1, 1],
      [0.5, -0.0001],
    ] as const) {
      const b = bearingDeg(0, 0, lat, lon);
      assert.ok(b >= 0 && b < 360, `bearing ${b} out of range`);
    }
  });

  test('Paris to London heads north-north-west, about 330 degrees', () => {
    near(bearingDeg(PARIS[0], PARIS[1], LONDON[0], LONDON[1]), 330, 1);
  });
});

describe('offsetM', () => {
  test('moving a point by metres north and east lands that far away, within half a percent', () => {
    for (const [north, east] of [
      [1000, 0],
      [0, 1000],
      [300, -400],
      [-50, 20],
    ] as const) {
      const [lat, lon] = offsetM(51.5, -0.12, north, east);
      const expected = Math.hypot(north, east);
      near(distanceM(51.5, -0.12, lat, lon), expected, expected * 0.005, `offset ${north} N, ${east} E`);
    }
  });

  test('an offset goes in the direction asked for', () => {
    const [nLat, nLon] = offsetM(40.77, -73.97, 500, 0);
    near(bearingDeg(40.77, -73.97, nLat, nLon), 0, 0.01, 'north');
    const [eLat, eLon] = offsetM(40.77, -73.97, 0, 500);
    near(bearingDeg(40.77, -73.97, eLat, eLon), 90, 0.1, 'east');
    const [swLat, swLon] = offsetM(40.77, -73.97, -500, -500);
    near(bearingDeg(40.77, -73.97, swLat, swLon), 225, 0.5, 'south-west');
  });

  test('an offset followed by the opposite offset returns to the starting point', () => {
    const start = [-33.86, 151.21] as const;
    const [lat, lon] = offsetM(start[0], start[1], 0, 250);
    const [backLat, backLon] = offsetM(lat, lon, 0, -250);
    near(backLat, start[0], 1e-12, 'lat');
    near(backLon, start[1], 1e-12, 'lon');
    const [lat2, lon2] = offsetM(start[0], start[1], 250, 0);
    const [back2Lat, back2Lon] = offsetM(lat2, lon2, -250, 0);
    near(back2Lat, start[0], 1e-12, 'lat');
    near(back2Lon, start[1], 1e-12, 'lon');
  });

  test('a zero offset leaves the point where it was', () => {
    assert.deepEqual(offsetM(12.5, 34.25, 0, 0), [12.5, 34.25]);
  });
});

describe('lerpPoint', () => {
  test('interpolates from the first point at 0 to the second at 1', () => {
    const a = [10, 20] as const;
    const b = [12, 16] as const;
    assert.deepEqual(lerpPoint(a, b, 0), [10, 20]);
    assert.deepEqual(lerpPoint(a, b, 1), [12, 16]);
    assert.deepEqual(lerpPoint(a, b, 0.25), [10.5, 19]);
  });
});

describe('pace', () => {
  test('5 km in 25 minutes is 300 seconds per kilometre', () => {
    assert.equal(paceSecPerKm(5000, 25 * 60), 300);
  });

  test('pace cannot be told without distance or time', () => {
    assert.equal(paceSecPerKm(0, 600), null);
    assert.equal(paceSecPerKm(0.5, 600), null);
    assert.equal(paceSecPerKm(1000, 0), null);
    assert.equal(paceSecPerKm(1000, -5), null);
  });

  test('a pace is shown as minutes and zero-padded seconds per kilometre', () => {
    assert.equal(formatPace(307), '5:07 /km');
    assert.equal(formatPace(300), '5:00 /km');
    assert.equal(formatPace(59), '0:59 /km');
    assert.equal(formatPace(754.4), '12:34 /km');
  });

  test('rounding a pace up to a whole minute carries into the minutes instead of showing :60', () => {
    assert.equal(formatPace(359.6), '6:00 /km');
    assert.equal(formatPace(59.5), '1:00 /km');
  });

  test('an unknown, infinite or slower-than-an-hour pace is shown as a dash', () => {
    assert.equal(formatPace(null), '—');
    assert.equal(formatPace(Number.POSITIVE_INFINITY), '—');
    assert.equal(formatPace(Number.NaN), '—');
    assert.equal(formatPace(3601), '—');
    assert.equal(formatPace(3600), '60:00 /km');
  });
});

describe('formatDistance', () => {
  test('distances below a kilometre are whole metres', () => {
    assert.equal(formatDistance(0), '0 m');
    assert.equal(formatDistance(850), '850 m');
    assert.equal(formatDistance(849.6), '850 m');
    assert.equal(formatDistance(999.4), '999 m');
  });

  test('distances from a kilometre up are kilometres with two decimals', () => {
    assert.equal(formatDistance(1000), '1.00 km');
    assert.equal(formatDistance(12_340), '12.34 km');
    assert.equal(formatDistance(42_190), '42.19 km');
  });
});
