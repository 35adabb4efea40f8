/**
 * The spectator's picture of one event, built from server messages by a pure reducer. Trails come as
 * encoded, thinned trails in the snapshot and grow point by point with updates; they stay bounded in the
 * browser too, except the one runner whose full track was loaded (`detail`).
 */
import { decodeTrail } from '../lib/polyline';
import type { Alert, EventInfo, HappinessSample, RunnerInfo, ServerMessage, TrackPoint } from '../lib/protocol';
import { LIMITS } from '../lib/protocol';
import { simplifyTrack } from '../lib/simplify';

export interface RunnerView extends RunnerInfo {
  track: TrackPoint[];
  /** Metres covered, as the server counts it. */
  distance: number;
  /**
   * Fixes stored: as the snapshot counted them, plus the points updates brought since (two fixes of the same
   * millisecond come as one point, so this may fall short by those).
   */
  points: number;
  /** Whether `track` is the runner's full stored track (loaded page by page) rather than a display trail. */
  detailed?: boolean;
  /** With interest: the runner's index in the field. */
  n?: number;
}

export interface EventView {
  event: EventInfo | null;
  runners: Record<string, RunnerView>;
  /** Runner ids in the order they appeared. */
  order: string[];
  happiness: HappinessSample[];
  /** Open alerts (SOS) by id, in the order they were raised. */
  alerts: Record<string, Alert>;
  /** Server clock minus local clock, ms: "last seen" uses server time. */
  clockOffset: number;
  /** Bumped by every snapshot: views drop what they drew and start again. */
  generation: number;
  /** Live state the picture follows on from: a gap in offsets, or another epoch, means something was missed. */
  epoch: string | null;
  seq: number;
  /** Bumped when an update shows that something was missed: subscribe again for a fresh snapshot. */
  resync: number;
  /**
   * With interest: the field every runner is in (client/field-store.ts), its generation and size; `runners`
   * then holds only the runners followed in detail. Null when every runner comes in detail.
   */
  field: { gen: number; count: number } | null;
}

/** Client-side actions beside server messages. */
export type LocalAction =
  /** A runner's full track, read from the track endpoint, replaces their display trail. */
  { type: 'detail'; runnerId: string; track: TrackPoint[] };

export const emptyEventView: EventView = {
  event: null,
  runners: {},
  order: [],
  happiness: [],
  alerts: {},
  clockOffset: 0,
  generation: 0,
  epoch: null,
  seq: 0,
  resync: 0,
  field: null,
};

/** Snapshot trails keep whole seconds: the exact latest fix stands in for its rounded copy. */
const ROUNDING_MS = 1000;

/** Insert by time; false when the track holds a fix of that time already. */
export function insertPoint(track: TrackPoint[], p: TrackPoint): boolean {
  let i = track.length;
  while (i > 0 && track[i - 1]![2] > p[2]) i--;
  if (i > 0 && track[i - 1]![2] === p[2]) return false;
  if (i === track.length) track.push(p);
  else track.splice(i, 0, p);
  return true;
}

/** How many points a runner's display trail may hold here before it is thinned. */
function trailCap(runners: number): number {
  const share = Math.floor(LIMITS.snapshotPoints / Math.max(1, runners));
  return 2 * Math.max(LIMITS.trailMinPoints, Math.min(LIMITS.trailMaxPoints, share));
}

export function reduceEventView(state: EventView, msg: ServerMessage | LocalAction, localNow = Date.now()): EventView {
  switch (msg.type) {
    case 'snapshot': {
      const runners: Record<string, RunnerView> = {};
      for (const { trail, last, ...info } of msg.runners) {
        const track = decodeTrail(trail);
        // The trail keeps whole seconds; the latest fix comes exact.
        if (last) {
          const end = track[track.length - 1];
          if (end && Math.abs(end[2] - last[2]) < ROUNDING_MS) track[track.length - 1] = last;
          else insertPoint(track, last);
        }
        runners[info.id] = { ...info, track };
      }
      return {
        event: msg.event,
        runners,
        order: msg.runners.map((r) => r.id),
        happiness: msg.happiness,
        alerts: Object.fromEntries(msg.alerts.map((a) => [a.id, a])),
        clockOffset: msg.now - localNow,
        generation: state.generation + 1,
        epoch: msg.epoch,
        seq: msg.seq,
        resync: state.resync,
        field: msg.field ?? null,
      };
    }
    case 'update': {
      if (!state.event || msg.event !== state.event.id) return state;
      if (msg.epoch !== state.epoch || msg.prev > state.seq) return { ...state, resync: state.resync + 1 };
      if (msg.seq <= state.seq) return state;
      const runners = { ...state.runners };
      const order = state.order.slice();
      for (const info of msg.runners) {
        const prev = runners[info.id];
        if (!prev) order.push(info.id);
        // An info is whole: a bib or race it leaves out is gone.
        runners[info.id] = { ...(prev ?? { track: [], distance: 0, points: 0 }), bib: undefined, race: undefined, ...info };
      }
      const cap = trailCap(order.length);
      for (const [id, points] of Object.entries(msg.points)) {
        const prev = runners[id];
        if (!prev || points.length === 0) continue;
        let track = prev.track.slice();
        let added = 0;
        for (const p of points) if (insertPoint(track, p)) added++;
        if (!added) continue;
        if (!prev.detailed && track.length > cap) track = simplifyTrack(track, cap / 2);
        const end = track[track.length - 1]!;
        runners[id] = {
          ...prev,
          track,
          lastSeen: Math.max(prev.lastSeen ?? 0, end[2]),
          distance: msg.distance[id] ?? prev.distance,
          points: prev.points + added,
        };
      }
      for (const id of msg.removed ?? []) delete runners[id];
      const kept = msg.removed?.length ? order.filter((id) => runners[id]) : order;
      const gone = new Set(msg.removed ?? []);
      const alerts = gone.size ? Object.fromEntries(Object.entries(state.alerts).filter(([, a]) => !gone.has(a.runnerId))) : state.alerts;
      return { ...state, runners, order: kept, alerts, clockOffset: msg.now - localNow, seq: msg.seq };
    }
    case 'detail': {
      const prev = state.runners[msg.runnerId];
      if (!prev) return state;
      const track = msg.track.slice();
      const end = track[track.length - 1]?.[2] ?? -Infinity;
      const tail = track.slice(-8);
      // Keep what arrived live while the pages were read; a snapshot's point rounded to the second is a fix
      // the pages hold exactly, not another one.
      const same = (p: TrackPoint) => tail.some((q) => Math.abs(q[2] - p[2]) < ROUNDING_MS && Math.abs(q[0] - p[0]) < 2e-5 && Math.abs(q[1] - p[1]) < 2e-5);
      for (const p of prev.track) if (p[2] > end && !same(p)) insertPoint(track, p);
      return { ...state, runners: { ...state.runners, [msg.runnerId]: { ...prev, track, detailed: true } } };
    }
    case 'event': {
      if (!state.event || msg.event.id !== state.event.id) return state;
      return { ...state, event: msg.event };
    }
    case 'happiness': {
      if (!state.event || msg.event !== state.event.id) return state;
      return { ...state, happiness: [...state.happiness, msg.sample] };
    }
    case 'alert': {
      if (!state.event || msg.event !== state.event.id) return state;
      const alerts = { ...state.alerts };
      if (msg.alert.ackedAt === null) alerts[msg.alert.id] = msg.alert;
      else delete alerts[msg.alert.id];
      return { ...state, alerts };
    }
    default:
      return state;
  }
}
