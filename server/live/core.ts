/**
 * The live server in one piece: the event index, rooms, sessions and fan-out over one write pipeline.
 * `run` is the one way anything changes: it asks a room for a command's Effects, sends what may go at once,
 * makes the writes durable, and only then applies the change and sends the rest. Timers tick every loaded
 * room (one update frame per event), sample happiness, write checkpoints and release idle rooms.
 *
 * With several instances (backplane/), a room runs only on the instance that owns its event: `run` and
 * `query` go there when it is elsewhere, its writes are fenced by the owner's lease, and what it sends to
 * anyone but the sender (updates, news, session changes) also goes to the other instances.
 */
import { DEFAULT_RACE, ErrorCode, type ServerMessage } from '../../lib/protocol';
import type { Backplane, IndexChange, LiveSide, News, RunReply, RunRequest } from '../backplane/backplane';
import { LocalBackplane } from '../backplane/local';
import { cryptoCredentials } from '../credentials';
import type { Applied, Delivery, Effects, Refusal, SessionChange } from '../domain/effects';
import { DEFAULT_TIMINGS, type Delta, type EventRoom, type RoomTimings, type SnapshotMessage } from '../domain/event-room';
import { log } from '../log';
import type { EventRecord, Store } from '../storage/store';
import type { Peer } from '../transport/peer';
import { Access } from './access';
import { type AnswerOf, answer, execute, type ResultOf, type RoomCommand, type RoomQuery } from './commands';
import { EventIndex, fieldCounts } from './event-index';
import { Fanout, type Feed } from './fanout';
import { Rooms } from './rooms';
import { type Outcome, type Sender, Session, Sessions } from './sessions';
import { WriteAdmission } from './write-admission';
import { NotOwnerError, type StorageHealth, StorageUnavailableError, WritePipeline } from './write-pipeline';

export interface LiveOptions {
  store: Store;
  tickMs: number;
  happinessIntervalMs: number;
  now?: () => number;
  timings?: Partial<RoomTimings>;
  /** Past this many queued bytes a peer misses live updates and gets a fresh snapshot when it drains. */
  maxBufferedBytes?: number;
  /** A room nobody used for this long is released. */
  roomIdleMs?: number;
  checkpointMs?: number;
  joinsPerHourPerIp?: number;
  snapshotsPerSecondPerIp?: number;
  /** MiB one address may make the server store per hour (limits/write-budget.ts). */
  writeMiBPerHourPerIp?: number;
  stallAfterMs?: number;
  /** The other instances; one process by default. */
  backplane?: Backplane;
}

/** The event changed hands while the command ran: it runs again where the event is now. */
const MOVED = Symbol('moved');
/** How long a command waits for an event to find an owner again (another instance taking over). */
const ROUTE_PATIENCE_MS = 8000;

const UNREACHABLE: Refusal = {
  code: ErrorCode.StorageUnavailable,
  status: 503,
  message: 'Nothing was saved: the instance running this event cannot be reached right now. Try again in a moment.',
  retryAfterMs: 2000,
};

/** Commands of sessions on another instance: what the room sends its sender is collected for the reply. */
class RemoteSender implements Sender {
  readonly messages: ServerMessage[] = [];
  bind: string | null = null;
  send(msg: ServerMessage): void {
    this.messages.push(msg);
  }
  bound(_event: string, runnerId: string): void {
    this.bind = runnerId;
  }
}

export class Live implements LiveSide {
  readonly index = new EventIndex();
  readonly access: Access;
  readonly writes: WriteAdmission;
  readonly fanout: Fanout;
  readonly rooms: Rooms;
  readonly sessions: Sessions;
  readonly pipeline: WritePipeline;
  readonly store: Store;
  readonly backplane: Backplane;
  readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private busyTimers = new Set<Promise<unknown>>();
  private readonly roomFeeds = new WeakMap<EventRoom, Feed>();

