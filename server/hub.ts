/**
 * The hub: all live state of all events, and the rules that change it.
 * It never touches a socket, a file or a timer: callers hand it messages and read back what to send
 * to whom and what to store. Time comes from the injected clock, so tests drive it by hand.
 */
import {
  type Cheer,
  type ClientMessage,
  ErrorCode,
  type EventInfo,
  type HappinessSample,
  LIMITS,
  type PositionMessage,
  PROTOCOL_VERSION,
  type RunnerInfo,
  type RunnerSnapshot,
  type RunnerStatus,
  type ServerMessage,
  type ShareLink,
  type ShareLinkState,
  shareLinkState,
  type TrackPoint,
} from '../lib/protocol';
import { simplifyTrack } from '../lib/simplify';
import { trackDistance } from '../lib/track';
import { slugify } from '../lib/slug';
import type { Credentials } from './credentials';
import type { RestoredState, StoredPosition, StoreOp } from './store';

export type ConnId = number;

export interface HubOptions {
  now: () => number;
  credentials: Credentials;
  /** A runner with no fix for this long is shown idle. */
  idleAfterMs: number;
  /** A runner with no fix for this long is shown offline. */
  offlineAfterMs: number;
  /** Happiness counts runners whose latest fix or mood is younger than this. */
  activeWindowMs: number;
}

export const DEFAULT_HUB_TIMINGS = {
  idleAfterMs: 30_000,
  offlineAfterMs: 5 * 60_000,
  activeWindowMs: 5 * 60_000,
} as const;

/** One message for one connection. */
export interface Send {
  to: ConnId;
  msg: ServerMessage;
}

/** One message for many connections: serialise it once. */
export interface Broadcast {
  to: ConnId[];
  msg: ServerMessage;
}

export interface Effects {
  /** Send now. */
  send: Send[];
  /** Write, then send `afterStore` once the write is durable. */
  store: StoreOp[];
  afterStore: Send[];
  /** One message for many connections, sent now. */
  broadcast?: Broadcast[];
}

interface Runner {
  id: string;
  event: string;
  name: string;
  color: string;
  tokenHash: string;
  /** Hash of the key the runner's tracking app sends; null when none is issued. */
  deviceKeyHash: string | null;
  /** Highest sequence number given to an app fix. */
  ingestSeq: number;
  /** Fix times of app fixes held: apps resend after a failure and have no sequence numbers. */
  ingestTimes: Set<number>;
  joinedAt: number;
  stopped: boolean;
  status: RunnerStatus;
  /** Fix time of the latest point (the phone's clock). */
  lastSeen: number | null;
  /** Server time the latest point arrived: status is judged by this, not by the phone's clock. */
  lastHeard: number;
  acc: number | null;
  mood: number | null;
  moodAt: number | null;
  track: TrackPoint[];
  /** Sequence number of each track point, same order as `track`. */
  seqs: number[];
  /** Highest n such that 1..n are all held. */
  contiguousSeq: number;
  /** Settled sequence numbers (stored, or refused for good) above `contiguousSeq`. */
  aheadSeqs: Set<number>;
  cheers: Cheer[];
  conns: Set<ConnId>;
}

interface LiveEvent {
  info: EventInfo;
  /** Hash of the organiser token; empty when nobody may organise (the demo). */
  organiserHash: string;
  viewCodeHash: string | null;
  /** Runners removed since the last tick. */
  removed: Set<string>;
  runners: Map<string, Runner>;
  subscribers: Set<ConnId>;
  /** Subscribers that follow chosen runners only, with a key shared by identical choices. */
  follows: Map<ConnId, { key: string; ids: Set<string> }>;
  links: Map<string, ShareLink>;
  /** Subscribers that came in through a share link, by link id. */
  viaLink: Map<ConnId, string>;
  happiness: HappinessSample[];
  /** Points added since the last tick, per runner. */
  pendingPoints: Map<string, TrackPoint[]>;
  /** Runners whose whole trail must be resent (a point arrived out of order). */
  retrace: Set<string>;
  dirty: Set<string>;
}

interface Conn {
  runner: Runner | null;
  subscriptions: Set<string>;
}

const CHEERS_KEPT = 20;
/** App fixes are numbered from here, far above any browser's sequence. */
export const INGEST_SEQ_BASE = LIMITS.maxSeq + 1;
const HAPPINESS_KEPT = 24 * 720; // a day of 5 s samples


const none = (): Effects => ({ send: [], store: [], afterStore: [] });
const error = (to: ConnId, code: ErrorCode, message: string, ref?: string): Effects => ({
  send: [{ to, msg: { type: 'error', code, message, ...(ref ? { ref } : {}) } }],
  store: [],
  afterStore: [],
});

export class Hub {
  private readonly events = new Map<string, LiveEvent>();
  private readonly conns = new Map<ConnId, Conn>();
  private readonly deviceKeys = new Map<string, Runner>();
  /** Share links by the token in their URL. */
  private readonly linkTokens = new Map<string, { event: string; link: ShareLink }>();

  constructor(private readonly opts: HubOptions) {}

  // ---------- events ----------

