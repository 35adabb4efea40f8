/**
 * The organiser's table of runners, pure. The live stream (the organiser subscribes with its token) carries
 * every runner from their first fix on: names, statuses, bibs, fixes as they come, removals. Runners who
 * joined but have no fix yet, the wrong tries at the event's codes and links, and the limits come only from
 * the organiser's summary read (the eventSummary route of client/api.ts). That read is made when a snapshot
 * arrives (a fresh start: whatever happened while away is in it) and after each of the organiser's own
 * changes, never on a timer; what the live stream says since wins over it.
 */
import type { EventSummary } from './api';
import type { EventView } from './event-view';
import type { RunnerInfo, ServerMessage } from '../lib/protocol';

export interface Roster {
  /** The latest summary read; null before the first answer. */
  summary: EventSummary | null;
  /** Runners removed live since the last snapshot: a summary read on its way may still hold them. */
  removed: readonly string[];
}

export const emptyRoster: Roster = { summary: null, removed: [] };

export type RosterInput = { type: 'summary'; summary: EventSummary } | { type: 'server'; msg: ServerMessage };

/** The next roster, and whether to read the summary now. */
export function reduceRoster(roster: Roster, input: RosterInput): { roster: Roster; read: boolean } {
  if (input.type === 'summary') return { roster: { ...roster, summary: input.summary }, read: false };
  const msg = input.msg;
  if (msg.type === 'snapshot') return { roster: { ...roster, removed: [] }, read: true };
  if (msg.type === 'update' && msg.removed?.length) return { roster: { ...roster, removed: [...roster.removed, ...msg.removed] }, read: false };
  return { roster, read: false };
}

export interface OrganiserRunner extends RunnerInfo {
  /** Fixes stored. */
  points: number;
}

function pick(r: OrganiserRunner): OrganiserRunner {
  const { id, name, color, status, lastSeen, mood, moodAt, avatar, bib, race, points, still, verdict, entry } = r;
  return {
    id,
    name,
    color,
    status,
    lastSeen,
    mood,
    points,
    ...(moodAt !== undefined ? { moodAt } : {}),
    ...(avatar !== undefined ? { avatar } : {}),
    ...(bib ? { bib } : {}),
    ...(race ? { race } : {}),
    ...(still !== undefined ? { still } : {}),
    ...(verdict ? { verdict } : {}),
    ...(entry ? { entry } : {}),
  };
}

/**
 * Every runner of the event, in the order they joined: as the live picture has them once they sent a fix,
 * as the summary read had them before; those removed since are left out.
 */
export function organiserRunners(view: EventView, roster: Roster): OrganiserRunner[] {
  const removed = new Set(roster.removed);
  const out: OrganiserRunner[] = [];
  const listed = new Set<string>();
  for (const r of roster.summary?.runners ?? []) {
    if (removed.has(r.id)) continue;
    listed.add(r.id);
    out.push(pick(view.runners[r.id] ?? r));
  }
  for (const id of view.order) {
    const r = view.runners[id];
    if (r && !listed.has(id)) out.push(pick(r));
  }
  return out;
}
