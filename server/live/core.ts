/**
 * The live server in one piece: the event index, rooms, sessions and fan-out over one write pipeline.
 * `run` is the one way anything changes: it asks a room for a command's Effects, sends what may go at once,
 * makes the writes durable, and only then applies the change and sends the rest. Timers tick every loaded
 * room (one update frame per event), sample happiness, write checkpoints and release idle rooms.
 */
import { ErrorCode } from '../../lib/protocol';
import { cryptoCredentials } from '../credentials';
import type { Effects, Refusal } from '../domain/effects';
import { DEFAULT_TIMINGS, type EventRoom, type RoomTimings } from '../domain/event-room';
import { log } from '../log';
import type { EventRecord, Store } from '../storage/store';
import type { Peer } from '../transport/peer';
import { Access } from './access';
import { EventIndex } from './event-index';
import { Fanout } from './fanout';
import { Rooms } from './rooms';
import { type Outcome, Session, Sessions } from './sessions';
import { type StorageHealth, StorageUnavailableError, WritePipeline } from './write-pipeline';

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
  stallAfterMs?: number;
}

export class Live {
  readonly index = new EventIndex();
  readonly access: Access;
  readonly fanout: Fanout;
  readonly rooms: Rooms;
  readonly sessions: Sessions;
  readonly pipeline: WritePipeline;
  readonly store: Store;
  readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private busyTimers = new Set<Promise<unknown>>();

  constructor(private readonly opts: LiveOptions) {
    this.store = opts.store;
    this.now = opts.now ?? Date.now;
    this.pipeline = new WritePipeline(opts.store, { stallAfterMs: opts.stallAfterMs, now: this.now });
    this.access = new Access(this.index, this.now);
    this.fanout = new Fanout(opts.maxBufferedBytes);
    this.rooms = new Rooms(
      opts.store,
      this.pipeline,
      { now: this.now, credentials: cryptoCredentials, timings: { ...DEFAULT_TIMINGS, ...opts.timings } },
      { idleMs: opts.roomIdleMs ?? 10 * 60_000, held: (event) => this.sessions.holds(event), info: (event) => this.index.info(event) },
    );
    this.sessions = new Sessions({
      rooms: this.rooms,
      fanout: this.fanout,
      access: this.access,
      now: this.now,
      run: (event, command, sender, ref) => this.run(event, command, sender, ref),
      joinsPerHourPerIp: opts.joinsPerHourPerIp ?? 60,
      snapshotsPerSecondPerIp: opts.snapshotsPerSecondPerIp ?? 20,
    });
  }

  /** Read what routing needs; rooms load later, when used. */
  async load(): Promise<void> {
    this.index.load(await this.store.loadIndex());
  }

  start(): void {
    this.every(this.opts.tickMs, () => this.tick());
    this.every(this.opts.happinessIntervalMs, () => this.sampleHappiness());
    this.every(this.opts.checkpointMs ?? 30_000, () => this.rooms.checkpointAll());
    this.every(60_000, () => this.rooms.releaseIdle());
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

  // ---------- commands ----------

  /**
   * Run a command on an event's room. Resolves with the command's result once it is durable and visible, or
   * with the refusal (also sent to `sender`, a live session, when there is one).
   */
  async run<R>(event: string, command: (room: EventRoom) => Effects<R>, sender: Session | null, ref?: string): Promise<Outcome<R>> {
    const room = this.rooms.peek(event) ?? (await this.rooms.get(event));
    if (!room) {
      const refusal: Refusal = { code: ErrorCode.NoSuchEvent, status: 404, message: `There is no event "${event}".` };
      sender?.send({ type: 'error', code: ErrorCode.NoSuchEvent, message: refusal.message, ...(ref ? { ref } : {}) });
      return { ok: false, refusal };
    }
    return this.runOn(room, command, sender, ref);
  }

  runOn<R>(room: EventRoom, command: (room: EventRoom) => Effects<R>, sender: Session | null, ref?: string): Promise<Outcome<R>> {
    this.rooms.touch(room.id);
    const fx = command(room);
    this.sessions.deliver(room.id, sender, fx.send);
    if (fx.refusal) return Promise.resolve({ ok: false, refusal: fx.refusal });
    if (fx.write.length === 0 && !fx.commit) return Promise.resolve({ ok: true, result: fx.result });
    return new Promise((resolve) => {
      this.pipeline.submit(fx.write, (err, arrivals) => {
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
        this.sessions.apply(room, sender, applied);
        this.syncIndex(room);
        resolve({ ok: true, result: applied.result ?? fx.result });
      });
    });
  }

  /** Keep the index in step with a room's event and links after a change. */
  private syncIndex(room: EventRoom): void {
    const rec = this.index.get(room.id);
    if (!rec || rec.info !== room.info || rec.viewCodeHash !== room.viewCodeHash || rec.quotas !== room.quotaOverrides) {
      this.index.put(room.eventRecord());
    }
    for (const link of room.links.values()) {
      const known = this.index.resolveLink(link.token);
      if (!known || known.link !== link) this.index.putLink(room.id, link);
    }
  }

  /** A new event; its id comes from its name. Resolves once it is durable, or with the refusal. */
  async createEvent(name: string, organiserHash: string, id?: string): Promise<Outcome<EventRecord>> {
    const eventId = id ?? this.index.reserveId(name);
    const record: EventRecord = {
      info: { id: eventId, name, createdAt: this.now(), status: 'live', protected: false },
      organiserHash,
      viewCodeHash: null,
      quotas: {},
    };
    try {
      await this.pipeline.write([{ op: 'event', record }]);
      this.index.put(record);
      return { ok: true, result: record };
    } catch (err) {
      const retryAfterMs = err instanceof StorageUnavailableError ? err.retryAfterMs : 5000;
      return { ok: false, refusal: { code: ErrorCode.StorageUnavailable, status: 503, message: 'The event could not be saved: try again in a moment.', retryAfterMs } };
    } finally {
      this.index.release(eventId);
    }
  }

  /** An event with a fixed id and no organiser, unless it exists (the demo). */
  async ensureEvent(id: string, name: string): Promise<void> {
    if (this.index.has(id)) return;
    const out = await this.createEvent(name, '', id);
    if (!out.ok) throw new Error(out.refusal.message);
  }

  /** Delete an event and everything kept about it (retention). */
  async deleteEvent(id: string): Promise<void> {
    await this.pipeline.write([{ op: 'deleteEvent', event: id }]);
    for (const { member } of [...this.fanout.watchers(id)]) this.fanout.unwatch(member.id, id);
    this.rooms.drop(id);
    this.index.delete(id);
  }

  // ---------- time ----------

  tick(): void {
    for (const room of this.rooms.all()) {
      const { delta, lapsedLinks } = room.tick();
      for (const link of lapsedLinks) this.sessions.dropLink(room.id, link, 'expired');
      if (delta) this.fanout.publish(room, delta);
      if (this.sessions.holds(room.id)) this.rooms.touch(room.id);
    }
  }

  sampleHappiness(): void {
    for (const room of this.rooms.all()) {
      const fx = room.sampleHappiness();
      if (fx) void this.runOn(room, () => fx, null);
    }
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

  /** Stop timers, write checkpoints and what is pending. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.busyTimers]);
    await this.rooms.checkpointAll();
    await this.pipeline.idle();
    this.pipeline.close();
  }
}