  /** A new event; the organiser token is returned here only, and kept as a hash. */
  createEvent(name: string): { event: EventInfo; organiserToken: string; store: StoreOp[] } {
    const base = slugify(name);
    let id = base;
    for (let n = 2; this.events.has(id); n++) id = `${base}-${n}`;
    const organiserToken = this.opts.credentials.newToken();
    const ev = this.addEvent(
      { id, name, createdAt: this.opts.now(), status: 'live', protected: false },
      this.opts.credentials.hash(organiserToken),
    );
    return { event: ev.info, organiserToken, store: [this.eventRecord(ev)] };
  }

  /** Create an event with a fixed id unless it exists, with no organiser (the demo). */
  ensureEvent(id: string, name: string): { event: EventInfo; store: StoreOp[] } {
    const existing = this.events.get(id);
    if (existing) return { event: existing.info, store: [] };
    const ev = this.addEvent({ id, name, createdAt: this.opts.now(), status: 'live', protected: false }, '');
    return { event: ev.info, store: [this.eventRecord(ev)] };
  }

  private addEvent(info: EventInfo, organiserHash: string, viewCodeHash: string | null = null): LiveEvent {
    const ev = this.newLiveEvent({ ...info, protected: viewCodeHash !== null }, organiserHash, viewCodeHash);
    this.events.set(info.id, ev);
    return ev;
  }

  private eventRecord(ev: LiveEvent): StoreOp {
    return { op: 'event', event: ev.info, organiserHash: ev.organiserHash, viewCodeHash: ev.viewCodeHash };
  }

  private newLiveEvent(info: EventInfo, organiserHash: string, viewCodeHash: string | null): LiveEvent {
    return {
      info,
      organiserHash,
      viewCodeHash,
      removed: new Set(),
      runners: new Map(),
      subscribers: new Set(),
      follows: new Map(),
      links: new Map(),
      viaLink: new Map(),
      happiness: [],
      pendingPoints: new Map(),
      retrace: new Set(),
      dirty: new Set(),
    };
  }

  /** Forget an event (retention): its subscribers simply receive nothing more. */
  removeEvent(id: string): void {
    const ev = this.events.get(id);
    if (!ev) return;
    for (const connId of ev.subscribers) this.conns.get(connId)?.subscriptions.delete(id);
    for (const r of ev.runners.values()) {
      for (const connId of r.conns) {
        const conn = this.conns.get(connId);
        if (conn?.runner === r) conn.runner = null;
      }
    }
    this.events.delete(id);
  }

  // ---------- organiser and owner rights ----------

  verifyOrganiser(eventId: string, token: string): boolean {
    const ev = this.events.get(eventId);
    return !!ev && ev.organiserHash !== '' && this.opts.credentials.verify(token, ev.organiserHash);
  }

  verifyRunner(eventId: string, runnerId: string, token: string): boolean {
    const r = this.events.get(eventId)?.runners.get(runnerId);
    return !!r && this.opts.credentials.verify(token, r.tokenHash);
  }

  verifyViewCode(eventId: string, code: string | undefined): boolean {
    const ev = this.events.get(eventId);
    if (!ev) return false;
    return ev.viewCodeHash === null || (!!code && this.opts.credentials.verify(code, ev.viewCodeHash));
  }

  /** End an event: sharing stops, everyone is told, the map stays viewable. */
  finishEvent(eventId: string): Effects {
    const ev = this.events.get(eventId);
    if (!ev || ev.info.status === 'finished') return none();
    ev.info = { ...ev.info, status: 'finished' };
    return { ...none(), store: [this.eventRecord(ev)], broadcast: [this.eventNews(ev)] };
  }

  /** Protect an event with a view code (null lifts it). Spectators without the code are dropped. */
  setViewCode(eventId: string, code: string | null): Effects {
    const ev = this.events.get(eventId);
    if (!ev) return none();
    ev.viewCodeHash = code === null ? null : this.opts.credentials.hash(code);
    ev.info = { ...ev.info, protected: code !== null };
    const effects: Effects = { ...none(), store: [this.eventRecord(ev)] };
    if (code !== null) {
      // Whoever watches through a share link keeps watching: the link grants access on its own.
      for (const connId of [...ev.subscribers]) {
        if (ev.viaLink.has(connId)) continue;
        this.unsubscribe(ev, connId, this.conns.get(connId));
        effects.send.push({
          to: connId,
          msg: { type: 'error', code: ErrorCode.ViewCodeRequired, message: 'This event is now protected: enter its view code.', ref: 'subscribe' },
        });
      }
    }
    effects.broadcast = [this.eventNews(ev)];
    return effects;
  }

  /** Remove a runner and every trace of them (organiser's decision, or the runner's own). */
  removeRunner(eventId: string, runnerId: string): Effects {
    const ev = this.events.get(eventId);
    const runner = ev?.runners.get(runnerId);
    if (!ev || !runner) return none();
    ev.runners.delete(runnerId);
    if (runner.deviceKeyHash) this.deviceKeys.delete(runner.deviceKeyHash);
    ev.pendingPoints.delete(runnerId);
    ev.retrace.delete(runnerId);
    ev.dirty.delete(runnerId);
    ev.removed.add(runnerId);
    const effects: Effects = { ...none(), store: [{ op: 'deleteRunner', event: eventId, runnerId }] };
    for (const connId of runner.conns) {
      const conn = this.conns.get(connId);
      if (conn?.runner === runner) conn.runner = null;
      effects.send.push({
        to: connId,
        msg: { type: 'error', code: ErrorCode.RunnerRemoved, message: 'This runner and their track were removed from the event.' },
      });
    }
    return effects;
  }

