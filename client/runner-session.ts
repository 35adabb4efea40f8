/**
 * A runner's side of the protocol: identity, outbox and live socket together. The runner page and the
 * simulator both use it, so the simulator exercises exactly what phones do.
 */
import { type ConnectionState, LiveSocket, type SocketFactory, type Transport } from './live-socket';
import { type Fix, type KeyValueStorage, Outbox } from './outbox';
import { type Cheer, ErrorCode, type ServerMessage } from '../lib/protocol';

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
  sent: number;
  /** Highest sequence number the server acknowledged. */
  acked: number;
  /** Fixes waiting for an acknowledgement. */
  pending: number;
  cheers: Cheer[];
  /** A refusal the runner should read. */
  problem: string | null;
}

export interface RunnerSessionOptions {
  url: string;
  event: string;
  name: string;
  color: string;
  storage: KeyValueStorage;
  createSocket?: SocketFactory;
  onChange?: (state: RunnerSessionState) => void;
}

const identityKey = (event: string) => `trackside:${event}:runner`;

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

export class RunnerSession {
  private readonly socket: LiveSocket;
  private readonly outbox: Outbox;
  private identity: RunnerIdentity | null;
  private mood: number | null = null;
  private name: string;
  private color: string;
  private state: RunnerSessionState;
  /** Highest sequence number sent on the current connection. */
  private sentUpTo = 0;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: RunnerSessionOptions) {
    this.name = opts.name;
    this.color = opts.color;
    this.identity = loadIdentity(opts.storage, opts.event);
    this.outbox = new Outbox(opts.storage, `trackside:${opts.event}:outbox`);
    this.state = {
      connection: 'connecting',
      transport: 'websocket',
      retryInMs: null,
      runnerId: this.identity?.runnerId ?? null,
      joined: false,
      sent: this.outbox.issued,
      acked: this.outbox.acked,
      pending: this.outbox.pending.length,
      cheers: [],
      problem: null,
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

  record(fix: Fix): void {
    const msg = this.outbox.add(fix);
    // Straight out when nothing older is waiting; otherwise the paced resend gets to it in order.
    if (msg && this.state.joined && msg.seq === this.sentUpTo + 1 && this.socket.send(msg)) this.sentUpTo = msg.seq;
    this.syncCounts();
  }

  setMood(value: number): void {
    this.mood = value;
    if (this.state.joined) this.socket.send({ type: 'mood', value });
  }

  setProfile(name: string, color: string): void {
    this.name = name;
    this.color = color;
    if (this.state.joined && this.identity) this.sendResume();
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
        return;
      }
      if (!this.socket.send(p)) return;
      this.sentUpTo = p.seq;
      sent++;
    }
  }

  private stopFlushing(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private introduce(): void {
    if (this.identity) this.sendResume();
    else this.socket.send({ type: 'join', event: this.opts.event, name: this.name, color: this.color });
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
    switch (msg.type) {
      case 'joined': {
        if (msg.token) {
          this.identity = { runnerId: msg.runnerId, token: msg.token };
          this.opts.storage.setItem(identityKey(this.opts.event), JSON.stringify(this.identity));
          this.outbox.restart();
        }
        this.outbox.ack(msg.lastSeq);
        this.sentUpTo = msg.lastSeq;
        this.update({ joined: true, runnerId: msg.runnerId, cheers: msg.cheers, problem: null });
        if (this.mood !== null) this.socket.send({ type: 'mood', value: this.mood });
        this.stopFlushing();
        this.flush();
        this.syncCounts();
        break;
      }
      case 'event': {
        if (msg.event.status === 'finished') this.update({ problem: 'The organiser has ended this event: sharing has stopped. Thank you for running!' });
        break;
      }
      case 'ack':
        this.outbox.ack(msg.seq);
        this.syncCounts();
        break;
      case 'cheer':
        this.update({ cheers: [...this.state.cheers, msg.cheer].slice(-20) });
        break;
      case 'error':
        if (msg.code === ErrorCode.BadToken && msg.ref === 'resume') {
          // The server no longer knows this runner (its data was reset): join as a new one.
          this.identity = null;
          this.opts.storage.removeItem(identityKey(this.opts.event));
          this.introduce();
        } else if (msg.code === ErrorCode.RunnerRemoved) {
          this.forget();
          this.update({ joined: false, runnerId: null, problem: msg.message });
          this.close();
        } else if (msg.code === ErrorCode.RateLimited || (msg.code === ErrorCode.StorageUnavailable && msg.ref === 'pos')) {
          // Something was dropped unread, or could not be kept: start again from what the server holds, a little later.
          this.sentUpTo = this.outbox.acked;
          this.stopFlushing();
          this.flushTimer = setTimeout(() => this.flush(), Math.max(1000, msg.retryAfterMs ?? 2000));
        } else if (msg.code === ErrorCode.EventFinished || msg.code === ErrorCode.NoSuchEvent) {
          this.update({ problem: msg.message });
        }
        break;
      default:
        break;
    }
  }

  /** Drop this device's identity and unsent fixes for the event. */
  forget(): void {
    this.identity = null;
    this.opts.storage.removeItem(identityKey(this.opts.event));
    this.outbox.clear();
    this.syncCounts();
  }

  private syncCounts(): void {
    this.update({ sent: this.outbox.issued, acked: this.outbox.acked, pending: this.outbox.pending.length });
  }

  private update(patch: Partial<RunnerSessionState>): void {
    this.state = { ...this.state, ...patch };
    this.opts.onChange?.(this.state);
  }
}
