/**
 * The race order and the gaps in it.
 *
 * Order: finished runners first, by their own finishing time (finish minus their own start, so a wave
 * or a late start is not held against anyone) — or, when the organiser orders by gun time, by finish minus
 * their wave's gun; then runners on the course by distance along it; then everyone not yet started or never
 * seen on the course, by bib and name.
 *
 * Gaps are measured at the same point of the course, the way timing mats do: the time gap to a runner
 * ahead is how long ago they passed the spot where this runner is now (from their recorded passing
 * times), not the distance between them divided by some pace. Between two finished runners it is the
 * difference of their finishing times.
 */
import type { Course } from './course';
import { type RunnerRace, type TimingPoint, elapsedSeconds, progressTime, raceProgress, timeAt } from './race';
import { compareNatural } from './search';

export interface Entrant {
  id: string;
  name: string;
  bib: string | null;
  race: RunnerRace;
  /** The gun of the runner's wave (ms); null when there is no start time. */
  gun?: number | null;
}

/** Finishers ranked by chip time (their own start to the finish) or gun time (their wave's gun to the finish). */
export type ResultOrder = 'chip' | 'gun';

export type RaceStatus = 'finished' | 'running' | 'not-started';

export interface Gap {
  /** Metres of course between the two. */
  metres: number;
  /** Seconds; null when it cannot be told (the runner ahead was not seen at this point). */
  seconds: number | null;
}

export interface Standing {
  id: string;
  /** 1 for the leader; null for runners not started. */
  position: number | null;
  status: RaceStatus;
  /** Metres along the course (0 … length); null when not started. */
  progress: number | null;
  offCourse: boolean;
  /** When the off-course spell began (ms); null when on the course. */
  offSince: number | null;
  /** Seconds from the runner's start to their finish (chip time). */
  finishSeconds: number | null;
  /** Seconds from their wave's gun to their finish (gun time); null without a gun. */
  gunSeconds: number | null;
  gapToLeader: Gap | null;
  gapToAhead: Gap | null;
}

interface Row {
  entrant: Entrant;
  status: RaceStatus;
  progress: number | null;
  finishSeconds: number | null;
  gunSeconds: number | null;
  /** Seconds the order ranks finishers by. */
  rankSeconds: number | null;
  /** When the runner was last known to be at `progress`. */
  at: number | null;
}

export function raceStandings(course: Course, points: readonly TimingPoint[], entrants: readonly Entrant[], order: ResultOrder = 'chip'): Standing[] {
  const rows: Row[] = entrants.map((entrant) => {
    const { race } = entrant;
    const progress = raceProgress(course, race);
    const status: RaceStatus = race.finish !== null ? 'finished' : progress !== null ? 'running' : 'not-started';
    const finishSeconds = race.finish !== null ? elapsedSeconds(race, race.finish) : null;
    const gun = entrant.gun ?? null;
    const gunSeconds = race.finish !== null && gun !== null ? (race.finish - gun) / 1000 : null;
    return {
      entrant,
      status,
      progress,
      finishSeconds,
      gunSeconds,
      rankSeconds: order === 'gun' ? (gunSeconds ?? finishSeconds) : finishSeconds,
      at: progressTime(race),
    };
  });
  const rank: Record<RaceStatus, number> = { finished: 0, running: 1, 'not-started': 2 };
  rows.sort((a, b) => {
    if (a.status !== b.status) return rank[a.status] - rank[b.status];
    if (a.status === 'finished') {
      return a.rankSeconds! - b.rankSeconds! || a.at! - b.at! || compareIds(a, b);
    }
    if (a.status === 'running') {
      // Level on distance: whoever got there first is ahead.
      return b.progress! - a.progress! || a.at! - b.at! || compareIds(a, b);
    }
    return compareNatural(a.entrant.bib ?? '\uffff', b.entrant.bib ?? '\uffff') || compareNatural(a.entrant.name, b.entrant.name) || compareIds(a, b);
  });

  const leader = rows[0];
  return rows.map((row, i): Standing => {
    const started = row.status !== 'not-started';
    const ahead = i > 0 ? rows[i - 1]! : null;
    return {
      id: row.entrant.id,
      position: started ? i + 1 : null,
      status: row.status,
      progress: row.progress,
      offCourse: row.status === 'running' && row.entrant.race.match.offCourse,
      offSince: row.status === 'running' && row.entrant.race.match.offCourse ? (row.entrant.race.match.offFrom ?? null) : null,
      finishSeconds: row.finishSeconds,
      gunSeconds: row.gunSeconds,
      gapToLeader: started && leader && leader !== row ? gap(points, leader, row) : null,
      gapToAhead: started && ahead ? gap(points, ahead, row) : null,
    };
  });
}

function gap(points: readonly TimingPoint[], front: Row, back: Row): Gap {
  const metres = Math.max(0, front.progress! - back.progress!);
  if (front.status === 'finished' && back.status === 'finished') {
    return { metres: 0, seconds: back.rankSeconds! - front.rankSeconds! };
  }
  const passed = timeAt(points, front.entrant.race, back.progress!);
  return { metres, seconds: passed === null || back.at === null ? null : Math.max(0, (back.at - passed) / 1000) };
}

function compareIds(a: Row, b: Row): number {
  return a.entrant.id < b.entrant.id ? -1 : a.entrant.id > b.entrant.id ? 1 : 0;
}