  /** Finish live events with no fix, mood or join for `afterMs`. */
  archiveInactive(afterMs: number): Effects {
    const now = this.opts.now();
    const out: Effects = { ...none(), broadcast: [] };
    for (const ev of this.events.values()) {
      if (ev.info.status !== 'live') continue;
      let last = ev.info.createdAt;
      for (const r of ev.runners.values()) last = Math.max(last, r.lastHeard, r.moodAt ?? 0);
      if (now - last < afterMs) continue;
      const fx = this.finishEvent(ev.info.id);
      out.store.push(...fx.store);
      out.broadcast!.push(...(fx.broadcast ?? []));
    }
    return out;
  }

  /** Event news goes to spectators and to the runners' own connections. */
  private eventNews(ev: LiveEvent): Broadcast {
    const to = new Set(ev.subscribers);
    for (const r of ev.runners.values()) for (const c of r.conns) to.add(c);
    return { to: [...to], msg: { type: 'event', event: ev.info } };
  }

  // ---------- share links ----------

  createShareLink(eventId: string, opts: { label: string; runners: string[] | null; expiresAt: number | null }): { link: ShareLink; store: StoreOp[] } | null {
    const ev = this.events.get(eventId);
    if (!ev) return null;
    const link: ShareLink = {
      id: this.opts.credentials.newRunnerId(),
      token: this.opts.credentials.newToken(),
      label: opts.label,
      runners: opts.runners,
      createdAt: this.opts.now(),
      expiresAt: opts.expiresAt,
      revokedAt: null,
    };
    ev.links.set(link.id, link);
    this.linkTokens.set(link.token, { event: eventId, link });
    return { link, store: [{ op: 'link', event: eventId, link }] };
  }

