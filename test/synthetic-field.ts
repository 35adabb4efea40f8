/**
 * A synthetic field for the estimator: runners on a hilly marathon whose pace drifts (fatigue that sets in
 * at different times and rates, kilometre-to-kilometre wobble, hills that cost them more or less than the
 * estimator assumes), seen through phones (a fix every 5 s, 6 m noise), satellite trackers (a fix every
 * 10 min) or timing mats (every 5 km), each going silent at some point. Everything is seeded: the same
 * seed gives the same field, the same silences and the same figures on every machine.
 *
 * `coverage` replays each runner through the real race model (raceStep / raceObserve), asks the estimator
 * at the moment they fall silent, and checks the band against where they really are 1 to 90 minutes later
 * and the ETA intervals against when they really reach each checkpoint and the finish.
 */
import { buildCourse, type Course, positionAt, withCheckpoints } from '../lib/course/course';
import { effortProfile } from '../lib/course/effort';
import { arrival, whereabouts } from '../lib/course/estimate';
import { raceEstimate } from '../lib/course/forecast';
import { type Fix, indexCourse, matchOptions } from '../lib/course/matcher';
import { initialRunnerRace, raceObserve, raceStep, timingPoints } from '../lib/course/race';
import { gaussian, jitter, rng, toLatLon, winding } from './course-shapes';

export const GUN = 1_700_000_000_000;

/** 42.195 km with rolling hills (up to about ±4 %) and one long climb from 28 to 32 km; a checkpoint every 5 km. */
export function hillyMarathon(): Course {
  const xy = winding(42_195, 8000, 3);
  const step = 42_195 / (xy.length - 1);
  const elevations = xy.map((_, i) => {
    const d = i * step;
    const climb = d < 28_000 ? 0 : d < 32_000 ? ((d - 28_000) / 4000) * 90 : 90;
    return 40 + 18 * Math.sin(d / 900) + 10 * Math.sin(d / 370 + 1) + climb;
  });
  const course = buildCourse({ name: 'Hilly marathon', points: xy.map((p) => toLatLon(p)), elevations });
  const checkpoints = [5, 10, 15, 20, 25, 30, 35, 40].map((km) => ({ name: `${km} km mat`, at: km * 1000 }));
  return withCheckpoints(course, checkpoints);
}

/** The time cost of a grade for these runners: steeper than the estimator's model uphill, gentler down. */
function trueCost(grade: number): number {
  return grade >= 0 ? 1 + 3.6 * grade : 1 + 1.4 * Math.max(-0.1, grade);
}

export type Source = 'gps' | 'sat' | 'mat';

interface Truth {
  source: Source;
  /** Metres along the course at each second since the gun, until the finish. */
  at: Float64Array;
  /** The second they fall silent. */
  silentFrom: number;
}

function simulate(course: Course, seed: number, index: number): Truth {
  const rand = rng(seed * 7919 + index);
  const normal = gaussian(rng(seed * 104_729 + index));
  const source: Source = index % 10 < 6 ? 'gps' : index % 10 < 8 ? 'sat' : 'mat';
  const v0 = 2.4 + rand() * 2.2;
  const onsetH = 0.5 + rand() * 2;
  const fatiguePerH = rand() * 0.12;
  const elevations = course.elevations!;
  const cum = course.cumulative;
  const gradeAt = (x: number) => {
    let i = 1;
    let lo = 0;
    let hi = cum.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! <= x) lo = mid;
      else hi = mid;
    }
    i = lo;
    const a = Math.max(0, i - 2);
    const b = Math.min(cum.length - 1, i + 3);
    return (elevations[b]! - elevations[a]!) / Math.max(1, cum[b]! - cum[a]!);
  };
  const out: number[] = [0];
  let x = 0;
  let wobble = 0;
  let km = 0;
  let kmWobble = normal() * 0.03;
  const startS = Math.floor(rand() * 120);
  for (let s = 1; x < course.length && s < 10 * 3600; s++) {
    if (s < startS) {
      out.push(0);
      continue;
    }
    if (Math.floor(x / 1000) !== km) {
      km = Math.floor(x / 1000);
      kmWobble = 0.7 * kmWobble + normal() * 0.025;
    }
    wobble = 0.98 * wobble + normal() * 0.004;
    const h = s / 3600;
    const fatigue = 1 - fatiguePerH * Math.max(0, h - onsetH);
    const v = Math.max(0.8, (v0 * fatigue * (1 + kmWobble + wobble)) / trueCost(gradeAt(x)));
    x = Math.min(course.length, x + v);
    out.push(x);
  }
  const total = out.length;
  const silentFrom = Math.floor(total * (0.2 + rand() * 0.6));
  return { source, at: Float64Array.from(out), silentFrom };
}

