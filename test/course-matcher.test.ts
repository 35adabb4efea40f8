/** Unit: matching fixes to courses of every shape, with noise, gaps, late joiners and detours. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Course, positionAt } from '../lib/course/course';
import {
  type Fix,
  type MatchOptions,
  type MatchResult,
  type MatchState,
  indexCourse,
  initialMatchState,
  matchFix,
  matchOptions,
} from '../lib/course/matcher';
import {
  type SimFix,
  courseFromXY,
  figureEight,
  jitter,
  lollipop,
  loopLaps,
  outAndBack,
  rng,
  run,
  straight,
  winding,
} from './course-shapes';

const T0 = 1_700_000_000_000;

interface Trace {
  results: MatchResult[];
  state: MatchState;
}

function follow(course: Course, fixes: readonly Fix[], options: MatchOptions = matchOptions()): Trace {
  const ix = indexCourse(course);
  let state = initialMatchState();
  const results: MatchResult[] = [];
  for (const f of fixes) {
    const r = matchFix(ix, state, f, options);
    results.push(r);
    state = r.state;
  }
  return { results, state };
}

/** Progress never falls, and stays within `tolerance` metres of where the runner really is. */
function assertTracks(fixes: readonly SimFix[], trace: Trace, tolerance: number, what: string) {
  let previous = -Infinity;
  let worst = 0;
  let worstAt = 0;
  trace.results.forEach((r, i) => {
    assert.notEqual(r.progress, null, `${what}: fix ${i} unmatched`);
    assert.ok(r.progress! >= previous, `${what}: progress fell from ${previous} to ${r.progress} at fix ${i}`);
    previous = r.progress!;
    const error = Math.abs(r.progress! - fixes[i]!.truth);
    if (error > worst) {
      worst = error;
      worstAt = fixes[i]!.truth;
    }
    assert.equal(r.offCourse, false, `${what}: flagged off course at ${fixes[i]!.truth.toFixed(0)} m`);
  });
  assert.ok(worst <= tolerance, `${what}: ${worst.toFixed(1)} m off the truth at ${worstAt.toFixed(0)} m (allowed ${tolerance})`);
}

const SHAPES: Array<[string, () => Course]> = [
  ['a straight course', () => courseFromXY(straight(5000))],
  ['a 2 km loop run three times (start and finish on one spot)', () => courseFromXY(loopLaps(2000, 3))],
  ['an out-and-back on the same line', () => courseFromXY(outAndBack(3000, 0))],
  ['an out-and-back on lanes 6 m apart', () => courseFromXY(outAndBack(3000, 6))],
  ['a figure-eight', () => courseFromXY(figureEight(1000))],
  ['a lollipop', () => courseFromXY(lollipop(1000, 2000))],
  ['a winding 42 km course with out-and-back spurs', () => courseFromXY(winding(42_195, 20_000, 3))],
];

describe('runners along every course shape', () => {
  for (const [name, make] of SHAPES) {
    test(`${name}: exact fixes are matched to within 10 m (the filter's lag and a turnaround's tip)`, () => {
      const course = make();
      const fixes = run(course, { speedMps: 3.3, intervalS: 2 });
      assertTracks(fixes, follow(course, fixes), 10, name);
    });

    test(`${name}: noisy fixes (σ 5 m, seeded) never send progress back or a lap ahead`, () => {
      const course = make();
      for (const seed of [1, 2, 3]) {
        const fixes = run(course, { speedMps: 2.8 + seed * 0.4, noiseM: 5, seed, intervalS: 1 });
        assertTracks(fixes, follow(course, fixes), 25, `${name}, seed ${seed}`);
      }
    });

    test(`${name}: fixes every 10 s with σ 8 m noise`, () => {
      const course = make();
      const fixes = run(course, { speedMps: 3.6, noiseM: 8, seed: 11, intervalS: 10 });
      assertTracks(fixes, follow(course, fixes), 40, name);
    });
  }
});

