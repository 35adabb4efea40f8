/** Unit: positions along a looped route by distance travelled. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearingDeg, distanceM, offsetM } from '../lib/geo';
import { type LatLon, RouteWalker } from '../server/route-walker';
import centralPark from '../server/routes/central-park.json';

const route = centralPark.points as LatLon[];

function near(actual: number, expected: number, tolerance: number, what = 'value') {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);
}

function samePoint(actual: LatLon, expected: LatLon, toleranceM = 0.01, what = 'point') {
  const d = distanceM(actual[0], actual[1], expected[0], expected[1]);
  assert.ok(d <= toleranceM, `${what}: ${JSON.stringify(actual)} is ${d} m from ${JSON.stringify(expected)}`);
}

/** A closed square of `side` metres: north, east, south, west, back to the start. */
function square(side = 500): LatLon[] {
  const a: LatLon = [51.5, -0.12];
  const b = offsetM(a[0], a[1], side, 0);
  const c = offsetM(a[0], a[1], side, side);
  const d = offsetM(a[0], a[1], 0, side);
  return [a, b, c, d, a];
}

function legLengths(points: readonly LatLon[]): number[] {
  return points.slice(1).map((p, i) => distanceM(points[i]![0], points[i]![1], p[0], p[1]));
}

/** Distances along the route at which `p` lies on a leg (within a centimetre). */
function progressOf(points: readonly LatLon[], p: LatLon): number[] {
  const found: number[] = [];
  let before = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const leg = distanceM(a[0], a[1], b[0], b[1]);
    const viaP = distanceM(a[0], a[1], p[0], p[1]) + distanceM(p[0], p[1], b[0], b[1]);
    if (viaP - leg < 0.01) found.push(before + distanceM(a[0], a[1], p[0], p[1]));
    before += leg;
  }
  return found;
}

