/**
 * Unit: timing mats in a runner's race (lib/course/mats.ts) and the predicted place between mats
 * (lib/course/between-mats.ts): chip-only runners timed by mats alone, mats winning over GPS for official
 * times, passings out of order, late or sent again, and a runner carried on between mats at the pace of
 * their last stretch, held at the next mat until it sees them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { progressBetweenMats, nextMatAfter } from '../lib/course/between-mats';
import { withCheckpoints } from '../lib/course/course';
import { forecast, splits } from '../lib/course/forecast';
import { indexCourse, matchOptions } from '../lib/course/matcher';
import { applyMat, lastMat } from '../lib/course/mats';
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

  test('the last stretch between mats gives the speed to carry the runner on at; the forecast uses it', () => {
    const race = mats(initialRunnerRace(), [
      [0, GUN],
      [2500, GUN + min(12.5)],
      [5000, GUN + min(27.5)],
    ]);
    const sighting = lastMat(race)!;
    assert.equal(sighting.at, 5000);
    assert.equal(sighting.t, GUN + min(27.5));
    assert.ok(Math.abs(sighting.speed! - 2500 / 900) < 1e-9, 'last stretch: 2.5 km in 15 min');
    const first = lastMat(mats(initialRunnerRace(), [[2500, GUN + min(12.5)]]))!;
    assert.ok(Math.abs(first.speed! - 2500 / 750) < 1e-9, 'from the gun to the first mat');
    assert.equal(lastMat(mats(initialRunnerRace(), [[2500, GUN + min(12.5)]], null))!.speed, null, 'no gun, no start mat: no stretch yet');
    assert.equal(forecast(course, points, race).ahead.at(-1)!.kind, 'finish', 'the finish is forecast from the mats');
  });
});

describe('between mats', () => {
  const sighting = { at: 5000, t: GUN, speed: 3 };

  test('a runner moves on at their speed from the last mat, held at the next one until it sees them', () => {
    assert.deepEqual(progressBetweenMats(sighting, GUN + 100_000, 7500, 10_000, null), { at: 5300, waiting: false });
    assert.deepEqual(progressBetweenMats(sighting, GUN + 900_000, 7500, 10_000, null), { at: 7500, waiting: true });
    assert.deepEqual(progressBetweenMats(sighting, GUN + 9_000_000, null, 10_000, null), { at: 10_000, waiting: true }, 'never past the finish');
    assert.deepEqual(progressBetweenMats(sighting, GUN - 5000, 7500, 10_000, null), { at: 5000, waiting: false }, 'not before the sighting');
  });

  test('without a speed of their own the predicted one is used; without either they stay at the mat', () => {
    assert.deepEqual(progressBetweenMats({ ...sighting, speed: null }, GUN + 100_000, 7500, 10_000, 2.5), { at: 5250, waiting: false });
    assert.deepEqual(progressBetweenMats({ ...sighting, speed: null }, GUN + 100_000, 7500, 10_000, null), { at: 5000, waiting: false });
  });

  test('the next mat is the first beyond the runner', () => {
    const event = [{ at: 0 }, { at: 5000 }, { at: 2500 }, { at: 10_000 }];
    assert.equal(nextMatAfter(event, 2500), 5000);
    assert.equal(nextMatAfter(event, 2400), 2500);
    assert.equal(nextMatAfter(event, 10_000), null);
  });
});