describe('the matcher against cheap-ruler', () => {
  test('on a course that never comes back near itself, a first fix lands where pointOnLine puts it', () => {
    // An Archimedean spiral with turns 200 m apart: the nearest point is always the only candidate.
    const xy: Array<[number, number]> = [];
    for (let a = 0; a < 6 * Math.PI; a += 0.01) xy.push([(200 * a * Math.cos(a)) / (2 * Math.PI), (200 * a * Math.sin(a)) / (2 * Math.PI)]);
    const course = courseFromXY(xy);
    const ix = indexCourse(course);
    const line = course.points.map(([lat, lon]) => [lon, lat] as [number, number]);
    const rand = rng(5);
    for (let k = 0; k < 300; k++) {
      const along = 50 + rand() * (course.length - 100);
      const [lat, lon] = jitter(positionAt(course, along), (rand() - 0.5) * 60, (rand() - 0.5) * 60);
      const r = matchFix(ix, initialMatchState(), { lat, lon, t: T0, accuracy: 5 });
      const ref = course.ruler.pointOnLine(line, [lon, lat]);
      const refAlong = course.cumulative[ref.index]! + (course.cumulative[ref.index + 1]! - course.cumulative[ref.index]!) * Math.min(1, Math.max(0, ref.t));
      assert.ok(Math.abs(r.at! - refAlong) < 0.01, `along ${r.at} vs ${refAlong}`);
      assert.ok(Math.abs(r.offCourseM! - ref.dist) < 0.01, `distance ${r.offCourseM} vs ${ref.dist}`);
    }
  });
});

describe('turnarounds, crossings and laps', () => {
  test('at an out-and-back turnaround the runner is placed on the way back, not back on the way out', () => {
    const course = courseFromXY(outAndBack(2000, 0));
    const fixes = run(course, { speedMps: 3, from: 1900, to: 2100, intervalS: 1 });
    const { results } = follow(course, fixes);
    const last = results[results.length - 1]!;
    assert.ok(Math.abs(last.progress! - 2100) < 3, `progress ${last.progress}`);
  });

  test('passing the crossing of a figure-eight does not jump to the other pass', () => {
    const course = courseFromXY(figureEight(1000));
    // By symmetry the lemniscate passes its centre at a quarter and at three quarters of its length.
    const [a, b] = [positionAt(course, course.length / 4), positionAt(course, (3 * course.length) / 4)];
    assert.ok(course.ruler.distance([a[1], a[0]], [b[1], b[0]]) < 2, 'the two passes meet');
    for (const crossing of [course.length / 4, (3 * course.length) / 4]) {
      const fixes = run(course, { speedMps: 3, from: crossing - 100, to: crossing + 100, noiseM: 4, seed: 9 });
      const startTime = fixes[0]!.t - ((crossing - 100) / 3) * 1000;
      assertTracks(fixes, follow(course, fixes, matchOptions({ startTime })), 20, `crossing at ${crossing.toFixed(0)} m`);
    }
  });

  test('a lap course: the first fix at the shared start/finish is the start, not the finish', () => {
    const course = courseFromXY(loopLaps(2000, 3));
    const r = matchFix(indexCourse(course), initialMatchState(), { lat: course.start[0], lon: course.start[1], t: T0, accuracy: 5 });
    assert.ok(Math.abs(r.progress!) < 1, `progress ${r.progress}`);
  });

  test('a lap course: finishing takes the runner to the full length, not back to the start', () => {
    const course = courseFromXY(loopLaps(2000, 3));
    const fixes = run(course, { speedMps: 4, from: 5800, noiseM: 3, seed: 2 });
    // Started about 5800 m / 3 m/s ago, so the first fix is on the last lap, not the first two.
    const { state } = follow(course, fixes, matchOptions({ startTime: fixes[0]!.t - 1_933_000 }));
    assert.ok(Math.abs(state.progress! - course.length) < 10, `progress ${state.progress}`);
  });
});

