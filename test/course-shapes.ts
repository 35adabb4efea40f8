/**
 * Hand-made courses of every shape that trips a matcher up, and runners that move along them with seeded
 * GPS noise. Shapes are drawn in metres east/north of a base point and turned into latitude/longitude, so
 * a test can say "the turnaround is at 5 km" and the course will measure that (to cheap-ruler's accuracy).
 */
import CheapRuler from 'cheap-ruler';
import { type Course, type LatLon, buildCourse, positionAt } from '../lib/course/course';
import type { Fix } from '../lib/course/matcher';

export const BASE: LatLon = [48.137, 11.575];
// The course measures with cheap-ruler; drawing with its scale factors makes "5 km" measure 5 km.
const { kx: M_PER_DEG_LON, ky: M_PER_DEG_LAT } = new CheapRuler(BASE[0], 'meters');

export type XY = readonly [east: number, north: number];

/** Metres east/north of BASE to latitude/longitude. */
export function toLatLon([east, north]: XY): LatLon {
  return [BASE[0] + north / M_PER_DEG_LAT, BASE[1] + east / M_PER_DEG_LON];
}

export function courseFromXY(xy: readonly XY[], name = 'test'): Course {
  return buildCourse({ name, points: xy.map((p) => toLatLon(p)), elevations: null });
}

/** Points every `step` metres along a straight stretch from a to b (a included, b not). */
function stretch(a: XY, b: XY, step: number): XY[] {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const n = Math.max(1, Math.round(len / step));
  return Array.from({ length: n }, (_, k) => [a[0] + ((b[0] - a[0]) * k) / n, a[1] + ((b[1] - a[1]) * k) / n]);
}

