/**
 * Unit: the estimator (lib/course/estimate.ts with effort.ts and the race model): ghosts after each
 * source's normal interval, bands from the runner's own pace, ETA intervals that see the hills ahead,
 * exact observations from mats, and the coverage of band and intervals on a seeded synthetic field.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCourse, positionAt, withCheckpoints } from '../lib/course/course';
import { distanceAtEffort, effortAt, effortProfile, gradeCost } from '../lib/course/effort';
import { type RunnerEstimate, arrival, paceSpread, whereabouts } from '../lib/course/estimate';
import { forecast, raceEstimate, splits } from '../lib/course/forecast';
import { type Fix, indexCourse, matchOptions } from '../lib/course/matcher';
import { initialRunnerRace, raceObserve, raceStep, timingPoints } from '../lib/course/race';
import { courseFromXY, gaussian, jitter, rng, straight, toLatLon } from './course-shapes';
import { coverage, GUN } from './synthetic-field';

/** A straight 10 km: flat for 5 km, then a steady 4 % climb. */
function flatThenClimb() {
  const xy = straight(10_000, 20);
  const elevations = xy.map(([east]) => (east <= 5000 ? 100 : 100 + (east - 5000) * 0.04));
  return buildCourse({ name: 'Climb', points: xy.map((p) => toLatLon(p)), elevations });
}

function phoneRun(course: ReturnType<typeof flatThenClimb>, speed: number, untilM: number, everyS = 5, src: 'gps' | 'sat' = 'gps') {
  const ix = indexCourse(course);
  const points = timingPoints(course);
  const options = matchOptions({ startTime: GUN });
  const noise = gaussian(rng(3));
  let race = initialRunnerRace();
  for (let s = 0; speed * s <= untilM; s += everyS) {
    const [lat, lon] = jitter(positionAt(course, speed * s), noise() * 4, noise() * 4);
    const fix: Fix = { lat, lon, t: GUN + s * 1000, accuracy: 6 };
    race = raceStep(ix, points, race, fix, options, src).race;
  }
  return { race, points };
}

describe('the effort of the course ahead', () => {
  test('climbing costs time, descending saves some, flat is one for one', () => {
    assert.equal(gradeCost(0), 1);
    assert.ok(Math.abs(gradeCost(0.04) - 1.12) < 1e-9);
    assert.ok(gradeCost(-0.04) < 1 && gradeCost(-0.04) > 0.9);
    assert.equal(gradeCost(-0.3), gradeCost(-0.1), 'a steep descent saves no more than -10 %');
  });

  test('effort and distance convert both ways; a course without elevations is flat', () => {
    const course = flatThenClimb();
    const effort = effortProfile(course)!;
    assert.ok(Math.abs(effortAt(effort, 5000) - 5000) < 60, `flat part ${effortAt(effort, 5000)}`);
    assert.ok(Math.abs(effortAt(effort, 10_000) - effortAt(effort, 5000) - 5000 * 1.12) < 80, 'the climb costs 12 % more');
    for (const x of [0, 1234, 5000, 7777, 10_000]) assert.ok(Math.abs(distanceAtEffort(effort, effortAt(effort, x)) - x) < 0.5);
    assert.equal(effortProfile(courseFromXY(straight(3000))), null);
    assert.equal(effortAt(null, 1234), 1234);
  });
});

describe('whereabouts and ETA intervals', () => {
  test('a phone silent for more than a minute is a ghost moving on at their pace, inside a band', () => {
    const course = flatThenClimb();
    const { race, points } = phoneRun(course, 3, 3000);
    const effort = effortProfile(course);
    const est = raceEstimate(course, points, race, effort)!;
    assert.equal(est.src, 'gps');
    assert.ok(Math.abs(est.v - 3) < 0.1, `flat speed ${est.v}`);
    const seen = whereabouts(est, effort, course.length, est.t + 30_000);
    assert.equal(seen.kind, 'seen');
    const later = whereabouts(est, effort, course.length, est.t + 10 * 60_000);
    assert.equal(later.kind, 'ghost');
    assert.equal(later.silentMs, 10 * 60_000);
    assert.ok(later.lo < later.at && later.at < later.hi);
    assert.ok(Math.abs(later.at - (est.at + 3 * 600 * 0.995)) < 30, `likely ${later.at.toFixed(0)} m`);
    const much = whereabouts(est, effort, course.length, est.t + 30 * 60_000);
    assert.ok(much.hi - much.lo > later.hi - later.lo, 'the band widens with the silence');
    assert.ok(much.hi <= course.length, 'never past the finish');
  });

  test('a satellite tracker is not a ghost for its normal 12 minutes', () => {
    const course = flatThenClimb();
    const { race, points } = phoneRun(course, 3, 4000, 600, 'sat');
    const est = raceEstimate(course, points, race, null)!;
    assert.equal(est.src, 'sat');
    assert.equal(whereabouts(est, null, course.length, est.t + 11 * 60_000).kind, 'seen');
    assert.equal(whereabouts(est, null, course.length, est.t + 13 * 60_000).kind, 'ghost');
  });

  test('the ETA interval holds the climb ahead, and says so in its likely time', () => {
    const course = flatThenClimb();
    const { race, points } = phoneRun(course, 3, 4000);
    const flat = raceEstimate(course, points, race, null)!;
    const hilly = raceEstimate(course, points, race, effortProfile(course))!;
    const onFlat = arrival(flat, null, 10_000)!;
    const onHill = arrival(hilly, effortProfile(course), 10_000)!;
    assert.ok(onHill.t - onFlat.t > 150_000, `the 5 km climb at 4 % adds ${((onHill.t - onFlat.t) / 1000).toFixed(0)} s`);
    assert.ok(onHill.lo < onHill.t && onHill.t < onHill.hi);
    assert.ok(onHill.hi - onHill.lo < 20 * 60_000, `interval ${(onHill.hi - onHill.lo) / 60_000} min for 6 km`);
    const fc = forecast(course, points, race, effortProfile(course));
    assert.deepEqual(fc.ahead.map((e) => e.kind), ['finish']);
    assert.ok(Math.abs(fc.ahead[0]!.t - onHill.t) < 1000, 'the forecast is the estimator\'s');
  });

  test('the spread of a runner whose kilometres vary widens their band', () => {
    assert.ok(paceSpread([3, 3, 3, 3, 3, 3, 3, 3]) < paceSpread([]));
    assert.ok(paceSpread([3, 2.6, 3.4, 2.8, 3.3, 2.7, 3.2, 2.9]) > paceSpread([3, 3.02, 2.98, 3.01, 2.99, 3, 3.01, 2.99]));
    const base: RunnerEstimate = { src: 'gps', t: GUN, at: 1000, err: 5, v: 3, spread: 0.03, basis: 'recent', metres: 2000, until: GUN + 60_000 };
    const steady = whereabouts(base, null, 42_195, GUN + 20 * 60_000);
    const wobbly = whereabouts({ ...base, spread: 0.12 }, null, 42_195, GUN + 20 * 60_000);
    assert.ok(wobbly.hi - wobbly.lo > steady.hi - steady.lo);
  });
});

