/**
 * Slows down guessing where guessing can succeed: view codes, which people choose and may keep short. Each
 * key (an event and an address, or an event) may fail a few times freely; after that every further failure
 * locks the key out for twice as long as the last, up to a ceiling, and a lockout is refused without even
 * checking the guess. Failures are forgotten after a quiet window; a right guess forgets nothing, since
 * behind a shared address (a venue's Wi-Fi) someone else's success says nothing about the guesser's. Pure:
 * the clock is injected.
 */
export interface AttemptPolicy {
  /** Failures after which the key is locked out for the first time. */
  free: number;
  /** First lockout. */
  baseMs: number;
  /** Longest lockout. */
  maxMs: number;
  /** Failures older than this are forgotten. */
  forgetAfterMs: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
}

export type AttemptCheck = { ok: true } | { ok: false; retryAfterMs: number };

export class AttemptLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly policy: AttemptPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  check(key: string): AttemptCheck {
    const e = this.entries.get(key);
    const now = this.now();
    if (!e) return { ok: true };
    if (now - e.lastFailure > this.policy.forgetAfterMs && now >= e.lockedUntil) {
      this.entries.delete(key);
      return { ok: true };
    }
    return now < e.lockedUntil ? { ok: false, retryAfterMs: e.lockedUntil - now } : { ok: true };
  }

  fail(key: string): void {
    const now = this.now();
    let e = this.entries.get(key);
    if (!e || now - e.lastFailure > this.policy.forgetAfterMs) {
      if (this.entries.size > 50_000) this.sweep(now);
      e = { failures: 0, lockedUntil: 0, lastFailure: now };
      this.entries.set(key, e);
    }
    e.failures++;
    e.lastFailure = now;
    // Once the free failures are spent, every further one locks the key out, twice as long as the last.
    const over = e.failures - this.policy.free + 1;
    if (over > 0) e.lockedUntil = now + Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (over - 1));
  }

  /** Failures counted for a key now (none once they are forgotten). */
  failures(key: string): number {
    const e = this.entries.get(key);
    const now = this.now();
    return e && (now - e.lastFailure <= this.policy.forgetAfterMs || now < e.lockedUntil) ? e.failures : 0;
  }

  private sweep(now: number): void {
    for (const [k, e] of this.entries) if (now - e.lastFailure > this.policy.forgetAfterMs && now >= e.lockedUntil) this.entries.delete(k);
  }
}

/**
 * Per event and address: ten typos (a venue's spectators share one address), then 1 s, 2 s, 4 s … up to 15
 * minutes. Guessing another event's code, or any long secret, never counts here.
 */
export const ADDRESS_ATTEMPTS: AttemptPolicy = { free: 10, baseMs: 1000, maxMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };
/**
 * Per event, from all addresses together: guessing from many addresses is slowed as well. It holds back only
 * addresses that guessed this event's code wrong themselves, so a spectator who types the right code first
 * time is never held back by guessers elsewhere.
 */
export const EVENT_ATTEMPTS: AttemptPolicy = { free: 50, baseMs: 1000, maxMs: 5 * 60_000, forgetAfterMs: 15 * 60_000 };
