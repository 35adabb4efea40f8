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
import { log } from '../../log';
import type { Leases } from '../../storage/store';
import type { Backplane, BackplaneHealth, Claim, EventOwnership, Handlers } from '../ports';
import { RedisBus } from './bus';
import { RedisChannel } from './channel';
import { RedisCommandBus } from './commands';
import { RedisLimits } from './limits';
import { Ownership } from './ownership';

/** How often followed events are checked for an owner that stopped renewing. */
const SWEEP_MS = 500;
/** How often instances say they are alive (for counters shared across the cluster). */
const HEARTBEAT_MS = 1000;

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
  readonly ownership: EventOwnership;
  readonly bus: RedisCommandBus;
  readonly channel: RedisChannel;
  readonly limits: RedisLimits;
  private readonly leases: Ownership;
  private handlers!: Handlers;
  private timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly redis: RedisBus,
    instance: string,
    leases: Leases,
    leaseTtlMs: number,
  ) {
    this.leases = new Ownership(leases, instance, (event) => this.handlers.ownership.lost(event), { ttlMs: leaseTtlMs });
    this.bus = new RedisCommandBus(redis, this.leases);
    this.channel = new RedisChannel(redis, this.leases, this.bus, (event) => this.handlers.ownership.gained(event));
    this.limits = new RedisLimits(redis, instance);
    const own = this.leases;
    const channel = this.channel;
    this.ownership = {
      holder: instance,
      claim(event: string): Claim | Promise<Claim> {
        const claim = own.claim(event);
        if (!(claim instanceof Promise)) return claim;
        return claim.then((c) => {
          // Relayed until now: the room here takes over as its followers' feed.
          if (c.here && channel.relaying(event)) void channel.takeOver(event);
          return c;
        });
      },
      claimNew: (event) => own.claimNew(event),
      owned: (event) => own.epoch(event),
      ownedEvents: () => own.events(),
      released: (event) => own.release(event),
      once: (job, periodMs) => own.once(job, periodMs),
    };
  }

  static async connect(o: RedisBackplaneOptions): Promise<RedisBackplane> {
    // Eight characters: stream ids made here start with it, so any instance knows where a stream is held.
    const instance = randomBytes(6).toString('base64url');
    const redis = await RedisBus.connect({ url: o.url, namespace: o.namespace, instance });
    return new RedisBackplane(redis, instance, o.leases, o.leaseTtlMs ?? 3000);
  }

  async start(handlers: Handlers): Promise<void> {
    this.handlers = handlers;
    this.bus.serve(handlers.requests);
    await this.channel.listen(handlers.channel);
    this.redis.onUp(() => void this.recovered());
    this.leases.start();
    await this.limits.heartbeat();
    this.every(SWEEP_MS, () => this.channel.sweep());
    this.every(HEARTBEAT_MS, () => this.limits.heartbeat());
    this.every(5000, () => this.channel.countFollowers());
    log('info', 'backplane_started', { instance: this.bus.instance, namespace: this.redis.opts.namespace });
  }

  private every(ms: number, f: () => Promise<void>): void {
    const t = setInterval(() => void f().catch((err: unknown) => log('warn', 'backplane_timer_failed', { error: String(err) })), ms);
    t.unref();
    this.timers.push(t);
  }

  /** Redis is back: messages may have been lost meanwhile, so everything read from it is read again. */
  private async recovered(): Promise<void> {
    await this.limits.republish();
    await this.channel.recovered();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.leases.releaseAll();
    await this.limits.leave();
    await this.redis.close();
  }

  health(): BackplaneHealth {
    return {
      kind: 'redis',
      state: this.redis.state,
      since: this.redis.since,
      lastError: this.redis.state === 'down' ? this.redis.lastError : null,
      relayed: this.channel.relayed,
      published: { ...this.redis.published, events: { ...this.redis.published.events } },
      owned: this.leases.events(),
      lease: { ttlMs: this.leases.ttlMs, lastRenewError: this.leases.lastRenewError },
    };
  }
}
