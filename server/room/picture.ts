/**
 * What spectators and the API see of the event: one update per tick with what changed, the snapshot a new
 * subscriber starts from, and runner summaries.
 */
import { type Alert, LIMITS, type RunnerInfo, type RunnerSnapshot, type TrackPoint } from '../../lib/protocol';
import { fromStartList } from '../../lib/entries/entry';
import type { StoredPosition } from '../storage/store';
import { thin } from './happiness';
import type { RunnerTrack } from './runner-track';
import { positionAt } from '../../lib/course/course';
import { whereabouts } from '../../lib/course/estimate';
import type { Delta, Placement, Room, SnapshotMessage } from './state';

export interface RunnerSummary extends RunnerInfo {
  points: number;
  distance: number;
  movingMs: number;
  joinedAt: number;
  /** The latest fix with everything stored about it. */
  latest: StoredPosition | null;
  /** The runner's open alert, if any. */
  alert: Alert | null;
}

/** Where one runner is, for the field of spectators who say what they look at (live/interest). */
export interface FieldRunner {
  id: string;
  lat: number;
  lon: number;
  /** How the place is known: 0 a fix, 1 predicted between mats, 2 a ghost (lib/live-codec.ts MARKER_KINDS). */
  kind?: 0 | 1 | 2;
  /** Time of the fix, ms. */
  t: number;
  status: RunnerInfo['status'];
  color: string;
  finished: boolean;
  /** An alarm (SOS) of theirs is open. */
  alert: boolean;
}

/** Every visible runner's latest position as of update `seq`: what a field starts from. */
export interface FieldDump {
  epoch: string;
  seq: number;
  runners: FieldRunner[];
}

/** Runners the estimator places are placed again this often: a few metres a second is nothing on a map. */
export const PLACE_EVERY_MS = 5000;

/** Where the estimator puts the runner at `now`, when no fresh fix does; null for a runner seen, or not running. */
function placement(room: Room, r: RunnerTrack, now: number): Placement | null {
  const est = r.raceView?.est;
  const course = room.course;
  if (!est || !course || r.raceView?.state !== 'running') return null;
  // Heard from within their source's interval: their fix is where they are.
  if (now <= est.until && est.src !== 'mat') return null;
  const w = whereabouts(est, course.effort, course.course.length, now);
  if (w.kind === 'seen') return null;
  const [lat, lon] = positionAt(course.course, w.at);
  return [lat, lon, w.kind === 'predicted' ? 1 : 2];
}

/** The estimator's places of every runner it places now. */
function placements(room: Room, now: number): Record<string, Placement> | null {
  let out: Record<string, Placement> | null = null;
  for (const r of room.runners.values()) {
    // A fix in this very update places them itself.
    if (!r.visible || room.pendingPoints.has(r.id)) continue;
    const p = placement(room, r, now);
    if (p) (out ??= {})[r.id] = p;
  }
  return out;
}

/** Everything since the last tick as one update, or null when nothing changed. */
export function tick(room: Room): Delta | null {
  const now = room.now();
  for (const r of room.runners.values()) room.refreshStatus(r, now);
  room.updateStandings(now);
  const placed = room.course && now - room.placedAt >= PLACE_EVERY_MS ? placements(room, now) : null;
  if (room.course && now - room.placedAt >= PLACE_EVERY_MS) room.placedAt = now;
  if (room.dirty.size === 0 && room.pendingPoints.size === 0 && room.removed.size === 0 && !placed) return null;
  const runners: RunnerInfo[] = [];
  for (const id of room.dirty) {
    const r = room.runners.get(id);
    if (r?.visible) runners.push(r.info());
  }
  const points: Record<string, TrackPoint[]> = {};
  const distance: Record<string, number> = {};
  for (const [id, pts] of room.pendingPoints) {
    const r = room.runners.get(id);
    if (!r) continue;
    points[id] = pts;
    distance[id] = Math.round(r.distance * 10) / 10;
    r.frame();
  }
  const delta: Delta = { seq: ++room.seq, now, runners, points, distance, removed: [...room.removed], ...(placed ? { placed } : {}) };
  room.dirty.clear();
  room.pendingPoints.clear();
  room.removed.clear();
  room.snapshotCache = null;
  return delta;
}

