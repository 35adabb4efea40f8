/**
 * The storage contract every engine implements (SQLite by default, PostgreSQL for several instances), and
 * what the live layer asks it to keep. Two halves:
 *
 * - the write log: `append` takes a batch of operations and resolves once all of it is durable, or rejects
 *   with nothing of it kept. Acknowledgements and every other visible effect wait for it. Batches are
 *   appended one after another; an engine may rely on that.
 * - read queries: what a room needs to come back to life, and paged (keyset) reads of tracks and the rest
 *   of an event, so that nothing ever reads a whole race into memory.
 *
 * Positions and refused sequence numbers get an `arrival` number when they are written: increasing in the
 * order batches commit. A room's checkpoint says up to which arrival it is; after a restart the room is its
 * checkpoint plus whatever arrived later (`replay`).
 */
import type { CompactCourse } from '../../lib/course/compact';
import type { Entry } from '../../lib/entries/entry';
import type { Alert, Cheer, EventInfo, HappinessSample, ShareLink } from '../../lib/protocol';
import type { PushStore } from './push-store';

/** Per-event limits the organiser may raise. */
export interface EventQuotas {
  /** Runners who may join. */
  maxRunners: number;
  /** Fixes one runner may store per hour (beyond a burst for an outbox that catches up). */
  fixesPerRunnerPerHour: number;
  /** Cheers the event takes per minute. */
  cheersPerMinute: number;
  /**
   * MiB one address (a venue's Wi-Fi, a phone network's shared address) may make the server store for this
   * event per hour; absent: the server's allowance (WRITE_MIB_PER_HOUR_PER_IP).
   */
  addressMiBPerHour?: number;
}

export interface EventRecord {
  info: EventInfo;
  /** Hash of the organiser token; empty when nobody may organise (the demo). */
  organiserHash: string;
  /** Hash of the view code (scrypt), or null for a public event. */
  viewCodeHash: string | null;
  /** Limits the organiser changed; the rest are the server's defaults. */
  quotas: Partial<EventQuotas>;
}

export interface RunnerRecord {
  id: string;
  event: string;
  name: string;
  color: string;
  /** Hash of the runner's token; null for a start-list entry no phone has claimed yet. */
  tokenHash: string | null;
  /** Hash of the key the runner's tracking app sends; null when none is issued. */
  deviceKeyHash: string | null;
  joinedAt: number;
  stopped: boolean;
  bib: string | null;
  /** The start-list entry this runner is; null for a runner who joined by phone without one. */
  entry: Entry | null;
}

/**
 * What the race director decides and writes down while the race runs (server/room/control.ts): a runner's
 * verdict, a note on a watchlist item, a message to runners and who saw it, the console's thresholds.
 * `body` is JSON only the room reads; `runnerId` says whose it is (removing the runner removes it).
 */
export type ControlKind = 'verdict' | 'mark' | 'message' | 'seen' | 'settings';
export interface ControlRecord {
  kind: ControlKind;
  id: string;
  runnerId: string | null;
  body: string;
  updatedAt: number;
}

/** A timing mat's place on the course and the key its decoder sends (kept as a hash, like device keys). */
export interface TimingPointRecord {
  id: string;
  name: string;
  /** Metres from the start. */
  at: number;
  keyHash: string;
  /** IANA zone the decoder's clock is in: lines of the decoder format carry local time. */
  timeZone: string;
  createdAt: number;
}

/** A chip seen by a timing point's decoder, as it reported it. */
export interface StoredPassing {
  point: string;
  chip: string;
  /** When the chip crossed, ms since the epoch. */
  t: number;
  loop: string | null;
  lap: number | null;
  battery: number | null;
  /** Sent again from the decoder's memory rather than live. */
  rewind: boolean;
  /** Server time it arrived. */
  receivedAt: number;
}

export type TrackerKind = 'inreach' | 'spot';

