/**
 * What an instance needs of the others, whoever they are, as four small ports: who owns which event
 * (EventOwnership), requests to the owner (CommandBus), what the owner tells everyone (EventChannel), and
 * counters every instance shares (ClusterLimits). With one process (no BACKPLANE_URL) there are no others:
 * every event is owned here and nothing travels (local.ts). With several (redis/), one instance owns each
 * event at a time and runs its room; commands, reads and snapshots for it go there, and its updates and news
 * come back to every instance whose clients follow it.
 *
 * What the instance does for the others is three handlers the live layer gives `start`: one per port that
 * calls back. Nothing here imports the live layer.
 */
import type { ServerMessage, ShareLink } from '../../lib/protocol';
import type { AddressLimiter } from '../limits/admission';
import type { Buckets } from '../limits/token-bucket';
import type { RoomCommand } from '../room/commands';
import type { Delivery, Refusal, SessionChange } from '../room/effects';
import type { RoomQuery } from '../room/queries';
import type { FieldDump } from '../room/picture';
import type { Delta, SnapshotMessage } from '../room/state';
import type { EventRecord } from '../storage/store';

/** Where an event's room runs. */
export type Claim =
  /** Here: this instance holds the event's lease at `epoch` (0 for one process). */
  | { here: true; epoch: number }
  /** On another instance, whose lease runs out in `expiresInMs` unless renewed. */
  | { here: false; instance: string; expiresInMs: number };

/** The session a forwarded command came from. */
export interface Origin {
  instance: string;
  session: number;
}

/** A command run on the owner for a session or caller of another instance. */
export interface RunRequest {
  event: string;
  cmd: RoomCommand;
  /** The session it came from; null for HTTP callers. */
  from: Origin | null;
  ref?: string;
}

/** What the owner answers: what to send to the sender, whether to bind it to a runner, and the outcome. */
export type RunReply =
  | { moved: true }
  | { moved?: false; send: ServerMessage[]; bind: string | null; ok: true; result: unknown }
  | { moved?: false; send: ServerMessage[]; bind: string | null; ok: false; refusal: Refusal };

/** Deliveries and session changes of one command, for the sessions of other instances. */
export interface News {
  deliveries: Delivery[];
  changes: SessionChange[];
  /** The sender, left out of `runnerOthers` deliveries. */
  except: Origin | null;
}

export type IndexChange =
  | { put: EventRecord }
  | { link: { event: string; link: ShareLink } }
  | { deleted: string }
  /** How many runners the event has on the map and how many are sending, as its room counts them. */
  | { counts: { event: string; runners: number; active: number } }
  /** A device key was issued (by its hash). */
  | { deviceKey: { hash: string; event: string; runnerId: string } };

export type Unreachable = { unreachable: string };
export type Moved = { moved: true };

/** Where an event's updates come from, and the picture a spectator starts from. */
export interface Feed {
  /** The live state the offsets count in. */
  readonly epoch: string;
  /**
   * The picture for spectators who see `only` (with `allAlerts`, every open alert whoever it is about): at once
   * (the room), later (from the owner), or null when it cannot be had now.
   */
  snapshot(only: ReadonlySet<string> | null, opts?: { allAlerts?: boolean }): SnapshotMessage | null | Promise<SnapshotMessage | null>;
  /** The updates after offset `seq`, oldest first; null when they are not all at hand any more. */
  since(seq: number): readonly Delta[] | null;
  /** Every runner's latest position, for the field of spectators who say what they look at. */
  field(): FieldDump | null | Promise<FieldDump | null>;
}

// ---------- the ports ----------

export interface EventOwnership {
  /** The name writes are fenced under; undefined when nothing needs fencing (one process). */
  readonly holder: string | undefined;
  /** Where `event` runs: here (taking its lease when nobody holds it) or on another instance. */
  claim(event: string): Claim | Promise<Claim>;
  /** A new event's id, taken for this instance if nobody has it; false when it is taken already. */
  claimNew(event: string): Promise<{ epoch: number } | false>;
  /** The lease epoch of an event owned here now; undefined when it is not. */
  owned(event: string): number | undefined;
  ownedEvents(): string[];
  /** The room of an event owned here was let go: give up its lease. */
  released(event: string): void;
  /** Run a periodic job here if no instance ran it this period. */
  once(job: string, periodMs: number): Promise<boolean>;
}

