/**
 * The instances' messages over Redis (node-redis): channels (one per event, one for the event index, one
 * inbox per instance for requests and their replies), and the scripts behind counters every instance
 * shares. Pub/sub delivers at most once, in publish order per subscriber: whoever reads a channel checks the
 * offsets of what it gets and asks for a snapshot when something is missing. When Redis goes away the
 * client reconnects by itself and subscribes again; meanwhile publishing fails at once (nothing queues).
 */
import { randomBytes } from 'node:crypto';
import { createClient, type RedisClientType } from 'redis';
import { log } from '../../log';

type Client = RedisClientType;

export class BackplaneUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackplaneUnavailableError';
  }
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

type Envelope = { id: string; from: string; body: unknown; oneWay?: boolean } | { re: string; body?: unknown; error?: string };

export interface BusOptions {
  url: string;
  /** Prefix of every channel and key: the instances of one cluster share it. */
  namespace: string;
  instance: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export class RedisBus {
  state: 'up' | 'down' = 'up';
  since = Date.now();
  lastError: string | null = null;
  /** Everything published, and the part of it on event channels (updates and news, one copy per event). */
  readonly published = { messages: 0, bytes: 0, dropped: 0, events: { messages: 0, bytes: 0 } };
  private readonly pending = new Map<string, Pending>();
  private handler: (body: unknown, from: string) => Promise<unknown> = async () => null;
  private readonly upListeners: Array<() => void> = [];
  private wasDown = false;
  private closed = false;

  private constructor(
    private readonly pub: Client,
    private readonly sub: Client,
    readonly opts: Required<BusOptions>,
  ) {}

  /** Connect, or fail with a message that says which server was tried and what to check. */
  static async connect(o: BusOptions): Promise<RedisBus> {
    const opts = { connectTimeoutMs: 5000, requestTimeoutMs: 4000, ...o };
    const shown = o.url.replace(/\/\/([^:@/]*):[^@]*@/, '//$1:***@');
    const pub = createClient({
      url: o.url,
      // While Redis is away, commands fail at once rather than wait in memory for it to come back.
      disableOfflineQueue: true,
      socket: { connectTimeout: opts.connectTimeoutMs, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    }) as Client;
    const sub = pub.duplicate() as Client;
    const bus = new RedisBus(pub, sub, opts);
    let firstError: Error | null = null;
    for (const [role, c] of [['publisher', pub], ['subscriber', sub]] as const) {
      c.on('error', (err: Error) => {
        firstError ??= err;
        bus.down(`${role}: ${err.message}`);
      });
      c.on('ready', () => bus.up());
    }
    try {
      await Promise.race([
        Promise.all([pub.connect(), sub.connect()]),
        new Promise((_, reject) => setTimeout(() => reject(firstError ?? new Error('no answer')), opts.connectTimeoutMs + 500).unref()),
      ]);
      await pub.ping();
    } catch (err) {
      pub.destroy();
      sub.destroy();
      const why = (firstError ?? (err as Error)).message;
      throw new BackplaneUnavailableError(
        `Cannot connect to Redis at ${shown} (BACKPLANE_URL): ${why}. Check that Redis is running there (redis-cli -u <url> ping), or fix BACKPLANE_URL.`,
      );
    }
    await sub.subscribe(bus.inbox(o.instance), (m: string) => bus.onInbox(m));
    return bus;
  }

  private down(error: string): void {
    this.lastError = error;
    if (this.state === 'down' || this.closed) return;
    this.state = 'down';
    this.since = Date.now();
    this.wasDown = true;
    log('warn', 'backplane_down', { error });
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new BackplaneUnavailableError('Redis is unreachable'));
      this.pending.delete(id);
    }
  }

  private up(): void {
    if (this.closed || !this.pub.isReady || !this.sub.isReady) return;
    if (this.state === 'up' && !this.wasDown) return;
    this.state = 'up';
    this.since = Date.now();
    this.wasDown = false;
    log('info', 'backplane_up', {});
    for (const f of this.upListeners) f();
  }

  /** Called each time Redis is back after an outage (messages may have been lost meanwhile). */
  onUp(f: () => void): void {
    this.upListeners.push(f);
  }

  get ready(): boolean {
    return this.state === 'up' && this.pub.isReady;
  }

