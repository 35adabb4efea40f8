/**
 * Wires the hub to storage, clocks and peers. Transports hand it frames from peers; it validates them,
 * asks the hub, writes what the hub wants kept in batches, and only then sends what had to wait for the write.
 */
import { CloseCode, ErrorCode, parseClientFrame, type ServerMessage } from '../lib/protocol';
import { cryptoCredentials } from './credentials';
import { type Broadcast, type ConnId, DEFAULT_HUB_TIMINGS, type Effects, Hub, type Send } from './hub';
import { log } from './log';
import type { Store, StoreOp } from './store';

/** One serialised message shared by many peers; each transport caches its own framing of it here. */
export interface SharedFrame {
  readonly bytes: Buffer;
  ws?: Buffer;
  sse?: Buffer;
}

/** The least a transport must offer for one connected client. */
export interface Peer {
  send(data: Buffer | string): void;
  /** Send bytes that many peers receive alike, framing them at most once for all. */
  sendShared(frame: SharedFrame): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
}

export interface CoreOptions {
  store: Store;
  tickMs: number;
  happinessIntervalMs: number;
  now?: () => number;
  hubTimings?: Partial<typeof DEFAULT_HUB_TIMINGS>;
  /** Live events with no activity this long are finished; 0 never. */
  archiveAfterMs?: number;
  /**
   * Called when a write fails. The hub already holds what could not be written, so the process should
   * stop: restarting reloads only what is on disk, and clients resend everything unacknowledged.
   */
  onStoreFailure?: (err: unknown) => void;
  /** Past this many queued bytes a peer misses live updates and gets a fresh snapshot when it drains. */
  maxBufferedBytes?: number;
}

interface PeerState {
  peer: Peer;
  /** Skipped broadcasts while its buffer was full: resynchronise before sending more. */
  stale: boolean;
  /** The tick in which it was last resynchronised: that tick's other updates are in its snapshots. */
  resyncedTick: number;
}

export class Core {
  readonly hub: Hub;
  private readonly store: Store;
  private readonly peers = new Map<ConnId, PeerState>();
  private nextId = 1;
  private pendingOps: StoreOp[] = [];
  private pendingSends: Send[] = [];
  private flushQueued = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly maxBuffered: number;

  constructor(private readonly opts: CoreOptions) {
    this.store = opts.store;
    this.maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
    this.hub = new Hub({
      now: opts.now ?? Date.now,
      credentials: cryptoCredentials,
      ...DEFAULT_HUB_TIMINGS,
      ...opts.hubTimings,
    });
    this.hub.restore(this.store.load());
  }

  start(): void {
    this.timers.push(setInterval(() => this.tick(), this.opts.tickMs));
    this.timers.push(setInterval(() => this.sampleHappiness(), this.opts.happinessIntervalMs));
    const archiveAfter = this.opts.archiveAfterMs ?? 0;
    if (archiveAfter > 0) {
      this.timers.push(setInterval(() => this.apply(this.hub.archiveInactive(archiveAfter)), Math.min(60_000, archiveAfter)));
    }
  }

  attach(peer: Peer): ConnId {
    const id = this.nextId++;
    this.peers.set(id, { peer, stale: false, resyncedTick: -1 });
    this.apply(this.hub.connect(id));
    return id;
  }

  detach(id: ConnId): void {
    this.peers.delete(id);
    this.hub.disconnect(id);
  }

