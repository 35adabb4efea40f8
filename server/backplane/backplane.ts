/**
 * What the live layer needs of the other instances, whoever they are. With one process (no BACKPLANE_URL)
 * there are none: every event is owned here and nothing travels (local.ts). With several (redis.ts), one
 * instance owns each event at a time and runs its room; commands, reads and snapshots for it go there, and
 * its updates and news come back to every instance whose clients follow it.
 */
import type { ServerMessage } from '../../lib/protocol';
import type { Delivery, Refusal, SessionChange } from '../domain/effects';
import type { Delta, SnapshotMessage } from '../domain/event-room';
import type { RoomCommand, RoomQuery } from '../live/commands';
import type { Feed } from '../live/fanout';
import type { EventRecord } from '../storage/store';
import type { ShareLink } from '../../lib/protocol';
import type { AddressLimiter } from '../transport/admission';
import type { Buckets } from '../limits/token-bucket';

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

/** The other side of the backplane: what the instance's live layer does for it. */
export interface LiveSide {
  runForward(req: RunRequest): Promise<RunReply>;
  answerForward(event: string, q: RoomQuery): Promise<unknown | { moved: true }>;
  deleteForward(event: string): Promise<{ ok: boolean } | { moved: true }>;
  /** Apply what an owner elsewhere sent to this instance's sessions. */
  news(event: string, news: News): void;
  indexChanged(change: IndexChange): void;
  /** The backplane came back after messages may have been lost: read the index again. */
  reloadIndex(): Promise<void>;
  /** This instance no longer owns the event: let its room go (another instance runs it now). */
  lost(event: string): void;
  /** Phones bound to a runner on another instance came or went. */
  presence(event: string, runnerId: string, delta: number): void;
  /** A post for a Server-Sent Events stream held here arrived at another instance. */
  streamPost(stream: string, body: string): 'ok' | 'gone';
  /** The room's picture for members who see `only`, when the event is owned here. */
  snapshotHere(event: string, only: string[] | null): Promise<SnapshotMessage | { moved: true }>;
  /** Whether anyone on this instance follows the event (spectators, runners' phones). */
  holds(event: string): boolean;
  /** An update of an event owned elsewhere, in order: frame it for the spectators here. */
  relayed(event: string, epoch: string, delta: Delta): void;
  /** Everyone here following the event starts again from a snapshot (or only those behind, `staleOnly`). */
  resync(event: string, opts?: { staleOnly?: boolean }): void;
  /** The event is owned here now (its owner stopped renewing): load its room, which feeds its followers here. */
  gained(event: string): Promise<void>;
  /** Phones bound here to each runner of the event. */
  boundRunners(event: string): Map<string, number> | undefined;
}

export type Unreachable = { unreachable: string };

export interface BackplaneHealth {
  kind: 'local' | 'redis';
  state: 'local' | 'up' | 'down';
  since?: number;
  lastError?: string | null;
  /** Events whose updates this instance relays from their owners. */
  relayed?: number;
  /** Messages and bytes this instance published, and dropped while the broker was unreachable. */
  published?: { messages: number; bytes: number; dropped: number; events: { messages: number; bytes: number } };
}

export interface Backplane {
  readonly kind: 'local' | 'redis';
  /** This instance's name in the cluster (leases, channels, health). */
  readonly instance: string;
  /** The name writes are fenced under; undefined when nothing needs fencing (one process). */
  readonly holder: string | undefined;
  start(live: LiveSide): Promise<void>;
  stop(): Promise<void>;
  /** Where `event` runs: here (taking its lease when nobody holds it) or on another instance. */
  claim(event: string): Claim | Promise<Claim>;
  /** A new event's id, taken for this instance if nobody has it; false when it is taken already. */
  claimNew(event: string): Promise<{ epoch: number } | false>;
  /** The lease epoch of an event owned here now; undefined when it is not. */
  owned(event: string): number | undefined;
  /** Events owned here. */
  ownedEvents(): string[];
  forward(to: string, req: RunRequest): Promise<RunReply | Unreachable>;
  ask(to: string, event: string, q: RoomQuery): Promise<unknown | { moved: true } | Unreachable>;
  forwardDelete(to: string, event: string): Promise<{ ok: boolean } | { moved: true } | Unreachable>;
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
  /** The room of an event owned here was let go: give up its lease. */
  released(event: string): void;
  /** Phones bound here to a runner of an event owned elsewhere came or went. */
  presence(event: string, runnerId: string, delta: number): void;
  /** Hand a Server-Sent Events post to the instance holding the stream. */
  streamPost(stream: string, body: string): Promise<'ok' | 'gone'>;
  /** Which instance holds a stream id made here: its first characters. */
  readonly streamTag: string;
  /** Live connections per address, counted across the cluster. */
  connectionLimiter(max: number): AddressLimiter;
  /** Token buckets per key (an address) that every instance draws from. */
  buckets(name: string, capacity: number, perSecond: number): Buckets;
  /** Run a periodic job here if no instance ran it this period. */
  once(job: string, periodMs: number): Promise<boolean>;
  health(): BackplaneHealth;
}
