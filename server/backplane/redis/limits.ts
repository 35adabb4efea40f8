/**
 * Counters every instance shares, in Redis: live connections per address across the cluster, and token
 * buckets refilled by Redis's clock. While Redis is away each instance judges by its own counts alone.
 */
import { type AddressLimiter, ConnectionLimiter } from '../../limits/admission';
import { type Buckets, KeyedBuckets } from '../../limits/token-bucket';
import type { ClusterLimits } from '../ports';
import type { RedisBus } from './bus';

/** How long an instance that stopped saying it is alive still counts. */
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

export class RedisLimits implements ClusterLimits {
  private readonly connections: SharedConnections[] = [];

  constructor(
    private readonly bus: RedisBus,
    private readonly instance: string,
  ) {}

  connectionLimiter(max: number): AddressLimiter {
    const limiter = new SharedConnections(this.bus, this.instance, max);
    this.connections.push(limiter);
    return limiter;
  }

  buckets(name: string, capacity: number, perSecond: number): Buckets {
    return new SharedBuckets(this.bus, this.bus.channel(`bucket:${name}:`), capacity, perSecond);
  }

  /** This instance is alive (counters of instances that stopped saying so are left out). */
  async heartbeat(): Promise<void> {
    await this.bus.script(HEARTBEAT, [this.bus.channel('instances'), `${this.bus.channel('conn:')}${this.instance}`], [this.instance]);
  }

  /** Redis is back: write this instance's own counts there anew. */
  async republish(): Promise<void> {
    await this.heartbeat().catch(() => {});
    for (const limiter of this.connections) await limiter.republish().catch(() => {});
  }

  /** This instance stops: its counts go. */
  async leave(): Promise<void> {
    await this.bus.command(['DEL', `${this.bus.channel('conn:')}${this.instance}`]).catch(() => {});
    await this.bus.command(['ZREM', this.bus.channel('instances'), this.instance]).catch(() => {});
  }
}

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
