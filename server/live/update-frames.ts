/** The JSON update frame for a group of spectators: the whole delta, or the part about the runners it follows. */
import type { RunnerInfo, ServerMessage, TrackPoint } from '../../lib/protocol';
import type { Delta } from '../room/state';

/** The update for a group: the whole delta, or the part about its runners (null when that is nothing). */
export function frameFor(event: string, epoch: string, d: Delta, only: ReadonlySet<string> | null, prev: number): ServerMessage | null {
  const base = { type: 'update' as const, event, epoch, seq: d.seq, prev, now: d.now };
  if (!only) {
    return { ...base, runners: d.runners, points: d.points, distance: d.distance, ...(d.removed.length ? { removed: d.removed } : {}) };
  }
  if (only.size === 0) return null;
  const runners: RunnerInfo[] = [];
  const points: Record<string, TrackPoint[]> = {};
  const distance: Record<string, number> = {};
  // A few runners followed in a big field: look them up rather than read the whole update.
  if (only.size * 4 < d.runners.length) {
    for (const id of only) {
      const info = infoOf(d, id);
      if (info) runners.push(info);
    }
  } else for (const r of d.runners) if (only.has(r.id)) runners.push(r);
  let any = runners.length > 0;
  for (const id of only) {
    const p = d.points[id];
    if (!p) continue;
    points[id] = p;
    if (d.distance[id] !== undefined) distance[id] = d.distance[id]!;
    any = true;
  }
  const removed = d.removed.length ? d.removed.filter((id) => only.has(id)) : [];
  if (!any && removed.length === 0) return null;
  return { ...base, runners, points, distance, ...(removed.length ? { removed } : {}) };
}

/** Runner infos of an update by id, made once per update (many groups each following a few runners ask). */
const infoIndex = new WeakMap<Delta, Map<string, RunnerInfo>>();
function infoOf(d: Delta, id: string): RunnerInfo | undefined {
  let index = infoIndex.get(d);
  if (!index) infoIndex.set(d, (index = new Map(d.runners.map((r) => [r.id, r]))));
  return index.get(id);
}
