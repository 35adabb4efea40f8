/**
 * A page watching one event: the live socket (WebSocket, with the Server-Sent Events fallback and backoff of
 * client/live-socket.ts) driven by the watch reducer (client/event-watch.ts). Spectator pages use it as it is;
 * the organiser's session wraps one. Views read it as a Store: however fast messages arrive, they hear of
 * them once per `schedule` (an animation frame in a browser).
 */
import type { ClientMessage, ServerMessage, View } from '../lib/protocol';
import { LIMITS } from '../lib/protocol';
import {
  type Connection,
  initialWatch,
  readAccess,
  reduceWatch,
  subscribeMessage,
  type WatchAccess,
  type WatchEffect,
  type WatchInput,
  type WatchState,
} from './event-watch';
import type { LocalAction } from './event-view';
import { FieldStore } from './field-store';
import { LiveSocket } from './live-socket';
import type { SocketFactory } from './socket-like';
import { Listeners, type Store } from './store';
import { loadFullTrack } from './track-pages';

export interface EventSessionOptions {
  url: string;
  event: string;
  access: WatchAccess;
  createSocket?: SocketFactory;
  /** Runs `flush` when views should hear of what arrived; at once when left out outside a browser. */
  schedule?: (flush: () => void) => void;
  /** A view code that opened the event: keep it (for this tab). */
  keepCode?: (code: string) => void;
  /** Every message, after the reducer took it (the organiser's session follows some of them). */
  onMessage?: (msg: ServerMessage, state: WatchState) => void;
  now?: () => number;
  /**
   * Say what the page looks at (protocol 3): the runner followed in detail and the map's view, the rest of
   * the field in compact frames (`field`). Without it the subscription is for every runner in detail.
   */
  interest?: boolean;
}

/** In a browser, once per animation frame; hidden tabs get none, so twice a second there. */
function frameScheduler(): (flush: () => void) => void {
  if (typeof window === 'undefined') return (flush) => flush();
  return (flush) => {
    if (document.hidden) setTimeout(flush, 500);
    else requestAnimationFrame(flush);
  };
}

export class EventSession implements Store<WatchState> {
  private state: WatchState;
  private readonly listeners = new Listeners();
  private readonly socket: LiveSocket;
  private readonly schedule: (flush: () => void) => void;
  private readonly now: () => number;
  private flushPending = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private followed: string | null = null;
  private view: View | null = null;
  /** Indices asked about with `who` and not answered yet. */
  private readonly asked = new Set<number>();
  /** Every runner of the field, by index (filled by binary frames with interest). */
  readonly field = new FieldStore();
  private detail: { runnerId: string; generation: number; abort: AbortController } | null = null;
  private closed = false;

