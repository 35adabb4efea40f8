/**
 * The live server in one piece: the event index, rooms, sessions, fan-out and the gateway transports enter
 * by, over one write pipeline, with commands routed by Dispatch (dispatch.ts). Timers tick every loaded room
 * (one update frame per event), sample happiness, write checkpoints and release idle rooms. Toward the other
 * instances it is the three handlers the backplane calls back.
 */
import { ErrorCode, type RunnerInfo } from '../../lib/protocol';
import type { Backplane, Feed, Handlers, IndexChange, News } from '../backplane/ports';
import { LocalBackplane } from '../backplane/local';
import { cryptoCredentials } from '../credentials';
import { log } from '../log';
import type { ResultOf, RoomCommand } from '../room/commands';
import type { Effects, SessionChange } from '../room/effects';
import { sampleHappiness } from '../room/organiser';
import { fieldDump, snapshot, tick } from '../room/picture';
import type { AnswerOf, RoomQuery } from '../room/queries';
import { lapsedLinks } from '../room/share-links';
import { DEFAULT_TIMINGS, type RoomTimings } from '../room/deps';
import type { Room } from '../room/state';
import type { EventRecord, Store } from '../storage/store';
import { Access } from './access';
import { Dispatch } from './dispatch';
import { EventIndex, fieldCounts } from './event-index';
import { Fanout } from './fanout';
import { fieldBudget } from './interest/field';
import { Gateway } from './gateway';
import { again, retryWithin } from './retry';
import { Rooms } from './rooms';
import type { Outcome, Sender } from './session';
import { Sessions } from './sessions';
import { WriteAdmission } from './write-admission';
import { type StorageHealth, WritePipeline } from './write-pipeline';

/** Something told of every tick of an owned room (Web Push looks for passings): it must only note, never wait. */
export type TickWatcher = (room: Room, changed: readonly RunnerInfo[]) => void;

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
  /** Live connections one address may hold. */
  maxConnectionsPerIp?: number;
  /** What a spectator who says what it looks at is sent of the field a second, at most. */
  spectatorBytesPerSecond?: number;
  /** MiB one address may make the server store per hour (limits/write-budget.ts). */
  writeMiBPerHourPerIp?: number;
  stallAfterMs?: number;
  /** The other instances; one process by default. */
  backplane?: Backplane;
}

export class Live {
  readonly index = new EventIndex();
  readonly access: Access;
  readonly writes: WriteAdmission;
  readonly fanout: Fanout;
  readonly rooms: Rooms;
  readonly sessions: Sessions;
  readonly gateway: Gateway;
  readonly dispatch: Dispatch;
  readonly pipeline: WritePipeline;
  readonly store: Store;
  readonly backplane: Backplane;
  readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private busyTimers = new Set<Promise<unknown>>();
  private readonly roomFeeds = new WeakMap<Room, Feed>();

  constructor(private readonly opts: LiveOptions) {
    this.store = opts.store;
    const backplane = (this.backplane = opts.backplane ?? new LocalBackplane());
    this.now = opts.now ?? Date.now;
    this.pipeline = new WritePipeline(opts.store, { stallAfterMs: opts.stallAfterMs, now: this.now, holder: backplane.ownership.holder });
    this.access = new Access(this.index, this.now);
    this.writes = new WriteAdmission(this.index, opts.writeMiBPerHourPerIp ?? 256, this.now);
    this.fanout = new Fanout(opts.maxBufferedBytes, (event) => this.feedOf(event), fieldBudget(opts.spectatorBytesPerSecond ?? 16_384));
    this.rooms = new Rooms(
      opts.store,
      this.pipeline,
      { now: this.now, secrets: cryptoCredentials, timings: { ...DEFAULT_TIMINGS, ...opts.timings } },
      {
        idleMs: opts.roomIdleMs ?? 10 * 60_000,
        held: (event) => this.sessions.holds(event) || backplane.channel.followedElsewhere(event),
        info: (event) => this.index.info(event),
        loaded: (room) => {
          for (const [runnerId, n] of this.sessions.boundRunners().get(room.id) ?? []) for (let i = 0; i < n; i++) room.runnerConnected(runnerId, 1);
          this.syncCounts(room);
        },
      },
    );
    this.sessions = new Sessions({
      rooms: this.rooms,
      fanout: this.fanout,
      access: this.access,
      now: this.now,
      run: (event, command, sender, ref) => this.dispatch.run(event, command, sender, ref),
      query: (event, q) => this.dispatch.query(event, q),
      open: (event) => this.open(event),
      presence: (event, runnerId, delta) => this.presenceHere(event, runnerId, delta),
      runsHere: (event) => backplane.ownership.owned(event) !== undefined,
      admit: (address, event, cmd) => this.writes.admit(address, event, cmd),
      joinsPerHourPerIp: opts.joinsPerHourPerIp ?? 60,
      snapshotsPerSecondPerIp: opts.snapshotsPerSecondPerIp ?? 20,
    });
    this.gateway = new Gateway({
      sessions: this.sessions,
      limiter: backplane.limits.connectionLimiter(opts.maxConnectionsPerIp ?? 50),
      postElsewhere: (stream, body) => backplane.bus.streamPost(stream, body),
      streamTag: backplane.bus.streamTag,
    });
    this.dispatch = new Dispatch({
      index: this.index,
      rooms: this.rooms,
      sessions: this.sessions,
      fanout: this.fanout,
      pipeline: this.pipeline,
      backplane,
      now: this.now,
      synced: (room) => this.syncIndex(room),
      lost: (event) => this.lost(event),
    });
  }