function arc(cx: number, cy: number, r: number, from: number, to: number, step: number): XY[] {
  const n = Math.max(2, Math.round((Math.abs(to - from) * r) / step));
  return Array.from({ length: n }, (_, k) => {
    const a = from + ((to - from) * k) / n;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
}

export function straight(lengthM: number, step = 10): XY[] {
  return [...stretch([0, 0], [lengthM, 0], step), [lengthM, 0]];
}

/** A circular loop of `lapM` run `laps` times; start and finish are the same spot. */
export function loopLaps(lapM: number, laps: number, step = 10): XY[] {
  const r = lapM / (2 * Math.PI);
  const out: XY[] = [];
  for (let l = 0; l < laps; l++) out.push(...arc(0, r, r, -Math.PI / 2, (3 * Math.PI) / 2, step));
  out.push([0, 0]);
  return out;
}

/** Out east for `legM`, round a turnaround, and back along a line `laneM` to the north (0: the same line). */
export function outAndBack(legM: number, laneM: number, step = 10): XY[] {
  const out = stretch([0, 0], [legM, 0], step);
  if (laneM > 0) out.push(...arc(legM, laneM / 2, laneM / 2, -Math.PI / 2, Math.PI / 2, 1));
  else out.push([legM, 0]);
  out.push(...stretch([legM, laneM], [0, laneM], step).slice(laneM > 0 ? 0 : 1), [0, laneM]);
  return out;
}

/** A figure-eight (lemniscate of Gerono) starting at its east tip; it crosses itself at a quarter and three quarters. */
export function figureEight(widthM: number, step = 10): XY[] {
  const a = widthM / 2;
  const out: XY[] = [];
  const n = Math.round((6.1 * a) / step);
  for (let k = 0; k <= n; k++) {
    const t = Math.PI / 2 + (2 * Math.PI * k) / n;
    out.push([a * Math.sin(t), a * Math.sin(t) * Math.cos(t)]);
  }
  return out;
}

/** Along a stick, once round a loop at its end, and back along the stick. */
export function lollipop(stickM: number, loopM: number, step = 10): XY[] {
  const r = loopM / (2 * Math.PI);
  return [
    ...stretch([0, 0], [stickM, 0], step),
    ...arc(stickM + r, 0, r, Math.PI, -Math.PI, step),
    ...stretch([stickM, 0], [0, 0], step),
    [0, 0],
  ];
}

/**
 * A city-marathon-like course of `lengthM` with `points` vertices: one big loop made of streets that bend
 * and turn corners, with a few out-and-back spurs whose two sides run side by side (the hard part for a
 * matcher). It does not cross itself elsewhere, so a runner's truth is unambiguous for the tests.
 */
export function winding(lengthM: number, points: number, seed = 1): XY[] {
  const rand = rng(seed);
  const step = lengthM / (points - 1);
  const out: XY[] = [[0, 0]];
  let x = 0;
  let y = 0;
  let wiggle = 0;
  let wiggleRate = 0;
  // A spur: out along a heading, across 6 m, and back alongside (metres left on each leg).
  const planned: Array<{ heading: number; metres: number }> = [];
  for (let i = 1; i < points; i++) {
    // The big loop turns once over the course; streets wander up to about ±50° off it.
    const base = (2 * Math.PI * i) / (points - 1);
    wiggleRate = wiggleRate * 0.995 + (rand() - 0.5) * 0.004;
    wiggle = Math.max(-0.9, Math.min(0.9, wiggle + wiggleRate));
    let heading = base + wiggle;
    if (planned.length === 0 && rand() < 0.0004 && i < points - 1000) {
      const h = heading + Math.PI / 2;
      const leg = 300 + rand() * 500;
      planned.push({ heading: h, metres: leg }, { heading: h - Math.PI / 2, metres: 6 }, { heading: h + Math.PI, metres: leg });
    }
    const move = planned[0];
    if (move) {
      heading = move.heading;
      move.metres -= step;
      if (move.metres <= 0) planned.shift();
    }
    x += step * Math.cos(heading);
    y += step * Math.sin(heading);
    out.push([x, y]);
  }
  return out;
}

/** Mulberry32: small, fast, and the same sequence on every machine. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export interface RunOptions {
  speedMps?: number;
  /** First fix time, ms. */
  t0?: number;
  /** Distance along the course at t0, metres. */
  from?: number;
  /** Stop at this distance (default: the finish). */
  to?: number;
  intervalS?: number;
  /** Standard deviation of the GPS error per axis, metres. */
  noiseM?: number;
  seed?: number;
  accuracy?: number;
}

export interface SimFix extends Fix {
  /** Where the runner really was along the course. */
  truth: number;
}

/** Fixes of a runner moving at a steady speed along the course, with seeded Gaussian noise. */
export function run(course: Course, options: RunOptions = {}): SimFix[] {
  const { speedMps = 3, t0 = 1_700_000_000_000, from = 0, to = course.length, intervalS = 1, noiseM = 0, seed = 7 } = options;
  const noise = gaussian(rng(seed));
  const out: SimFix[] = [];
  for (let k = 0; ; k++) {
    const truth = Math.min(to, from + speedMps * intervalS * k);
    const [lat, lon] = jitter(positionAt(course, truth), noiseM ? noise() * noiseM : 0, noiseM ? noise() * noiseM : 0);
    out.push({ lat, lon, t: t0 + k * intervalS * 1000, accuracy: options.accuracy ?? Math.max(5, noiseM * 1.5), truth });
    if (truth >= to) break;
  }
  return out;
}

/** A point moved by metres north and east. */
export function jitter([lat, lon]: LatLon, northM: number, eastM: number): LatLon {
  return [lat + northM / M_PER_DEG_LAT, lon + eastM / M_PER_DEG_LON];
}

/**
 * A loop of `lengthM` whose finish stops `gapM` short of its start, as on many half marathons: the start
 * pen (behind the start line) is the last few metres before the finish line, and past it.
 */
export function loopWithGap(lengthM: number, gapM: number, step = 10): XY[] {
  const r = (lengthM + gapM) / (2 * Math.PI);
  const turn = lengthM / r;
  const n = Math.max(2, Math.round(lengthM / step));
  return Array.from({ length: n + 1 }, (_, k) => {
    const a = -Math.PI / 2 + (turn * k) / n;
    return [r * Math.cos(a), r + r * Math.sin(a)] as XY;
  });
}

/** A point `metres` behind the start line, on the line's own direction (where a start pen is). */
export function behindStart(course: Course, metres: number, northM = 0, eastM = 0): LatLon {
  const [lat0, lon0] = course.points[0]!;
  const [lat1, lon1] = course.points[Math.min(course.points.length - 1, 2)]!;
  const ruler = new CheapRuler(lat0, 'meters');
  const d = ruler.distance([lon0, lat0], [lon1, lat1]);
  const east = ((lon1 - lon0) * M_PER_DEG_LON * -metres) / d;
  const north = ((lat1 - lat0) * M_PER_DEG_LAT * -metres) / d;
  return jitter(course.start, north + northM, east + eastM);
}
