/**
 * Who may watch an event, and who may manage it: public events are open; protected ones need the view code,
 * a share link (which may limit the runners seen) or the organiser token. Two kinds of secret, two rules, on
 * every transport alike:
 * - View codes are chosen by people and may be short, so guessing one can succeed: wrong codes are limited
 *   per event and address, and per event from every address that guessed wrong (limits/attempts.ts); a
 *   locked-out guesser is refused before the guess is even checked. Codes are checked with scrypt; a code
 *   that passed once is remembered (by a fast hash, in memory only) so that thousands of spectators
 *   reconnecting do not each pay for scrypt again.
 * - Organiser tokens, runner tokens and share links are 128 bits or more of randomness: a wrong one is
 *   answered 403 or 404 and locks nobody out, so the organiser, the runners and the spectators behind a
 *   venue's one address are never refused because someone there tried wrong ones. Wrong ones are counted
 *   (limits/wrong-secrets.ts) so that a flood of them costs the server no storage look-ups.
 */
import { createHash } from 'node:crypto';
import { ErrorCode } from '../../lib/protocol';
import { ADDRESS_ATTEMPTS, AttemptLimiter, EVENT_ATTEMPTS } from '../limits/attempts';
import { WrongSecrets } from '../limits/wrong-secrets';
import type { Refusal } from '../room/effects';
import { cryptoCredentials, verifyViewCode } from '../credentials';
import type { EventIndex } from './event-index';

export interface Viewer {
  /** Runners this viewer may see; null for all. */
  only: ReadonlySet<string> | null;
  via: 'public' | 'code' | 'link' | 'organiser';
  linkId?: string;
}

export interface Credentials {
  code?: string | null;
  share?: string | null;
  organiserToken?: string | null;
}

export type Granted = { ok: true; viewer: Viewer } | { ok: false; refusal: Refusal };

/** A result now, or later when it needed scrypt: callers keep to one path when nothing has to wait. */
export type Maybe<T> = T | Promise<T>;

const then = <T, U>(v: Maybe<T>, f: (t: T) => U): Maybe<U> => (v instanceof Promise ? v.then(f) : f(v));

const fast = (s: string) => createHash('sha256').update(s).digest('base64url');

/** View-code checks (scrypt) one address may have under way at once for one event. */
const MAX_CHECKS_AT_ONCE = 4;

export class Access {
  /** Wrong view codes per event and address. */
  private readonly byAddress: AttemptLimiter;
  /** Wrong view codes per event, from all addresses. */
  private readonly byEvent: AttemptLimiter;
  /** Wrong long secrets per address. */
  readonly wrongSecrets: WrongSecrets;
  /** Per event, fast hashes of view codes that passed scrypt since the code was set. */
  private readonly passed = new Map<string, { hash: string; codes: Set<string> }>();
  /** Failed attempts per event, for the organiser. */
  private readonly failedByEvent = new Map<string, number>();
  /** View-code checks under way, per event and address. */
  private readonly checking = new Map<string, number>();
  /** Scrypt checks under way, by stored hash and the code's fast hash. */
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(
    private readonly index: EventIndex,
    private readonly now: () => number = Date.now,
  ) {
    this.byAddress = new AttemptLimiter(ADDRESS_ATTEMPTS, now);
    this.byEvent = new AttemptLimiter(EVENT_ATTEMPTS, now);
    this.wrongSecrets = new WrongSecrets(undefined, now);
  }

  private countFailure(event: string): void {
    this.failedByEvent.set(event, (this.failedByEvent.get(event) ?? 0) + 1);
  }

  /** Wrong (or locked-out) view-code, link and token tries for this event since the server started. */
  failedAttempts(event: string): number {
    return this.failedByEvent.get(event) ?? 0;
  }

  /** A long secret for `event` was wrong: counted for the organiser and against the address's flood guard. */
  wrongSecret(event: string | null, address: string): void {
    if (event) this.countFailure(event);
    this.wrongSecrets.wrong(address);
  }

  /** Check a long secret: `check` says whether it is right. Never refused unchecked, never locks anyone out. */
  private secret(event: string, address: string, check: () => Maybe<boolean>, wrong: Refusal): Maybe<Refusal | null> {
    return then(check(), (right) => {
      if (right) return null;
      this.wrongSecret(event, address);
      return wrong;
    });
  }

