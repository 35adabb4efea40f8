/**
 * Unit: the race-logic errors a race-day tour found, each replayed with its own numbers: starts that GPS
 * noise faked, a runner who starts sharing in a loop course's pen after the gun, a phone that starts
 * mid-race. (The split series next to checkpoints are in race-words.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Course, positionAt, withCheckpoints } from '../lib/course/course';
import { forecast, splits } from '../lib/course/forecast';
import { type Fix, indexCourse, matchOptions } from '../lib/course/matcher';
import { type RunnerRace, initialRunnerRace, raceProgress, raceStep, timingPoints } from '../lib/course/race';
import { raceStandings } from '../lib/course/standings';
import { behindStart, courseFromXY, gaussian, jitter, loopWithGap, rng, winding } from './course-shapes';

const GUN = 1_700_000_000_000;

function replay(course: Course, fixes: readonly Fix[], startTime: number | null = GUN): RunnerRace {
  const ix = indexCourse(course);
  const points = timingPoints(course);
  const options = matchOptions({ startTime });
  let race = initialRunnerRace();
  for (const f of fixes) race = raceStep(ix, points, race, f, options).race;
  return race;
}

/** Where a runner `along` metres from the start line is (negative: behind it, in the pen), with GPS noise. */
function place(course: Course, along: number, noise: () => number, noiseM: number): [number, number] {
  const [lat, lon] = along < 0 ? behindStart(course, -along) : positionAt(course, along);
  return jitter([lat, lon], noise() * noiseM, noise() * noiseM) as [number, number];
}

describe('a start that GPS noise cannot fake', () => {
  // No marathon course is among the fixtures: this is the 42.195 km city course of the matcher bench
  // (streets that bend and turn, out-and-back spurs with lanes 6 m apart).
  const marathon = courseFromXY(winding(42_195, 20_000, 3));
  const points = timingPoints(marathon);
  const km1 = points.findIndex((p) => p.kind === 'km');

  /**
   * Runners standing 10–60 m behind the line from a minute before the gun, who walk up and cross it up
   * to a minute after the gun at 2.5–4 m/s; one fix every `intervalS` with 8 m of noise per axis.
   */
  function noisyStarts(intervalS: number) {
    const out: Array<{ startError: number; splitError: number; basis: string }> = [];
    for (let r = 0; r < 300; r++) {
      const rand = rng(1000 + r);
      const noise = gaussian(rng(2000 + r));
      const behind = 10 + rand() * 50;
      const speed = 2.5 + rand() * 1.5;
      const crossing = rand() * 60;
      const moving = crossing - behind / speed;
      const fixes: Fix[] = [];
      for (let s = -60; s < 600; s += intervalS) {
        const along = s < moving ? -behind : -behind + (s - moving) * speed;
        const [lat, lon] = place(marathon, along, noise, 8);
        fixes.push({ lat, lon, t: GUN + s * 1000, accuracy: 12 });
      }
      const race = replay(marathon, fixes);
      out.push({
        startError: (race.start!.t - GUN) / 1000 - crossing,
        splitError: (race.passings[km1]! - race.start!.t) / 1000 - 1000 / speed,
        basis: race.start!.basis,
      });
    }
    return out;
  }

  const worst = (values: number[]) => Math.max(...values.map(Math.abs));

  test('300 noisy starts at a fix a second: every runner gets their own crossing, to within 6 s', () => {
    const runs = noisyStarts(1);
    assert.deepEqual(runs.filter((r) => r.basis !== 'line').length, 0, 'runners given the gun as their start');
    assert.ok(worst(runs.map((r) => r.startError)) <= 6, `start off by up to ${worst(runs.map((r) => r.startError)).toFixed(1)} s`);
    assert.ok(worst(runs.map((r) => r.splitError)) <= 6, `first km split off by up to ${worst(runs.map((r) => r.splitError)).toFixed(1)} s`);
  });

  test('300 noisy starts at a fix every 5 s: own crossings, to within 12 s', () => {
    const runs = noisyStarts(5);
    assert.deepEqual(runs.filter((r) => r.basis !== 'line').length, 0, 'runners given the gun as their start');
    assert.ok(worst(runs.map((r) => r.startError)) <= 12, `start off by up to ${worst(runs.map((r) => r.startError)).toFixed(1)} s`);
  });

  test('a runner first seen running just past the line: their crossing, not the gun', () => {
    const noise = gaussian(rng(5));
    const fixes: Fix[] = [];
    // Their phone's first fix comes 12 m past the line, 40 s after the gun, at 3 m/s: they crossed at 36 s.
    for (let s = 40; s < 300; s++) {
      const [lat, lon] = place(marathon, 12 + (s - 40) * 3, noise, 8);
      fixes.push({ lat, lon, t: GUN + s * 1000, accuracy: 12 });
    }
    const race = replay(marathon, fixes);
    assert.equal(race.start!.basis, 'line');
    assert.ok(Math.abs((race.start!.t - GUN) / 1000 - 36) <= 6, `started ${(race.start!.t - GUN) / 1000} s after the gun, crossed at 36 s`);
  });
});

