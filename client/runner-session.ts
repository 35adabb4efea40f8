/**
 * A runner's side: identity, outbox and live socket together, and the runner's own HTTP calls (deleting
 * their track, the device key for tracking apps). The runner page and the simulator both use it, so the
 * simulator exercises exactly what phones do. Views read it as a Store.
 */
import { RunnerInbox } from './runner-inbox';
import { type AppRefusal, type Cheer, ErrorCode, type ServerMessage } from '../lib/protocol';
import { type JoinDetails, saysAnything } from '../lib/entries/entry';
import { ApiError, call } from './api';
import { LiveSocket } from './live-socket';
import { type Fix, type KeyValueStorage, Outbox } from './outbox';
import type { ConnectionState, SocketFactory, Transport } from './socket-like';
import { Listeners, type Store } from './store';

export interface RunnerIdentity {
  runnerId: string;
  token: string;
}

export interface RunnerSessionState {
  connection: ConnectionState;
  transport: Transport;
  retryInMs: number | null;
  runnerId: string | null;
  joined: boolean;
  /** Fixes taken (each numbered once). */
  taken: number;
  /** Fixes handed to an open connection at least once. */
  sent: number;
  /** Highest sequence number the server confirmed it holds. */
  acked: number;
  /** Fixes waiting for the server's confirmation (kept on this device until then). */
  pending: number;
  cheers: Cheer[];
  /** Cheers that arrived while this page was open (not those replayed on joining), for a toast. */
  freshCheers: number;
  /** The organiser removed this runner: this device must not share again for the event. */
  removed: boolean;
  /** The event has ended. */
  finished: boolean;
  /** A refusal the runner should read. */
  problem: string | null;
  /** The bib given is on the start list: joining needs its claim code (the code was missing or wrong). */
  claimNeeded: boolean;
}

export interface RunnerSessionOptions {
  url: string;
  event: string;
  name: string;
  color: string;
  /** Race number to join with, when the runner gave one. */
  bib?: string | null;
  /** The claim code of that bib's start-list entry. */
  claim?: string | null;
  /** Sex, birth year, category and club, for a runner not on the start list. */
  details?: JoinDetails | null;
  storage: KeyValueStorage;
  createSocket?: SocketFactory;
  onChange?: (state: RunnerSessionState) => void;
}

const identityKey = (event: string) => `trackside:${event}:runner`;
/** The device key stays in this browser (which holds the runner token already), so its settings can be shown again. */
const deviceKeyKey = (event: string) => `trackside:${event}:device-key`;

/** Unsent fixes go out at most this many a second, inside the server's message budget. */
const RESEND_PER_SECOND = 80;

export function loadIdentity(storage: KeyValueStorage, event: string): RunnerIdentity | null {
  try {
    const raw = storage.getItem(identityKey(event));
    const id = raw ? (JSON.parse(raw) as RunnerIdentity) : null;
    return id && typeof id.runnerId === 'string' && typeof id.token === 'string' ? id : null;
  } catch {
    return null;
  }
}

export class RunnerSession implements Store<RunnerSessionState> {
  private readonly socket: LiveSocket;
  private readonly listeners = new Listeners();
  private readonly outbox: Outbox;
  private identity: RunnerIdentity | null;
  private mood: number | null = null;
  private name: string;
  private color: string;
  private bib: string | null;
  private claim: string | null;
  private details: JoinDetails | null;
  private state: RunnerSessionState;
  /** Highest sequence number sent on the current connection. */
  private sentUpTo = 0;
  /** Highest sequence number ever handed to an open connection by this session. */
  private sentMax = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The organiser's messages to this runner. */
  readonly inbox: RunnerInbox;

  constructor(private readonly opts: RunnerSessionOptions) {
    this.name = opts.name;
    this.color = opts.color;
    this.bib = opts.bib ?? null;
    this.claim = opts.claim ?? null;
    this.details = opts.details ?? null;
    this.identity = loadIdentity(opts.storage, opts.event);
    this.outbox = new Outbox(opts.storage, `trackside:${opts.event}:outbox`);
    this.inbox = new RunnerInbox(opts.event);
    this.state = {
      connection: 'connecting',
      transport: 'websocket',
      retryInMs: null,
      runnerId: this.identity?.runnerId ?? null,
      joined: false,
      taken: this.outbox.issued,
      sent: this.outbox.acked,
      acked: this.outbox.acked,
      pending: this.outbox.pending.length,
      cheers: [],
      freshCheers: 0,
      removed: false,
      finished: false,
      problem: null,
      claimNeeded: false,
    };
    this.socket = new LiveSocket({
      url: opts.url,
      createSocket: opts.createSocket,
      onOpen: () => this.introduce(),
      onMessage: (msg) => this.onMessage(msg),
      onState: (connection, detail) => {
        if (connection !== 'open') this.stopFlushing();
        this.update({
          connection,
          transport: detail.transport,
          retryInMs: detail.retryInMs ?? null,
          ...(connection === 'open' ? {} : { joined: false }),
        });
      },
    });
  }

