/**
 * What one address may make the server store, in bytes per hour, so that no anonymous address (joins, fixes,
 * cheers, tracking apps) can fill the disk. One token bucket per address, holding an hour's allowance and
 * refilled continuously; a write takes about the bytes it adds to the store. Behind a venue's one address
 * many runners share it, so the default fits a few hundred runners each sending a fix a second, and an
 * event may set its own allowance per address (the organiser's limits): its writes then draw on a bucket of
 * their own per address, apart from whatever else that address writes. However many events an address
 * writes to, all of it together stays under a ceiling. Pure: the clock is injected.
 */
import { TokenBucket } from './token-bucket';

export const MIB = 1024 * 1024;

/**
 * About what each kind of row adds to the store, indexes included (SQLite, measured: a fix with altitude,
 * speed and heading is 215 bytes). Rows written again in place (a runner renamed, the event's settings, a
 * course) add nothing and cost nothing.
 */
export const STORED_BYTES = {
  position: 220,
  skip: 60,
  mood: 60,
  runner: 200,
  cheer: 80,
  alert: 200,
  link: 200,
  passing: 110,
  timingPoint: 200,
  tracker: 200,
} as const;


interface Held {
  bucket: TokenBucket;
  perHour: number;
}

export class WriteBudget {
  private readonly buckets = new Map<string, Held>();

  constructor(
    /** Bytes per hour one address may store in events that set no allowance of their own. */
    readonly defaultPerHour: number,
    /** Bytes per hour one address may store across all events together (at least the default). */
    readonly ceilingPerHour: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ceilingPerHour = Math.max(defaultPerHour, ceilingPerHour);
  }

  /**
   * Take `bytes` for a write from `address` to `event`, which allows each address `allowance` bytes per
   * hour (null: the default). Returns 0 when taken, else how long until it would fit (and takes nothing).
   */
  take(address: string, event: string, bytes: number, allowance: number | null): number {
    if (bytes <= 0) return 0;
    const own = allowance === null ? this.held(address, this.defaultPerHour) : this.held(`${event}\n${address}`, allowance);
    const all = this.held(`*\n${address}`, this.ceilingPerHour);
    const wait = Math.max(own.waitMs(bytes), all.waitMs(bytes));
    if (wait > 0) return wait;
    own.take(bytes);
    all.take(bytes);
    return 0;
  }

  private held(key: string, perHour: number): TokenBucket {
    const known = this.buckets.get(key);
    if (known?.perHour === perHour) return known.bucket;
    if (!known && this.buckets.size > 10_000) for (const [k, h] of this.buckets) if (h.bucket.idle) this.buckets.delete(k);
    // A new allowance starts full: the organiser raised (or lowered) it on purpose.
    const bucket = new TokenBucket(perHour, perHour / 3600, this.now);
    this.buckets.set(key, { bucket, perHour });
    return bucket;
  }
}