  /** Read what routing needs; rooms load later, when used. */
  async load(): Promise<void> {
    this.index.load(await this.store.loadIndex());
  }

  async start(): Promise<void> {
    await this.backplane.start(this.handlers());
    this.every(this.opts.tickMs, () => this.tick());
    this.every(this.opts.happinessIntervalMs, () => this.sampleHappiness());
    this.every(this.opts.checkpointMs ?? 30_000, () => this.rooms.checkpointAll((room) => this.dispatch.ownershipOf(room)));
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

  // ---------- what the API does ----------

  run<C extends RoomCommand>(event: string, cmd: C, sender: Sender | null, ref?: string): Promise<Outcome<ResultOf<C>>> {
    return this.dispatch.run(event, cmd, sender, ref);
  }

  runOn<R>(room: Room, rule: (room: Room) => Effects<R>, sender: Sender | null): Promise<Outcome<R>> {
    return this.dispatch.runOn(room, rule, sender);
  }

  query<Q extends RoomQuery>(event: string, q: Q): Promise<AnswerOf<Q> | null> {
    return this.dispatch.query(event, q);
  }

  createEvent(name: string, organiserHash: string, id?: string): Promise<Outcome<EventRecord>> {
    return this.dispatch.createEvent(name, organiserHash, id);
  }

  /** An event with a fixed id and no organiser, unless it exists (the demo). */
  async ensureEvent(id: string, name: string): Promise<void> {
    if (this.index.has(id)) return;
    const out = await this.dispatch.createEvent(name, '', id);
    if (!out.ok && out.refusal.code !== ErrorCode.EventExists) throw new Error(out.refusal.message);
  }

  deleteEvent(id: string): Promise<void> {
    return this.dispatch.deleteEvent(id);
  }

  // ---------- where an event runs ----------

  /** Where the event's updates come from here: its room, or the owner's updates relayed. */
  private feedOf(event: string): Feed | undefined {
    const room = this.rooms.peek(event);
    if (room && this.backplane.ownership.owned(event) !== undefined) {
      let feed = this.roomFeeds.get(room);
      if (!feed) {
        feed = {
          epoch: room.epoch,
          snapshot: (only, opts) => snapshot(room, only, opts),
          since: (seq) => (seq === room.seq ? [] : null),
          field: () => fieldDump(room),
        };
        this.roomFeeds.set(room, feed);
      }
      return feed;
    }
    return this.backplane.channel.feed(event);
  }

  /**
   * Make the event followable here: its room loaded when it is owned here (taking it when nobody has it),
   * else its updates relayed from the owner. False when there is no such event.
   */
  private open(event: string): Promise<boolean> {
    const { ownership, channel } = this.backplane;
    return retryWithin(
      this.now,
      OPEN_PATIENCE_MS,
      async () => {
        if (!this.rooms.known(event)) return false;
        const claim = await ownership.claim(event);
        if (claim.here) return (await this.rooms.get(event)) !== null;
        channel.follow(event);
        if (channel.feed(event)) return true;
        return again(Math.min(500, Math.max(50, claim.expiresInMs)));
      },
      () => false,
    );
  }

  /** Keep the index in step with a room's event and links after a change, here and on every instance. */
  private syncIndex(room: Room): void {
    const rec = this.index.get(room.id);
    if (!rec || rec.info !== room.info || rec.viewCodeHash !== room.viewCodeHash || rec.quotas !== room.quotaOverrides) {
      const record = room.eventRecord();
      this.index.put(record);
      this.backplane.channel.publishIndex({ put: record });
    }
    for (const link of room.links.values()) {
      const known = this.index.resolveLink(link.token);
      if (!known || known.link !== link) {
        this.index.putLink(room.id, link);
        this.backplane.channel.publishIndex({ link: { event: room.id, link } });
      }
    }
  }

  /** Keep the index's counts of a room's runners in step (the landing page reads them), here and on every instance. */
  private syncCounts(room: Room): void {
    const counts = fieldCounts(room.runners.values());
    if (this.index.setCounts(room.id, counts)) this.backplane.channel.publishIndex({ counts: { event: room.id, ...counts } });
  }

  /** This instance no longer owns the event: whoever follows it here follows the new owner's updates. */
  private lost(event: string): void {
    this.backplane.ownership.released(event);
    if (!this.rooms.peek(event)) return;
    log('warn', 'event_moved', { event, instance: this.backplane.bus.instance });
    this.rooms.drop(event);
    if (this.sessions.holds(event)) {
      this.backplane.channel.follow(event);
      this.fanout.resync(event);
    }
  }

  /** Phones bound here to a runner came or went: the room counts them, wherever it runs. */
  private presenceHere(event: string, runnerId: string, delta: 1 | -1): void {
    const room = this.rooms.peek(event);
    if (room && this.backplane.ownership.owned(event) !== undefined) room.runnerConnected(runnerId, delta);
    else this.backplane.bus.presence(event, runnerId, delta);
  }

  /** What this instance does for the others. */
  private handlers(): Handlers {
    const { dispatch, fanout, sessions, rooms, backplane } = this;
    return {
      ownership: {
        lost: (event) => this.lost(event),
        gained: async (event) => {
          if (backplane.ownership.owned(event) === undefined) return;
          if (await rooms.get(event)) fanout.resync(event);
        },
      },
      requests: {
        run: (req) => dispatch.runForward(req),
        ask: (event, q) => dispatch.answerForward(event, q),
        snapshot: (event, only, allAlerts) => dispatch.snapshotHere(event, only, allAlerts),
        delete: (event) => dispatch.deleteHere(event),
        presence: (event, runnerId, delta) => rooms.peek(event)?.runnerConnected(runnerId, delta > 0 ? 1 : -1),
        streamPost: (stream, body) => this.gateway.postHere(stream, body),
      },
      channel: {
        relayed: (event, epoch, delta) => fanout.publish(event, epoch, delta),
        news: (event: string, news: News) => {
          const except = news.except?.instance === backplane.bus.instance ? (sessions.get(news.except.session) ?? null) : null;
          sessions.deliver(event, except, news.deliveries);
          for (const change of news.changes) sessions.change(event, null, change);
        },
        resync: (event, opts) => fanout.resync(event, opts),
        indexChanged: (change: IndexChange) => {
          if ('put' in change) this.index.put(change.put);
          else if ('link' in change) this.index.putLink(change.link.event, change.link.link);
          else if ('counts' in change) this.index.setCounts(change.counts.event, change.counts);
          else if ('deviceKey' in change) this.index.putDeviceKey(change.deviceKey.hash, { event: change.deviceKey.event, runnerId: change.deviceKey.runnerId });
          else if (!rooms.peek(change.deleted)) dispatch.forget(change.deleted);
        },
        reloadIndex: async () => this.index.load(await this.store.loadIndex()),
        holds: (event) => sessions.holds(event),
        boundRunners: (event) => sessions.boundRunners().get(event),
      },
    };
  }

  // ---------- time ----------

  private readonly tickWatchers: TickWatcher[] = [];

  /** Be shown every tick of every room owned here, with the runners the tick sent out as changed. */
  watchTicks(watch: TickWatcher): void {
    this.tickWatchers.push(watch);
  }

  tick(): void {
    const { ownership, channel } = this.backplane;
    for (const room of this.rooms.all()) {
      if (ownership.owned(room.id) === undefined) continue;
      const delta = tick(room);
      for (const link of lapsedLinks(room)) {
        const change: SessionChange = { dropLink: link, reason: 'expired' };
        this.sessions.change(room.id, null, change);
        channel.publishNews(room.id, { deliveries: [], changes: [change], except: null });
      }
      for (const watch of this.tickWatchers) watch(room, delta?.runners ?? []);
      if (delta) {
        this.fanout.publish(room.id, room.epoch, delta);
        channel.publishTick(room.id, room.epoch, delta);
        // Runners appear with their first fix and change status with an update: the counts move then only.
        if (delta.runners.length || delta.removed.length) this.syncCounts(room);
      }
      if (this.sessions.holds(room.id)) this.rooms.touch(room.id);
    }
  }

  sampleHappiness(): void {
    for (const room of this.rooms.all()) {
      if (this.backplane.ownership.owned(room.id) === undefined) continue;
      const fx = sampleHappiness(room);
      if (fx) void this.dispatch.runOn(room, () => fx, null);
    }
  }

  private async releaseIdle(): Promise<void> {
    const { ownership } = this.backplane;
    for (const event of await this.rooms.releaseIdle((room) => this.dispatch.ownershipOf(room))) ownership.released(event);
    // Leases taken without a room ever loaded here (an event created here, a phone that left) go too.
    for (const event of ownership.ownedEvents()) if (!this.rooms.peek(event) && !this.sessions.holds(event)) ownership.released(event);
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
    await this.rooms.checkpointAll((room) => this.dispatch.ownershipOf(room));
    await this.pipeline.idle();
    this.pipeline.close();
    await this.backplane.stop();
  }
}

/** How long a spectator waits for an event to find an owner (another instance taking over). */
const OPEN_PATIENCE_MS = 8000;