  constructor(private readonly opts: LiveOptions) {
    this.store = opts.store;
    this.backplane = opts.backplane ?? new LocalBackplane();
    this.now = opts.now ?? Date.now;
    this.pipeline = new WritePipeline(opts.store, { stallAfterMs: opts.stallAfterMs, now: this.now, holder: this.backplane.holder });
    this.access = new Access(this.index, this.now);
    this.writes = new WriteAdmission(this.index, opts.writeMiBPerHourPerIp ?? 256, this.now);
    this.fanout = new Fanout(opts.maxBufferedBytes, (event) => this.feedOf(event));
    this.rooms = new Rooms(
      opts.store,
      this.pipeline,
      { now: this.now, credentials: cryptoCredentials, timings: { ...DEFAULT_TIMINGS, ...opts.timings } },
      {
        idleMs: opts.roomIdleMs ?? 10 * 60_000,
        held: (event) => this.sessions.holds(event) || this.backplane.followedElsewhere(event),
        info: (event) => this.index.info(event),
        loaded: (room) => {
          for (const [runnerId, n] of this.boundRunners(room.id) ?? []) for (let i = 0; i < n; i++) room.runnerConnected(runnerId, 1);
          this.syncCounts(room);
        },
      },
    );
    this.sessions = new Sessions({
      rooms: this.rooms,
      fanout: this.fanout,
      access: this.access,
      now: this.now,
      run: (event, command, sender, ref) => this.run(event, command, sender, ref),
      open: (event) => this.open(event),
      presence: (event, runnerId, delta) => this.presenceHere(event, runnerId, delta),
      runsHere: (event) => this.backplane.owned(event) !== undefined,
      admit: (address, event, cmd) => this.writes.admit(address, event, cmd),
      joinsPerHourPerIp: opts.joinsPerHourPerIp ?? 60,
      snapshotsPerSecondPerIp: opts.snapshotsPerSecondPerIp ?? 20,
    });
  }

  /** Read what routing needs; rooms load later, when used. */
  async load(): Promise<void> {
    this.index.load(await this.store.loadIndex());
  }

  async start(): Promise<void> {
    await this.backplane.start(this);
    this.every(this.opts.tickMs, () => this.tick());
    this.every(this.opts.happinessIntervalMs, () => this.sampleHappiness());
    this.every(this.opts.checkpointMs ?? 30_000, () => this.rooms.checkpointAll((room) => this.ownership(room)));
    this.every(60_000, () => this.releaseIdle());
  }

  /** Run `work` every `ms`, never twice at once. */
  every(ms: number, work: () => unknown): void {
    let running = false;
    this.timers.push(
      setInterval(() => {
        if (running) return;
        running = true;
        const p = Promise.resolve()
          .then(work)
          .catch((err: unknown) => log('error', 'timer_failed', { error: String(err) }))
          .finally(() => {
            running = false;
            this.busyTimers.delete(p);
          });
        this.busyTimers.add(p);
      }, ms),
    );
  }

  attach(peer: Peer, address: string): Session {
    return this.sessions.attach(peer, address);
  }

  // ---------- where an event runs ----------

  /** The lease a room's writes are made under, when writes are fenced. */
  private ownership(room: EventRoom): { event: string; epoch: number } | undefined {
    const epoch = this.backplane.owned(room.id);
    return epoch === undefined || this.backplane.holder === undefined ? undefined : { event: room.id, epoch };
  }

  /** Where the event's updates come from here: its room, or the owner's updates relayed. */
  private feedOf(event: string): Feed | undefined {
    const room = this.rooms.peek(event);
    if (room && this.backplane.owned(event) !== undefined) {
      let feed = this.roomFeeds.get(room);
      if (!feed) {
        feed = { epoch: room.epoch, snapshot: (only) => room.snapshot(only), since: (seq) => (seq === room.seq ? [] : null) };
        this.roomFeeds.set(room, feed);
      }
      return feed;
    }
    return this.backplane.feed(event);
  }

  /**
   * Make the event followable here: its room loaded when it is owned here (taking it when nobody has it),
   * else its updates relayed from the owner. False when there is no such event.
   */
  private async open(event: string): Promise<boolean> {
    for (const deadline = this.now() + ROUTE_PATIENCE_MS; ; ) {
      if (!this.rooms.known(event)) return false;
      const claim = await this.backplane.claim(event);
      if (claim.here) return (await this.rooms.get(event)) !== null;
      this.backplane.follow(event);
      if (this.backplane.feed(event)) return true;
      if (this.now() > deadline) return false;
      await sleep(Math.min(500, Math.max(50, claim.expiresInMs)));
    }
  }

  // ---------- commands ----------

