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
  /** Index of the last trail point counted into `distance`. */
  anchor: number;
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

/**
 * A phone standing still reports positions scattered over a few metres; summing every hop would make
 * a resting runner cover ground. A move counts only once it is this far from the last counted point.
 */
export const MIN_STEP_M = 5;

/** Carry a trail's distance on from its last counted point (`anchor`) to its end. */
export function extendDistance(
  track: readonly TrackPoint[],
  from: { anchor: number; distance: number },
): { anchor: number; distance: number } {
  let { anchor, distance } = from;
  const start = track[anchor];
  if (!start) return { anchor: 0, distance: 0 };
  let [lat, lon] = start;
  for (let i = anchor + 1; i < track.length; i++) {
    const p = track[i]!;
    const step = distanceM(lat, lon, p[0], p[1]);
    if (step < MIN_STEP_M) continue;
    distance += step;
    anchor = i;
    [lat, lon] = p;
  }
  return { anchor, distance };
}

export function trackDistance(track: readonly TrackPoint[]): number {
  return extendDistance(track, { anchor: 0, distance: 0 }).distance;
}

/** Pace over the last `windowMs` of a trail, s/km; null when too little is known. */
export function recentPace(track: readonly TrackPoint[], windowMs = 60_000): number | null {
  if (track.length < 2) return null;
  const end = track[track.length - 1]!;
  let first = track.length - 1;
  while (first > 0 && end[2] - track[first - 1]![2] <= windowMs) first--;
  const window = track.slice(first);
  const { anchor, distance } = extendDistance(window, { anchor: 0, distance: 0 });
  return paceSecPerKm(distance, (window[anchor]![2] - window[0]![2]) / 1000);
}

export function reduceEventView(state: EventView, msg: ServerMessage, localNow = Date.now()): EventView {
  switch (msg.type) {
    case 'snapshot': {
      const runners: Record<string, RunnerView> = {};
      for (const r of msg.runners) runners[r.id] = { ...r, ...extendDistance(r.track, { anchor: 0, distance: 0 }) };
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
        runners[info.id] = { ...(prev ?? { track: [], distance: 0, anchor: 0 }), ...info };
      }
      for (const [id, points] of Object.entries(msg.points)) {
        const prev = runners[id];
        if (!prev || points.length === 0) continue;
        const track = prev.track.concat(points);
        runners[id] = { ...prev, track, ...extendDistance(track, prev) };
      }
      for (const [id, track] of Object.entries(msg.tracks ?? {})) {
        const prev = runners[id];
        // A replaced trail is a new array: views redraw it whole.
        if (prev) runners[id] = { ...prev, track, ...extendDistance(track, { anchor: 0, distance: 0 }) };
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
