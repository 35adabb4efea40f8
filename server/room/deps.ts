/** What a room is given: its clock, its secrets, and when runners count as idle or offline. */
import type { Secrets } from '../credentials';

export interface RoomTimings {
  /** A runner with nothing heard for this long is shown idle. */
  idleAfterMs: number;
  /** A runner with nothing heard for this long is shown offline. */
  offlineAfterMs: number;
  /** Happiness counts runners whose latest fix or mood is younger than this. */
  activeWindowMs: number;
}

export const DEFAULT_TIMINGS: RoomTimings = {
  idleAfterMs: 30_000,
  offlineAfterMs: 5 * 60_000,
  activeWindowMs: 5 * 60_000,
};

export interface RoomDeps {
  now: () => number;
  secrets: Secrets;
  timings: RoomTimings;
}