  /**
   * Run a command on an event's room, wherever it is. Resolves with the command's result once it is durable
   * and visible, or with the refusal (also sent to `sender`, a live session, when there is one).
   */
  async run<C extends RoomCommand>(event: string, cmd: C, sender: Sender | null, ref?: string): Promise<Outcome<ResultOf<C>>> {
    const deadline = this.now() + ROUTE_PATIENCE_MS;
    for (;;) {
      const out = await this.runOnce(event, cmd, sender, ref);
      if (out !== MOVED) return out as Outcome<ResultOf<C>>;
      if (this.now() > deadline) {
        sender?.send({ type: 'error', code: ErrorCode.StorageUnavailable, message: UNREACHABLE.message, ...(ref ? { ref } : {}), retryAfterMs: UNREACHABLE.retryAfterMs });
        return { ok: false, refusal: UNREACHABLE };
      }
      await sleep(200);
    }
  }

  private async runOnce(event: string, cmd: RoomCommand, sender: Sender | null, ref?: string): Promise<Outcome<unknown> | typeof MOVED> {
    const claiming = this.rooms.known(event) ? this.backplane.claim(event) : null;
    // Without a wait when the event is here: answers go out in the order the session's messages came.
    const claim = claiming instanceof Promise ? await claiming : claiming;
    if (claim && !claim.here) {
      const from = sender instanceof Session ? { instance: this.backplane.instance, session: sender.id } : null;
      const reply = await this.backplane.forward(claim.instance, { event, cmd, from, ...(ref ? { ref } : {}) });
      if ('unreachable' in reply || reply.moved) return MOVED;
      for (const msg of reply.send) sender?.send(msg);
      if (reply.bind && sender instanceof Session && !sender.closed) {
        // The phone hears what is sent to its runner through the event's channel.
        this.backplane.follow(event);
        this.sessions.bindRemote(sender, event, reply.bind);
      }
      return reply.ok ? { ok: true, result: reply.result } : { ok: false, refusal: reply.refusal };
    }
    const room = claim ? (this.rooms.peek(event) ?? (await this.rooms.get(event))) : null;
    if (!room) {
      const refusal: Refusal = { code: ErrorCode.NoSuchEvent, status: 404, message: `There is no event "${event}".` };
      sender?.send({ type: 'error', code: ErrorCode.NoSuchEvent, message: refusal.message, ...(ref ? { ref } : {}) });
      return { ok: false, refusal };
    }
    return this.runOnRoom(room, (r) => execute(r, cmd), sender, ref);
  }

  /** Run a command on a room held here (timers, jobs); refused when the event has moved to another instance. */
  async runOn<R>(room: EventRoom, command: (room: EventRoom) => Effects<R>, sender: Sender | null, ref?: string): Promise<Outcome<R>> {
    const out = await this.runOnRoom(room, command, sender, ref);
    return out === MOVED ? { ok: false, refusal: UNREACHABLE } : out;
  }

  private runOnRoom<R>(room: EventRoom, command: (room: EventRoom) => Effects<R>, sender: Sender | null, ref?: string): Promise<Outcome<R> | typeof MOVED> {
    if (this.backplane.owned(room.id) === undefined || this.rooms.peek(room.id) !== room) return Promise.resolve(MOVED);
    const owner = this.ownership(room);
    this.rooms.touch(room.id);
    const fx = command(room);
    this.deliver(room.id, sender, fx.send);
    if (fx.refusal) return Promise.resolve({ ok: false, refusal: fx.refusal });
    if (fx.write.length === 0 && !fx.commit) return Promise.resolve({ ok: true, result: fx.result });
    return new Promise((resolve) => {
      this.pipeline.submit(
        fx.write,
        (err, arrivals) => {
          if (err instanceof NotOwnerError) {
            fx.abort?.();
            this.lost(room.id);
            resolve(MOVED);
            return;
          }
          if (err) {
            fx.abort?.();
            const retryAfterMs = err instanceof StorageUnavailableError ? err.retryAfterMs : 5000;
            const message = 'Nothing was saved: the server cannot store data right now. Try again in a moment.';
            sender?.send({ type: 'error', code: ErrorCode.StorageUnavailable, message, ...(ref ? { ref } : {}), retryAfterMs });
            resolve({ ok: false, refusal: { code: ErrorCode.StorageUnavailable, status: 503, message, retryAfterMs } });
            return;
          }
          if (fx.write.length) room.changes++;
          const applied = fx.commit ? fx.commit(arrivals) : { send: [] };
          this.apply(room.id, sender, applied);
          this.syncIndex(room);
          resolve({ ok: true, result: applied.result ?? fx.result });
        },
        owner,
      );
    });
  }

