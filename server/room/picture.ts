/**
 * What spectators and the API see of the event: one update per tick with what changed, the snapshot a new
 * subscriber starts from, and runner summaries.
 */
import { type Alert, LIMITS, type RunnerInfo, type RunnerSnapshot, type TrackPoint } from '../../lib/protocol';
import type { StoredPosition } from '../storage/store';
import { thin } from './happiness';
import type { RunnerTrack } from './runner-track';
import type { Delta, Room, SnapshotMessage } from './state';

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

/** Everything since the last tick as one update, or null when nothing changed. */
export function tick(room: Room): Delta | null {
  const now = room.now();
  for (const r of room.runners.values()) room.refreshStatus(r, now);
  room.updateStandings(now);
  if (room.dirty.size === 0 && room.pendingPoints.size === 0 && room.removed.size === 0) return null;
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
  const delta: Delta = { seq: ++room.seq, now, runners, points, distance, removed: [...room.removed] };
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
    if ((!last && !r.record.entry) || (only && !only.has(r.id))) continue;
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
  const alerted = new Set([...room.alerts.values()].map((a) => a.runnerId));
  const runners: FieldRunner[] = [];
  for (const r of room.runners.values()) {
    const last = r.framed.last;
    if (!last) continue;
    runners.push({
      id: r.id,
      lat: last.lat,
      lon: last.lon,
      t: last.t,
      status: r.status,
      color: r.record.color,
      finished: r.raceView?.state === 'finished',
      alert: alerted.has(r.id),
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