  receiveFrame(id: ConnId, data: string): void {
    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      if (parsed.ref === 'pos') this.apply(this.hub.refusePosition(id, parsed.seq, parsed.message));
      else this.sendTo(id, { type: 'error', code: parsed.code, message: parsed.message, ...(parsed.ref ? { ref: parsed.ref } : {}) });
      return;
    }
    this.apply(this.hub.receive(id, parsed.msg));
  }

  refuse(id: ConnId, code: ErrorCode, message: string): void {
    this.sendTo(id, { type: 'error', code, message });
  }

  createEvent(name: string) {
    const { event, organiserToken, store } = this.hub.createEvent(name);
    this.writeNow(store);
    return { event, organiserToken };
  }

  /** Apply an organiser's or owner's change and make it durable before answering. */
  change(effects: Effects): boolean {
    this.apply(effects);
    return this.flush();
  }

  ensureEvent(id: string, name: string) {
    const { event, store } = this.hub.ensureEvent(id, name);
    this.writeNow(store);
    return event;
  }

  /** Delete events inactive for longer than `retentionMs`; returns their ids. */
  purgeInactive(retentionMs: number): string[] {
    this.flush();
    const ids = this.store.inactiveEvents((this.opts.now ?? Date.now)() - retentionMs);
    for (const id of ids) {
      this.hub.removeEvent(id);
      this.store.deleteEvent(id);
    }
    if (ids.length) log('info', 'events_purged', { events: ids });
    return ids;
  }

  get storage(): Store {
    return this.store;
  }

  stats() {
    return { ...this.hub.stats(), peers: this.peers.size };
  }

  apply(effects: Effects): void {
    for (const s of effects.send) this.sendTo(s.to, s.msg);
    for (const b of effects.broadcast ?? []) this.broadcast(b);
    if (effects.store.length === 0 && effects.afterStore.length === 0) return;
    this.pendingOps.push(...effects.store);
    this.pendingSends.push(...effects.afterStore);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // Everything that arrives in the same turn of the event loop shares one transaction.
      setImmediate(() => this.flush());
    }
  }

  /** Make pending writes durable, then send what waited for them; false when the write failed. */
  flush(): boolean {
    this.flushQueued = false;
    const ops = this.pendingOps;
    const sends = this.pendingSends;
    this.pendingOps = [];
    this.pendingSends = [];
    try {
      this.store.write(ops);
    } catch (err) {
      // Nothing is acknowledged that was not written: the runner's outbox will send these again.
      log('error', 'store_write_failed', { error: String(err), ops: ops.length });
      this.opts.onStoreFailure?.(err);
      return false;
    }
    for (const s of sends) this.sendTo(s.to, s.msg);
    return true;
  }

  private tickNo = 0;

  tick(): void {
    this.tickNo++;
    for (const b of this.hub.tick()) this.broadcast(b);
  }

  sampleHappiness(): void {
    const { broadcast, store } = this.hub.sampleHappiness();
    this.apply({ send: [], store, afterStore: [] });
    for (const b of broadcast) this.broadcast(b);
  }

  private writeNow(ops: StoreOp[]): void {
    this.pendingOps.push(...ops);
    this.flush();
  }

  private sendTo(id: ConnId, msg: ServerMessage): void {
    const state = this.peers.get(id);
    if (!state) return;
    if (state.peer.bufferedAmount > this.maxBuffered) {
      // A peer that does not read gets no more snapshots until it catches up (it is resynchronised
      // then), and is let go if it keeps asking for more while its backlog grows.
      if (msg.type === 'snapshot') {
        state.stale = true;
        return;
      }
      if (state.peer.bufferedAmount > this.maxBuffered * 4) {
        state.peer.close(CloseCode.TooSlow, 'not reading');
        return;
      }
    }
    state.peer.send(JSON.stringify(msg));
  }

  /** Serialise once; every subscriber gets the same bytes. */
  private broadcast(b: Broadcast): void {
    const frame: SharedFrame = { bytes: Buffer.from(JSON.stringify(b.msg)) };
    for (const id of b.to) {
      const state = this.peers.get(id);
      if (!state) continue;
      if (state.peer.bufferedAmount > this.maxBuffered) {
        state.stale = true;
        continue;
      }
      // This tick's updates are already in the snapshots it was just sent; other news is not.
      if (b.msg.type === 'update' && state.resyncedTick === this.tickNo) continue;
      if (state.stale) {
        state.stale = false;
        state.resyncedTick = this.tickNo;
        for (const s of this.hub.resync(id)) state.peer.send(JSON.stringify(s));
        continue;
      }
      state.peer.sendShared(frame);
    }
  }

  /** Stop timers and write what is pending. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.flush();
  }
}