  /** Send deliveries here, and what is not for the sender to the other instances too. */
  private deliver(event: string, sender: Sender | null, deliveries: readonly Delivery[], changes: SessionChange[] = []): void {
    this.sessions.deliver(event, sender, deliveries);
    const others = deliveries.filter((d) => !('sender' in d.to));
    const shared = changes.filter((c) => !('bind' in c));
    if (others.length || shared.length) {
      const except = sender instanceof Session ? { instance: this.backplane.instance, session: sender.id } : null;
      this.backplane.publishNews(event, { deliveries: others, changes: shared, except });
    }
  }

  private apply(event: string, sender: Sender | null, applied: Applied<unknown>): void {
    // What the change says goes out first: a removed runner's phone is told before it is let go.
    this.deliver(event, sender, applied.send, applied.sessions);
    for (const change of applied.sessions ?? []) this.sessions.change(event, sender, change);
  }

  /** Keep the index in step with a room's event and links after a change, here and on every instance. */
  private syncIndex(room: EventRoom): void {
    const rec = this.index.get(room.id);
    if (!rec || rec.info !== room.info || rec.viewCodeHash !== room.viewCodeHash || rec.quotas !== room.quotaOverrides) {
      const record = room.eventRecord();
      this.index.put(record);
      this.backplane.publishIndex({ put: record });
    }
    for (const link of room.links.values()) {
      const known = this.index.resolveLink(link.token);
      if (!known || known.link !== link) {
        this.index.putLink(room.id, link);
        this.backplane.publishIndex({ link: { event: room.id, link } });
      }
    }
  }

  /** Keep the index's counts of a room's runners in step (the landing page reads them), here and on every instance. */
  private syncCounts(room: EventRoom): void {
    const counts = fieldCounts(room.runners.values());
    if (this.index.setCounts(room.id, counts)) this.backplane.publishIndex({ counts: { event: room.id, ...counts } });
  }

  /** What the HTTP API reads of an event's live state, from wherever its room is; null when there is no such event. */
  async query<Q extends RoomQuery>(event: string, q: Q): Promise<AnswerOf<Q> | null> {
    const deadline = this.now() + ROUTE_PATIENCE_MS;
    for (;;) {
      if (!this.rooms.known(event)) return null;
      const claim = await this.backplane.claim(event);
      if (claim.here) {
        const room = this.rooms.peek(event) ?? (await this.rooms.get(event));
        return room ? (answer(room, q) as AnswerOf<Q>) : null;
      }
      const got = await this.backplane.ask(claim.instance, event, q);
      const retry = typeof got === 'object' && got !== null && ('unreachable' in got || 'moved' in got);
      if (!retry) return got as AnswerOf<Q>;
      if (this.now() > deadline) throw new StorageUnavailableError(UNREACHABLE.message, 2000);
      await sleep(200);
    }
  }

  /** A new event; its id comes from its name. Resolves once it is durable, or with the refusal. */
  async createEvent(name: string, organiserHash: string, id?: string): Promise<Outcome<EventRecord>> {
    const taken: string[] = [];
    try {
      for (;;) {
        const eventId = id ?? this.index.reserveId(name);
        if (!id) taken.push(eventId);
        const claim = await this.backplane.claimNew(eventId).catch(() => null);
        if (claim === null) return { ok: false, refusal: { ...UNREACHABLE, message: 'The event could not be saved: try again in a moment.' } };
        if (claim === false) {
          if (id) return { ok: false, refusal: { code: 'event_exists', status: 409, message: `There is an event "${id}" already.` } };
          continue;
        }
        return await this.writeNewEvent(eventId, name, organiserHash, claim.epoch);
      }
    } finally {
      for (const t of taken) this.index.release(t);
    }
  }

