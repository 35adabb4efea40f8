/** Unit: starts, passings, splits, predictions and the race order with gaps, from simulated runners. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Course, withCheckpoints } from '../lib/course/course';
import { describeBasis, forecast, forecastBasis, splits } from '../lib/course/forecast';
import { type Fix, indexCourse, matchOptions } from '../lib/course/matcher';
import {
  type RunnerRace,
  averageSpeed,
  currentSpeed,
  elapsedSeconds,
  initialRunnerRace,
  raceStep,
  retime,
  timeAt,
  timingPoints,
} from '../lib/course/race';
import { type Entrant, raceStandings } from '../lib/course/standings';
import { courseFromXY, jitter, outAndBack, run, straight } from './course-shapes';

const GUN = 1_700_000_000_000;
const near = (actual: number, expected: number, tolerance: number, what = 'value') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);

function race(course: Course, fixes: readonly Fix[], startTime: number | null = GUN) {
  const ix = indexCourse(course);
  const points = timingPoints(course);
  const options = matchOptions({ startTime });
  let state = initialRunnerRace();
  const steps = fixes.map((f) => {
    const step = raceStep(ix, points, state, f, options);
    state = step.race;
    return step;
  });
  return { state, steps, points };
}

const tenK = () =>
  withCheckpoints(courseFromXY(straight(10_000, 20)), [
    { name: 'Water 1', at: 2500 },
    { name: 'Half way', at: 5000 },
    { name: 'Water 2', at: 7500 },
  ]);

/** Fixes of a runner standing behind the start line, then running from the gun (plus `delayS`). */
function fromThePen(course: Course, speedMps: number, delayS = 0, noiseM = 3, seed = 1): Fix[] {
  const pen: Fix[] = [];
  for (let s = -30; s < delayS; s += 1) {
    const [lat, lon] = jitter(course.start, 0, -20);
    pen.push({ lat, lon, t: GUN + s * 1000, accuracy: 5 });
  }
  const behind = run(course, { speedMps, t0: GUN + delayS * 1000, noiseM, seed, from: 0 });
  return [...pen, ...behind];
}

describe('timing points', () => {
  test('every km, every mile, each checkpoint and the finish, in course order', () => {
    const points = timingPoints(tenK());
    assert.deepEqual(points.slice(0, 5).map((p) => p.label), ['1 km', '1 mi', '2 km', 'Water 1', '3 km']);
    assert.equal(points.filter((p) => p.kind === 'km').length, 9);
    assert.equal(points.filter((p) => p.kind === 'mi').length, 6);
    assert.deepEqual(points[points.length - 1], { at: tenK().length, kind: 'finish', label: 'Finish' });
  });
});