describe('a loop course whose start pen is next to the finish', () => {
  // 21.1 km; the finish line is 25 m short of the start line, so the pen behind the start is the finish straight.
  const loop = withCheckpoints(courseFromXY(loopWithGap(21_097, 25)), [{ name: 'Half way', at: 10_500 }]);

  function penRunner(sharingFrom: number, standS: number, runM: number, seed: number): Fix[] {
    const noise = gaussian(rng(seed));
    const fixes: Fix[] = [];
    const t0 = GUN + sharingFrom * 1000;
    for (let s = 0; ; s++) {
      const along = s < standS ? -15 : -15 + (s - standS) * 3;
      if (along > runM) break;
      const [lat, lon] = place(loop, along, noise, 5);
      fixes.push({ lat, lon, t: t0 + s * 1000, accuracy: 8 });
    }
    return fixes;
  }

  test('a runner who starts sharing in the pen 70 minutes after the gun is at the start, not the finish', () => {
    const race = replay(loop, penRunner(70 * 60, 120, 190, 3));
    const progress = raceProgress(loop, race)!;
    assert.ok(Math.abs(progress - 190) < 25, `progress ${progress.toFixed(0)} m after 190 m run`);
    assert.equal(race.finish, null);
    assert.equal(race.match.offCourse, false);
    assert.equal(race.start!.basis, 'line');
    assert.equal(splits(timingPoints(loop), race, 'km').length, 0, 'no splits for 190 m');
    const fc = forecast(loop, timingPoints(loop), race);
    assert.ok(fc.ahead.every((eta) => eta.t > race.match.anchorT!), 'nothing predicted in the past');
  });

  test('among runners already out on the loop, the late starter is last, not placed ahead of them', () => {
    const late = replay(loop, penRunner(70 * 60, 120, 190, 4));
    const noise = gaussian(rng(9));
    const out: Fix[] = [];
    for (let s = 0; s <= 4500; s += 5) {
      const [lat, lon] = place(loop, Math.min(loop.length, s * 3.4), noise, 5);
      out.push({ lat, lon, t: GUN + s * 1000, accuracy: 8 });
    }
    const standings = raceStandings(loop, timingPoints(loop), [
      { id: 'out', name: 'Out', bib: '1', race: replay(loop, out) },
      { id: 'late', name: 'Late', bib: '2', race: late },
    ]);
    assert.deepEqual(standings.map((s) => s.id), ['out', 'late']);
  });

  test('their own track can say otherwise: sharing from 400 m before the finish places them there', () => {
    const noise = gaussian(rng(11));
    const fixes: Fix[] = [];
    for (let s = 0; s < 200; s++) {
      const along = Math.min(loop.length + 5, loop.length - 400 + s * 3);
      const [lat, lon] = place(loop, along, noise, 5);
      fixes.push({ lat, lon, t: GUN + 100 * 60_000 + s * 1000, accuracy: 8 });
    }
    const race = replay(loop, fixes);
    assert.ok(race.finish !== null, `progress ${raceProgress(loop, race)?.toFixed(0)} of ${loop.length.toFixed(0)} m`);
  });
});

describe('a phone that starts mid-race', () => {
  // Seen from 10.5 to 11.2 km only: 1:51:39 after the gun, running 6:00 /km since their own (unseen)
  // start 48:39 after the gun. The gun as their start makes 10:38 /km before they were seen.
  const half = withCheckpoints(courseFromXY(winding(21_097, 8000, 5)), [{ name: 'Bridge', at: 15_000 }]);
  const pace = 1000 / 360;
  const ownStart = GUN + (6699 - 10_500 / pace) * 1000;
  const noise = gaussian(rng(21));
  const fixes: Fix[] = [];
  for (let along = 10_500; along <= 11_200; along += pace * 5) {
    const [lat, lon] = place(half, along, noise, 5);
    fixes.push({ lat, lon, t: ownStart + (along / pace) * 1000, accuracy: 8 });
  }
  const race = replay(half, fixes);
  const points = timingPoints(half);

  test('the splits before they were seen are marked as estimates', () => {
    const km = splits(points, race, 'km');
    assert.deepEqual(km.filter((s) => s.estimated).map((s) => s.label), ['1 km', '2 km', '3 km', '4 km', '5 km', '6 km', '7 km', '8 km', '9 km', '10 km']);
  });

  test('the prediction says what was really seen (0.7 km) and is not 35 minutes late', () => {
    const fc = forecast(half, points, race);
    assert.equal(fc.basis!.kind, 'observed');
    assert.ok(Math.abs(fc.basis!.metres - 700) < 60, `basis over ${fc.basis!.metres} m`);
    const finish = fc.ahead.find((e) => e.kind === 'finish')!;
    const truth = ownStart + (half.length / pace) * 1000;
    assert.ok(Math.abs(finish.t - truth) < 3 * 60_000, `finish predicted ${((finish.t - truth) / 60_000).toFixed(1)} min from the truth`);
  });
});
