/**
 * Trackers in a runner's pocket: tracking apps (Traccar Client, OsmAnd, OwnTracks, Overland, GPSLogger) with
 * the runner's device key (fixes, heartbeats, alarms, pictures, the key itself), and satellite trackers'
 * feeds as the polling job reads them. Every fix goes the same way, whichever brought it.
 */
import { type Alert, AppRefusal, ErrorCode, LIMITS } from '../../lib/protocol';
import type { AvatarRecord, StoredPosition, TrackerRecord, WriteOp } from '../storage/store';
import { type Delivery, type Effects, nothing, type Refusal, refuse } from './effects';
import { INGEST_SEQ_BASE, type RunnerTrack } from './runner-track';
import type { Room } from './state';

/** A fix from a tracking app before it is numbered: lat/lon degrees, t ms, acc m, alt m, spd m/s, hdg degrees, bat %. */
export type AppFix = Omit<StoredPosition, 'seq'>;

/** What one request from a tracking app brought, decoded and range-checked by the ingest layer. */
export interface AppReport {
  /** The app as people know it ("Traccar Client"): alerts say where they came from. */
  app: string;
  /** Fixes in the order the app sent them. */
  fixes: AppFix[];
  /** Fixes the ingest layer could not take already (unreadable, out of range, marked as no fix). */
  refused: AppRefusal[];
  /** The app raised an alarm (SOS) with this request. */
  sos: boolean;
}

export interface IngestOutcome {
  stored: number;
  /** Fixes this runner had already (resends). */
  duplicates: number;
  /** Everything refused for good, per reason, the ingest layer's refusals included. */
  refused: Partial<Record<AppRefusal, number>>;
  /** Some fixes were over the fix quota and not kept: the app should send them again after this long. */
  retryAfterMs: number | null;
  /** The runner's open alert when the request raised one (or one was open already). */
  alert: Alert | null;
}

const UNKNOWN_KEY: Refusal = {
  code: ErrorCode.UnknownKey,
  status: 404,
  message: 'unknown device key: it was revoked or replaced; copy the current one from the runner page',
};

/** Where an alert puts the runner. */
const spot = (p: StoredPosition | null): Alert['at'] => (p ? { lat: p.lat, lon: p.lon, t: p.t, acc: p.acc } : null);

/**
 * What one request from a tracking app brought, sent with the runner's device key. Apps have no sequence
 * numbers: a fix is numbered INGEST_SEQ_BASE + its time, so an app that sends the same fix again (it does,
 * after any failure) finds it kept once.
 */
export function ingest(room: Room, runnerId: string, keyHash: string, report: AppReport): Effects<IngestOutcome> {
  const r = room.runners.get(runnerId);
  if (!r || r.record.deviceKeyHash !== keyHash) return refuse(UNKNOWN_KEY);
  return takeReport(room, r, report);
}

/**
 * What a satellite tracker's feed brought at one poll (the polling job read and decoded it): its fixes and
 * alarms go the same way as a tracking app's, and the tracker's poll state is written with them, so a poll
 * whose fixes were not kept is made again.
 */
export function feedReport(room: Room, trackerId: string, poll: FeedPoll): Effects<IngestOutcome | null> {
  const tracker = room.trackers.get(trackerId);
  const r = tracker && room.runners.get(tracker.runnerId);
  if (!tracker || !r) return nothing(null);
  const lastT = tracker.lastT === null ? poll.lastT : poll.lastT === null ? tracker.lastT : Math.max(tracker.lastT, poll.lastT);
  const next: TrackerRecord = { ...tracker, polledAt: poll.polledAt, lastT, error: poll.error };
  const stateOp: WriteOp = { op: 'tracker', event: room.id, tracker: next };
  const keep = () => {
    if (room.trackers.get(trackerId)?.id === trackerId) room.trackers.set(trackerId, next);
  };
  if (poll.fixes.length === 0 && !poll.sos) {
    return { send: [], write: [stateOp], commit: () => (keep(), { send: [], result: null }) };
  }
  return takeReport(room, r, { app: poll.app, fixes: poll.fixes, refused: [], sos: poll.sos }, { write: [stateOp], commit: keep });
}