  private async writeNewEvent(eventId: string, name: string, organiserHash: string, epoch: number): Promise<Outcome<EventRecord>> {
    const record: EventRecord = {
      info: { id: eventId, name, createdAt: this.now(), status: 'live', protected: false, race: DEFAULT_RACE },
      organiserHash,
      viewCodeHash: null,
      quotas: {},
    };
    try {
      await this.pipeline.write([{ op: 'event', record }], this.backplane.holder ? { event: eventId, epoch } : undefined);
      this.index.put(record);
      this.backplane.publishIndex({ put: record });
      return { ok: true, result: record };
    } catch (err) {
      const retryAfterMs = err instanceof StorageUnavailableError ? err.retryAfterMs : 5000;
      return { ok: false, refusal: { code: ErrorCode.StorageUnavailable, status: 503, message: 'The event could not be saved: try again in a moment.', retryAfterMs } };
    }
  }

  /** An event with a fixed id and no organiser, unless it exists (the demo). */
  async ensureEvent(id: string, name: string): Promise<void> {
    if (this.index.has(id)) return;
    const out = await this.createEvent(name, '', id);
    if (!out.ok && out.refusal.code !== 'event_exists') throw new Error(out.refusal.message);
  }

  /** Delete an event and everything kept about it (retention), on the instance that owns it. */
  async deleteEvent(id: string): Promise<void> {
    const deadline = this.now() + ROUTE_PATIENCE_MS;
    for (;;) {
      const claim = await this.backplane.claim(id);
      if (claim.here) {
        const out = await this.deleteHere(id);
        if (!('moved' in out)) return;
      } else {
        const out = await this.backplane.forwardDelete(claim.instance, id);
        if (!('unreachable' in out) && !('moved' in out)) return;
      }
      if (this.now() > deadline) throw new StorageUnavailableError(UNREACHABLE.message, 2000);
      await sleep(200);
    }
  }

  private async deleteHere(id: string): Promise<{ ok: boolean } | { moved: true }> {
    const epoch = this.backplane.owned(id);
    if (epoch === undefined) return { moved: true };
    try {
      await this.pipeline.write([{ op: 'deleteEvent', event: id }], this.backplane.holder ? { event: id, epoch } : undefined);
    } catch (err) {
      if (err instanceof NotOwnerError) return { moved: true };
      throw err;
    }
    this.forget(id);
    this.backplane.publishIndex({ deleted: id });
    this.backplane.released(id);
    return { ok: true };
  }

  private forget(id: string): void {
    for (const { member } of [...this.fanout.watchers(id)]) this.fanout.unwatch(member.id, id);
    this.rooms.drop(id);
    this.index.delete(id);
  }

  // ---------- the other instances ----------

  async runForward(req: RunRequest): Promise<RunReply> {
    const room = this.rooms.known(req.event) && this.backplane.owned(req.event) !== undefined ? (this.rooms.peek(req.event) ?? (await this.rooms.get(req.event))) : null;
    if (!room) return { moved: true };
    const sender = new RemoteSender();
    const out = await this.runOnRoom(room, (r) => execute(r, req.cmd), req.from ? sender : null, req.ref);
    if (out === MOVED) return { moved: true };
    return out.ok ? { send: sender.messages, bind: sender.bind, ok: true, result: out.result } : { send: sender.messages, bind: sender.bind, ok: false, refusal: out.refusal };
  }

  async answerForward(event: string, q: RoomQuery): Promise<unknown> {
    if (this.backplane.owned(event) === undefined) return { moved: true };
    const room = this.rooms.peek(event) ?? (await this.rooms.get(event));
    return room ? answer(room, q) : { moved: true };
  }

  deleteForward(event: string): Promise<{ ok: boolean } | { moved: true }> {
    return this.deleteHere(event);
  }

  async snapshotHere(event: string, only: string[] | null): Promise<SnapshotMessage | { moved: true }> {
    if (this.backplane.owned(event) === undefined) return { moved: true };
    const room = this.rooms.peek(event) ?? (await this.rooms.get(event));
    return room ? room.snapshot(only ? new Set(only) : null) : { moved: true };
  }

  news(event: string, news: News): void {
    const except = news.except?.instance === this.backplane.instance ? (this.sessions.get(news.except.session) ?? null) : null;
    this.sessions.deliver(event, except, news.deliveries);
    for (const change of news.changes) this.sessions.change(event, null, change);
  }

  indexChanged(change: IndexChange): void {
    if ('put' in change) this.index.put(change.put);
    else if ('link' in change) this.index.putLink(change.link.event, change.link.link);
    else if ('counts' in change) this.index.setCounts(change.counts.event, change.counts);
    else if ('deviceKey' in change) this.index.putDeviceKey(change.deviceKey.hash, { event: change.deviceKey.event, runnerId: change.deviceKey.runnerId });
    else if (!this.rooms.peek(change.deleted)) this.forget(change.deleted);
  }