/**
 * What a new subscriber gets: every visible runner (or those in `only`) with their display trail, and the
 * happiness so far. The whole-event snapshot is built once per update and shared.
 */
export function snapshot(room: Room, only: ReadonlySet<string> | null, opts: { allAlerts?: boolean } = {}): SnapshotMessage {
  if (!only && room.snapshotCache?.seq === room.seq) return room.snapshotCache.msg;
  const runners: RunnerSnapshot[] = [];
  const seen = only ? only.size : room.visibleCount;
  const budget = Math.max(LIMITS.trailMinPoints, Math.min(LIMITS.trailMaxPoints, Math.floor(LIMITS.snapshotPoints / Math.max(1, seen))));
  for (const r of room.runners.values()) {
    // As of the last update: what arrived since comes with the next one, so nothing is sent twice.
    const last = r.framed.last;
    // Start-list runners are listed (and followable) before any fix puts them on the map.
    if ((!last && !fromStartList(r.record.entry)) || (only && !only.has(r.id))) continue;
    const pending = room.pendingPoints.get(r.id);
    runners.push({
      ...r.info(),
      trail: last ? r.trail.encode(budget, pending ? new Set(pending.map((p) => p[2])) : undefined) : '',
      last: last ? [last.lat, last.lon, last.t] : null,
      distance: Math.round(r.framed.distance * 10) / 10,
      points: r.framed.points,
    });
  }
  const msg: SnapshotMessage = {
    type: 'snapshot',
    event: room.info,
    epoch: room.epoch,
    seq: room.seq,
    runners,
    happiness: thin(room.happiness),
    // A spectator of the whole field (interest) sees every alarm, whichever runners it follows in detail.
    alerts: [...room.alerts.values()].filter((a) => !only || opts.allAlerts || only.has(a.runnerId)),
    now: room.now(),
  };
  if (!only) room.snapshotCache = { seq: room.seq, msg };
  return msg;
}

/** The field as of the last update (positions as spectators were last told them). */
export function fieldDump(room: Room): FieldDump {
  const runners: FieldRunner[] = [];
  const now = room.now();
  for (const r of room.runners.values()) {
    const last = r.framed.last;
    // Where the estimator puts them, when no fresh fix does (a chip-only runner has no fix at all).
    const placed = r.visible ? placement(room, r, now) : null;
    if (!last && !placed) continue;
    runners.push({
      id: r.id,
      lat: placed ? placed[0] : last!.lat,
      lon: placed ? placed[1] : last!.lon,
      kind: placed ? placed[2] : 0,
      t: last?.t ?? now,
      status: r.status,
      color: r.record.color,
      finished: r.raceView?.state === 'finished',
      // The field goes to every spectator: an SOS is not theirs to see (lib/control/audience.ts).
      alert: false,
    });
  }
  return { epoch: room.epoch, seq: room.seq, runners };
}

/** Runner summaries; runners without a fix yet only when `all` (the organiser sees them). */
export function summaries(room: Room, all: boolean, only: ReadonlySet<string> | null = null): RunnerSummary[] {
  const out: RunnerSummary[] = [];
  for (const r of room.runners.values()) {
    if ((!all && !r.visible) || (only && !only.has(r.id))) continue;
    out.push(summaryOf(room, r));
  }
  return out;
}

export function summary(room: Room, runnerId: string): RunnerSummary | null {
  const r = room.runners.get(runnerId);
  return r ? summaryOf(room, r) : null;
}

function summaryOf(room: Room, r: RunnerTrack): RunnerSummary {
  return {
    ...r.info(),
    points: r.points,
    distance: Math.round(r.distance * 10) / 10,
    movingMs: r.movingMs,
    joinedAt: r.record.joinedAt,
    latest: r.last,
    alert: room.openAlertOf(r.id),
  };
}