export interface CommandBus {
  /** This instance's name in the cluster. */
  readonly instance: string;
  /** Which instance holds a stream id made here: its first characters ('' with one process). */
  readonly streamTag: string;
  forward(to: string, req: RunRequest): Promise<RunReply | Unreachable>;
  /** The answer, or Moved / Unreachable (the caller finds the event again and asks once more). */
  ask(to: string, event: string, q: RoomQuery): Promise<unknown>;
  forwardDelete(to: string, event: string): Promise<{ ok: boolean } | Moved | Unreachable>;
  /** Phones bound here to a runner of an event owned elsewhere came or went. */
  presence(event: string, runnerId: string, delta: number): void;
  /** Hand a Server-Sent Events post to the instance holding the stream. */
  streamPost(stream: string, body: string): Promise<'ok' | 'gone'>;
}

export interface EventChannel {
  /** The owner's update of one tick, for the instances that relay it. */
  publishTick(event: string, epoch: string, delta: Delta): void;
  publishNews(event: string, news: News): void;
  publishIndex(change: IndexChange): void;
  /** Someone here started following `event`: relay it if it runs elsewhere. */
  follow(event: string): void;
  /** The relayed feed of an event owned elsewhere. */
  feed(event: string): Feed | undefined;
  /** Whether instances elsewhere follow this event (its room stays loaded for them). */
  followedElsewhere(event: string): boolean;
}

export interface ClusterLimits {
  /** Live connections per address, counted across the cluster. */
  connectionLimiter(max: number): AddressLimiter;
  /** Token buckets per key (an address) that every instance draws from. */
  buckets(name: string, capacity: number, perSecond: number): Buckets;
}

// ---------- what the instance does for the others ----------

/** Events changing hands. */
export interface OwnershipHandler {
  /** This instance no longer owns the event: let its room go (another instance runs it now). */
  lost(event: string): void;
  /** The event is owned here now (its owner stopped renewing): load its room, which feeds its followers here. */
  gained(event: string): Promise<void>;
}

/** Requests other instances send to this one, as an owner or as the holder of a stream. */
export interface RequestHandler {
  run(req: RunRequest): Promise<RunReply>;
  /** The answer, or Moved when the event is not owned here. */
  ask(event: string, q: RoomQuery): Promise<unknown>;
  snapshot(event: string, only: string[] | null, allAlerts?: boolean): Promise<SnapshotMessage | Moved>;
  delete(event: string): Promise<{ ok: boolean } | Moved>;
  /** Phones bound to a runner on another instance came or went. */
  presence(event: string, runnerId: string, delta: number): void;
  /** A post for a Server-Sent Events stream held here arrived at another instance. */
  streamPost(stream: string, body: string): 'ok' | 'gone';
}

/** What comes over the channels, and what relaying them needs to know of this instance. */
export interface ChannelHandler {
  /** An update of an event owned elsewhere, in order: frame it for the spectators here. */
  relayed(event: string, epoch: string, delta: Delta): void;
  /** Apply what an owner elsewhere sent to this instance's sessions. */
  news(event: string, news: News): void;
  /** Everyone here following the event starts again from a snapshot (or only those behind, `staleOnly`). */
  resync(event: string, opts?: { staleOnly?: boolean }): void;
  indexChanged(change: IndexChange): void;
  /** The backplane came back after messages may have been lost: read the index again. */
  reloadIndex(): Promise<void>;
  /** Whether anyone on this instance follows the event (spectators, runners' phones). */
  holds(event: string): boolean;
  /** Phones bound here to each runner of the event. */
  boundRunners(event: string): Map<string, number> | undefined;
}

export interface Handlers {
  ownership: OwnershipHandler;
  requests: RequestHandler;
  channel: ChannelHandler;
}

export interface BackplaneHealth {
  kind: 'local' | 'redis';
  state: 'local' | 'up' | 'down';
  since?: number;
  lastError?: string | null;
  /** Events whose updates this instance relays from their owners. */
  relayed?: number;
  /** Messages and bytes this instance published, and dropped while the broker was unreachable. */
  published?: { messages: number; bytes: number; dropped: number; events: { messages: number; bytes: number } };
  owned?: string[];
  lease?: { ttlMs: number; lastRenewError: string | null };
}

/** The other instances, as the four ports. */
export interface Backplane {
  readonly kind: 'local' | 'redis';
  readonly ownership: EventOwnership;
  readonly bus: CommandBus;
  readonly channel: EventChannel;
  readonly limits: ClusterLimits;
  start(handlers: Handlers): Promise<void>;
  stop(): Promise<void>;
  health(): BackplaneHealth;
}
