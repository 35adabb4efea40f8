/**
 * Several identical instances behind one address, on one PostgreSQL and one Redis.
 *
 * - Ownership: one instance owns each event (ownership.ts, leases in the database); only it runs the room:
 *   tick, happiness, checkpoints, archive. Its writes are fenced by the lease.
 * - Updates: the owner publishes each tick's update once on the event's channel; every other instance whose
 *   clients follow the event subscribes to that channel and frames the update once for them (relay.ts).
 * - Commands, reads and snapshots for an event go to its owner's inbox and come back as replies; deliveries
 *   to runners' phones and spectators, and session changes, go out on the event's channel for every instance.
 * - Failover: an instance whose clients follow an event checks its lease twice a second and takes the event
 *   once the lease expired; its room comes back from the checkpoints and the stored log.
 * - Redis away: owners keep running their rooms and storing; what needs another instance waits or is
 *   refused with a time to try again; when Redis is back everything that relays resynchronises.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parse } from 'pg-connection-string';
import type { Delta, SnapshotMessage } from '../domain/event-room';
import type { Feed } from '../live/fanout';
import type { RoomQuery } from '../live/commands';
import { log } from '../log';
import type { Leases } from '../storage/store';
import { type AddressLimiter, ConnectionLimiter } from '../transport/admission';
import { type Buckets, KeyedBuckets } from '../limits/token-bucket';
import type { Backplane, BackplaneHealth, Claim, IndexChange, LiveSide, News, RunReply, RunRequest, Unreachable } from './backplane';
import { Ownership } from './ownership';
import { RedisBus } from './redis-bus';
import { Relay } from './relay';

type Request =
  | { t: 'run'; req: RunRequest }
  | { t: 'ask'; event: string; q: RoomQuery }
  | { t: 'snapshot'; event: string; only: string[] | null }
  | { t: 'delete'; event: string }
  | { t: 'presence'; event: string; runnerId: string; delta: number }
  | { t: 'stream'; stream: string; body: string };

type ChannelMessage =
  | { k: 'tick'; l: number; e: string; d: Delta }
  | { k: 'news'; n: News };

/** How often followed events are checked for an owner that stopped renewing. */
const SWEEP_MS = 500;
/** How often instances say they are alive (for counters shared across the cluster). */
const HEARTBEAT_MS = 1000;
const ALIVE_MS = 5000;

// Connections from one address on every live instance but this one, then this one's own, counted at once.
const OPEN_CONNECTION = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - tonumber(ARGV[5]), '+inf')
local total = 0
for _, id in ipairs(live) do
  total = total + tonumber(redis.call('HGET', ARGV[1] .. id, ARGV[3]) or '0')
end
if total >= tonumber(ARGV[4]) then return 0 end
redis.call('HINCRBY', ARGV[1] .. ARGV[2], ARGV[3], 1)
return 1`;

const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 600000)
redis.call('PEXPIRE', KEYS[2], 600000)
return now`;

