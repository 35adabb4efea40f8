/**
 * Satellite trackers (Garmin inReach, SPOT) the organiser adds to runners: each is a shared feed the polling
 * job reads (server/jobs/feeds.ts). Their fixes and alarms come back through tracking-apps.ts `feedReport`.
 * The feed's password is kept to ask the feed with; it is never shown again.
 */
import { ErrorCode } from '../../lib/protocol';
import type { TrackerKind, TrackerRecord } from '../storage/store';
import { type Effects, nothing, refuse } from './effects';
import type { Room } from './state';

/** Trackers one runner may have (a spare device is a second). */
export const MAX_TRACKERS_PER_RUNNER = 2;

/** What the organiser sees of a tracker: everything but the password. */
export interface TrackerView {
  id: string;
  runnerId: string;
  runnerName: string;
  kind: TrackerKind;
  feed: string;
  hasPassword: boolean;
  polledAt: number | null;
  lastT: number | null;
  error: string | null;
}

export function addTracker(room: Room, runnerId: string, kind: TrackerKind, feed: string, password: string | null): Effects<TrackerView | null> {
  const r = room.runners.get(runnerId);
  if (!r) return nothing(null);
  if (room.info.status === 'finished') {
    return refuse({ code: ErrorCode.EventFinished, status: 403, message: 'This event has finished; no more trackers are polled for it.' });
  }
  const theirs = [...room.trackers.values()].filter((k) => k.runnerId === runnerId);
  if (theirs.some((k) => k.kind === kind && k.feed === feed)) {
    return refuse({ code: ErrorCode.BadTracker, status: 400, message: `${r.record.name} has this ${kind === 'inreach' ? 'MapShare' : 'SPOT'} feed already.` });
  }
  if (theirs.length >= MAX_TRACKERS_PER_RUNNER) {
    return refuse({ code: ErrorCode.BadTracker, status: 400, message: `A runner may have at most ${MAX_TRACKERS_PER_RUNNER} trackers: remove one first.` });
  }
  let id = room.deps.secrets.newRunnerId();
  while (room.trackers.has(id)) id = room.deps.secrets.newRunnerId();
  const tracker: TrackerRecord = { id, runnerId, kind, feed, password, addedAt: room.now(), polledAt: null, lastT: null, error: null };
  return {
    send: [],
    write: [{ op: 'tracker', event: room.id, tracker }],
    commit: () => {
      room.trackers.set(id, tracker);
      return { send: [], result: trackerView(room, tracker) };
    },
  };
}

export function removeTracker(room: Room, trackerId: string): Effects<boolean> {
  if (!room.trackers.has(trackerId)) return nothing(false);
  return {
    send: [],
    write: [{ op: 'deleteTracker', event: room.id, trackerId }],
    commit: () => {
      room.trackers.delete(trackerId);
      return { send: [], result: true };
    },
  };
}

function trackerView(room: Room, k: TrackerRecord): TrackerView {
  return {
    id: k.id,
    runnerId: k.runnerId,
    runnerName: room.runners.get(k.runnerId)?.record.name ?? '',
    kind: k.kind,
    feed: k.feed,
    hasPassword: k.password !== null,
    polledAt: k.polledAt,
    lastT: k.lastT,
    error: k.error,
  };
}

/** Every tracker of the event, for the organiser, in the order they were added. */
export function trackerViews(room: Room): TrackerView[] {
  return [...room.trackers.values()].filter((k) => room.runners.has(k.runnerId)).map((k) => trackerView(room, k));
}
