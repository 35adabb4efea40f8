/**
 * Results and the finish line, read from the room: the result rows a results service takes (places overall
 * and in category, sex and age group, gun and chip time, every split), and what an announcer at the finish
 * needs (who arrives next, in the order the estimator expects them, and who just finished).
 */
import { type ResultRow, resultRows, type SplitColumn, splitColumns, withMatColumns } from '../../lib/course/results';
import type { Entrant } from '../../lib/course/standings';
import { publicEntry } from '../../lib/entries/entry';
import type { RunnerTrack } from './runner-track';
import type { Room } from './state';

export interface Results {
  columns: SplitColumn[];
  rows: ResultRow[];
}

/** Every runner spectators see (limited to `only` when given), in race order; no course, no rows. */
export function results(room: Room, only: ReadonlySet<string> | null): Results {
  const course = room.course;
  if (!course) return { columns: [], rows: [] };
  const runners = new Map<string, RunnerTrack>();
  const entrants: Entrant[] = [];
  for (const r of room.runners.values()) {
    if (!r.visible || (only && !only.has(r.id))) continue;
    if (!r.race || r.raceVersion !== course.version) r.startRace(course);
    runners.set(r.id, r);
    entrants.push({ id: r.id, name: r.record.name, bib: r.record.bib, race: r.race!, gun: course.gunOf(r.record.entry?.wave) });
  }
  const columns = withMatColumns(splitColumns(course.points, room.race.unit), [...room.timingPoints.values()], course.course.length);
  // Runners out of the race (DNF, DSQ, DNS) take no place: those behind them move up; they come last.
  const out = (e: Entrant) => runners.get(e.id)!.verdict !== null;
  const ranked = course.standings(entrants.filter((e) => !out(e)));
  const unranked = course.standings(entrants.filter(out)).map((s) => ({ ...s, position: null }));
  const inputs = [...ranked, ...unranked].map((standing) => {
    const r = runners.get(standing.id)!;
    // The first passing of each mat: a runner lingering on it is timed when they reached it.
    const mats = new Map<string, number>();
    for (const m of r.mats) if (!mats.has(m.point) || m.t < mats.get(m.point)!) mats.set(m.point, m.t);
    const entry = r.record.entry ? publicEntry(r.record.entry) : null;
    const status = r.verdict ? r.verdict.kind.toUpperCase() : undefined;
    return { id: r.id, bib: r.record.bib, name: r.record.name, entry, standing, race: r.race!, mats, ...(status ? { status } : {}) };
  });
  return { columns, rows: resultRows(columns, inputs) };
}

export interface FinishLineRunner {
  id: string;
  bib: string | null;
  name: string;
  club: string | null;
  category: string | null;
  /** Place overall and in category (finishers; the current race place for those approaching). */
  pos: number | null;
  cat: number | null;
  /** Metres to go (approaching). */
  toGo: number | null;
  /** Likely arrival and its earliest plausible (ms), approaching; the finish (ms), finished. */
  t: number;
  lo: number | null;
  /** Chip time (seconds), finished. */
  time: number | null;
}

export interface FinishLine {
  now: number;
  /** Runners expected within `horizonMs`, soonest first. */
  approaching: FinishLineRunner[];
  /** The latest finishers, latest first. */
  finished: FinishLineRunner[];
  finishers: number;
}

/** Who arrives next (by the estimator's finish ETA within `horizonMs`) and the latest `finishedMax` finishers. */
export function finishLine(room: Room, only: ReadonlySet<string> | null, horizonMs = 15 * 60_000, approachingMax = 12, finishedMax = 12): FinishLine {
  const now = room.now();
  room.updateStandings(now);
  const approaching: FinishLineRunner[] = [];
  const finished: FinishLineRunner[] = [];
  const length = room.course?.course.length ?? null;
  for (const r of room.runners.values()) {
    const view = r.raceView;
    if (!r.visible || !view || (only && !only.has(r.id))) continue;
    const entry = r.record.entry;
    const base = { id: r.id, bib: r.record.bib, name: r.record.name, club: entry?.club ?? null, category: entry?.category ?? null, pos: view.pos, cat: view.cat ?? null };
    if (view.state === 'finished' && view.start !== null && view.finish !== null) {
      finished.push({ ...base, toGo: null, t: view.start + view.finish * 1000, lo: null, time: view.finish });
      continue;
    }
    if (view.state !== 'running' || view.off) continue;
    const eta = view.eta.find((e) => e.kind === 'finish');
    if (!eta || eta.t - now > horizonMs) continue;
    approaching.push({ ...base, toGo: length !== null && view.at !== null ? Math.max(0, Math.round(length - view.at)) : null, t: eta.t, lo: eta.lo, time: null });
  }
  approaching.sort((a, b) => a.t - b.t || (a.toGo ?? 0) - (b.toGo ?? 0));
  finished.sort((a, b) => b.t - a.t);
  return { now, approaching: approaching.slice(0, approachingMax), finished: finished.slice(0, finishedMax), finishers: finished.length };
}