describe('timing mats: exact place, exact time', () => {
  const course = withCheckpoints(courseFromXY(straight(10_000, 20)), [
    { name: 'Mat 5', at: 5000 },
    { name: 'Mat 10', at: 10_000 },
  ]);
  const points = timingPoints(course);

  test('a chip-only runner is predicted between mats and a ghost once overdue at the next', () => {
    let race = initialRunnerRace();
    race = raceObserve(points, race, { t: GUN + 20_000, at: 0, src: 'mat' }, GUN).race;
    assert.equal(race.start!.basis, 'line');
    assert.equal(race.start!.t, GUN + 20_000, 'the start mat is their start');
    race = raceObserve(points, race, { t: GUN + 20_000 + 1_500_000, at: 5000, src: 'mat' }, GUN).race;
    const km = splits(points, race, 'km');
    assert.equal(km.length, 5);
    assert.ok(km.every((s) => Math.abs(s.split! - 300) < 1e-6), 'splits interpolated between the mats');
    const est = raceEstimate(course, points, race, null, 10_000)!;
    assert.equal(est.src, 'mat');
    assert.equal(est.err, 0);
    const between = whereabouts(est, null, course.length, est.t + 10 * 60_000);
    assert.equal(between.kind, 'predicted');
    assert.ok(Math.abs(between.at - (5000 + (600 * 10) / 3)) < 60, `likely ${between.at.toFixed(0)} m`);
    const next = arrival(est, null, 10_000)!;
    assert.equal(est.until, next.hi, 'overdue after the latest plausible arrival at the next mat');
    assert.equal(whereabouts(est, null, course.length, next.hi + 60_000).kind, 'ghost');
  });

  test('an older passing changes nothing; a mat never moves a runner back', () => {
    let race = raceObserve(points, initialRunnerRace(), { t: GUN + 1000, at: 0, src: 'mat' }, GUN).race;
    race = raceObserve(points, race, { t: GUN + 1_600_000, at: 5000, src: 'mat' }, GUN).race;
    assert.equal(raceObserve(points, race, { t: GUN + 1_000_000, at: 3000, src: 'mat' }, GUN).outcome, 'out-of-order');
    const back = raceObserve(points, race, { t: GUN + 1_700_000, at: 4000, src: 'mat' }, GUN).race;
    assert.equal(back.match.progress, 5000);
  });
});

describe('coverage on a synthetic field', () => {
  test('the band holds the silent runner and the ETA interval their arrival at least 90 % of the time', (t) => {
    // Seeded: the same 200 runners, silences and fixes on every run; `npm run bench:estimator` shows the
    // figure over more seeds.
    const c = coverage(1, 200);
    const band = c.bandCovered / c.bandChecks;
    const eta = c.etaCovered / c.etaChecks;
    t.diagnostic(
      `band ${(band * 100).toFixed(1)} % of ${c.bandChecks}, ETA ${(eta * 100).toFixed(1)} % of ${c.etaChecks}; mean band ${(c.meanBandM / 1000).toFixed(2)} km, median ETA interval ${c.medianEtaMin.toFixed(1)} min`,
    );
    assert.ok(c.bandChecks > 1000 && c.etaChecks > 500, 'enough checks to mean something');
    assert.ok(band >= 0.9, `band coverage ${band}`);
    assert.ok(eta >= 0.9, `ETA coverage ${eta}`);
    assert.equal(c.ghosts, c.ghostChecks, 'every runner silent past their interval is a ghost');
    // Not bought with bands wider than the course: a quarter of an hour of running at most, typically.
    assert.ok(c.meanBandM < 2500, `mean band ${c.meanBandM} m`);
    assert.ok(c.medianEtaMin < 30, `median ETA interval ${c.medianEtaMin} min`);
  });
});
