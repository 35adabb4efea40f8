/**
 * Replaying an event from the trails the page holds: where every runner was at a moment, and (on events
 * with a course) how far along it and in what order. Pure. The trails are the display trails (bounded
 * whatever the race's length), so a replay costs what the live page costs; progress along the course is
 * worked out once per runner with the same matcher the server uses, then looked up by time.
 */
import type { Course } from '../lib/course/course';
import { indexCourse, matchOptions } from '../lib/course/matcher';
import { initialRunnerRace, raceStep, timingPoints } from '../lib/course/race';
import type { RunnerRaceInfo, TrackPoint } from '../lib/protocol';
import type { RunnerView } from './event-view';

interface ReplayRunner {
  id: string;
  track: TrackPoint[];
  /** Progress samples, flat [t, at, t, at …] in time order; empty without a course. */
  progress: number[];
  start: number | null;
  finish: number | null;
}

export interface Replay {
  /** The first and last fix of anyone, ms. */
  from: number;
  to: number;
  runners: Map<string, ReplayRunner>;
  racing: boolean;
}

/** Index of the last point at or before `t` (−1 when none). */
function lastAtOrBefore(track: readonly TrackPoint[], t: number): number {
  let lo = 0;
  let hi = track.length - 1;
  if (hi < 0 || track[0]![2] > t) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (track[mid]![2] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function buildReplay(runners: readonly RunnerView[], course: Course | null, startsAt: number | null = null): Replay {
  let from = Infinity;
  let to = -Infinity;
  const out = new Map<string, ReplayRunner>();
  const ix = course ? indexCourse(course) : null;
  const points = course ? timingPoints(course) : [];
  const options = matchOptions({ startTime: startsAt });
  for (const r of runners) {
    if (!r.track.length) continue;
    from = Math.min(from, r.track[0]![2]);
    to = Math.max(to, r.track[r.track.length - 1]![2]);
    const progress: number[] = [];
    let race = initialRunnerRace();
    if (ix) {
      for (const [lat, lon, t] of r.track) {
        race = raceStep(ix, points, race, { lat, lon, t }, options).race;
        const at = race.finish !== null ? course!.length : race.start ? race.match.progress : null;
        if (at !== null && at !== undefined) progress.push(race.finish ?? t, Math.max(0, Math.min(course!.length, at)));
        if (race.finish !== null) break;
      }
    }
    out.set(r.id, { id: r.id, track: r.track, progress, start: race.start?.t ?? null, finish: race.finish });
  }
  if (!Number.isFinite(from)) from = to = Date.now();
  return { from, to, runners: out, racing: ix !== null };
}

/** Where a runner was at `t`: interpolated between the fixes either side; null before their first. */
export function positionAt(track: readonly TrackPoint[], t: number): TrackPoint | null {
  const i = lastAtOrBefore(track, t);
  if (i < 0) return null;
  const a = track[i]!;
  const b = track[i + 1];
  if (!b || b[2] === a[2]) return a;
  const f = (t - a[2]) / (b[2] - a[2]);
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, t];
}

function progressAt(samples: readonly number[], t: number): number | null {
  if (samples.length === 0 || samples[0]! > t) return null;
  let k = 0;
  while (k + 2 < samples.length && samples[k + 2]! <= t) k += 2;
  const t0 = samples[k]!;
  const a0 = samples[k + 1]!;
  if (k + 2 >= samples.length) return a0;
  const t1 = samples[k + 2]!;
  const a1 = samples[k + 3]!;
  return t1 === t0 ? a1 : a0 + ((a1 - a0) * (t - t0)) / (t1 - t0);
}

/**
 * The runners as they were at `t`: each trail cut there (with the runner's interpolated spot as its
 * last point), and on race events their distance along the course and their place at that moment.
 * Runners not yet seen at `t` are left out. Trails are the same arrays while nothing in them changes, so a
 * map that draws by identity redraws only what moved.
 */
export function frameAt(replay: Replay, runners: readonly RunnerView[], t: number): RunnerView[] {
  const shown: Array<{ view: RunnerView; at: number | null; finished: number | null; start: number | null }> = [];
  for (const r of runners) {
    const rr = replay.runners.get(r.id);
    if (!rr) continue;
    const here = positionAt(rr.track, t);
    if (!here) continue;
    const cut = lastAtOrBefore(rr.track, t);
    const track = cut === rr.track.length - 1 ? rr.track : [...rr.track.slice(0, cut + 1), here];
    const finished = rr.finish !== null && rr.finish <= t ? rr.finish : null;
    const at = replay.racing ? progressAt(rr.progress, t) : null;
    shown.push({ view: { ...r, track, lastSeen: here[2], status: 'active' }, at, finished, start: rr.start !== null && rr.start <= t ? rr.start : null });
  }
  if (!replay.racing) return shown.map((s) => s.view);
  // The order at that moment: finishers by their own time, then by distance along the course.
  const ranked = shown.slice().sort((a, b) => {
    const fa = a.finished !== null && a.start !== null ? a.finished - a.start : null;
    const fb = b.finished !== null && b.start !== null ? b.finished - b.start : null;
    if (fa !== null || fb !== null) return fa === null ? 1 : fb === null ? -1 : fa - fb;
    return (b.at ?? -1) - (a.at ?? -1);
  });
  return ranked.map((s, i): RunnerView => {
    const started = s.at !== null || s.finished !== null;
    const race: RunnerRaceInfo = {
      pos: started ? i + 1 : null,
      state: s.finished !== null ? 'finished' : started ? 'running' : 'not-started',
      at: s.at === null ? null : Math.round(s.at),
      off: false,
      start: s.start,
      finish: s.finished !== null && s.start !== null ? Math.round((s.finished - s.start) / 1000) : null,
      gap: null,
      ahead: null,
      aheadM: i > 0 && s.at !== null && ranked[i - 1]!.at !== null ? Math.round(ranked[i - 1]!.at! - s.at) : null,
      speed: null,
      avg: null,
      cp: null,
      est: null,
      eta: [],
    };
    return { ...s.view, race };
  });
}
