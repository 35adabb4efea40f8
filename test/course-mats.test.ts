/**
 * Unit: timing mats in a runner's race (lib/course/mats.ts) and what the estimator makes of them: chip-only
 * runners timed by mats alone, mats winning over GPS for official times, passings out of order, late or sent
 * again, and a runner carried on between mats at the pace of their last stretch, predicted until the latest
 * plausible arrival at the next mat.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { whereabouts } from '../lib/course/estimate';
import { positionAt, withCheckpoints } from '../lib/course/course';
import { forecast, raceEstimate, splits } from '../lib/course/forecast';
import { indexCourse, matchOptions } from '../lib/course/matcher';
import { applyMat, nextMatAfter } from '../lib/course/mats';
import { initialRunnerRace, raceProgress, raceStep, type RunnerRace, timingPoints } from '../lib/course/race';
import { raceStandings } from '../lib/course/standings';
import { courseFromXY, run, straight } from './course-shapes';

const GUN = 1_700_000_000_000;
const course = withCheckpoints(courseFromXY(straight(10_000, 20)), [
  { name: 'Water 1', at: 2500 },
  { name: 'Half way', at: 5000 },
  { name: 'Water 2', at: 7500 },
]);
const points = timingPoints(course);
const index = (label: string) => points.findIndex((p) => p.label === label);
const min = (m: number) => m * 60_000;

function mats(race: RunnerRace, passings: Array<[at: number, t: number]>, startTime: number | null = GUN): RunnerRace {
  return passings.reduce((r, [at, t]) => applyMat(course, points, r, { at, t }, startTime), race);
}

describe('timing mats', () => {
  test('a chip-only runner is timed by the mats alone: start mat, checkpoints, finish', () => {
    const race = mats(initialRunnerRace(), [
      [0, GUN + 30_000],
      [5000, GUN + 30_000 + min(25)],
      [course.length, GUN + 30_000 + min(52)],
    ]);
    assert.deepEqual(race.start, { t: GUN + 30_000, at: 0, basis: 'mat' }, 'their own start is the start mat');
    assert.equal(race.finish, GUN + 30_000 + min(52));
    assert.equal(race.passings[index('Half way')], GUN + 30_000 + min(25));
    // Between mats the passings are interpolated: Water 1 half way to Half way.
    assert.equal(race.passings[index('Water 1')], GUN + 30_000 + min(12.5));
    assert.ok(Math.abs(race.passings[index('Water 2')]! - (GUN + 30_000 + min(38.5))) < 10, 'Water 2 half way to the finish');
    assert.equal(raceProgress(course, race), course.length);
    const cps = splits(points, race, 'checkpoint');
    assert.equal(cps.at(-1)!.elapsed, 52 * 60, 'chip time: finish minus their own start');
  });

  test('without a start mat the gun starts the runner; before any mat they are not on the course', () => {
    const race = mats(initialRunnerRace(), [[2500, GUN + min(14)]]);
    assert.deepEqual(race.start, { t: GUN, at: 0, basis: 'gun' });
    assert.equal(race.match.progress, 2500);
    assert.equal(race.match.anchorT, GUN + min(14));
    const standings = raceStandings(course, points, [
      { id: 'chip', name: 'Chip', bib: '2', race },
      { id: 'none', name: 'Nobody yet', bib: '1', race: initialRunnerRace() },
    ]);
    assert.deepEqual(standings.map((s) => [s.id, s.position, s.status]), [
      ['chip', 1, 'running'],
      ['none', null, 'not-started'],
    ]);
  });

  test('a warm-up over a mat before the gun is not the race', () => {
    const race = mats(initialRunnerRace(), [[0, GUN - min(5)]]);
    assert.equal(race.start, null);
    assert.equal(race.mats, undefined);
  });

  test('passings out of order, sent again or read twice give the same race as in order', () => {
    const inOrder = mats(initialRunnerRace(), [
      [0, GUN + 10_000],
      [2500, GUN + min(13)],
      [5000, GUN + min(26)],
      [7500, GUN + min(40)],
    ]);
    const shuffled = mats(initialRunnerRace(), [
      [5000, GUN + min(26)],
      [7500, GUN + min(40)],
      [0, GUN + 10_000],
      [2500, GUN + min(13)],
      // A decoder's rewind sends them all again; a runner lingering on the mat is read later too.
      [5000, GUN + min(26)],
      [2500, GUN + min(13) + 4000],
      [0, GUN + 10_000],
    ]);
    assert.deepEqual(shuffled.passings, inOrder.passings);
    assert.deepEqual(shuffled.start, inOrder.start);
    assert.deepEqual(shuffled.mats, inOrder.mats);
    assert.equal(shuffled.match.progress, 7500);
    assert.equal(shuffled.match.anchorT, GUN + min(40));
    // Applying a passing the race holds changes nothing at all.
    assert.equal(applyMat(course, points, inOrder, { at: 5000, t: GUN + min(26) }, GUN), inOrder);
  });

  test('mats win over GPS for official times; between mats the times follow the mats, beyond them GPS', () => {
    const ix = indexCourse(course);
    const options = matchOptions({ startTime: GUN });
    let race = initialRunnerRace();
    // GPS at 3.5 m/s from the gun, then the mats say the runner crossed the start 20 s late.
    for (const fix of run(course, { speedMps: 3.5, t0: GUN, noiseM: 0, seed: 3, from: 0, to: 6000 })) race = raceStep(ix, points, race, fix, options).race;
    const gps6k = race.passings[index('6 km')]!;
    race = mats(race, [
      [0, GUN + 20_000],
      [5000, GUN + 20_000 + min(23)],
    ]);
    assert.equal(race.start!.basis, 'mat');
    assert.equal(race.passings[index('Half way')], GUN + 20_000 + min(23), 'the mat’s time, not the GPS one');
    assert.equal(race.passings[index('1 km')], GUN + 20_000 + min(23) / 5, 'between the mats: interpolated');
    assert.equal(race.passings[index('6 km')], gps6k, 'beyond the last mat GPS still times the runner');
    assert.ok(race.match.progress! >= 5000);
  });

  test('a fresh mat moves the runner to it even behind GPS; an older one only fills in times', () => {
    let race = mats(initialRunnerRace(), [[2500, GUN + min(15)]]);
    race = { ...race, match: { ...race.match, progress: 3100, anchorT: GUN + min(19) } };
    const late = mats(race, [[0, GUN + 5000]]);
    assert.equal(late.match.progress, 3100, 'an old start passing does not move them');
    assert.equal(late.start!.t, GUN + 5000);
    const fresh = mats(race, [[5000, GUN + min(30)]]);
    assert.equal(fresh.match.progress, 5000);
    const behind = mats({ ...race, match: { ...race.match, progress: 5300, anchorT: GUN + min(29) } }, [[5000, GUN + min(30)]]);
    assert.equal(behind.match.progress, 5000, 'the mat says where they are at that moment');
  });

  test('the last stretch between mats is the pace the runner is carried on at; the forecast uses it', () => {
    const race = mats(initialRunnerRace(), [
      [0, GUN],
      [2500, GUN + min(12.5)],
      [5000, GUN + min(27.5)],
    ]);
    const est = raceEstimate(course, points, race, null, 7500)!;
    assert.equal(est.src, 'mat');
    assert.equal(est.at, 5000);
    assert.equal(est.t, GUN + min(27.5));
    assert.equal(est.err, 0, 'a mat is exact');
    assert.ok(Math.abs(est.v - 2500 / 900) < 1e-9, `last stretch: 2.5 km in 15 min, got ${est.v}`);
    assert.equal(forecast(course, points, race).ahead.at(-1)!.kind, 'finish', 'the finish is forecast from the mats');
  });
});

describe('between mats', () => {
  const race = mats(initialRunnerRace(), [
    [0, GUN],
    [2500, GUN + min(12.5)],
    [5000, GUN + min(27.5)],
  ]);

  test('a chip-only runner moves on from the last mat as predicted, and is a ghost once the next mat is overdue', () => {
    const est = raceEstimate(course, points, race, null, 7500)!;
    const soon = whereabouts(est, null, course.length, GUN + min(30));
    assert.equal(soon.kind, 'predicted');
    assert.ok(soon.at > 5300 && soon.at < 5500, `2.5 min at 2.78 m/s past the mat: ${soon.at}`);
    assert.ok(soon.lo < soon.at && soon.at < soon.hi, 'with a band');
    assert.ok(est.until > GUN + min(42.5), 'not overdue before they could have run to the next mat at their pace');
    assert.equal(whereabouts(est, null, course.length, est.until + 1).kind, 'ghost');
  });

  test('without a next mat the runner is predicted up to the finish', () => {
    const toNext = raceEstimate(course, points, race, null, 7500)!;
    const toFinish = raceEstimate(course, points, race, null, null)!;
    assert.ok(toFinish.until > toNext.until);
  });

  test('a fix after the mat places the runner by GPS again', () => {
    const ix = indexCourse(course);
    const options = matchOptions({ startTime: GUN });
    const [lat, lon] = positionAt(course, 5300);
    const fixed = raceStep(ix, points, race, { lat, lon, t: GUN + min(29), accuracy: 5 }, options, 'gps').race;
    assert.equal(fixed.src, 'gps');
    assert.deepEqual(fixed.mats, race.mats, 'the mats are kept');
    assert.equal(splits(points, fixed, 'checkpoint').find((s) => s.label === 'Half way')!.t, GUN + min(27.5), 'the mat times the checkpoint');
  });

  test('the next mat is the first beyond the runner', () => {
    const event = [0, 5000, 2500, 10_000];
    assert.equal(nextMatAfter(event, 2500), 5000);
    assert.equal(nextMatAfter(event, 2400), 2500);
    assert.equal(nextMatAfter(event, 10_000), null);
  });
});
