/**
 * The flood guard for long secrets (organiser and runner tokens, share links, device keys). They carry 128
 * bits or more: no number of tries finds one, so a wrong one locks nobody out; it is answered 403 or 404 and
 * counted here, per address. An address that sends wrong secrets faster than anyone mistaken could (a burst
 * of `perMinute`, then `perMinute` a minute) is "flooding": the server then answers it only from what it
 * holds in memory, never with a storage look-up, so a flood costs no more than any other request. A right
 * secret is never refused for what others behind the same address sent.
 */
import { KeyedBuckets } from './token-bucket';

/** Wrong long secrets one address may send per minute before its look-ups are answered from memory only. */
export const WRONG_SECRETS_PER_MINUTE = 600;

export class WrongSecrets {
  private readonly buckets: KeyedBuckets;

  constructor(perMinute = WRONG_SECRETS_PER_MINUTE, now: () => number = Date.now) {
    this.buckets = new KeyedBuckets(perMinute, perMinute / 60, now);
  }

  /** Count one wrong secret from `address`. */
  wrong(address: string): void {
    this.buckets.take(address);
  }

  /** Whether `address` sent more wrong secrets than its allowance lately. */
  flooding(address: string): boolean {
    return this.buckets.waitMs(address) > 0;
  }

  /**
   * Whether a secret of `address` the server does not hold in memory may be looked up in storage now. The
   * look-up is counted as wrong before it is made (most are), so that many at once cannot all slip through.
   */
  lookUp(address: string): boolean {
    return this.buckets.take(address);
  }
}