// A token bucket in a hash (tokens, at), refilled by the server's clock.
const TAKE_TOKENS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + (now - at) * rate / 1000)
local ok = 0
if tokens >= tonumber(ARGV[3]) then
  tokens = tokens - tonumber(ARGV[3])
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return ok`;

/** The instances of one cluster share a database: their channels are named after it. */
export function clusterNamespace(databaseUrl: string): string {
  const c = parse(databaseUrl);
  const where = `${c.host ?? ''}:${c.port ?? ''}/${c.database ?? ''}`;
  return `trackside:${createHash('sha256').update(where).digest('base64url').slice(0, 10)}`;
}

export interface RedisBackplaneOptions {
  url: string;
  namespace: string;
  leases: Leases;
  /** Lease time to live: how soon another instance takes the events of one that died. */
  leaseTtlMs?: number;
}

export class RedisBackplane implements Backplane {
  readonly kind = 'redis' as const;
  readonly instance: string;
  readonly holder: string;
  readonly streamTag: string;
  private readonly ownership: Ownership;
  private readonly relays = new Map<string, { relay: Relay; subscribed: Promise<void> }>();
  private readonly followedRemotely = new Set<string>();
  private live!: LiveSide;
  private timers: NodeJS.Timeout[] = [];
  private sweeping = false;
  private limiters: Array<SharedConnections> = [];

  private constructor(
    private readonly bus: RedisBus,
    instance: string,
    leases: Leases,
    leaseTtlMs: number,
  ) {
    this.instance = instance;
    this.holder = instance;
    this.streamTag = instance;
    this.ownership = new Ownership(leases, instance, (event) => this.live.lost(event), { ttlMs: leaseTtlMs });
  }

  static async connect(o: RedisBackplaneOptions): Promise<RedisBackplane> {
    // Eight characters: stream ids made here start with it, so any instance knows where a stream is held.
    const instance = randomBytes(6).toString('base64url');
    const bus = await RedisBus.connect({ url: o.url, namespace: o.namespace, instance });
    return new RedisBackplane(bus, instance, o.leases, o.leaseTtlMs ?? 3000);
  }

  async start(live: LiveSide): Promise<void> {
    this.live = live;
    this.bus.serve((body) => this.serve(body as Request));
    await this.bus.subscribe(this.bus.channel('index'), (m) => {
      const { from, change } = JSON.parse(m) as { from: string; change: IndexChange };
      if (from !== this.instance) this.live.indexChanged(change);
    });
    this.bus.onUp(() => void this.recovered());
    this.ownership.start();
    await this.heartbeat();
    this.every(SWEEP_MS, () => this.sweep());
    this.every(HEARTBEAT_MS, () => this.heartbeat());
    this.every(5000, () => this.countFollowers());
    log('info', 'backplane_started', { instance: this.instance, namespace: this.bus.opts.namespace });
  }

  private every(ms: number, f: () => Promise<void>): void {
    const t = setInterval(() => void f().catch((err: unknown) => log('warn', 'backplane_timer_failed', { error: String(err) })), ms);
    t.unref();
    this.timers.push(t);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.ownership.releaseAll();
    await this.bus.command(['DEL', `${this.bus.channel('conn:')}${this.instance}`]).catch(() => {});
    await this.bus.command(['ZREM', this.bus.channel('instances'), this.instance]).catch(() => {});
    await this.bus.close();
  }

  // ---------- where events run ----------

  claim(event: string): Claim | Promise<Claim> {
    const claim = this.ownership.claim(event);
    if (!(claim instanceof Promise)) return claim;
    return claim.then((c) => {
      if (c.here && this.relays.has(event)) void this.takeOver(event);
      return c;
    });
  }

  claimNew(event: string): Promise<{ epoch: number } | false> {
    return this.ownership.claimNew(event);
  }

  owned(event: string): number | undefined {
    return this.ownership.epoch(event);
  }

  ownedEvents(): string[] {
    return this.ownership.events();
  }

  released(event: string): void {
    this.ownership.release(event);
  }

  private async request<T>(to: string, body: Request): Promise<T | Unreachable> {
    try {
      return (await this.bus.request(to, body)) as T;
    } catch (err) {
      // Gone, stuck or out of reach: find out again where the event is before trying again.
      if ('event' in body) this.ownership.forget(body.event);
      else if (body.t === 'run') this.ownership.forget(body.req.event);
      return { unreachable: (err as Error).message };
    }
  }

  async forward(to: string, req: RunRequest): Promise<RunReply | Unreachable> {
    const reply = await this.request<RunReply>(to, { t: 'run', req });
    if (!('unreachable' in reply) && reply.moved) this.ownership.forget(req.event);
    return reply;
  }

  async ask(to: string, event: string, q: RoomQuery): Promise<unknown> {
    const reply = await this.request<unknown>(to, { t: 'ask', event, q });
    if (isMoved(reply)) this.ownership.forget(event);
    return reply;
  }

  async forwardDelete(to: string, event: string): Promise<{ ok: boolean } | { moved: true } | Unreachable> {
    return this.request(to, { t: 'delete', event });
  }

  presence(event: string, runnerId: string, delta: number): void {
    void Promise.resolve(this.ownership.claim(event)).then((c) => {
      if (c.here) this.live.presence(event, runnerId, delta);
      else void this.bus.tell(c.instance, { t: 'presence', event, runnerId, delta } satisfies Request);
    });
  }

  async streamPost(stream: string, body: string): Promise<'ok' | 'gone'> {
    const to = stream.slice(0, this.instance.length);
    if (to === this.instance) return this.live.streamPost(stream, body);
    const reply = await this.request<'ok' | 'gone'>(to, { t: 'stream', stream, body });
    return typeof reply === 'string' ? reply : 'gone';
  }

  private async serve(r: Request): Promise<unknown> {
    switch (r.t) {
      case 'run':
        return this.live.runForward(r.req);
      case 'ask':
        return this.live.answerForward(r.event, r.q);
      case 'snapshot':
        return this.live.snapshotHere(r.event, r.only);
      case 'delete':
        return this.live.deleteForward(r.event);
      case 'presence':
        this.live.presence(r.event, r.runnerId, r.delta);
        return null;
      case 'stream':
        return this.live.streamPost(r.stream, r.body);
    }
  }

  // ---------- what the owner sends everyone ----------

  private channelOf(event: string): string {
    return this.bus.channel(`e:${event}`);
  }

  publishTick(event: string, epoch: string, delta: Delta): void {
    const lease = this.ownership.epoch(event);
    if (lease === undefined) return;
    void this.bus.publish(this.channelOf(event), JSON.stringify({ k: 'tick', l: lease, e: epoch, d: delta } satisfies ChannelMessage));
  }

  publishNews(event: string, news: News): void {
    void this.bus.publish(this.channelOf(event), JSON.stringify({ k: 'news', n: news } satisfies ChannelMessage));
  }

  publishIndex(change: IndexChange): void {
    void this.bus.publish(this.bus.channel('index'), JSON.stringify({ from: this.instance, change }));
  }

  // ---------- following events owned elsewhere ----------

  follow(event: string): void {
    if (this.ownership.epoch(event) !== undefined || this.relays.has(event)) return;
    const relay = new Relay(
      event,
      (only) => this.fetchSnapshot(event, only),
      () => this.lostTrack(event),
    );
    const subscribed = this.bus.subscribe(this.channelOf(event), (m) => this.onChannel(event, relay, m)).catch((err: unknown) => {
      log('warn', 'backplane_subscribe_failed', { event, error: String(err) });
    });
    this.relays.set(event, { relay, subscribed });
    // The owner counts the phones bound here too.
    this.announcePresence(event);
  }

  feed(event: string): Feed | undefined {
    return this.relays.get(event)?.relay;
  }

  private onChannel(event: string, relay: Relay, raw: string): void {
    let m: ChannelMessage;
    try {
      m = JSON.parse(raw) as ChannelMessage;
    } catch {
      return;
    }
    if (this.relays.get(event)?.relay !== relay) return;
    if (m.k === 'news') {
      this.live.news(event, m.n);
      return;
    }
    const owner = relay.lease;
    if (relay.tick(m.l, m.e, m.d) === 'publish') this.live.relayed(event, m.e, m.d);
    // A new owner counts the phones bound here from scratch.
    else if (relay.lease > owner && owner > 0) this.announcePresence(event);
  }

  private lostTrack(event: string): void {
    this.live.resync(event);
  }

  private async fetchSnapshot(event: string, only: string[] | null): Promise<SnapshotMessage | null> {
    await this.relays.get(event)?.subscribed;
    const claim = await this.ownership.claim(event);
    if (claim.here) {
      // Ours now: the room takes over as the feed.
      void this.takeOver(event);
      return null;
    }
    const reply = await this.request<SnapshotMessage | { moved: true }>(claim.instance, { t: 'snapshot', event, only });
    if ('unreachable' in reply || 'moved' in reply) {
      this.ownership.forget(event);
      return null;
    }
    return reply;
  }

  private drop(event: string): void {
    const r = this.relays.get(event);
    if (!r) return;
    this.relays.delete(event);
    void this.bus.unsubscribe(this.channelOf(event));
  }

  private async takeOver(event: string): Promise<void> {
    this.drop(event);
    await this.live.gained(event);
  }

  private announcePresence(event: string): void {
    const bound = this.live.boundRunners(event);
    if (!bound) return;
    for (const [runnerId, n] of bound) for (let i = 0; i < n; i++) this.presence(event, runnerId, 1);
  }

  /**
   * Followed events: stop relaying those nobody here follows any more; take those whose owner stopped
   * renewing (it died or froze); and bring spectators waiting for a snapshot up to date.
   */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [event, { relay }] of this.relays) {
        if (!this.live.holds(event) && Date.now() - relay.lastHeard > 10_000) this.drop(event);
      }
      const followed = [...this.relays.keys()];
      if (followed.length === 0) return;
      for (const event of await this.ownership.expired(followed)) {
        this.ownership.forget(event);
        const claim = await this.ownership.claim(event);
        if (claim.here) await this.takeOver(event);
      }
      for (const event of this.relays.keys()) this.live.resync(event, { staleOnly: true });
    } finally {
      this.sweeping = false;
    }
  }

  /** Redis is back: messages may have been lost meanwhile, so everything read from it is read again. */
  private async recovered(): Promise<void> {
    await this.heartbeat().catch(() => {});
    for (const limiter of this.limiters) await limiter.republish().catch(() => {});
    await this.live.reloadIndex().catch((err: unknown) => log('warn', 'index_reload_failed', { error: String(err) }));
    for (const { relay } of this.relays.values()) relay.reset();
  }

  followedElsewhere(event: string): boolean {
    return this.followedRemotely.has(event) || !this.bus.ready;
  }

  private async countFollowers(): Promise<void> {
    const owned = this.ownership.events();
    const counts = await this.bus.subscribers(owned.map((e) => this.channelOf(e)));
    if (!counts) return;
    this.followedRemotely.clear();
    for (const e of owned) if ((counts[this.channelOf(e)] ?? 0) > 0) this.followedRemotely.add(e);
  }

  // ---------- counters every instance shares ----------

  private async heartbeat(): Promise<void> {
    await this.bus.script(HEARTBEAT, [this.bus.channel('instances'), `${this.bus.channel('conn:')}${this.instance}`], [this.instance]);
  }

  connectionLimiter(max: number): AddressLimiter {
    const limiter = new SharedConnections(this.bus, this.instance, max);
    this.limiters.push(limiter);
    return limiter;
  }

  buckets(name: string, capacity: number, perSecond: number): Buckets {
    return new SharedBuckets(this.bus, this.bus.channel(`bucket:${name}:`), capacity, perSecond);
  }

  once(job: string, periodMs: number): Promise<boolean> {
    return this.ownership.once(job, periodMs);
  }

  health(): BackplaneHealth & { owned: string[]; lease: { ttlMs: number; lastRenewError: string | null } } {
    return {
      kind: 'redis',
      state: this.bus.state,
      since: this.bus.since,
      lastError: this.bus.state === 'down' ? this.bus.lastError : null,
      relayed: this.relays.size,
      published: { ...this.bus.published, events: { ...this.bus.published.events } },
      owned: this.ownership.events(),
      lease: { ttlMs: this.ownership.ttlMs, lastRenewError: this.ownership.lastRenewError },
    };
  }
}

const isMoved = (r: unknown) => typeof r === 'object' && r !== null && ('moved' in r || 'unreachable' in r);

/**
 * Connections per address across the cluster. This instance's own count is kept here and mirrored in Redis
 * (a hash per instance); opening one adds up the live instances' counts there. While Redis is away each
 * instance judges by its own count alone, and writes its mirror anew once Redis is back.
 */
class SharedConnections implements AddressLimiter {
  private readonly local: ConnectionLimiter;

  constructor(
    private readonly bus: RedisBus,
    private readonly instance: string,
    private readonly max: number,
  ) {
    this.local = new ConnectionLimiter(max);
  }

  private get key(): string {
    return `${this.bus.channel('conn:')}${this.instance}`;
  }

  async open(address: string): Promise<boolean> {
    if (!this.bus.ready) return this.local.open(address);
    if (this.local.count(address) >= this.max) return false;
    try {
      const ok = await this.bus.script(OPEN_CONNECTION, [this.bus.channel('instances')], [this.bus.channel('conn:'), this.instance, address, this.max, ALIVE_MS]);
      if (Number(ok) !== 1) return false;
    } catch {
      // Redis went away in between: this instance's own count decides.
    }
    return this.local.open(address);
  }

  close(address: string): void {
    this.local.close(address);
    if (this.bus.ready) void this.bus.command(['HINCRBY', this.key, address, -1]).catch(() => {});
  }

  async republish(): Promise<void> {
    await this.bus.command(['DEL', this.key]);
    for (const [address, n] of this.local.entries()) await this.bus.command(['HSET', this.key, address, n]);
  }
}

/** Token buckets in Redis, refilled by its clock; this process's own buckets while Redis is away. */
class SharedBuckets implements Buckets {
  private readonly fallback: KeyedBuckets;

  constructor(
    private readonly bus: RedisBus,
    private readonly prefix: string,
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.fallback = new KeyedBuckets(capacity, perSecond);
  }

  async take(key: string, n = 1): Promise<boolean> {
    if (!this.bus.ready) return this.fallback.take(key, n);
    try {
      return Number(await this.bus.script(TAKE_TOKENS, [this.prefix + key], [this.capacity, this.perSecond, n])) === 1;
    } catch {
      return this.fallback.take(key, n);
    }
  }

  waitMs(_key: string, n = 1): number {
    return Math.ceil((n / this.perSecond) * 1000);
  }
}