  private get eventPrefix(): string {
    return `${this.opts.namespace}:e:`;
  }

  channel(name: string): string {
    return `${this.opts.namespace}:${name}`;
  }

  private inbox(instance: string): string {
    return this.channel(`i:${instance}`);
  }

  /** Publish; resolves with how many subscribers got it, 0 when Redis is unreachable. */
  async publish(channel: string, message: string): Promise<number> {
    if (!this.ready) {
      this.published.dropped++;
      return 0;
    }
    const bytes = Buffer.byteLength(message);
    this.published.messages++;
    this.published.bytes += bytes;
    if (channel.startsWith(this.eventPrefix)) {
      this.published.events.messages++;
      this.published.events.bytes += bytes;
    }
    try {
      return await this.pub.publish(channel, message);
    } catch {
      this.published.dropped++;
      return 0;
    }
  }

  subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    return this.sub.subscribe(channel, listener);
  }

  unsubscribe(channel: string): Promise<void> {
    return this.sub.unsubscribe(channel).catch(() => {});
  }

  /** How many subscribe to each of these channels (null when Redis cannot say now). */
  async subscribers(channels: string[]): Promise<Record<string, number> | null> {
    if (!this.ready || channels.length === 0) return channels.length ? null : {};
    try {
      return await this.pub.pubSubNumSub(channels);
    } catch {
      return null;
    }
  }

  /** Answer requests from other instances. */
  serve(handler: (body: unknown, from: string) => Promise<unknown>): void {
    this.handler = handler;
  }

  /**
   * A request to one instance; rejects with BackplaneUnavailableError when nobody listens there (it is gone)
   * or it does not answer in time (it is stuck), or when Redis is unreachable.
   */
  async request(instance: string, body: unknown, timeoutMs = this.opts.requestTimeoutMs): Promise<unknown> {
    const id = randomBytes(9).toString('base64url');
    const answered = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BackplaneUnavailableError(`instance ${instance} did not answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
    // The timer (or Redis going down) may reject it while the publish below is still under way, before the
    // caller holds it: handled here so that it is never an unhandled rejection (which ends the process).
    answered.catch(() => {});
    const heard = await this.publish(this.inbox(instance), JSON.stringify({ id, from: this.opts.instance, body } satisfies Envelope));
    if (heard === 0) {
      const p = this.pending.get(id);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new BackplaneUnavailableError(this.ready ? `instance ${instance} is gone` : 'Redis is unreachable'));
      }
    }
    return answered;
  }

  /** A message to one instance that needs no answer; false when it did not get there. */
  async tell(instance: string, body: unknown): Promise<boolean> {
    const id = randomBytes(6).toString('base64url');
    return (await this.publish(this.inbox(instance), JSON.stringify({ id, from: this.opts.instance, body, oneWay: true } satisfies Envelope))) > 0;
  }

  private onInbox(raw: string): void {
    let m: Envelope;
    try {
      m = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if ('re' in m) {
      const p = this.pending.get(m.re);
      if (!p) return;
      this.pending.delete(m.re);
      clearTimeout(p.timer);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.body);
      return;
    }
    const { id, from, oneWay } = m;
    this.handler(m.body, from).then(
      (body) => {
        if (!oneWay) void this.publish(this.inbox(from), JSON.stringify({ re: id, body: body ?? null } satisfies Envelope));
      },
      (err: unknown) => {
        log('error', 'backplane_request_failed', { error: String(err) });
        if (!oneWay) void this.publish(this.inbox(from), JSON.stringify({ re: id, error: String(err) } satisfies Envelope));
      },
    );
  }

  /** Run a Lua script; rejects when Redis is unreachable. */
  async script(source: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    if (!this.ready) throw new BackplaneUnavailableError('Redis is unreachable');
    return this.pub.eval(source, { keys, arguments: args.map(String) });
  }

  async command(args: Array<string | number>): Promise<unknown> {
    if (!this.ready) throw new BackplaneUnavailableError('Redis is unreachable');
    return this.pub.sendCommand(args.map(String));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new BackplaneUnavailableError('closing'));
    }
    this.pending.clear();
    await Promise.allSettled([this.sub.close(), this.pub.close()]);
  }
}