describe('one runner', () => {
  test('fixes before the gun are ignored; the start is when they cross the line', () => {
    const course = tenK();
    const { state, steps } = race(course, fromThePen(course, 3.2, 45));
    assert.equal(steps[0]!.outcome, 'before-start');
    assert.equal(state.start!.basis, 'line');
    near((state.start!.t - GUN) / 1000, 45, 2, 'seconds after the gun');
    assert.equal(steps.filter((s) => s.started).length, 1);
  });

  test('passing times, splits and the finish follow the runner', () => {
    const course = tenK();
    const { state, steps, points } = race(course, fromThePen(course, 3.2, 0, 4, 2));
    assert.ok(state.finish !== null);
    near(elapsedSeconds(state, 0)!, course.length / 3.2, 5, 'finish time');
    const km = splits(points, state, 'km');
    assert.equal(km.length, 10);
    assert.equal(km[9]!.kind, 'finish');
    for (const row of km.slice(0, 9)) near(row.split!, 1000 / 3.2, 5, `split at ${row.label}`);
    const cps = splits(points, state, 'checkpoint');
    assert.deepEqual(cps.map((r) => r.label), ['Water 1', 'Half way', 'Water 2', 'Finish']);
    near(cps[1]!.elapsed!, 5000 / 3.2, 4, 'at half way');
    assert.ok(cps.every((r) => !r.estimated));
    // Each passing was announced once, by the fix that made it.
    const announced = steps.flatMap((s) => s.passed.map((p) => points[p.index]!.label));
    assert.equal(announced.length, points.length);
    assert.equal(new Set(announced.map((l, i) => `${l}#${i}`)).size, points.length);
  });

  test('after the finish nothing changes', () => {
    const course = tenK();
    const fixes = fromThePen(course, 4);
    const { state } = race(course, fixes);
    const ix = indexCourse(course);
    const later = raceStep(ix, timingPoints(course), state, { ...fixes[100]!, t: fixes[fixes.length - 1]!.t + 60_000 }, matchOptions({ startTime: GUN }));
    assert.equal(later.outcome, 'finished');
    assert.equal(later.race, state);
  });

  test('first seen mid-course after the gun: the gun is the start, earlier splits are estimates', () => {
    const course = tenK();
    const fixes = run(course, { speedMps: 3, from: 3000, t0: GUN + 1000_000, noiseM: 3, seed: 4 });
    const { state, points } = race(course, fixes);
    assert.deepEqual({ ...state.start!, t: state.start!.t - GUN }, { t: 0, at: 0, basis: 'gun' });
    const km = splits(points, state, 'km');
    assert.ok(km[0]!.estimated && km[1]!.estimated && !km[3]!.estimated);
    near(km[5]!.split!, 1000 / 3, 5, 'a split after joining');
  });

  test('no event start: the first fix on the course is the start', () => {
    const course = tenK();
    const fixes = run(course, { speedMps: 3, from: 2000, to: 4000, t0: GUN, noiseM: 3, seed: 4 });
    const { state, points } = race(course, fixes, null);
    assert.equal(state.start!.basis, 'first-fix');
    near(state.start!.at, 2000, 10, 'start distance');
    const km = splits(points, state, 'km');
    assert.equal(km[0]!.t, null);
    assert.ok(km[2]!.t !== null);
  });

  test('pace now, on average, and when the runner was at a given distance', () => {
    const course = tenK();
    const fixes = fromThePen(course, 3.5, 0, 3, 7).filter((f) => f.t < GUN + 1500_000);
    const { state, points } = race(course, fixes);
    near(currentSpeed(state)!, 3.5, 0.3, 'current speed');
    near(averageSpeed(course, state)!, 3.5, 0.1, 'average speed');
    near((timeAt(points, state, 2000)! - GUN) / 1000, 2000 / 3.5, 3, 'time at 2 km');
    near((timeAt(points, state, state.match.progress! - 30)! - GUN) / 1000, (state.match.progress! - 30) / 3.5, 3, 'time 30 m back');
    assert.equal(timeAt(points, state, 9000), null);
  });

  test('predictions come from the pace over the last 2 km and say so', () => {
    const course = tenK();
    // 3 m/s for 4 km, then 2.5 m/s: the prediction follows the slowdown.
    const first = fromThePen(course, 3, 0, 2, 3).filter((f) => f.t <= GUN + (4000 / 3) * 1000);
    const second = run(course, { speedMps: 2.5, from: 4000, to: 6500, t0: GUN + (4000 / 3) * 1000 + 1000, noiseM: 2, seed: 5 });
    const { state, points } = race(course, [...first, ...second]);
    const fc = forecast(course, points, state);
    assert.equal(fc.basis!.kind, 'recent');
    near(fc.basis!.speed, 2.5, 0.1, 'recent speed');
    assert.equal(describeBasis(fc.basis, 'km'), 'pace over the last 2 km');
    assert.equal(describeBasis(fc.basis, 'mi'), 'pace over the last 2 km (1.2 mi)', 'a round basis in miles too, not "1.24 mi"');
    assert.deepEqual(fc.ahead.map((e) => e.label), ['Water 2', 'Finish']);
    const now = state.match.anchorT!;
    near((fc.ahead[0]!.t - now) / 1000, (7500 - state.match.progress!) / 2.5, 15, 'seconds to Water 2');
    near(fc.ahead[1]!.elapsed, (now - GUN) / 1000 + (course.length - state.match.progress!) / 2.5, 30, 'predicted finish');
  });

  test('early in the race the average since the start is the basis, and before 200 m there is none', () => {
    const course = tenK();
    const { state, points } = race(course, fromThePen(course, 3).filter((f) => f.t <= GUN + 300_000));
    assert.equal(forecastBasis(course, points, state)!.kind, 'average');
    assert.equal(describeBasis(forecastBasis(course, points, state), 'km'), 'average pace since the start');
    const early = race(course, fromThePen(course, 3).filter((f) => f.t <= GUN + 30_000));
    assert.equal(forecast(course, early.points, early.state).basis, null);
    assert.equal(describeBasis(null, 'km'), 'not enough of the race seen yet to predict');
  });

  test('checkpoints added mid-race get passing times interpolated for those already past', () => {
    const course = tenK();
    const { state, points } = race(course, fromThePen(course, 3).filter((f) => f.t <= GUN + 2500_000));
    const moved = withCheckpoints(course, [...course.checkpoints, { name: 'Bridge', at: 3300 }]);
    const newPoints = timingPoints(moved);
    const retimed = retime(points, newPoints, state);
    const rows = splits(newPoints, retimed, 'checkpoint');
    const bridge = rows.find((r) => r.label === 'Bridge')!;
    near(bridge.elapsed!, 3300 / 3, 4, 'elapsed at the new checkpoint');
    assert.equal(retimed.passings.length, newPoints.filter((p) => p.at <= state.match.progress!).length);
  });

  test('the race record is plain data', () => {
    const course = tenK();
    const { state } = race(course, fromThePen(course, 3).slice(0, 300));
    assert.deepEqual(JSON.parse(JSON.stringify(state)) as RunnerRace, state);
  });
});

