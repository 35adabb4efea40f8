/**
 * The spectator's picture of one event, built from server messages by a pure reducer.
 * Trails only grow between snapshots, so views can draw the new tail instead of the whole trail.
 */
import type { EventInfo, HappinessSample, RunnerInfo, ServerMessage, TrackPoint } from '../lib/protocol';
import { extendDistance } from '../lib/track';

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

export function reduceEventView(state: EventView, msg: ServerMessage, localNow = Date.now()): EventView {
  switch (msg.type) {
    case 'snapshot': {
      const runners: Record<string, RunnerView> = {};
      // The server measured the full trail; the snapshot's may be simplified.
      for (const r of msg.runners) runners[r.id] = { ...r, anchor: Math.max(0, r.track.length - 1) };
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
      for (const id of msg.removed ?? []) delete runners[id];
      const kept = msg.removed?.length ? order.filter((id) => runners[id]) : order;
      return { ...state, runners, order: kept, clockOffset: msg.now - localNow };
    }
    case 'event': {
      if (!state.event || msg.event.id !== state.event.id) return state;
      return { ...state, event: msg.event };
    }
    case 'happiness': {
      if (!state.event || msg.event !== state.event.id) return state;
      return { ...state, happiness: [...state.happiness, msg.sample] };
    }
    default:
      return state;
  }
}