  constructor(private readonly opts: EventSessionOptions) {
    this.state = initialWatch(opts.access);
    this.schedule = opts.schedule ?? frameScheduler();
    this.now = opts.now ?? Date.now;
    this.socket = new LiveSocket({
      url: opts.url,
      createSocket: opts.createSocket,
      onMessage: (msg) => this.dispatch({ type: 'server', msg, now: this.now() }, msg),
      onBinary: (bytes) => {
        if (this.field.applyBinary(bytes)) this.learnFollowed();
      },
      onState: (state, detail) => {
        const connection: Connection = { state, retryInMs: detail.retryInMs ?? null, transport: detail.transport };
        this.dispatch({ type: 'connection', connection });
      },
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => this.listeners.add(listener);
  readonly getSnapshot = (): WatchState => this.state;

  /** Send a frame if connected; false when it could not go now. */
  send(msg: ClientMessage): boolean {
    return this.socket.send(msg);
  }

  /** Try a view code for a protected event. */
  unlock(code: string): void {
    this.dispatch({ type: 'unlock', code });
  }

  cheer(runnerId: string, text: string, from: string): void {
    const sent = this.send({ type: 'cheer', event: this.opts.event, runnerId, text, ...(from.trim() ? { from } : {}) });
    this.dispatch({
      type: 'cheer',
      status: sent ? { state: 'sending' } : { state: 'failed', message: 'Not connected: the cheer was not sent. Try again in a moment.' },
    });
  }

  /** Forget how the last cheer went (another runner is followed). */
  resetCheer(): void {
    if (this.state.cheer.state !== 'idle') this.dispatch({ type: 'cheer', status: { state: 'idle' } });
  }

  /** Apply something the page learnt over HTTP. */
  apply(action: LocalAction): void {
    this.dispatch({ type: 'local', action });
  }

  /** Take what an HTTP answer said as the live message that will say it too, so the page need not wait for it. */
  receive(msg: ServerMessage): void {
    this.dispatch({ type: 'server', msg, now: this.now() });
  }

  /**
   * Draw this runner's trail in full detail: their whole stored track, read page by page, once they are in
   * the picture. Read again after a new snapshot (which brings display trails back).
   */
  follow(runnerId: string | null): void {
    const changed = this.followed !== runnerId;
    this.followed = runnerId;
    if (changed) this.sendInterest();
    this.loadDetail();
  }

  /** The map moved: the runners in view come in detail, within the spectator's budget. */
  setView(view: View | null): void {
    const same = view && this.view && (['west', 'south', 'east', 'north', 'zoom'] as const).every((k) => view[k] === this.view![k]);
    if (same || (!view && !this.view)) return;
    this.view = view;
    this.sendInterest();
  }

  /** Ask who these runners of the field are (names for the map); each index once until the field changes. */
  who(ns: readonly number[]): void {
    if (!this.opts.interest) return;
    const wanted = ns.filter((n) => !this.asked.has(n) && !this.field.known.has(n)).slice(0, LIMITS.whoMax);
    if (wanted.length === 0) return;
    if (this.send({ type: 'who', event: this.opts.event, n: wanted })) for (const n of wanted) this.asked.add(n);
  }

  /** The followed runners' indices, once the field they belong to is here (the snapshot names them). */
  private learnFollowed(): void {
    const f = this.state.view.field;
    if (!f || f.gen !== this.field.gen) return;
    const named = Object.values(this.state.view.runners).flatMap((r) => (r.n !== undefined && !this.field.known.has(r.n) ? [{ ...r, n: r.n }] : []));
    if (named.length) this.field.learn(f.gen, named);
  }

  private interestChoice() {
    return { follow: this.followed ? [this.followed] : [], view: this.view };
  }

  private sendInterest(): void {
    // Only once subscribed with interest: the subscription itself says it otherwise.
    if (this.opts.interest && this.state.view.field) this.send({ type: 'interest', event: this.opts.event, ...this.interestChoice() });
  }

  private loadDetail(): void {
    const runnerId = this.followed;
    const generation = this.state.view.generation;
    if (this.detail && this.detail.runnerId === runnerId && this.detail.generation === generation) return;
    this.detail?.abort.abort();
    this.detail = null;
    if (!runnerId || !this.state.view.runners[runnerId] || this.closed) return;
    const abort = new AbortController();
    const detail = { runnerId, generation, abort };
    this.detail = detail;
    loadFullTrack(this.opts.event, runnerId, readAccess(this.state.access), abort.signal)
      .then((track) => this.apply({ type: 'detail', runnerId, track }))
      .catch(() => {
        // Read again the next time the runner is followed.
        if (this.detail === detail) this.detail = null;
      });
  }

  close(): void {
    this.closed = true;
    this.detail?.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socket.close();
  }

  private dispatch(input: WatchInput, msg?: ServerMessage): void {
    const { state, effects } = reduceWatch(this.state, input);
    const changed = state !== this.state;
    this.state = state;
    if (msg?.type === 'who') {
      for (const r of msg.runners) this.asked.delete(r.n);
      this.field.learn(msg.gen, msg.runners);
    } else if (msg?.type === 'update') for (const info of msg.runners) this.field.refresh(info);
    else if (msg?.type === 'snapshot') this.learnFollowed();
    for (const e of effects) this.run(e);
    if (msg) this.opts.onMessage?.(msg, state);
    if (!changed) return;
    if (this.followed) this.loadDetail();
    this.changed();
  }

  private run(effect: WatchEffect): void {
    switch (effect.do) {
      case 'subscribe':
        this.subscribeNow();
        return;
      case 'subscribe-later': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.closed) this.subscribeNow();
        }, effect.ms);
        this.timers.add(timer);
        return;
      }
      case 'close':
        this.socket.close();
        return;
      case 'keep-code':
        this.opts.keepCode?.(effect.code);
        return;
    }
  }

  private subscribeNow(): void {
    const msg = subscribeMessage(this.opts.event, this.state.access);
    this.asked.clear();
    this.send(this.opts.interest ? { ...msg, interest: this.interestChoice() } : msg);
  }

  private changed(): void {
    if (this.flushPending) return;
    this.flushPending = true;
    this.schedule(() => {
      this.flushPending = false;
      this.listeners.notify();
    });
  }
}
