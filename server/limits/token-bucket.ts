/** A token bucket: `capacity` tokens, refilled continuously at `perSecond`. The clock is injected for tests. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Take `n` tokens; false (taking none) when the bucket holds fewer. */
  take(n = 1): boolean {
    this.refill();
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** How long until `n` tokens are there, ms. */
  waitMs(n = 1): number {
    this.refill();
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) / this.perSecond) * 1000);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  /** Full again: nothing to remember for this key. */
  get idle(): boolean {
    return this.tokens + ((this.now() - this.last) / 1000) * this.perSecond >= this.capacity;
  }
}

/** Token buckets per key; shared by several instances the answer may take a round trip. */
export interface Buckets {
  take(key: string, n?: number): boolean | Promise<boolean>;
  /** How long until `n` tokens are there for `key`, ms (as far as this process knows). */
  waitMs(key: string, n?: number): number;
}

/** One bucket per key (an address), forgetting keys whose bucket has refilled. */
export class KeyedBuckets implements Buckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string, n = 1): boolean {
    return this.bucket(key).take(n);
  }

  waitMs(key: string, n = 1): number {
    return this.buckets.get(key)?.waitMs(n) ?? 0;
  }

  private bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size > 10_000) for (const [k, b] of this.buckets) if (b.idle) this.buckets.delete(k);
      bucket = new TokenBucket(this.capacity, this.perSecond, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