  listShareLinks(eventId: string): ShareLink[] {
    return [...(this.events.get(eventId)?.links.values() ?? [])].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** What a share link's token opens, and whether it still does. */
  resolveShareLink(token: string): { event: EventInfo; link: ShareLink; state: ShareLinkState } | null {
    const found = this.linkTokens.get(token);
    const ev = found && this.events.get(found.event);
    if (!found || !ev) return null;
    return { event: ev.info, link: found.link, state: shareLinkState(found.link, this.opts.now()) };
  }

  /** Withdraw a link: whoever watches through it is told and receives nothing more. */
  revokeShareLink(eventId: string, linkId: string): Effects | null {
    const ev = this.events.get(eventId);
    const link = ev?.links.get(linkId);
    if (!ev || !link) return null;
    if (link.revokedAt !== null) return none();
    link.revokedAt = this.opts.now();
    return { ...this.dropLinkSubscribers(ev, link.id, 'revoked'), store: [{ op: 'link', event: eventId, link }] };
  }

  private dropLinkSubscribers(ev: LiveEvent, linkId: string, state: ShareLinkState): Effects {
    const effects = none();
    for (const [connId, id] of ev.viaLink) {
      if (id !== linkId) continue;
      ev.viaLink.delete(connId);
      ev.subscribers.delete(connId);
      ev.follows.delete(connId);
      this.conns.get(connId)?.subscriptions.delete(ev.info.id);
      effects.send.push(...this.linkClosed(connId, state).send);
    }
    return effects;
  }

  /** The snapshot a subscriber would get, for the read API (without its `type`). */
  snapshotOf(eventId: string, only: Set<string> | null): Omit<Extract<ServerMessage, { type: 'snapshot' }>, 'type'> | null {
    const ev = this.events.get(eventId);
    if (!ev) return null;
    const { type: _type, ...snap } = this.snapshot(ev, only ?? undefined) as Extract<ServerMessage, { type: 'snapshot' }>;
    return snap;
  }

  happinessOf(eventId: string): HappinessSample[] {
    return this.events.get(eventId)?.happiness.slice() ?? [];
  }

  /** Runner summaries for the organiser and the read API. */
  runnerSummaries(eventId: string): Array<RunnerInfo & { points: number }> {
    const ev = this.events.get(eventId);
    return ev ? [...ev.runners.values()].map((r) => this.summary(r)) : [];
  }

  runnerSummary(eventId: string, runnerId: string): (RunnerInfo & { points: number }) | undefined {
    const r = this.events.get(eventId)?.runners.get(runnerId);
    return r && this.summary(r);
  }

  private summary(r: Runner): RunnerInfo & { points: number } {
    return { ...this.info(r), points: r.track.length };
  }

  /** A runner's public name, for file names and exports. */
  runnerName(eventId: string, runnerId: string): string | undefined {
    return this.events.get(eventId)?.runners.get(runnerId)?.name;
  }

  getEvent(id: string): EventInfo | undefined {
    return this.events.get(id)?.info;
  }

  /** Every event, with runner counts for public ones only: a protected event shows no more than its name. */
  listEvents(): Array<EventInfo & { runners: number | null; active: number | null }> {
    return [...this.events.values()]
      .map((e) => ({
        ...e.info,
        runners: e.info.protected ? null : e.runners.size,
        active: e.info.protected ? null : [...e.runners.values()].filter((r) => r.status === 'active').length,
      }))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Load what the store kept, before any connection. */
  restore(state: RestoredState): void {
    for (const e of state.events) this.addEvent(e.event, e.organiserHash, e.viewCodeHash);
    for (const r of state.runners) {
      const ev = this.events.get(r.event);
      if (!ev) continue;
      const runner: Runner = {
        id: r.id,
        event: r.event,
        name: r.name,
        color: r.color,
        tokenHash: r.tokenHash,
        deviceKeyHash: r.deviceKeyHash,
        ingestSeq: 0,
        ingestTimes: new Set(),
        joinedAt: r.joinedAt,
        stopped: r.stopped,
        status: 'offline',
        lastSeen: null,
        lastHeard: r.joinedAt,
        acc: null,
        mood: r.mood,
        moodAt: r.moodAt,
        track: [],
        seqs: [],
        contiguousSeq: 0,
        aheadSeqs: new Set(),
        cheers: r.cheers.slice(-CHEERS_KEPT),
        conns: new Set(),
      };
      for (const p of r.positions) {
        this.insertPoint(runner, p.seq, [p.lat, p.lon, p.t], p.acc);
        if (p.seq <= INGEST_SEQ_BASE) this.settle(runner, p.seq);
      }
      if (runner.deviceKeyHash) this.deviceKeys.set(runner.deviceKeyHash, runner);
      for (const seq of r.skipped) this.settle(runner, seq);
      // Without a record of arrival times, the last fix time is the best guess of when it was heard.
      runner.lastHeard = Math.max(runner.joinedAt, runner.lastSeen ?? 0);
      runner.status = this.statusOf(runner, this.opts.now());
      ev.runners.set(runner.id, runner);
    }
    for (const s of state.samples) this.events.get(s.event)?.happiness.push(s.sample);
    for (const { event, link } of state.links) {
      const ev = this.events.get(event);
      if (!ev) continue;
      ev.links.set(link.id, link);
      this.linkTokens.set(link.token, { event, link });
    }
    for (const ev of this.events.values()) ev.happiness.splice(0, Math.max(0, ev.happiness.length - HAPPINESS_KEPT));
  }

  // ---------- connections ----------

  connect(id: ConnId): Effects {
    this.conns.set(id, { runner: null, subscriptions: new Set() });
    return { ...none(), send: [{ to: id, msg: { type: 'hello', v: PROTOCOL_VERSION, now: this.opts.now() } }] };
  }

  disconnect(id: ConnId): void {
    const conn = this.conns.get(id);
    if (!conn) return;
    for (const eventId of conn.subscriptions) {
      const ev = this.events.get(eventId);
      ev?.subscribers.delete(id);
      ev?.follows.delete(id);
      ev?.viaLink.delete(id);
    }
    conn.runner?.conns.delete(id);
    this.conns.delete(id);
  }

  /** Live connection and subscription counts, for health checks and leak tests. */
  stats(): { connections: number; subscriptions: number; events: number; runners: number } {
    let subscriptions = 0;
    let runners = 0;
    for (const e of this.events.values()) {
      subscriptions += e.subscribers.size;
      runners += e.runners.size;
    }
    return { connections: this.conns.size, subscriptions, events: this.events.size, runners };
  }

  receive(connId: ConnId, msg: ClientMessage): Effects {
    const conn = this.conns.get(connId);
    if (!conn) return none();
    switch (msg.type) {
      case 'join':
        return this.join(connId, conn, msg.event, msg.name, msg.color);
      case 'resume':
        return this.resume(connId, conn, msg);
      case 'pos':
        return this.position(connId, conn, msg);
      case 'mood':
        return this.setMood(connId, conn, msg.value);
      case 'stop':
        return this.stop(connId, conn);
      case 'subscribe':
        return this.subscribe(connId, conn, msg.event, msg.code, msg.runners, msg.share);
      case 'unsubscribe':
        this.events.get(msg.event)?.subscribers.delete(connId);
        this.events.get(msg.event)?.follows.delete(connId);
        this.events.get(msg.event)?.viaLink.delete(connId);
        conn.subscriptions.delete(msg.event);
        return none();
      case 'cheer':
        return this.cheer(connId, msg.event, msg.runnerId, msg.text, msg.from);
    }
  }

  private liveEvent(connId: ConnId, eventId: string, ref: string): LiveEvent | Effects {
    const ev = this.events.get(eventId);
    if (!ev) return error(connId, ErrorCode.NoSuchEvent, `There is no event "${eventId}".`, ref);
    return ev;
  }

  private join(connId: ConnId, conn: Conn, eventId: string, name: string, color: string): Effects {
    const ev = this.liveEvent(connId, eventId, 'join');
    if (!('info' in ev)) return ev;
    if (ev.info.status === 'finished') {
      return error(connId, ErrorCode.EventFinished, 'This event has finished; it no longer takes runners.', 'join');
    }
    const { credentials } = this.opts;
    let id = credentials.newRunnerId();
    while (ev.runners.has(id)) id = credentials.newRunnerId();
    const token = credentials.newToken();
    const now = this.opts.now();
    const runner: Runner = {
      id,
      event: eventId,
      name,
      color,
      tokenHash: credentials.hash(token),
      deviceKeyHash: null,
      ingestSeq: 0,
      ingestTimes: new Set(),
      joinedAt: now,
      stopped: false,
      status: 'active',
      lastSeen: null,
      lastHeard: now,
      acc: null,
      mood: null,
      moodAt: null,
      track: [],
      seqs: [],
      contiguousSeq: 0,
      aheadSeqs: new Set(),
      cheers: [],
      conns: new Set(),
    };
    ev.runners.set(id, runner);
    ev.dirty.add(id);
    this.bind(connId, conn, runner);
    return {
      send: [],
      store: [{ op: 'runner', runner: this.record(runner) }],
      afterStore: [{ to: connId, msg: this.joinedMsg(runner, token) }],
    };
  }

  private resume(connId: ConnId, conn: Conn, msg: Extract<ClientMessage, { type: 'resume' }>): Effects {
    const ev = this.liveEvent(connId, msg.event, 'resume');
    if (!('info' in ev)) return ev;
    const runner = ev.runners.get(msg.runnerId);
    // One answer for an unknown id and a wrong token, so ids cannot be probed.
    if (!runner || !this.opts.credentials.verify(msg.token, runner.tokenHash)) {
      return error(connId, ErrorCode.BadToken, 'Unknown runner or wrong token: join again as a new runner.', 'resume');
    }
    const store: StoreOp[] = [];
    if ((msg.name && msg.name !== runner.name) || (msg.color && msg.color !== runner.color)) {
      runner.name = msg.name ?? runner.name;
      runner.color = msg.color ?? runner.color;
      ev.dirty.add(runner.id);
      store.push({ op: 'runner', runner: this.record(runner) });
    }
    this.bind(connId, conn, runner);
    return { send: [{ to: connId, msg: this.joinedMsg(runner) }], store, afterStore: [] };
  }

  private bind(connId: ConnId, conn: Conn, runner: Runner): void {
    conn.runner?.conns.delete(connId);
    conn.runner = runner;
    runner.conns.add(connId);
  }

  private joinedMsg(runner: Runner, token?: string): ServerMessage {
    return {
      type: 'joined',
      event: runner.event,
      runnerId: runner.id,
      ...(token ? { token } : {}),
      name: runner.name,
      color: runner.color,
      lastSeq: runner.contiguousSeq,
      cheers: runner.cheers,
    };
  }

  private position(connId: ConnId, conn: Conn, msg: PositionMessage): Effects {
    const runner = conn.runner;
    if (!runner) return error(connId, ErrorCode.NotJoined, 'Join or resume as a runner before sending positions.', 'pos');
    const ev = this.events.get(runner.event);
    if (!ev) return none();
    if (ev.info.status === 'finished') {
      return this.refusePosition(connId, msg.seq, 'This event has finished; positions are no longer taken.', ErrorCode.EventFinished);
    }
    const now = this.opts.now();
    if (msg.t > now + LIMITS.maxFutureMs) {
      return this.refusePosition(connId, msg.seq, 'Fix time is more than 5 minutes in the future: set the phone clock automatically.');
    }
    if (msg.t < now - LIMITS.maxPastMs) {
      return this.refusePosition(connId, msg.seq, 'Fix is more than 7 days old and is not taken.');
    }
    const ack: Send = { to: connId, msg: { type: 'ack', seq: 0 } };
    const effects: Effects = { send: [], store: [], afterStore: [ack] };
    if (msg.seq > runner.contiguousSeq && !runner.aheadSeqs.has(msg.seq)) {
      this.settle(runner, msg.seq);
      this.accept(ev, runner, effects, {
        seq: msg.seq,
        lat: msg.lat,
        lon: msg.lon,
        t: msg.t,
        acc: msg.acc,
        alt: msg.alt ?? null,
        spd: msg.spd ?? null,
        hdg: msg.hdg ?? null,
        bat: null,
      });
    }
    // Duplicates are acknowledged again: the first ack may have been lost with the connection.
    (ack.msg as { seq: number }).seq = runner.contiguousSeq;
    return effects;
  }

  /** Put a new fix on a runner's trail, tell spectators at the next tick, and ask to store it. */
  private accept(ev: LiveEvent, runner: Runner, effects: Effects, p: StoredPosition): void {
    const now = this.opts.now();
    const point: TrackPoint = [p.lat, p.lon, p.t];
    if (this.insertPoint(runner, p.seq, point, p.acc)) {
      const pending = ev.pendingPoints.get(runner.id);
      if (pending) pending.push(point);
      else ev.pendingPoints.set(runner.id, [point]);
    } else {
      ev.retrace.add(runner.id);
    }
    runner.lastHeard = now;
    if (runner.stopped) {
      runner.stopped = false;
      effects.store.push({ op: 'runner', runner: this.record(runner) });
    }
    this.refreshStatus(ev, runner, now);
    ev.dirty.add(runner.id);
    effects.store.push({ op: 'position', event: runner.event, runnerId: runner.id, ...p });
  }

  /**
   * A fix from a tracking app (OsmAnd, Traccar Client, OwnTracks) for the runner its device key belongs to.
   * Apps have no sequence numbers: the server numbers these above INGEST_SEQ_BASE, apart from the
   * browser's, and takes a fix with the same time as one already held as a resend.
   */
  ingest(eventId: string, runnerId: string, fix: Omit<StoredPosition, 'seq'>): { ok: true; effects: Effects } | { ok: false; reason: string } {
    const ev = this.events.get(eventId);
    const runner = ev?.runners.get(runnerId);
    if (!ev || !runner) return { ok: false, reason: 'unknown runner' };
    if (ev.info.status === 'finished') return { ok: false, reason: 'event finished' };
    const now = this.opts.now();
    if (fix.t > now + LIMITS.maxFutureMs) return { ok: false, reason: 'fix time is in the future' };
    if (fix.t < now - LIMITS.maxPastMs) return { ok: false, reason: 'fix is too old' };
    const effects = none();
    if (runner.ingestTimes.has(fix.t)) return { ok: true, effects };
    runner.ingestTimes.add(fix.t);
    runner.ingestSeq = Math.max(runner.ingestSeq, INGEST_SEQ_BASE) + 1;
    this.accept(ev, runner, effects, { ...fix, seq: runner.ingestSeq });
    return { ok: true, effects };
  }

  /** A new device key for a runner's tracking app; the old one stops working. Returned here only. */
  issueDeviceKey(eventId: string, runnerId: string): { key: string; store: StoreOp[] } | null {
    const runner = this.events.get(eventId)?.runners.get(runnerId);
    if (!runner) return null;
    if (runner.deviceKeyHash) this.deviceKeys.delete(runner.deviceKeyHash);
    const key = this.opts.credentials.newToken();
    runner.deviceKeyHash = this.opts.credentials.hash(key);
    this.deviceKeys.set(runner.deviceKeyHash, runner);
    return { key, store: [{ op: 'runner', runner: this.record(runner) }] };
  }

  revokeDeviceKey(eventId: string, runnerId: string): StoreOp[] {
    const runner = this.events.get(eventId)?.runners.get(runnerId);
    if (!runner?.deviceKeyHash) return [];
    this.deviceKeys.delete(runner.deviceKeyHash);
    runner.deviceKeyHash = null;
    return [{ op: 'runner', runner: this.record(runner) }];
  }

  /** Whose device key this is; keys are looked up by hash, never kept in the clear. */
  runnerByDeviceKey(key: string): { eventId: string; runnerId: string } | null {
    const runner = this.deviceKeys.get(this.opts.credentials.hash(key));
    return runner ? { eventId: runner.event, runnerId: runner.id } : null;
  }

  /**
   * Refuse a fix for good. Its sequence number is settled (and stored as such), so the acknowledgement
   * can move past it and the runner's outbox drops it instead of resending it for ever.
   */
  refusePosition(connId: ConnId, seq: number | undefined, message: string, code: ErrorCode = ErrorCode.BadPosition): Effects {
    const runner = this.conns.get(connId)?.runner;
    const refusal: Send = { to: connId, msg: { type: 'error', code, message, ref: 'pos' } };
    if (!runner || seq === undefined) return { send: [refusal], store: [], afterStore: [] };
    (refusal.msg as { seq?: number }).seq = seq;
    const effects: Effects = { send: [refusal], store: [], afterStore: [] };
    if (seq > runner.contiguousSeq && !runner.aheadSeqs.has(seq)) {
      this.settle(runner, seq);
      effects.store.push({ op: 'skip', event: runner.event, runnerId: runner.id, seq });
    }
    effects.afterStore.push({ to: connId, msg: { type: 'ack', seq: runner.contiguousSeq } });
    return effects;
  }

  /** Mark a sequence number as dealt with and advance the contiguous mark. */
  private settle(runner: Runner, seq: number): void {
    if (seq <= runner.contiguousSeq) return;
    if (seq === runner.contiguousSeq + 1) {
      runner.contiguousSeq = seq;
      while (runner.aheadSeqs.delete(runner.contiguousSeq + 1)) runner.contiguousSeq++;
    } else {
      runner.aheadSeqs.add(seq);
    }
  }

  /**
   * Insert a fix in time order (sequence order between equal times): browser and app fixes of one runner
   * then interleave as they were taken. Returns whether it went at the end of the trail.
   */
  private insertPoint(runner: Runner, seq: number, point: TrackPoint, acc: number): boolean {
    const { track, seqs } = runner;
    let i = seqs.length;
    while (i > 0 && (track[i - 1]![2] > point[2] || (track[i - 1]![2] === point[2] && seqs[i - 1]! > seq))) i--;
    const atEnd = i === seqs.length;
    seqs.splice(i, 0, seq);
    track.splice(i, 0, point);
    if (seq > INGEST_SEQ_BASE) {
      runner.ingestSeq = Math.max(runner.ingestSeq, seq);
      runner.ingestTimes.add(point[2]);
    }
    if (atEnd) {
      runner.lastSeen = point[2];
      runner.acc = acc;
    }
    return atEnd;
  }

  private setMood(connId: ConnId, conn: Conn, value: number): Effects {
    const runner = conn.runner;
    if (!runner) return error(connId, ErrorCode.NotJoined, 'Join or resume as a runner before sending happiness.', 'mood');
    const ev = this.events.get(runner.event);
    if (!ev) return none();
    const now = this.opts.now();
    runner.mood = value;
    runner.moodAt = now;
    ev.dirty.add(runner.id);
    return { send: [], store: [{ op: 'mood', runnerId: runner.id, event: runner.event, value, t: now }], afterStore: [] };
  }

  private stop(connId: ConnId, conn: Conn): Effects {
    const runner = conn.runner;
    if (!runner) return error(connId, ErrorCode.NotJoined, 'Join or resume as a runner before stopping.', 'stop');
    const ev = this.events.get(runner.event);
    if (!ev || runner.stopped) return none();
    runner.stopped = true;
    runner.status = 'stopped';
    ev.dirty.add(runner.id);
    return { send: [], store: [{ op: 'runner', runner: this.record(runner) }], afterStore: [] };
  }

  private subscribe(connId: ConnId, conn: Conn, eventId: string, code?: string, runners?: string[], share?: string): Effects {
    const ev = this.liveEvent(connId, eventId, 'subscribe');
    if (!('info' in ev)) return ev;
    // A new subscribe replaces the old one whatever its outcome: access is judged afresh every time.
    this.unsubscribe(ev, connId, conn);
    if (share !== undefined) {
      const found = this.linkTokens.get(share);
      if (!found || found.event !== eventId) return error(connId, ErrorCode.NoSuchLink, 'This share link does not exist.', 'subscribe');
      const state = shareLinkState(found.link, this.opts.now());
      if (state !== 'active') return this.linkClosed(connId, state);
      const allowed = found.link.runners;
      // The link's choice bounds any narrower choice of the spectator's.
      const chosen = allowed ? (runners ? runners.filter((id) => allowed.includes(id)) : allowed) : runners;
      ev.viaLink.set(connId, found.link.id);
      return this.addSubscriber(ev, connId, conn, chosen);
    }
    ev.viaLink.delete(connId);
    if (ev.viewCodeHash !== null) {
      if (!code) return error(connId, ErrorCode.ViewCodeRequired, 'This event is protected: enter its view code.', 'subscribe');
      if (!this.opts.credentials.verify(code, ev.viewCodeHash)) {
        return error(connId, ErrorCode.BadViewCode, 'That view code is not right: check it with the organiser.', 'subscribe');
      }
    }
    return this.addSubscriber(ev, connId, conn, runners);
  }

  private unsubscribe(ev: LiveEvent, connId: ConnId, conn: Conn | undefined): void {
    ev.subscribers.delete(connId);
    ev.follows.delete(connId);
    ev.viaLink.delete(connId);
    conn?.subscriptions.delete(ev.info.id);
  }

  private linkClosed(connId: ConnId, state: ShareLinkState): Effects {
    return state === 'revoked'
      ? error(connId, ErrorCode.LinkRevoked, 'The organiser has withdrawn this link.', 'subscribe')
      : error(connId, ErrorCode.LinkExpired, 'This link has expired.', 'subscribe');
  }

  private addSubscriber(ev: LiveEvent, connId: ConnId, conn: Conn, runners?: string[]): Effects {
    ev.subscribers.add(connId);
    conn.subscriptions.add(ev.info.id);
    if (runners) {
      const ids = new Set(runners);
      ev.follows.set(connId, { key: [...ids].sort().join(','), ids });
    } else {
      ev.follows.delete(connId);
    }
    return { ...none(), send: [{ to: connId, msg: this.snapshot(ev, ev.follows.get(connId)?.ids) }] };
  }

  /** Fresh snapshots of everything a connection follows, for one that missed updates. */
  resync(connId: ConnId): ServerMessage[] {
    const conn = this.conns.get(connId);
    if (!conn) return [];
    return [...conn.subscriptions].flatMap((id) => {
      const ev = this.events.get(id);
      return ev ? [this.snapshot(ev, ev.follows.get(connId)?.ids)] : [];
    });
  }

  private snapshot(ev: LiveEvent, only?: Set<string>): ServerMessage {
    const chosen = only ? [...ev.runners.values()].filter((r) => only.has(r.id)) : [...ev.runners.values()];
    // Points waiting for the next tick are left out: that update will bring them.
    const runners: RunnerSnapshot[] = chosen.map((r) => {
      const pending = ev.retrace.has(r.id) ? 0 : (ev.pendingPoints.get(r.id)?.length ?? 0);
      const track = r.track.slice(0, r.track.length - pending);
      return {
        ...this.info(r),
        track: simplifyTrack(track, LIMITS.snapshotMaxPoints),
        distance: trackDistance(track),
      };
    });
    return { type: 'snapshot', event: ev.info, runners, happiness: ev.happiness.slice(), now: this.opts.now() };
  }

  private cheer(connId: ConnId, eventId: string, runnerId: string, text: string, from?: string): Effects {
    const ev = this.liveEvent(connId, eventId, 'cheer');
    if (!('info' in ev)) return ev;
    if (ev.viewCodeHash !== null && !this.conns.get(connId)?.subscriptions.has(eventId)) {
      return error(connId, ErrorCode.ViewCodeRequired, 'This event is protected: enter its view code to cheer.', 'cheer');
    }
    const follow = ev.viaLink.has(connId) ? ev.follows.get(connId) : undefined;
    if (follow && !follow.ids.has(runnerId)) return error(connId, ErrorCode.NoSuchRunner, 'That runner is not in this event.', 'cheer');
    const runner = ev.runners.get(runnerId);
    if (!runner) return error(connId, ErrorCode.NoSuchRunner, 'That runner is not in this event.', 'cheer');
    const cheer: Cheer = { from: from ?? 'A spectator', text, t: this.opts.now() };
    runner.cheers.push(cheer);
    if (runner.cheers.length > CHEERS_KEPT) runner.cheers.shift();
    return {
      send: [...runner.conns].map((to) => ({ to, msg: { type: 'cheer', cheer } }) as Send),
      store: [{ op: 'cheer', event: eventId, runnerId, cheer }],
      afterStore: [{ to: connId, msg: { type: 'cheered', runnerId } }],
    };
  }

  // ---------- time ----------

  /** Coalesce everything since the last tick into one update frame per event. */
  tick(): Broadcast[] {
    const now = this.opts.now();
    const out: Broadcast[] = [];
    for (const ev of this.events.values()) {
      for (const r of ev.runners.values()) this.refreshStatus(ev, r, now);
      // Drop spectators whose link has just expired, before this tick's update reaches them.
      if (ev.viaLink.size) {
        const lapsed = new Set([...ev.viaLink.values()].filter((id) => shareLinkState(ev.links.get(id)!, now) !== 'active'));
        for (const linkId of lapsed) {
          for (const s of this.dropLinkSubscribers(ev, linkId, 'expired').send) out.push({ to: [s.to], msg: s.msg });
        }
      }
      if (ev.dirty.size === 0 && ev.pendingPoints.size === 0 && ev.retrace.size === 0 && ev.removed.size === 0) continue;
      if (ev.subscribers.size > 0) out.push(...this.updates(ev, now));
      ev.dirty.clear();
      ev.pendingPoints.clear();
      ev.retrace.clear();
      ev.removed.clear();
    }
    return out;
  }

  /**
   * This tick's update for an event: one frame for everyone who follows the whole event, and one per
   * distinct choice of runners (serialised once each, however many share it).
   */
  private updates(ev: LiveEvent, now: number): Broadcast[] {
    const points: Record<string, TrackPoint[]> = {};
    for (const [id, pts] of ev.pendingPoints) if (!ev.retrace.has(id)) points[id] = pts;
    const tracks: Record<string, TrackPoint[]> = {};
    for (const id of ev.retrace) {
      const r = ev.runners.get(id);
      if (r) tracks[id] = r.track.slice();
    }
    const runners = [...ev.dirty].flatMap((id) => {
      const r = ev.runners.get(id);
      return r ? [this.info(r)] : [];
    });
    const removed = [...ev.removed];
    const frame = (only?: Set<string>): ServerMessage | null => {
      const keep = (id: string) => !only || only.has(id);
      const pick = <T>(rec: Record<string, T>) => (only ? Object.fromEntries(Object.entries(rec).filter(([id]) => keep(id))) : rec);
      const msg = {
        type: 'update' as const,
        event: ev.info.id,
        now,
        runners: only ? runners.filter((r) => keep(r.id)) : runners,
        points: pick(points),
        ...(ev.retrace.size ? { tracks: pick(tracks) } : {}),
        ...(removed.length ? { removed: removed.filter(keep) } : {}),
      };
      const empty =
        msg.runners.length === 0 &&
        Object.keys(msg.points).length === 0 &&
        Object.keys(msg.tracks ?? {}).length === 0 &&
        (msg.removed?.length ?? 0) === 0;
      return only && empty ? null : msg;
    };

    const whole: ConnId[] = [];
    const groups = new Map<string, { ids: Set<string>; to: ConnId[] }>();
    for (const connId of ev.subscribers) {
      const f = ev.follows.get(connId);
      if (!f) whole.push(connId);
      else if (groups.has(f.key)) groups.get(f.key)!.to.push(connId);
      else groups.set(f.key, { ids: f.ids, to: [connId] });
    }
    const out: Broadcast[] = [];
    if (whole.length) out.push({ to: whole, msg: frame()! });
    for (const g of groups.values()) {
      const msg = frame(g.ids);
      if (msg) out.push({ to: g.to, msg });
    }
    return out;
  }

  /** One happiness sample per live event: the mean latest mood of recently active runners. */
  sampleHappiness(): { broadcast: Broadcast[]; store: StoreOp[] } {
    const now = this.opts.now();
    const broadcast: Broadcast[] = [];
    const store: StoreOp[] = [];
    for (const ev of this.events.values()) {
      if (ev.info.status !== 'live') continue;
      let sum = 0;
      let count = 0;
      for (const r of ev.runners.values()) {
        if (r.mood === null || r.stopped) continue;
        const lastActive = Math.max(r.lastHeard, r.moodAt ?? 0);
        if (now - lastActive >= this.opts.activeWindowMs) continue;
        sum += r.mood;
        count++;
      }
      const sample: HappinessSample = { t: now, mean: count ? Math.round((sum / count) * 100) / 100 : null, count };
      ev.happiness.push(sample);
      if (ev.happiness.length > HAPPINESS_KEPT) ev.happiness.shift();
      store.push({ op: 'sample', event: ev.info.id, sample });
      if (ev.subscribers.size) {
        broadcast.push({ to: [...ev.subscribers], msg: { type: 'happiness', event: ev.info.id, sample } });
      }
    }
    return { broadcast, store };
  }

  private statusOf(r: Runner, now: number): RunnerStatus {
    if (r.stopped) return 'stopped';
    const age = now - r.lastHeard;
    if (age >= this.opts.offlineAfterMs) return 'offline';
    if (age >= this.opts.idleAfterMs) return 'idle';
    return 'active';
  }

  private refreshStatus(ev: LiveEvent, r: Runner, now: number): void {
    const status = this.statusOf(r, now);
    if (status !== r.status) {
      r.status = status;
      ev.dirty.add(r.id);
    }
  }

  private info(r: Runner): RunnerInfo {
    return { id: r.id, name: r.name, color: r.color, status: r.status, lastSeen: r.lastSeen, acc: r.acc, mood: r.mood };
  }

  private record(r: Runner) {
    return {
      id: r.id,
      event: r.event,
      name: r.name,
      color: r.color,
      tokenHash: r.tokenHash,
      deviceKeyHash: r.deviceKeyHash,
      joinedAt: r.joinedAt,
      stopped: r.stopped,
    };
  }
}
