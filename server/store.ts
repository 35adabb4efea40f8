/**
 * What the hub asks to keep, and the interface every storage engine implements.
 * `write` must make a whole batch durable before it returns: acknowledgements wait for it.
 */
import type { Cheer, EventInfo, HappinessSample, ShareLink } from '../lib/protocol';

export interface RunnerRecord {
  id: string;
  event: string;
  name: string;
  color: string;
  tokenHash: string;
  deviceKeyHash: string | null;
  joinedAt: number;
  stopped: boolean;
}

export interface StoredPosition {
  seq: number;
  lat: number;
  lon: number;
  t: number;
  acc: number;
  alt: number | null;
  spd: number | null;
  hdg: number | null;
  /** Phone battery, percent, where the app reports it. */
  bat: number | null;
}

export type StoreOp =
  | { op: 'event'; event: EventInfo; organiserHash: string; viewCodeHash: string | null }
  | { op: 'deleteRunner'; event: string; runnerId: string }
  | { op: 'link'; event: string; link: ShareLink }
  | { op: 'runner'; runner: RunnerRecord }
  | ({ op: 'position'; event: string; runnerId: string } & StoredPosition)
  /** A sequence number refused for good: it counts as settled when acknowledging. */
  | { op: 'skip'; event: string; runnerId: string; seq: number }
  | { op: 'mood'; event: string; runnerId: string; value: number; t: number }
  | { op: 'sample'; event: string; sample: HappinessSample }
  | { op: 'cheer'; event: string; runnerId: string; cheer: Cheer };

export interface RestoredRunner extends RunnerRecord {
  mood: number | null;
  moodAt: number | null;
  cheers: Cheer[];
  positions: StoredPosition[];
  skipped: number[];
}

export interface RestoredEvent {
  event: EventInfo;
  organiserHash: string;
  viewCodeHash: string | null;
}

export interface RestoredState {
  events: RestoredEvent[];
  runners: RestoredRunner[];
  samples: Array<{ event: string; sample: HappinessSample }>;
  links: Array<{ event: string; link: ShareLink }>;
}

/** Everything kept about one event, for the JSON download. */
export interface EventExport {
  event: EventInfo;
  runners: Array<{
    id: string;
    name: string;
    color: string;
    joinedAt: number;
    positions: StoredPosition[];
    moods: Array<{ value: number; t: number }>;
    cheers: Cheer[];
  }>;
  happiness: HappinessSample[];
}

export interface Store {
  load(): RestoredState;
  /** A runner's full stored track in sequence order. */
  track(event: string, runnerId: string): StoredPosition[];
  exportEvent(event: string): EventExport | null;
  /** Ids of events with no position, mood or cheer since `before` and created before it. */
  inactiveEvents(before: number): string[];
  deleteEvent(event: string): void;
  /** Apply all ops atomically and durably; writing a (runner, seq) that exists already is a no-op. */
  write(ops: readonly StoreOp[]): void;
  /** Number of stored positions, for checks and tests. */
  countPositions(event?: string): number;
  close(): void;
}
