/**
 * Who may open a live connection and how much one may ask of the server: origin checks, connections per
 * address, and a message budget that charges each message by the work it causes.
 */
import type { IncomingMessage } from 'node:http';
import { LIMITS } from '../../lib/protocol';
import { KeyedBuckets, TokenBucket } from '../limits/token-bucket';

/** The client's address; behind a reverse proxy (TRUST_PROXY=1) the first X-Forwarded-For entry. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Browsers always send Origin on WebSocket upgrades, so a page elsewhere cannot ride on a visitor's
 * connection. Without ALLOWED_ORIGINS only this server's own origin is allowed. Clients that are not
 * browsers (apps, the simulator) send no Origin and are allowed: they cannot borrow anyone's session.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[] | null): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed) return allowed.includes(origin) || allowed.includes('*');
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

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
});

/** The cost of a message of this kind; one token for anything unknown. */
export const messageCost = (type: string | undefined) => (type && Object.hasOwn(MESSAGE_COST, type) ? MESSAGE_COST[type]! : 1);

/**
 * A connection's message budget: LIMITS.rateBurst tokens refilled at LIMITS.ratePerSecond. Every frame pays
 * one token before it is even read; once read, it pays the rest of its kind's cost. Refusals are counted in
 * a bucket of their own, so a sender that floods in bursts, a frame let through now and then, is cut off.
 */
export class MessageBudget {
  private readonly tokens = new TokenBucket(LIMITS.rateBurst, LIMITS.ratePerSecond);
  private readonly strikes = new TokenBucket(LIMITS.rateStrikes, LIMITS.rateStrikes / 10);

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