  get snapshot(): RunnerSessionState {
    return this.state;
  }

  readonly subscribe = (listener: () => void): (() => void) => this.listeners.add(listener);
  readonly getSnapshot = (): RunnerSessionState => this.state;

  record(fix: Fix): void {
    const msg = this.outbox.add(fix);
    // Straight out when nothing older is waiting; otherwise the paced resend gets to it in order.
    if (msg && this.state.joined && msg.seq === this.sentUpTo + 1 && this.socket.send(msg)) this.markSent(msg.seq);
    this.syncCounts();
  }

  setMood(value: number): void {
    this.mood = value;
    if (this.state.joined) this.socket.send({ type: 'mood', value });
  }

  /**
   * A bib (with its start-list entry's claim code) counts when joining; afterwards the organiser sets it. A join
   * the server refused (a bib that needs its code) is tried again with what was given now.
   */
  setProfile(name: string, color: string, bib: string | null = this.bib, claim: string | null = this.claim, details: JoinDetails | null = this.details): void {
    const retry = !this.identity && !this.state.joined && this.state.problem !== null && this.state.connection === 'open';
    this.name = name;
    this.color = color;
    this.bib = bib;
    this.claim = claim;
    this.details = details;
    if (this.state.joined && this.identity) this.sendResume();
    else if (retry) this.introduce();
  }

  /** Tell spectators the runner stopped on purpose; the connection stays for cheers and unsent points. */
  stop(): void {
    if (this.state.joined) this.socket.send({ type: 'stop' });
  }

  close(): void {
    this.stopFlushing();
    this.socket.close();
  }

  /** Send waiting fixes in sequence order, a second's budget at a time. */
  private flush(): void {
    this.flushTimer = null;
    if (!this.state.joined) return;
    let sent = 0;
    for (const p of this.outbox.pending) {
      if (p.seq <= this.sentUpTo) continue;
      if (sent === RESEND_PER_SECOND) {
        this.flushTimer = setTimeout(() => this.flush(), 1000);
        break;
      }
      if (!this.socket.send(p)) break;
      this.markSent(p.seq);
      sent++;
    }
    this.syncCounts();
  }

  private markSent(seq: number): void {
    this.sentUpTo = seq;
    if (seq > this.sentMax) this.sentMax = seq;
  }

  private stopFlushing(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private introduce(): void {
    if (this.identity) this.sendResume();
    else {
      this.socket.send({
        type: 'join',
        event: this.opts.event,
        name: this.name,
        color: this.color,
        ...(this.bib ? { bib: this.bib } : {}),
        ...(this.bib && this.claim ? { claim: this.claim } : {}),
        // A runner claiming a start-list entry has its details; anyone else may give theirs.
        ...(saysAnything(this.details) && !(this.bib && this.claim) ? { details: this.details } : {}),
      });
    }
  }

  private sendResume(): void {
    if (!this.identity) return;
    this.socket.send({
      type: 'resume',
      event: this.opts.event,
      runnerId: this.identity.runnerId,
      token: this.identity.token,
      name: this.name,
      color: this.color,
    });
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'joined' || msg.type === 'message') this.inbox.receive(msg, msg.type === 'joined' && msg.token ? { runnerId: msg.runnerId, token: msg.token } : this.identity);
    switch (msg.type) {
      case 'joined': {
        if (msg.token) {
          this.identity = { runnerId: msg.runnerId, token: msg.token };
          this.opts.storage.setItem(identityKey(this.opts.event), JSON.stringify(this.identity));
          this.outbox.restart();
          this.sentMax = 0;
        }
        this.outbox.ack(msg.lastSeq);
        this.sentUpTo = msg.lastSeq;
        this.update({ joined: true, runnerId: msg.runnerId, cheers: msg.cheers, problem: null, claimNeeded: false });
        if (this.mood !== null) this.socket.send({ type: 'mood', value: this.mood });
        this.stopFlushing();
        this.flush();
        this.syncCounts();
        break;
      }
      case 'event': {
        if (msg.event.status === 'finished') {
          this.update({ finished: true, problem: 'The organiser has ended this event: sharing has stopped. Thank you for running!' });
        }
        break;
      }
      case 'ack':
        this.outbox.ack(msg.seq);
        this.syncCounts();
        break;
      case 'cheer':
        this.update({ cheers: [...this.state.cheers, msg.cheer].slice(-20), freshCheers: this.state.freshCheers + 1 });
        break;
      case 'error':
        if (msg.code === ErrorCode.BadToken && msg.ref === 'resume') {
          // The server no longer knows this runner (its data was reset): join as a new one.
          this.identity = null;
          this.opts.storage.removeItem(identityKey(this.opts.event));
          this.introduce();
        } else if (msg.code === ErrorCode.RunnerRemoved) {
          this.forget();
          this.update({ joined: false, runnerId: null, removed: true, problem: msg.message });
          this.close();
        } else if (msg.code === ErrorCode.RateLimited || msg.code === ErrorCode.StorageUnavailable || msg.code === ErrorCode.QuotaExceeded) {
          if (msg.ref === 'join' || msg.ref === 'resume') {
            // Not in yet: ask again when the server says, and keep every fix meanwhile.
            setTimeout(() => this.introduce(), Math.max(1000, msg.retryAfterMs ?? 5000));
            return;
          }
          // Something was not taken: start again from what the server holds, when it says (a little later).
          this.sentUpTo = this.outbox.acked;
          this.stopFlushing();
          this.flushTimer = setTimeout(() => this.flush(), Math.max(2000, msg.retryAfterMs ?? 2000));
        } else if (msg.ref === 'join' && (msg.code === ErrorCode.ClaimRequired || msg.code === ErrorCode.BadClaimCode)) {
          this.update({ problem: msg.message, claimNeeded: true });
        } else if (msg.ref === 'join' && (msg.code === ErrorCode.BibTaken || msg.code === ErrorCode.BibClaimed)) {
          this.update({ problem: msg.message, claimNeeded: false });
        } else if (msg.code === ErrorCode.EventFinished) {
          this.update({ finished: true, problem: msg.message });
        } else if (msg.code === ErrorCode.NoSuchEvent) {
          this.update({ problem: msg.message });
        }
        break;
      default:
        break;
    }
  }