/** A satellite tracker's shared feed, polled for one runner. */
export interface TrackerRecord {
  id: string;
  runnerId: string;
  kind: TrackerKind;
  /** The MapShare identifier (inReach) or the shared page's XML feed id (SPOT). */
  feed: string;
  /** The feed's password, if it has one: sent to the feed, never shown again. */
  password: string | null;
  addedAt: number;
  /** When the feed was last asked, and the newest message time it had (ms); null before. */
  polledAt: number | null;
  lastT: number | null;
  /** Why the last poll failed; null when it worked. */
  error: string | null;
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

/** A picture a runner's tracking app sent (an OwnTracks card). */
export interface AvatarRecord {
  /** The name the app gave with it, if any. */
  name: string | null;
  mime: 'image/png' | 'image/jpeg';
  /** The image, base64. */
  data: string;
  updatedAt: number;
}

export type WriteOp =
  | { op: 'event'; record: EventRecord }
  | { op: 'deleteEvent'; event: string }
  /** A runner, kept by id; writing one again keeps its token hash and join time (runnerToken changes the token). */
  | { op: 'runner'; runner: RunnerRecord }
  /** A runner's token hash: set when a phone claims a start-list entry, null to let another phone claim it. */
  | { op: 'runnerToken'; event: string; runnerId: string; tokenHash: string | null }
  /** A runner and every trace of them: positions, skips, moods, cheers, alerts, picture, checkpoint. */
  | { op: 'deleteRunner'; event: string; runnerId: string }
  | { op: 'link'; event: string; link: ShareLink }
  /** Kept once per (event, runner, seq): writing one that exists already is a no-op (its arrival is null). */
  | { op: 'position'; event: string; runnerId: string; pos: StoredPosition }
  /** A sequence number refused for good: it counts as settled when acknowledging. Kept once too. */
  | { op: 'skip'; event: string; runnerId: string; seq: number }
  | { op: 'mood'; event: string; runnerId: string; value: number; t: number }
  | { op: 'sample'; event: string; sample: HappinessSample }
  | { op: 'cheer'; event: string; runnerId: string; cheer: Cheer }
  /** An alert, kept by id; written again when it is acknowledged (only `ackedAt` changes then). */
  | { op: 'alert'; event: string; alert: Alert }
  /** A runner's picture, replacing the last one. */
  | { op: 'avatar'; event: string; runnerId: string; avatar: AvatarRecord }
  /** The event's course line, replacing the last one; null removes it. */
  | { op: 'course'; event: string; course: CompactCourse | null; updatedAt: number }
  /** A room's picture of one runner up to arrival `through` (opaque to the store), replacing the last one. */
  | { op: 'checkpoint'; event: string; runnerId: string; through: number; state: string }
  /** A timing point, replacing the one with its id. */
  | { op: 'timingPoint'; event: string; point: TimingPointRecord }
  | { op: 'deleteTimingPoint'; event: string; pointId: string }
  /** Kept once per (event, point, chip, t): writing one that exists already is a no-op (its arrival is null). */
  | { op: 'passing'; event: string; passing: StoredPassing }
  /** A satellite tracker, replacing the one with its id (its poll state changes with every poll). */
  | { op: 'tracker'; event: string; tracker: TrackerRecord }
  | { op: 'deleteTracker'; event: string; trackerId: string }
  /** A race-control record, replacing the one with its kind and id. */
  | { op: 'control'; event: string; control: ControlRecord }
  | { op: 'deleteControl'; event: string; kind: ControlKind; id: string };

export interface AppendResult {
  /** One entry per op: the arrival of a position, skip or passing that was new; null for a duplicate and any other op. */
  arrivals: Array<number | null>;
}

/**
 * Who writes a batch, as the owner of which events. With several instances each event has one owner at a
 * time, holding the event's lease (`Leases`) at some epoch; a batch with a fence commits only if `holder`
 * still holds every event in `epochs` at that epoch, checked inside the batch's transaction. So an owner
 * that was paused or cut off, and whose events another instance took meanwhile, writes nothing as owner.
 */
export interface Fence {
  holder: string;
  epochs: ReadonlyMap<string, number>;
}

export interface WriteLog {
  /** Rejects with FencedError (nothing kept) when the fence no longer holds for some of its events. */
  append(ops: readonly WriteOp[], fence?: Fence): Promise<AppendResult>;
}

/**
 * Leases with expiry: one holder per key at a time (an event's owner, a job's runner). Acquiring a key whose
 * lease expired (or that nobody held) raises its epoch, the fencing token writes are checked against; a
 * holder keeps its lease by renewing it before it expires.
 */
export interface Lease {
  key: string;
  holder: string;
  epoch: number;
  /** Milliseconds until it expires (by the lease keeper's clock); ≤ 0 once it has. */
  expiresInMs: number;
}

export interface Leases {
  /** The lease for `holder` at a new epoch, or the lease someone else still holds. */
  acquire(key: string, holder: string, ttlMs: number): Promise<{ acquired: true; epoch: number } | { acquired: false; lease: Lease }>;
  /** Extend these leases (key → epoch); returns the keys still held, the rest were lost. */
  renew(holder: string, held: ReadonlyMap<string, number>, ttlMs: number): Promise<Set<string>>;
  /** Give a lease up at once, so that another may take it without waiting for it to expire. */
  release(holder: string, key: string, epoch: number): Promise<void>;
  /** The current leases of these keys (expired ones too); keys never leased are missing. */
  current(keys: readonly string[]): Promise<Map<string, Lease>>;
}

export interface RoomRunner extends RunnerRecord {
  mood: number | null;
  moodAt: number | null;
  /** The latest cheers, oldest first (at most `cheersKept`). */
  cheers: Cheer[];
  checkpoint: { through: number; state: string } | null;
  /** When their picture was last written; null without one. */
  avatarAt: number | null;
}

/** What a room is hydrated from. */
export interface RoomRecord {
  event: EventRecord;
  runners: RoomRunner[];
  links: ShareLink[];
  /** The latest happiness samples, oldest first (at most `samplesKept`). */
  samples: HappinessSample[];
  /** Alerts nobody acknowledged yet, oldest first. */
  alerts: Alert[];
  /** Highest arrival of any of this event's positions and skips; 0 when none. */
  maxArrival: number;
  /** The course line; its checkpoints are the event's (`info.race.course`). */
  course: CompactCourse | null;
  timingPoints: TimingPointRecord[];
  trackers: TrackerRecord[];
  /** Race-control records, in the order they were last written. */
  controls: ControlRecord[];
}

/** A passing with the arrival it was stored at. */
export interface PassingArrival {
  arrival: number;
  passing: StoredPassing;
}

/** A position or skip written after some arrival, for replay after a checkpoint. */
export type Arrival =
  | { kind: 'position'; arrival: number; runnerId: string; pos: StoredPosition }
  | { kind: 'skip'; arrival: number; runnerId: string; seq: number };

export type TrackFormat = 'json' | 'gpx';

export interface TrackText {
  text: string;
  count: number;
  last: TrackCursor | null;
}

/** Where a page of a track ends: tracks are read in (t, seq) order. */
export interface TrackCursor {
  t: number;
  seq: number;
}

/** What every request needs before any room is loaded. */
export interface StoredIndex {
  events: EventRecord[];
  links: Array<{ event: string; link: ShareLink }>;
  /** Per event with any, how many runners have a stored position (the landing page's counts). */
  runnersSeen: Array<{ event: string; runners: number }>;
  /** Every issued device key's hash and whose it is: tracking apps are told apart without a look-up. */
  deviceKeys: Array<{ hash: string; event: string; runnerId: string }>;
}

export interface ReadQueries {
  /** What routing needs at start-up: every event (without runners), every share link and device key. */
  loadIndex(): Promise<StoredIndex>;
  loadRoom(event: string, opts: { cheersKept: number; samplesKept: number }): Promise<RoomRecord | null>;
  /** This event's positions and skips with arrival above `after`, in arrival order, at most `limit`. */
  replay(event: string, after: number, limit: number): Promise<Arrival[]>;
  /** A runner's refused sequence numbers, ascending. */
  skipped(event: string, runnerId: string): Promise<number[]>;
  /** Whose device key this is (by hash), or null. */
  runnerByDeviceKey(hash: string): Promise<{ event: string; runnerId: string } | null>;
  /** Which timing point's key this is (by hash), or null. */
  timingPointByKey(hash: string): Promise<{ event: string; pointId: string } | null>;
  /** An event's passings with arrival above `after`, in arrival order, at most `limit`. */
  passings(event: string, after: number, limit: number): Promise<PassingArrival[]>;
  /** Every satellite tracker of live events, with its event, for the polling job. */
  liveTrackers(): Promise<Array<{ event: string; tracker: TrackerRecord }>>;
  /**
   * A page of a runner's track in (t, seq) order, strictly after `after` (from the start when null), with
   * `from` ≤ t ≤ `to` when given.
   */
  trackPage(
    event: string,
    runnerId: string,
    after: TrackCursor | null,
    limit: number,
    range?: { from?: number; to?: number },
  ): Promise<StoredPosition[]>;
  /**
   * The same page as trackPage, already written out (formats/position-json.ts for 'json', one per line
   * joined by ",\n"; formats/gpx.ts gpxPoint for 'gpx'): engines may do it where the rows are, off the
   * server's event loop. `last` is the cursor of the page's last fix (null for an empty page).
   */
  trackText(event: string, runnerId: string, after: TrackCursor | null, limit: number, format: TrackFormat): Promise<TrackText>;
  /** Every runner of an event (no positions), in join order. */
  runners(event: string): Promise<RunnerRecord[]>;
  moods(event: string, runnerId: string): Promise<Array<{ value: number; t: number }>>;
  cheers(event: string, runnerId: string): Promise<Cheer[]>;
  /** Every alert of an event, open or acknowledged, in the order they were raised. */
  alerts(event: string): Promise<Alert[]>;
  avatar(event: string, runnerId: string): Promise<AvatarRecord | null>;
  /** A page of an event's happiness samples after time `after` (exclusive), oldest first. */
  samples(event: string, after: number, limit: number): Promise<HappinessSample[]>;
  /** Events created before `before` with no position, mood, cheer or alert since; only live ones when asked. */
  inactiveEvents(before: number, opts?: { liveOnly?: boolean }): Promise<string[]>;
  countPositions(event?: string): Promise<number>;
}

/** A storage call that failed; `code` is the engine's own (SQLITE_FULL, PostgreSQL's SQLSTATE 23505, …) when known. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** A fenced batch refused: these events are no longer this writer's. */
export class FencedError extends StorageError {
  constructor(readonly events: string[]) {
    super(`not the owner of ${events.join(', ')} any more`, 'fenced');
    this.name = 'FencedError';
  }
}

export interface Store extends WriteLog, ReadQueries {
  /** Which engine, for health reports: "sqlite" or "postgres". */
  readonly engine: string;
  /** Engines that several instances share keep their leases too (PostgreSQL); one process needs none. */
  readonly leases?: Leases;
  /** Web Push subscriptions and the server's VAPID keys. */
  readonly push: PushStore;
  close(): Promise<void>;
}