describe('noise, gaps and the first fix', () => {
  test('small backward jitter holds progress instead of moving it back', () => {
    const course = courseFromXY(straight(2000));
    const at = (m: number, t: number): Fix => {
      const [lat, lon] = positionAt(course, m);
      return { lat, lon, t: T0 + t * 1000, accuracy: 5 };
    };
    const { results } = follow(course, [at(100, 0), at(103, 1), at(106, 2), at(96, 3), at(99, 4), at(109, 5)]);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ['on-course', 'on-course', 'on-course', 'on-course', 'on-course', 'on-course'],
    );
    const p = results.map((r) => r.progress!);
    for (let i = 1; i < p.length; i++) assert.ok(p[i]! >= p[i - 1]!, `progress fell at ${i}: ${p}`);
    assert.ok(results[3]!.at! < results[2]!.progress!, 'the jittered fix itself lies behind');
  });

  test('after a 10-minute gap on a lap course the runner is found on the right lap', () => {
    const course = courseFromXY(loopLaps(1000, 5));
    const fixes = run(course, { speedMps: 3, noiseM: 4, seed: 4, intervalS: 1 });
    // Dark from 700 m to 700 m + 10 minutes at 3 m/s = 2500 m (lap 3), where the course passes the
    // same spots as at 500 m and 1500 m.
    const kept = fixes.filter((f) => f.truth < 700 || f.truth > 2500);
    assertTracks(kept, follow(course, kept), 25, 'gap on a lap course');
  });

  test('after a gap around an out-and-back turnaround the runner is found on the way back', () => {
    const course = courseFromXY(outAndBack(2000, 0));
    const fixes = run(course, { speedMps: 3, noiseM: 4, seed: 5, intervalS: 1 });
    const kept = fixes.filter((f) => f.truth < 1700 || f.truth > 2400);
    assertTracks(kept, follow(course, kept), 25, 'gap at a turnaround');
  });

  test('a first fix behind the start line is behind the start (negative), then the start is crossed', () => {
    const course = courseFromXY(straight(2000));
    const fixes = run(course, { speedMps: 3, from: -40, to: 60 }).map((f, i) => {
      // Behind the start the course has no points: place the runner 40 m west of the start, on its line.
      if (f.truth >= 0) return f;
      const [lat, lon] = jitter(course.start, 0, f.truth);
      return { ...f, lat, lon, t: T0 + i * 1000 };
    });
    const { results } = follow(course, fixes);
    assert.ok(results[0]!.progress! < -30, `first progress ${results[0]!.progress}`);
    assert.ok(results[results.length - 1]!.progress! > 50);
    assert.ok(results.every((r) => r.outcome === 'on-course'));
  });

  test('joining mid-course: found wherever they are when the course does not pass there twice', () => {
    const course = courseFromXY(winding(10_000, 5000, 8));
    const fixes = run(course, { speedMps: 3, from: 6500, to: 7000, noiseM: 4, seed: 3 });
    assertTracks(fixes, follow(course, fixes), 20, 'mid-course join');
  });

  test('joining an out-and-back on the way back: the event start time tells the legs apart', () => {
    const course = courseFromXY(outAndBack(3000, 0));
    // 40 minutes after the start at about 3 m/s is the way back (7.2 km → 4.8 km along), not 1.2 km.
    const fixes = run(course, { speedMps: 3, from: 4800, to: 5000, t0: T0 + 40 * 60_000, noiseM: 3, seed: 1 });
    assertTracks(fixes, follow(course, fixes, matchOptions({ startTime: T0 })), 20, 'joining on the way back');
    // Without the start time, the earliest stretch is taken: the way out.
    const blind = follow(course, fixes.slice(0, 1));
    assert.ok(Math.abs(blind.state.progress! - 1200) < 20, `progress ${blind.state.progress}`);
  });

  test('a runner far from the course stays unmatched and is not flagged', () => {
    const course = courseFromXY(straight(2000));
    const fixes: Fix[] = Array.from({ length: 120 }, (_, i) => {
      const [lat, lon] = jitter(course.start, 3000, 0);
      return { lat, lon, t: T0 + i * 1000, accuracy: 10 };
    });
    const { state, results } = follow(course, fixes);
    assert.equal(state.progress, null);
    assert.equal(state.offCourse, false);
    assert.ok(results.every((r) => r.outcome === 'off-course'));
  });
});

