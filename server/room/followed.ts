/**
 * What someone following a few runners on a slow connection needs of each, and nothing more (the light
 * page, /e/<id>/lite): where they are in the race, their last checkpoint, when they should reach the next
 * one and the finish, and when they were last heard of. A few hundred bytes a runner.
 */
import type { Eta } from '../../lib/course/forecast';
import type { RunnerInfo } from '../../lib/protocol';
import type { Room } from './state';

export interface FollowedRunner {
  id: string;
  name: string;
  bib: string | null;
  status: RunnerInfo['status'];
  /** Time of the latest fix (ms); null before the first. */
  lastSeen: number | null;
  /** Metres covered (from the fixes). */
  distance: number;
  /** On events with a course: position, metres along the course, the runner's state there. */
  pos: number | null;
  at: number | null;
  state: 'finished' | 'running' | 'not-started' | null;
  /** Seconds from the runner's start to the finish, once finished. */
  finish: number | null;
  /** The last checkpoint passed, and when. */
  cp: { name: string; t: number } | null;
  /** The next checkpoint ahead, and the finish: likely clock time and the earliest and latest plausible; null when unknown. */
  next: Pick<Eta, 'label' | 't' | 'lo' | 'hi'> | null;
  finishEta: Pick<Eta, 't' | 'lo' | 'hi'> | null;
  /** Not heard from for longer than their source's interval (or chip only, between mats): where they probably are, metres along. */
  probably: { kind: 'predicted' | 'ghost'; at: number; lo: number; hi: number } | null;
}

/** The runners asked for (those visible to spectators, in the order asked). */
export function followed(room: Room, ids: readonly string[]): FollowedRunner[] {
  const out: FollowedRunner[] = [];
  for (const id of ids) {
    const r = room.runners.get(id);
    if (!r?.visible) continue;
    const view = r.raceView;
    const detail = room.course && r.race && view && view.state === 'running' ? room.course.detail(view, r.race, room.race.unit, room.now(), room.matDistances()) : null;
    const next = detail?.forecast.ahead[0] ?? null;
    const finish = detail?.forecast.ahead.find((e) => e.kind === 'finish') ?? null;
    const w = detail?.whereabouts;
    out.push({
      id,
      name: r.record.name,
      bib: r.record.bib,
      status: r.status,
      lastSeen: r.last?.t ?? null,
      distance: Math.round(r.distance),
      pos: view?.pos ?? null,
      at: view?.at === null || view?.at === undefined ? null : Math.round(view.at),
      state: view?.state ?? null,
      finish: view?.finish ?? null,
      cp: view?.cp ?? null,
      next: next ? { label: next.label, t: next.t, lo: next.lo, hi: next.hi } : null,
      finishEta: finish ? { t: finish.t, lo: finish.lo, hi: finish.hi } : null,
      probably: w && w.kind !== 'seen' ? { kind: w.kind, at: Math.round(w.at), lo: Math.round(w.lo), hi: Math.round(w.hi) } : null,
    });
  }
  return out;
}