  // ---------- the runner's own HTTP calls ----------

  /**
   * Delete this runner and their whole track from the event, then forget them on this device. A token the
   * server no longer knows means there is nothing left to delete.
   */
  async deleteTrack(): Promise<void> {
    const identity = this.requireIdentity();
    try {
      await call('removeRunner', { id: this.opts.event, runner: identity.runnerId }, { token: identity.token });
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 403) throw err;
    }
    this.forget();
    this.close();
  }

  /** The device key this browser holds for the runner, if any. */
  deviceKey(): string | null {
    const identity = this.identity;
    if (!identity) return null;
    try {
      const saved = JSON.parse(this.opts.storage.getItem(deviceKeyKey(this.opts.event)) ?? 'null') as { runnerId?: string; key?: string } | null;
      return saved?.runnerId === identity.runnerId && typeof saved.key === 'string' ? saved.key : null;
    } catch {
      return null;
    }
  }

  /** A new device key (the old one stops working), kept in this browser. */
  async issueDeviceKey(): Promise<string> {
    const identity = this.requireIdentity();
    const { key } = await call('issueDeviceKey', { id: this.opts.event, runner: identity.runnerId }, { token: identity.token });
    this.opts.storage.setItem(deviceKeyKey(this.opts.event), JSON.stringify({ runnerId: identity.runnerId, key }));
    return key;
  }

  /** The runner is out of the race (DNF), or takes that back; spectators see it with the next update. */
  async setOut(out: boolean): Promise<void> {
    const identity = this.identity;
    if (!identity) throw new Error('Start sharing first: the race knows you from then on.');
    await call('setVerdict', { id: this.opts.event, runner: identity.runnerId }, { token: identity.token, body: { verdict: out ? { kind: 'dnf' } : null } });
  }

  async revokeDeviceKey(): Promise<void> {
    const identity = this.requireIdentity();
    await call('revokeDeviceKey', { id: this.opts.event, runner: identity.runnerId }, { token: identity.token });
    this.opts.storage.removeItem(deviceKeyKey(this.opts.event));
  }

  /** Fixes from tracking apps the server could not keep, per reason (apps are told "taken" all the same). */
  async refusedAppFixes(): Promise<Partial<Record<AppRefusal, number>>> {
    const identity = this.requireIdentity();
    return (await call('deviceKey', { id: this.opts.event, runner: identity.runnerId }, { token: identity.token })).refused;
  }

  private requireIdentity(): RunnerIdentity {
    if (!this.identity) throw new ApiError(0, 'not_joined', 'Join the event on this page first.');
    return this.identity;
  }

  /** Drop this device's identity and unsent fixes for the event. */
  forget(): void {
    this.identity = null;
    this.opts.storage.removeItem(identityKey(this.opts.event));
    this.outbox.clear();
    this.syncCounts();
  }

  private syncCounts(): void {
    const taken = this.outbox.issued;
    const acked = this.outbox.acked;
    this.update({ taken, sent: Math.min(taken, Math.max(this.sentMax, acked)), acked, pending: this.outbox.pending.length });
  }

  private update(patch: Partial<RunnerSessionState>): void {
    this.state = { ...this.state, ...patch };
    this.opts.onChange?.(this.state);
    this.listeners.notify();
  }
}