describe('off course', () => {
  function detour(course: Course, leaveAt: number, seconds: number, awayM: number, spacingS = 1): SimFix[] {
    const fixes: SimFix[] = [];
    let t = T0;
    for (let m = 0; m <= leaveAt; m += 3 * spacingS, t += spacingS * 1000) {
      const [lat, lon] = positionAt(course, m);
      fixes.push({ lat, lon, t, accuracy: 5, truth: m });
    }
    for (let s = 0; s < seconds; s += spacingS, t += spacingS * 1000) {
      const [lat, lon] = jitter(positionAt(course, leaveAt), awayM, 0);
      fixes.push({ lat, lon, t, accuracy: 5, truth: leaveAt });
    }
    for (let m = leaveAt; m <= leaveAt + 300; m += 3 * spacingS, t += spacingS * 1000) {
      const [lat, lon] = positionAt(course, m);
      fixes.push({ lat, lon, t, accuracy: 5, truth: m });
    }
    return fixes;
  }

  test('a two-minute detour 200 m away raises the flag after 30 s and lowers it 10 s after coming back', () => {
    const course = courseFromXY(straight(3000));
    const fixes = detour(course, 1000, 120, 200);
    const { results } = follow(course, fixes);
    const leftAt = fixes.findIndex((f) => f.lat !== positionAt(course, f.truth)[0]);
    const flaggedAt = results.findIndex((r) => r.offCourse);
    assert.equal((fixes[flaggedAt]!.t - fixes[leftAt]!.t) / 1000, 30);
    const backAt = leftAt + 120;
    const clearedAt = results.findIndex((r, i) => i > flaggedAt && !r.offCourse);
    assert.equal((fixes[clearedAt]!.t - fixes[backAt]!.t) / 1000, 10);
    // Progress stood still while away and moved on after.
    assert.ok(Math.abs(results[backAt - 1]!.progress! - 1000) < 3);
    assert.ok(results[results.length - 1]!.progress! > 1290);
    assert.ok(results.slice(leftAt, backAt).every((r) => r.outcome === 'off-course' && r.offCourseM! > 190));
    // The spell off the course is dated from its first fix off, for as long as the flag is up, and forgotten after.
    assert.ok(results.slice(flaggedAt, clearedAt).every((r) => r.state.offFrom === fixes[leftAt]!.t));
    assert.equal(results[flaggedAt - 1]!.state.offFrom, null);
    assert.equal(results[clearedAt]!.state.offFrom, null);
  });

  test('a single wild fix or a 20-second excursion does not raise the flag', () => {
    const course = courseFromXY(straight(3000));
    for (const seconds of [1, 20]) {
      const { results } = follow(course, detour(course, 1000, seconds, 300));
      assert.ok(results.every((r) => !r.offCourse), `${seconds} s`);
    }
  });

  test('a fix far off but with poor accuracy is not evidence of leaving the course', () => {
    const course = courseFromXY(straight(3000));
    const fixes = detour(course, 1000, 120, 90).map((f) => ({ ...f, accuracy: 80 }));
    const { results } = follow(course, fixes);
    assert.ok(results.every((r) => !r.offCourse && r.outcome === 'on-course'));
  });

  test('fixes less accurate than the limit are ignored; older fixes are ignored', () => {
    const course = courseFromXY(straight(3000));
    const ix = indexCourse(course);
    const [lat, lon] = positionAt(course, 500);
    const first = matchFix(ix, initialMatchState(), { lat, lon, t: T0, accuracy: 5 });
    const vague = matchFix(ix, first.state, { lat: course.finish[0], lon: course.finish[1], t: T0 + 1000, accuracy: 500 });
    assert.equal(vague.outcome, 'inaccurate');
    assert.equal(vague.progress, first.progress);
    const late = matchFix(ix, vague.state, { lat, lon, t: T0 - 1000, accuracy: 5 });
    assert.equal(late.outcome, 'out-of-order');
    assert.equal(late.state, vague.state);
  });
});

test('the state is plain data: a run restored from JSON halfway continues identically', () => {
  const course = courseFromXY(outAndBack(2000, 6));
  const ix = indexCourse(course);
  const fixes = run(course, { speedMps: 3.2, noiseM: 5, seed: 21 });
  let a = initialMatchState();
  let b = initialMatchState();
  fixes.forEach((f, i) => {
    a = matchFix(ix, a, f).state;
    b = matchFix(ix, i === 700 ? (JSON.parse(JSON.stringify(b)) as MatchState) : b, f).state;
  });
  assert.deepEqual(b, a);
});