export interface Coverage {
  runners: number;
  bandChecks: number;
  bandCovered: number;
  etaChecks: number;
  etaCovered: number;
  /** Mean width of the band, metres, over the checks. */
  meanBandM: number;
  /** Median width of the ETA intervals, minutes. */
  medianEtaMin: number;
  /** Silent runners the estimator called ghosts once their source's interval had passed. */
  ghosts: number;
  ghostChecks: number;
  /** Covered and checked, per source: band, ETA. */
  bySource: Record<Source, { band: [number, number]; eta: [number, number] }>;
}

const LOOK_AHEAD_MIN = [1, 3, 5, 10, 15, 20, 30, 45, 60, 90];

export function coverage(seed: number, runners: number): Coverage {
  const course = hillyMarathon();
  const ix = indexCourse(course);
  const points = timingPoints(course);
  const effort = effortProfile(course);
  const options = matchOptions({ startTime: GUN });
  const mats = course.checkpoints.map((c) => c.at);
  const result: Coverage = { runners, bandChecks: 0, bandCovered: 0, etaChecks: 0, etaCovered: 0, meanBandM: 0, medianEtaMin: 0, ghosts: 0, ghostChecks: 0, bySource: { gps: { band: [0, 0], eta: [0, 0] }, sat: { band: [0, 0], eta: [0, 0] }, mat: { band: [0, 0], eta: [0, 0] } } };
  const etaWidths: number[] = [];
  let bandWidth = 0;
  for (let r = 0; r < runners; r++) {
    const truth = simulate(course, seed, r);
    const noise = gaussian(rng(seed * 31 + r));
    let race = initialRunnerRace();
    if (truth.source === 'mat') {
      let nextMat = 0;
      for (let s = 0; s < truth.silentFrom; s++) {
        const prev = s > 0 ? truth.at[s - 1]! : -1;
        const here = truth.at[s]!;
        while (nextMat < mats.length && mats[nextMat]! <= here) {
          // Exact place, time interpolated to the second.
          const m = mats[nextMat]!;
          const t = GUN + (s - 1 + (m - prev) / Math.max(1e-9, here - prev)) * 1000;
          race = raceObserve(points, race, { t, at: m, src: 'mat' }, GUN).race;
          nextMat++;
        }
        if (s === 0) race = raceObserve(points, race, { t: GUN + 1000, at: 0, src: 'mat' }, GUN).race;
      }
    } else {
      const every = truth.source === 'gps' ? 5 : 600;
      const noiseM = truth.source === 'gps' ? 6 : 10;
      for (let s = 1; s < truth.silentFrom; s += every) {
        const [lat, lon] = jitter(positionAt(course, truth.at[s]!), noise() * noiseM, noise() * noiseM);
        const fix: Fix = { lat, lon, t: GUN + s * 1000, accuracy: noiseM * 1.5 };
        race = raceStep(ix, points, race, fix, options, truth.source).race;
      }
    }
    const nextMatAt = (at: number) => mats.find((m) => m > at) ?? null;
    const est = raceEstimate(course, points, race, effort, truth.source === 'mat' ? nextMatAt(race.match.progress ?? 0) : null);
    if (!est) continue;
    for (const minutes of LOOK_AHEAD_MIN) {
      const now = est.t + minutes * 60_000;
      const s = Math.round((now - GUN) / 1000);
      if (s >= truth.at.length) break;
      const w = whereabouts(est, effort, course.length, now);
      result.bandChecks++;
      bandWidth += w.hi - w.lo;
      const inBand = w.lo <= truth.at[s]! && truth.at[s]! <= w.hi;
      if (inBand) result.bandCovered++;
      result.bySource[truth.source].band[0] += inBand ? 1 : 0;
      result.bySource[truth.source].band[1]++;
      if (now > est.until) {
        result.ghostChecks++;
        if (w.kind === 'ghost') result.ghosts++;
      }
    }
    for (const x of [...mats, course.length]) {
      if (x <= est.at) continue;
      const eta = arrival(est, effort, x);
      const reached = truth.at.findIndex((a) => a >= x);
      if (!eta || reached < 0) continue;
      result.etaChecks++;
      etaWidths.push((eta.hi - eta.lo) / 60_000);
      const t = GUN + reached * 1000;
      const inEta = eta.lo <= t && t <= eta.hi;
      if (inEta) result.etaCovered++;
      result.bySource[truth.source].eta[0] += inEta ? 1 : 0;
      result.bySource[truth.source].eta[1]++;
    }
  }
  result.meanBandM = bandWidth / Math.max(1, result.bandChecks);
  etaWidths.sort((a, b) => a - b);
  result.medianEtaMin = etaWidths[Math.floor(etaWidths.length / 2)] ?? 0;
  return result;
}