/** A poll of a satellite tracker's feed, as the polling job decoded it. */
export interface FeedPoll {
  /** As people know it ("Garmin inReach"). */
  app: string;
  polledAt: number;
  /** Fixes newer than the tracker's last, oldest first. */
  fixes: AppFix[];
  /** The feed flags an emergency (inReach "In Emergency", SPOT HELP or SOS). */
  sos: boolean;
  /** The newest message time in the feed (ms), fixes or not. */
  lastT: number | null;
  /** Why the poll failed (the feed's answer), null when it worked. */
  error: string | null;
}

/**
 * Number, check and store a report's fixes for runner `r`, raise an alert for an alarm, and write `extra`
 * in the same batch.
 *
 * A fix that can never be taken (too old, too far ahead, after the event finished, or refused by the ingest
 * layer already) is counted against the runner, not answered as an error: apps resend the head of their
 * queue until it is accepted, so an error would hold back everything after it. Only the fix quota makes
 * the app send again later (`retryAfterMs`); the fixes under it are kept meanwhile.
 */
function takeReport(room: Room, r: RunnerTrack, report: AppReport, extra: { write: WriteOp[]; commit: () => void } = { write: [], commit: () => {} }): Effects<IngestOutcome> {
  const runnerId = r.id;
  const now = room.now();
  const refused: AppRefusal[] = [...report.refused];
  const positions: StoredPosition[] = [];
  const taken = new Set<number>();
  let duplicates = 0;
  let retryAfterMs: number | null = null;
  /** Where an alarm puts the runner: the newest fix of this request that could be taken. */
  let at: StoredPosition | null = null;
  const finished = room.info.status === 'finished';
  for (const fix of report.fixes) {
    if (fix.t > now + LIMITS.maxFutureMs) refused.push(AppRefusal.InFuture);
    else if (fix.t < now - LIMITS.maxPastMs) refused.push(AppRefusal.TooOld);
    else {
      const pos: StoredPosition = { ...fix, seq: INGEST_SEQ_BASE + Math.round(fix.t) };
      if (!at || pos.t >= at.t) at = pos;
      if (finished) {
        refused.push(AppRefusal.EventFinished);
        continue;
      }
      if (r.inflight.has(pos.seq) || taken.has(pos.seq)) {
        duplicates++;
        continue;
      }
      // An alarm's own fix is kept whatever the quota: it may be the last one there is.
      const quota = report.sos ? null : room.fixQuota(r, now, positions.length);
      if (quota) {
        retryAfterMs = Math.max(retryAfterMs ?? 0, quota.retryAfterMs);
        continue;
      }
      positions.push(pos);
      taken.add(pos.seq);
    }
  }
  const open = report.sos ? room.openAlertOf(runnerId) : null;
  const alert: Alert | null =
    report.sos && !open
      ? {
          id: room.deps.secrets.newRunnerId(),
          runnerId,
          name: r.record.name,
          kind: 'sos',
          raisedAt: now,
          at: spot(at ?? r.last),
          source: report.app,
          ackedAt: null,
        }
      : null;

  const write: WriteOp[] = positions.map((pos) => ({ op: 'position', event: room.id, runnerId, pos }));
  const restart = positions.length > 0 && r.record.stopped;
  if (restart) write.push({ op: 'runner', runner: { ...r.record, stopped: false } });
  if (alert) write.push({ op: 'alert', event: room.id, alert });
  write.push(...extra.write);
  for (const p of positions) r.inflight.add(p.seq);
  const release = () => {
    for (const p of positions) r.inflight.delete(p.seq);
  };
  return {
    send: [],
    write,
    commit: (arrivals) => {
      release();
      extra.commit();
      const counts: Partial<Record<AppRefusal, number>> = {};
      for (const reason of refused) counts[reason] = (counts[reason] ?? 0) + 1;
      const outcome: IngestOutcome = { stored: 0, duplicates, refused: counts, retryAfterMs, alert: alert ?? open };
      if (room.runners.get(runnerId) !== r) return { send: [], result: outcome };
      for (const [reason, n] of Object.entries(counts) as Array<[AppRefusal, number]>) r.refuse(reason, n);
      if (restart) {
        r.record = { ...r.record, stopped: false };
        room.markDirty(r);
      }
      positions.forEach((pos, i) => {
        const arrival = arrivals[i] ?? null;
        if (arrival === null) outcome.duplicates++;
        else {
          outcome.stored++;
          room.applyFix(r, pos, now, arrival);
        }
      });
      const send: Delivery[] = [];
      if (report.sos) room.heard(r, now);
      if (alert) {
        room.alerts.set(alert.id, alert);
        room.snapshotCache = null;
        room.lastActivity = Math.max(room.lastActivity, now);
        send.push({ to: { watchers: runnerId }, msg: { type: 'alert', event: room.id, alert } });
      }
      return { send, result: outcome };
    },
    abort: release,
  };
}

