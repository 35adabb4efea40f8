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
  /** The next checkpoint ahead and the finish, with predicted clock times; null when unknown. */
  next: Pick<Eta, 'label' | 't'> | null;
  finishEta: number | null;
}

/** The runners asked for (those visible to spectators, in the order asked). */
export function followed(room: Room, ids: readonly string[]): FollowedRunner[] {
  const out: FollowedRunner[] = [];
  for (const id of ids) {
    const r = room.runners.get(id);
    if (!r?.visible) continue;
    const view = r.raceView;
    const forecast = room.course && r.race && view && view.state === 'running' ? room.course.detail(view, r.race, room.race.unit).forecast : null;
    const next = forecast?.ahead[0] ?? null;
    const finish = forecast?.ahead.find((e) => e.kind === 'finish') ?? null;
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
      next: next ? { label: next.label, t: next.t } : null,
      finishEta: finish?.t ?? null,
    });
  }
  return out;
}
