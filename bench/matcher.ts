/**
 * `npm run bench:matcher`: fixes matched per second on a 42.2 km course of 20,000 points, on one core.
 *
 * The course is the winding city loop from the tests (bends, corners, out-and-back spurs with lanes 6 m
 * apart). Runners start within five minutes of the gun at paces from 2:20 to 6:40 per km, and their fixes
 * carry seeded Gaussian noise. Fixes are fed tick by tick across the field, as an event room sees them.
 * Each scenario is run three times and the best run is reported (the machine is shared).
 *
 *   npm run bench:matcher [-- --quick]
 */
import { loadavg } from 'node:os';
import { positionAt } from '../lib/course/course';
import { type Fix, indexCourse, initialMatchState, matchFix, matchOptions } from '../lib/course/matcher';
import { initialRunnerRace, raceStep, timingPoints } from '../lib/course/race';
import { courseFromXY, gaussian, jitter, rng, winding } from '../test/course-shapes';

const TARGET = 200_000;
const quick = process.argv.includes('--quick');

interface Scenario {
  name: string;
  runners: number;
  intervalS: number;
  noiseM: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'phones, 1 fix/s, σ 4 m', runners: 60, intervalS: 1, noiseM: 4 },
  { name: 'phones, 1 fix/5 s, σ 6 m', runners: 300, intervalS: 5, noiseM: 6 },
  { name: 'tracking apps, 1 fix/30 s, σ 8 m', runners: 1500, intervalS: 30, noiseM: 8 },
];

interface Field {
  /** Per runner: lat, lon, t, truth for each fix. */
  lat: Float64Array[];
  lon: Float64Array[];
  t: Float64Array[];
  truth: Float64Array[];
  ticks: number;
  fixes: number;
}

const GUN = 1_700_000_000_000;

function makeField(course: ReturnType<typeof courseFromXY>, s: Scenario, runners: number): Field {
  const rand = rng(42);
  const noise = gaussian(rng(43));
  const field: Field = { lat: [], lon: [], t: [], truth: [], ticks: 0, fixes: 0 };
  for (let r = 0; r < runners; r++) {
    const speed = 2.5 + rand() * 4.64; // 6:40 to 2:20 per km
    const startS = rand() * 300;
    const n = Math.ceil(course.length / speed / s.intervalS) + 1;
    const lat = new Float64Array(n);
    const lon = new Float64Array(n);
    const t = new Float64Array(n);
    const truth = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const along = Math.min(course.length, k * s.intervalS * speed);
      const p = jitter(positionAt(course, along), noise() * s.noiseM, noise() * s.noiseM);
      lat[k] = p[0];
      lon[k] = p[1];
      t[k] = GUN + (startS + k * s.intervalS) * 1000;
      truth[k] = along;
    }
    field.lat.push(lat);
    field.lon.push(lon);
    field.t.push(t);
    field.truth.push(truth);
    field.ticks = Math.max(field.ticks, n);
    field.fixes += n;
  }
  return field;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function main() {
  let t0 = performance.now();
  const course = courseFromXY(winding(42_195, 20_000, 3));
  const buildMs = performance.now() - t0;
  t0 = performance.now();
  const ix = indexCourse(course);
  const indexMs = performance.now() - t0;
  const points = timingPoints(course);
  const options = matchOptions({ startTime: GUN });

  // A first fix searches the whole course (no progress yet, no start time): the slow case.
  const firstOptions = matchOptions();
  const probe = 2000;
  t0 = performance.now();
  for (let k = 0; k < probe; k++) {
    const [lat, lon] = positionAt(course, (k * 7919) % course.length);
    matchFix(ix, initialMatchState(), { lat, lon, t: GUN, accuracy: 10 }, firstOptions);
  }
  const firstUs = ((performance.now() - t0) / probe) * 1000;

  console.log(`course: ${(course.length / 1000).toFixed(2)} km, ${course.points.length} points; built in ${buildMs.toFixed(0)} ms, indexed in ${indexMs.toFixed(1)} ms`);
  console.log(`first fix (whole-course search): ${firstUs.toFixed(1)} µs`);
  console.log(`load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on a shared machine\n`);

  const rows: string[][] = [['scenario', 'runners', 'fixes', 'match fixes/s', 'race fixes/s', 'error p50', 'p99', 'max', `≥ ${TARGET / 1000}k/s`]];
  let worstMatch = Infinity;
  for (const s of SCENARIOS) {
    const runners = quick ? Math.ceil(s.runners / 5) : s.runners;
    const field = makeField(course, s, runners);
    const errors = new Float64Array(field.fixes);
    let bestMatch = 0;
    let bestRace = 0;
    for (let rep = 0; rep < 3; rep++) {
      // Matcher alone.
      const states = Array.from({ length: runners }, () => initialMatchState());
      let e = 0;
      let start = process.hrtime.bigint();
      for (let k = 0; k < field.ticks; k++) {
        for (let r = 0; r < runners; r++) {
          const t = field.t[r]!;
          if (k >= t.length) continue;
          const fix: Fix = { lat: field.lat[r]![k]!, lon: field.lon[r]![k]!, t: t[k]!, accuracy: s.noiseM * 1.5 };
          const result = matchFix(ix, states[r]!, fix, options);
          states[r] = result.state;
          if (rep === 0) errors[e++] = result.progress === null ? Infinity : Math.abs(result.progress - field.truth[r]![k]!);
        }
      }
      let seconds = Number(process.hrtime.bigint() - start) / 1e9;
      bestMatch = Math.max(bestMatch, field.fixes / seconds);

      // The whole per-fix race step (matcher, passings, recent samples).
      const races = Array.from({ length: runners }, () => initialRunnerRace());
      start = process.hrtime.bigint();
      for (let k = 0; k < field.ticks; k++) {
        for (let r = 0; r < runners; r++) {
          const t = field.t[r]!;
          if (k >= t.length) continue;
          const fix: Fix = { lat: field.lat[r]![k]!, lon: field.lon[r]![k]!, t: t[k]!, accuracy: s.noiseM * 1.5 };
          races[r] = raceStep(ix, points, races[r]!, fix, options).race;
        }
      }
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
      bestRace = Math.max(bestRace, field.fixes / seconds);
    }
    errors.sort();
    worstMatch = Math.min(worstMatch, bestMatch);
    rows.push([
      s.name,
      String(runners),
      field.fixes.toLocaleString('en-GB'),
      Math.round(bestMatch).toLocaleString('en-GB'),
      Math.round(bestRace).toLocaleString('en-GB'),
      `${percentile(errors, 0.5).toFixed(1)} m`,
      `${percentile(errors, 0.99).toFixed(1)} m`,
      `${errors[errors.length - 1]!.toFixed(0)} m`,
      bestMatch >= TARGET ? 'yes' : 'NO',
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log(`\nslowest scenario: ${Math.round(worstMatch).toLocaleString('en-GB')} fixes/s (target ${TARGET.toLocaleString('en-GB')})`);
}

main();
