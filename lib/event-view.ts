/**
 * The spectator's picture of one event, built from server messages by a pure reducer.
 * Trails only grow between snapshots, so views can draw the new tail instead of the whole trail.
 */
import { distanceM, paceSecPerKm } from './geo';
import type { EventInfo, HappinessSample, RunnerInfo, ServerMessage, TrackPoint } from './protocol';

export interface RunnerView extends RunnerInfo {
  track: TrackPoint[];
  /** Metres along the trail. */
  distance: number;
}

export interface EventView {
  event: EventInfo | null;
  runners: Record<string, RunnerView>;
  /** Runner ids in the order they joined. */
  order: string[];
  happiness: HappinessSample[];
  /** Server clock minus local clock, ms: "last seen" uses server time. */
  clockOffset: number;
  /** Bumped by every snapshot: views drop what they drew and start again. */
  generation: number;
}

export const emptyEventView: EventView = {
  event: null,
  runners: {},
  order: [],
  happiness: [],
  clockOffset: 0,
  generation: 0,
};

export function trackDistance(track: readonly TrackPoint[], from = 1): number {
  let d = 0;
  for (let i = Math.max(1, from); i < track.length; i++) {
    const a = track[i - 1]!;
    const b = track[i]!;
    d += distanceM(a[0], a[1], b[0], b[1]);
  }
  return d;
}

/** Pace over the last `windowMs` of a trail, s/km; null when too little is known. */
export function recentPace(track: readonly TrackPoint[], windowMs = 60_000): number | null {
  if (track.length < 2) return null;
  const end = track[track.length - 1]!;
  let i = track.length - 1;
  let d = 0;
  while (i > 0 && end[2] - track[i - 1]![2] <= windowMs) {
    const a = track[i - 1]!;
    const b = track[i]!;
    d += distanceM(a[0], a[1], b[0], b[1]);
    i--;
  }
  return paceSecPerKm(d, (end[2] - track[i]![2]) / 1000);
}

export function reduceEventView(state: EventView, msg: ServerMessage, localNow = Date.now()): EventView {
  switch (msg.type) {
    case 'snapshot': {
      const runners: Record<string, RunnerView> = {};
      for (const r of msg.runners) runners[r.id] = { ...r, distance: trackDistance(r.track) };
      return {
        event: msg.event,
        runners,
        order: msg.runners.map((r) => r.id),
        happiness: msg.happiness,
        clockOffset: msg.now - localNow,
        generation: state.generation + 1,
      };
    }
    case 'update': {
      if (!state.event || msg.event !== state.event.id) return state;
      const runners = { ...state.runners };
      const order = state.order.slice();
      for (const info of msg.runners) {
        const prev = runners[info.id];
        if (!prev) order.push(info.id);
        runners[info.id] = { ...(prev ?? { track: [], distance: 0 }), ...info };
      }
      for (const [id, points] of Object.entries(msg.points)) {
        const prev = runners[id];
        if (!prev || points.length === 0) continue;
        const track = prev.track.concat(points);
        runners[id] = { ...prev, track, distance: prev.distance + trackDistance(track, prev.track.length) };
      }
      for (const [id, track] of Object.entries(msg.tracks ?? {})) {
        const prev = runners[id];
        // A replaced trail is a new array: views redraw it whole.
        if (prev) runners[id] = { ...prev, track, distance: trackDistance(track) };
      }
      return { ...state, runners, order, clockOffset: msg.now - localNow };
    }
    case 'happiness': {
      if (!state.event || msg.event !== state.event.id) return state;
      return { ...state, happiness: [...state.happiness, msg.sample] };
    }
    default:
      return state;
  }
}