  async reloadIndex(): Promise<void> {
    this.index.load(await this.store.loadIndex());
  }

  lost(event: string): void {
    this.backplane.released(event);
    if (!this.rooms.peek(event)) return;
    log('warn', 'event_moved', { event, instance: this.backplane.instance });
    this.rooms.drop(event);
    // Whoever follows it here now follows the new owner's updates, from a fresh snapshot.
    if (this.sessions.holds(event)) {
      this.backplane.follow(event);
      this.fanout.resync(event);
    }
  }

  presence(event: string, runnerId: string, delta: number): void {
    this.rooms.peek(event)?.runnerConnected(runnerId, delta > 0 ? 1 : -1);
  }

  /** Phones bound here to a runner came or went: the room counts them, wherever it runs. */
  private presenceHere(event: string, runnerId: string, delta: 1 | -1): void {
    const room = this.rooms.peek(event);
    if (room && this.backplane.owned(event) !== undefined) room.runnerConnected(runnerId, delta);
    else this.backplane.presence(event, runnerId, delta);
  }

  /** Set by the Server-Sent Events transport, which holds the streams. */
  streams: ((stream: string, body: string) => 'ok' | 'gone') | null = null;

  streamPost(stream: string, body: string): 'ok' | 'gone' {
    return this.streams?.(stream, body) ?? 'gone';
  }

  holds(event: string): boolean {
    return this.sessions.holds(event);
  }

  relayed(event: string, epoch: string, delta: Delta): void {
    this.fanout.publish(event, epoch, delta);
  }

  resync(event: string, opts?: { staleOnly?: boolean }): void {
    this.fanout.resync(event, opts);
  }

  async gained(event: string): Promise<void> {
    if (this.backplane.owned(event) === undefined) return;
    const room = await this.rooms.get(event);
    if (room) this.fanout.resync(event);
  }

  boundRunners(event: string): Map<string, number> | undefined {
    return this.sessions.boundRunners().get(event);
  }

  // ---------- time ----------

  tick(): void {
    for (const room of this.rooms.all()) {
      if (this.backplane.owned(room.id) === undefined) continue;
      const { delta, lapsedLinks } = room.tick();
      for (const link of lapsedLinks) {
        const change: SessionChange = { dropLink: link, reason: 'expired' };
        this.sessions.change(room.id, null, change);
        this.backplane.publishNews(room.id, { deliveries: [], changes: [change], except: null });
      }
      if (delta) {
        this.fanout.publish(room.id, room.epoch, delta);
        this.backplane.publishTick(room.id, room.epoch, delta);
        // Runners appear with their first fix and change status with an update: the counts move then only.
        if (delta.runners.length || delta.removed.length) this.syncCounts(room);
      }
      if (this.sessions.holds(room.id)) this.rooms.touch(room.id);
    }
  }

  sampleHappiness(): void {
    for (const room of this.rooms.all()) {
      if (this.backplane.owned(room.id) === undefined) continue;
      const fx = room.sampleHappiness();
      if (fx) void this.runOn(room, () => fx, null);
    }
  }

  private async releaseIdle(): Promise<void> {
    for (const event of await this.rooms.releaseIdle((room) => this.ownership(room))) this.backplane.released(event);
    // Leases taken without a room ever loaded here (an event created here, a phone that left) go too.
    for (const event of this.backplane.ownedEvents()) if (!this.rooms.peek(event) && !this.sessions.holds(event)) this.backplane.released(event);
  }

  // ---------- reports ----------

  stats() {
    let runners = 0;
    for (const r of this.rooms.all()) runners += r.runners.size;
    const s = this.sessions.stats();
    return {
      connections: s.connections,
      peers: s.connections,
      subscriptions: this.fanout.count(),
      events: this.index.size,
      rooms: this.rooms.count,
      runners,
    };
  }

  storageHealth(): StorageHealth {
    return this.pipeline.health();
  }

  /** Stop timers, write checkpoints and what is pending, and give up the events owned here. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.busyTimers]);
    await this.rooms.checkpointAll((room) => this.ownership(room));
    await this.pipeline.idle();
    this.pipeline.close();
    await this.backplane.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
