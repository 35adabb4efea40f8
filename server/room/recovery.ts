/**
 * Coming back after a restart: runners are restored from their checkpoints plus what arrived after them, or
 * rebuilt from their stored track when a checkpoint is missing; checkpoints are written as runners change.
 */
import type { Arrival, PassingArrival, StoredPosition, WriteOp } from '../storage/store';
import { isBrowserSeq } from './runner-track';
import type { Room } from './state';

/** Fields up to this size get their race order as they are restored. */
const STANDINGS_AT_ONCE_MAX = 5000;

/** Runners whose checkpoint is missing: rebuild them from their stored track (`rebuild`, then `rebuilt`). */
export function runnersToRebuild(room: Room): readonly string[] {
  return room.toRebuild;
}

/** Feed a runner's stored fixes in time order. */
export function rebuild(room: Room, runnerId: string, page: readonly StoredPosition[]): void {
  const r = room.runners.get(runnerId);
  if (!r) return;
  for (const p of page) {
    if (isBrowserSeq(p.seq)) r.settle(p.seq);
    r.applyFix(p, p.t, room.course, room.fixSource(runnerId, p.seq));
  }
}

export function rebuilt(room: Room, runnerId: string, skipped: readonly number[]): void {
  const r = room.runners.get(runnerId);
  if (!r) return;
  for (const s of skipped) r.settle(s);
}

/** The arrival after which checkpoints leave things out (replay from there); null when none does. */
export function replayFrom(room: Room): number | null {
  let from: number | null = null;
  for (const through of room.restoredThrough.values()) if (through < room.appliedArrival) from = Math.min(from ?? through, through);
  return from;
}

/** Apply what arrived after a runner's checkpoint; rebuilt runners have it all already. */
export function replay(room: Room, a: Arrival): void {
  const through = room.restoredThrough.get(a.runnerId);
  if (through === undefined || a.arrival <= through) return;
  const r = room.runners.get(a.runnerId);
  if (!r) return;
  r.unsaved = true;
  if (a.kind === 'skip') {
    r.settle(a.seq);
    return;
  }
  if (isBrowserSeq(a.pos.seq)) r.settle(a.pos.seq);
  r.applyFix(a.pos, a.pos.t, room.course, room.fixSource(a.runnerId, a.pos.seq));
}

/**
 * Every passing of the event, oldest arrival first, page by page: mats are not in checkpoints, and a passing
 * applied again changes nothing, so restored and rebuilt runners alike get all of theirs.
 */
export function passingsLoaded(room: Room, page: readonly PassingArrival[]): void {
  for (const { passing } of page) room.applyPassing(passing, passing.receivedAt);
}

/** After restoring: statuses by the time now, counts and budgets. */
export function restored(room: Room): void {
  const now = room.now();
  for (const r of room.runners.values()) {
    // Without arrival times, the latest fix is the best guess of when the runner was last heard.
    r.lastHeard = Math.max(r.lastHeard, r.last?.t ?? 0);
    r.status = room.statusOf(r, now);
    r.frame();
  }
  room.restoredThrough.clear();
  room.toRebuild.length = 0;
  room.recount();
  room.raceMoved = room.course !== null;
  // Everyone's race view at once, so that nothing reads "—" after a restart; a big field's is left to the first
  // update (a second later), so that a late spectator's picture does not wait for a sort of the whole field.
  if (room.visibleCount <= STANDINGS_AT_ONCE_MAX) room.updateStandings(now, true);
  else room.standingsAt = 0;
}

/** Checkpoints of every runner that changed since the last ones. */
export function checkpoints(room: Room): WriteOp[] {
  const ops: WriteOp[] = [];
  for (const r of room.runners.values()) {
    if (!r.unsaved) continue;
    ops.push({ op: 'checkpoint', event: room.id, runnerId: r.id, through: room.appliedArrival, state: r.checkpoint() });
  }
  return ops;
}