  /**
   * Check a view code against the stored hash through the attempt limits. Returns a refusal when this
   * address (or, having guessed wrong before, the event) is locked out, or when the code is wrong.
   */
  private viewCode(event: string, address: string, stored: string, code: string, wrong: Refusal): Maybe<Refusal | null> {
    const key = `${event}\n${address}`;
    const checks = [this.byAddress.check(key)];
    if (this.byAddress.failures(key) > 0) checks.push(this.byEvent.check(event));
    for (const check of checks) {
      if (!check.ok) {
        this.countFailure(event);
        return {
          code: ErrorCode.TooManyAttempts,
          status: 429,
          message: `Too many wrong view codes: wait ${Math.ceil(check.retryAfterMs / 1000)} s before trying again.`,
          retryAfterMs: check.retryAfterMs,
        };
      }
    }
    // Slow checks (scrypt) run a few at a time: guesses sent all at once would otherwise all pass the gate
    // before the first failure is counted. A code already being checked is not checked again: the
    // spectators of a venue reconnecting at once with the same code wait for one check together.
    const same = this.pending.get(`${stored}\n${fast(code)}`);
    const running = this.checking.get(key) ?? 0;
    if (!same && running >= MAX_CHECKS_AT_ONCE) {
      return { code: ErrorCode.TooManyAttempts, status: 429, message: 'Too many view codes at once: wait a moment.', retryAfterMs: 1000 };
    }
    const judge = (right: boolean) => {
      if (right) return null;
      this.byAddress.fail(key);
      this.byEvent.fail(event);
      this.countFailure(event);
      return wrong;
    };
    if (same) return same.then(judge);
    const result = this.checkCode(event, stored, code);
    if (!(result instanceof Promise)) return judge(result);
    this.checking.set(key, running + 1);
    return result.then(judge).finally(() => {
      const n = (this.checking.get(key) ?? 1) - 1;
      if (n <= 0) this.checking.delete(key);
      else this.checking.set(key, n);
    });
  }

  /** Whether the organiser token is this event's. */
  organiser(event: string, token: string | null | undefined, address: string): Refusal | null {
    const rec = this.index.get(event);
    if (!token) return { code: ErrorCode.Unauthorised, status: 401, message: 'Send the organiser token as "Authorization: Bearer …".' };
    return this.secret(
      event,
      address,
      () => !!rec && rec.organiserHash !== '' && cryptoCredentials.verify(token, rec.organiserHash),
      { code: ErrorCode.Forbidden, status: 403, message: 'That is not the organiser token of this event.' },
    ) as Refusal | null;
  }

  /** Whether a runner's token is right, checked by `verify`. */
  runner(event: string, address: string, verify: () => Maybe<boolean>): Maybe<Refusal | null> {
    return this.secret(event, address, verify, { code: ErrorCode.Forbidden, status: 403, message: 'That token may not change this runner.' });
  }

  /** Who `creds` make this viewer of `event`, or why not; at once unless a view code must be checked. */
  viewer(event: string, creds: Credentials, address: string): Maybe<Granted> {
    const rec = this.index.get(event);
    if (!rec) return { ok: false, refusal: { code: ErrorCode.NoSuchEvent, status: 404, message: `There is no event "${event}".` } };
    if (creds.share) {
      const found = this.index.resolveLink(creds.share, this.now());
      const refusal = this.secret(event, address, () => !!found && found.event.id === event, {
        code: ErrorCode.NoSuchLink,
        status: 404,
        message: 'This share link does not exist.',
      }) as Refusal | null;
      if (refusal || !found) return { ok: false, refusal: refusal! };
      if (found.state === 'revoked') return { ok: false, refusal: { code: ErrorCode.LinkRevoked, status: 410, message: 'The organiser has withdrawn this link.' } };
      if (found.state === 'expired') return { ok: false, refusal: { code: ErrorCode.LinkExpired, status: 410, message: 'This link has expired.' } };
      return { ok: true, viewer: { only: found.link.runners ? new Set(found.link.runners) : null, via: 'link', linkId: found.link.id } };
    }
    if (creds.organiserToken) {
      const refusal = this.organiser(event, creds.organiserToken, address);
      if (!refusal) return { ok: true, viewer: { only: null, via: 'organiser' } };
      if (!rec.viewCodeHash) return { ok: true, viewer: { only: null, via: 'public' } };
      if (!creds.code) return { ok: false, refusal };
    }
    if (!rec.viewCodeHash) return { ok: true, viewer: { only: null, via: 'public' } };
    if (!creds.code) {
      return { ok: false, refusal: { code: ErrorCode.ViewCodeRequired, status: 403, message: 'This event is protected: enter its view code.' } };
    }
    const code = creds.code;
    const stored = rec.viewCodeHash;
    return then(
      this.viewCode(event, address, stored, code, {
        code: ErrorCode.BadViewCode,
        status: 403,
        message: 'That view code is not right: check it with the organiser.',
      }),
      (refusal): Granted => (refusal ? { ok: false, refusal } : { ok: true, viewer: { only: null, via: 'code' } }),
    );
  }

  private checkCode(event: string, stored: string, code: string): Maybe<boolean> {
    let known = this.passed.get(event);
    if (known?.hash !== stored) {
      known = { hash: stored, codes: new Set() };
      this.passed.set(event, known);
    }
    const key = fast(code);
    if (known.codes.has(key)) return true;
    const codes = known.codes;
    const pendingKey = `${stored}\n${key}`;
    const checking = verifyViewCode(code, stored)
      .then((ok) => {
        if (ok && this.index.get(event)?.viewCodeHash === stored) codes.add(key);
        return ok;
      })
      .finally(() => this.pending.delete(pendingKey));
    this.pending.set(pendingKey, checking);
    return checking;
  }
}