/**
 * A tracking app says it is alive without a position (Traccar Client's heartbeat while the phone is still):
 * the runner counts as heard from, so they stay active rather than turning idle.
 */
export function heartbeat(room: Room, runnerId: string, keyHash: string): Effects<'heard'> {
  const r = room.runners.get(runnerId);
  if (!r || r.record.deviceKeyHash !== keyHash) return refuse(UNKNOWN_KEY);
  const now = room.now();
  return {
    send: [],
    write: [],
    commit: () => {
      if (room.runners.get(runnerId) === r) room.heard(r, now);
      return { send: [], result: 'heard' };
    },
  };
}

/** The picture a runner's tracking app sent (an OwnTracks card), replacing the last one. */
export function setAvatar(room: Room, runnerId: string, keyHash: string, avatar: Omit<AvatarRecord, 'updatedAt'>): Effects<number> {
  const r = room.runners.get(runnerId);
  if (!r || r.record.deviceKeyHash !== keyHash) return refuse(UNKNOWN_KEY);
  // Strictly increasing: the version in the picture's address must change with the picture.
  const updatedAt = Math.max(room.now(), (r.avatarAt ?? 0) + 1);
  return {
    send: [],
    write: [{ op: 'avatar', event: room.id, runnerId, avatar: { ...avatar, updatedAt } }],
    commit: () => {
      if (room.runners.get(runnerId) === r) {
        r.avatarAt = Math.max(r.avatarAt ?? 0, updatedAt);
        room.markDirty(r);
      }
      return { send: [], result: updatedAt };
    },
  };
}

/** A new device key for a runner's tracking app; the old one stops working. The key is returned here only. */
export function issueDeviceKey(room: Room, runnerId: string): Effects<string | null> {
  const r = room.runners.get(runnerId);
  if (!r) return nothing(null);
  const key = room.deps.secrets.newToken();
  return room.patchRunner(r, { deviceKeyHash: room.deps.secrets.hash(key) }, key);
}

export function revokeDeviceKey(room: Room, runnerId: string): Effects<boolean> {
  const r = room.runners.get(runnerId);
  if (!r?.record.deviceKeyHash) return nothing(false);
  return room.patchRunner(r, { deviceKeyHash: null }, true);
}

/** Whether the runner has a key, and the tracking-app fixes refused so far per reason; null for no such runner. */
export function deviceKeyState(room: Room, runnerId: string): { issued: boolean; refused: Partial<Record<AppRefusal, number>> } | null {
  const r = room.runners.get(runnerId);
  return r ? { issued: r.record.deviceKeyHash != null, refused: { ...r.refused } } : null;
}
