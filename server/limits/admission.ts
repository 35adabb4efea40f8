/**
 * How much one live connection, and one address, may ask of the server: connections per address, and a
 * message budget that charges each message by the work it causes.
 */
import { LIMITS } from '../../lib/protocol';
import { KeyedBuckets, TokenBucket } from '../limits/token-bucket';

export type { Buckets } from './token-bucket';

/** Live connections per address, capped; across several instances the answer may take a round trip. */
export interface AddressLimiter {
  /** Count a new connection; false (and not counted) when the address is at its limit. */
  open(address: string): boolean | Promise<boolean>;
  close(address: string): void;
}

/** Live connections per address in this process, capped. */
export class ConnectionLimiter implements AddressLimiter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Count a new connection; false (and not counted) when the address is at its limit. */
  open(address: string): boolean {
    const n = this.counts.get(address) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(address, n + 1);
    return true;
  }

  close(address: string): void {
    const n = (this.counts.get(address) ?? 1) - 1;
    if (n <= 0) this.counts.delete(address);
    else this.counts.set(address, n);
  }

  get addresses(): number {
    return this.counts.size;
  }

  /** Connections open from each address. */
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}

/** What each kind of message costs from a connection's budget: roughly the work it makes the server do. */
export const MESSAGE_COST: Readonly<Record<string, number>> = Object.freeze({
  pos: 1,
  mood: 1,
  stop: 1,
  unsubscribe: 1,
  resume: 5,
  cheer: 5,
  join: 20,
  subscribe: 20,
  /** A new view or runner followed: a few tiles' pictures, or a runner's snapshot. */
  interest: 5,
  who: 5,
});

/** The cost of a message of this kind; one token for anything unknown. */
export const messageCost = (type: string | undefined) => (type && Object.hasOwn(MESSAGE_COST, type) ? MESSAGE_COST[type]! : 1);

/**
 * A connection's message budget: LIMITS.rateBurst tokens refilled at LIMITS.ratePerSecond. Every frame pays
 * one token before it is even read; once read, it pays the rest of its kind's cost. Refusals are counted in
 * a bucket of their own, so a sender that floods in bursts, a frame let through now and then, is cut off.
 */
export class MessageBudget {
  private readonly tokens: TokenBucket;
  private readonly strikes: TokenBucket;

  constructor(now: () => number = Date.now) {
    this.tokens = new TokenBucket(LIMITS.rateBurst, LIMITS.ratePerSecond, now);
    this.strikes = new TokenBucket(LIMITS.rateStrikes, LIMITS.rateStrikes / 10, now);
  }

  /** 'ok', 'refuse' (answer rate_limited) or 'close' (flooding: close with CloseCode.Policy). */
  take(cost: number): 'ok' | 'refuse' | 'close' {
    if (this.tokens.take(cost)) return 'ok';
    return this.strikes.take() ? 'refuse' : 'close';
  }
}

/** Snapshots one connection and one address may ask for: each is large, so the budget is small. */
export class SnapshotBudget {
  private readonly perAddress: KeyedBuckets;

  constructor(perSecondPerAddress = 20) {
    this.perAddress = new KeyedBuckets(perSecondPerAddress * 10, perSecondPerAddress);
  }

  connection(): TokenBucket {
    return new TokenBucket(5, 1 / 3);
  }

  address(address: string): boolean {
    return this.perAddress.take(address);
  }
}