describe('the race order', () => {
  function field(course: Course, until: number) {
    const paces = [3.6, 3.0, 3.3];
    const entrants: Entrant[] = paces.map((speed, i) => ({
      id: `r${i}`,
      name: `Runner ${i}`,
      bib: String(100 + i),
      race: race(course, fromThePen(course, speed, i * 10, 3, i + 1).filter((f) => f.t <= until)).state,
    }));
    entrants.push({ id: 'late', name: 'Zed', bib: null, race: initialRunnerRace() });
    entrants.push({ id: 'pen', name: 'Amy', bib: '7', race: race(course, fromThePen(course, 2.9, 100).filter((f) => f.t <= until)).state });
    return entrants;
  }

  test('runners on the course by distance, with gaps at the same point; the not started last', () => {
    const course = tenK();
    const early = raceStandings(course, timingPoints(course), field(course, GUN + 60_000));
    assert.deepEqual(early.map((s) => [s.id, s.status]).slice(3), [['pen', 'not-started'], ['late', 'not-started']]);
    const until = GUN + 1800_000;
    const standings = raceStandings(course, timingPoints(course), field(course, until));
    assert.deepEqual(standings.map((s) => s.id), ['r0', 'r2', 'r1', 'pen', 'late']);
    assert.deepEqual(standings.map((s) => s.position), [1, 2, 3, 4, null]);
    assert.deepEqual(standings.map((s) => s.status), ['running', 'running', 'running', 'running', 'not-started']);
    const [leader, second, third] = standings;
    assert.equal(leader!.gapToLeader, null);
    near(second!.gapToAhead!.metres, 1800 * 3.6 - (1800 - 20) * 3.3, 20, 'metres to the leader');
    // The leader passed the second runner's spot (1780 s × 3.3 m/s) at that distance / 3.6 m/s.
    near(second!.gapToAhead!.seconds!, 1800 - (1780 * 3.3) / 3.6, 8, 'seconds to the leader');
    near(third!.gapToLeader!.seconds!, 1800 - (1790 * 3.0) / 3.6, 8, 'third to the leader');
    near(third!.gapToAhead!.seconds!, 1800 - 20 - (1790 * 3.0) / 3.3 + 0, 8, 'third to second');
  });

  test('finished runners first, by their own finishing time, gaps as finishing-time differences', () => {
    const course = tenK();
    const standings = raceStandings(course, timingPoints(course), field(course, GUN + 10_000_000));
    const finished = standings.filter((s) => s.status === 'finished');
    assert.deepEqual(finished.map((s) => s.id), ['r0', 'r2', 'r1', 'pen']);
    near(finished[1]!.finishSeconds!, course.length / 3.3, 8, 'finishing time');
    near(finished[1]!.gapToAhead!.seconds!, course.length / 3.3 - course.length / 3.6, 8, 'gap');
    assert.equal(finished[1]!.gapToAhead!.metres, 0);
    // Amy started 100 s after the gun and is ranked on her own (slowest) time.
    near(finished[3]!.finishSeconds!, course.length / 2.9, 8, 'her own time');
    assert.equal(standings[standings.length - 1]!.id, 'late');
  });

  test('an out-and-back: the runner coming back is ahead of the one still going out at the same spot', () => {
    const course = courseFromXY(outAndBack(2500, 0));
    const points = timingPoints(course);
    const back = race(course, run(course, { speedMps: 3.5, t0: GUN, to: 3500, noiseM: 3, seed: 1 })).state;
    const out = race(course, run(course, { speedMps: 1.5, t0: GUN, to: 1500, noiseM: 3, seed: 2 })).state;
    const standings = raceStandings(course, points, [
      { id: 'out', name: 'Out', bib: null, race: out },
      { id: 'back', name: 'Back', bib: null, race: back },
    ]);
    assert.deepEqual(standings.map((s) => s.id), ['back', 'out']);
    near(standings[1]!.gapToAhead!.metres, 2000, 20, 'metres between');
  });

  test('an off-course runner is marked in the standings', () => {
    const course = tenK();
    const fixes = fromThePen(course, 3).filter((f) => f.t <= GUN + 600_000);
    const last = fixes[fixes.length - 1]!;
    const away = Array.from({ length: 60 }, (_, i) => {
      const [lat, lon] = jitter([last.lat, last.lon], 300, 0);
      return { lat, lon, t: last.t + (i + 1) * 1000, accuracy: 5 };
    });
    const state = race(course, [...fixes, ...away]).state;
    const [s] = raceStandings(course, timingPoints(course), [{ id: 'x', name: 'X', bib: null, race: state }]);
    assert.equal(s!.offCourse, true);
    assert.equal(s!.status, 'running');
  });
});