describe('RouteWalker', () => {
  test('a route needs at least two points', () => {
    assert.throws(() => new RouteWalker([]), /two points/);
    assert.throws(() => new RouteWalker([[51.5, -0.12]]), /two points/);
  });

  test('the length is the sum of the legs', () => {
    const sq = square(500);
    const w = new RouteWalker(sq);
    near(w.lengthM, legLengths(sq).reduce((s, x) => s + x, 0), 1e-6);
    near(w.lengthM, 2000, 2000 * 0.005, 'a 500 m square is about 2 km round');
    near(new RouteWalker(route).lengthM, legLengths(route).reduce((s, x) => s + x, 0), 1e-6);
  });

  test('at distance 0 the runner is on the first point, heading along the first leg', () => {
    const sq = square();
    const at = new RouteWalker(sq).at(0);
    assert.deepEqual(at.point, sq[0]);
    near(at.heading, 0, 0.01, 'the first leg of the square heads north');
    const cp = new RouteWalker(route).at(0);
    assert.deepEqual(cp.point, route[0]);
    near(cp.heading, bearingDeg(route[0]![0], route[0]![1], route[1]![0], route[1]![1]), 1e-9);
  });

  test('after a full lap the runner is back at the start', () => {
    for (const points of [square(), route]) {
      const w = new RouteWalker(points);
      samePoint(w.at(w.lengthM).point, points[0]!, 1e-6, 'one lap');
      samePoint(w.at(3 * w.lengthM).point, points[0]!, 1e-6, 'three laps');
    }
  });

  test('laps repeat: the position at d and at d plus a lap are the same', () => {
    const w = new RouteWalker(route);
    for (const d of [1, 123.4, w.lengthM / 3, w.lengthM - 1]) {
      samePoint(w.at(d + w.lengthM).point, w.at(d).point, 0.001, `at ${d}`);
      samePoint(w.at(d + 5 * w.lengthM).point, w.at(d).point, 0.001, `at ${d}, five laps on`);
    }
  });

  test('a negative distance counts back from the end of the lap', () => {
    const sq = square(500);
    const w = new RouteWalker(sq);
    samePoint(w.at(-100).point, w.at(w.lengthM - 100).point, 0.001);
    const [lat, lon] = offsetM(sq[0]![0], sq[0]![1], 0, 100);
    samePoint(w.at(-100).point, [lat, lon], 0.5, '100 m before the start is on the closing leg');
  });

  test('each corner of the square is reached after the length of the legs before it', () => {
    const sq = square(500);
    const w = new RouteWalker(sq);
    const legs = legLengths(sq);
    let before = 0;
    for (let i = 0; i < 4; i++) {
      samePoint(w.at(before).point, sq[i]!, 0.01, `corner ${i}`);
      before += legs[i]!;
    }
  });

  test('the heading is the bearing of the current leg', () => {
    const w = new RouteWalker(square(500));
    near(w.at(250).heading, 0, 0.01, 'first leg: north');
    near(w.at(w.lengthM * 0.375).heading, 90, 0.5, 'second leg: east');
    near(w.at(w.lengthM * 0.625).heading, 180, 0.5, 'third leg: south');
    near(w.at(w.lengthM * 0.875).heading, 270, 0.5, 'closing leg: west');
  });

  test('halfway along a leg is halfway between its ends', () => {
    const sq = square(500);
    const w = new RouteWalker(sq);
    const half = legLengths(sq)[0]! / 2;
    const p = w.at(half).point;
    samePoint(p, [(sq[0]![0] + sq[1]![0]) / 2, (sq[0]![1] + sq[1]![1]) / 2], 0.01);
  });

  test('progress along a straight route is monotonic: the runner only ever moves forward', () => {
    const start: LatLon = [40.0, -74.0];
    const points: LatLon[] = [start, offsetM(start[0], start[1], 1000, 0), offsetM(start[0], start[1], 2000, 0)];
    const w = new RouteWalker(points);
    let lastLat = -Infinity;
    for (let d = 0; d < w.lengthM; d += 7) {
      const { point } = w.at(d);
      assert.ok(point[0] > lastLat, `at ${d} m the runner went back`);
      lastLat = point[0];
      near(distanceM(start[0], start[1], point[0], point[1]), d, 0.01, `distance from the start at ${d} m`);
    }
  });

  test('walking a real lap in small steps stays on the route, at the distance travelled, never skipping ahead', () => {
    const w = new RouteWalker(route);
    const step = 5;
    let prev = w.at(0).point;
    let walked = 0;
    for (let d = step; d < w.lengthM; d += step) {
      const { point } = w.at(d);
      const candidates = progressOf(route, point);
      assert.ok(candidates.length > 0, `at ${d} m the point is off the route`);
      assert.ok(
        candidates.some((c) => Math.abs(c - d) < 0.5),
        `at ${d} m the point is at ${candidates.map((c) => c.toFixed(2)).join(' or ')} m along the route`,
      );
      const moved = distanceM(prev[0], prev[1], point[0], point[1]);
      assert.ok(moved <= step + 0.01, `at ${d} m the runner jumped ${moved} m`);
      walked += moved;
      prev = point;
    }
    walked += distanceM(prev[0], prev[1], route[0]![0], route[0]![1]);
    near(walked, w.lengthM, w.lengthM * 0.002, 'a lap walked in steps is the length of the route');
  });

  test('a repeated point in the route does not break walking', () => {
    const sq = square(500);
    const withDuplicate: LatLon[] = [sq[0]!, sq[1]!, sq[1]!, sq[2]!];
    const w = new RouteWalker(withDuplicate);
    for (const d of [0, 499, 500, 501, 999]) {
      const { point, heading } = w.at(d);
      assert.ok(Number.isFinite(point[0]) && Number.isFinite(point[1]) && Number.isFinite(heading), `at ${d} m`);
    }
    samePoint(w.at(legLengths(sq)[0]! + 100).point, offsetM(sq[1]![0], sq[1]![1], 0, 100), 0.5);
  });
});
