/**
 * Which instance owns which event: a lease per event in the shared database (storage Leases), taken by the
 * first instance that needs an event nobody holds, renewed while it is held, and taken over by another
 * instance once it expires (its owner died or froze). The lease's epoch fences the owner's writes, so an
 * owner that comes back after losing its events cannot write as their owner; renewing tells it what it
 * lost. Leases live in the database rather than in Redis so that ownership, and the writes it fences, stay
 * right while Redis is away and after it restarts empty.
 */
import type { Lease, Leases } from '../../storage/store';
import { log } from '../../log';
import type { Claim } from '../ports';

export interface OwnershipOptions {
  /** A lease not renewed for this long can be taken by another instance. */
  ttlMs?: number;
  renewEveryMs?: number;
  now?: () => number;
}

export class Ownership {
  /** Events owned here, with the epoch their writes are fenced at. */
  private readonly owned = new Map<string, number>();
  /** Who holds other events, as last read, and until when (this process's clock) that is worth trusting. */
  private readonly others = new Map<string, { holder: string; until: number }>();
  private readonly claiming = new Map<string, Promise<Claim>>();
  private timer: NodeJS.Timeout | null = null;
  private renewing = false;
  readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly now: () => number;
  lastRenewError: string | null = null;

  constructor(
    private readonly leases: Leases,
    readonly holder: string,
    private readonly onLost: (event: string) => void,
    opts: OwnershipOptions = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 3000;
    this.renewEveryMs = opts.renewEveryMs ?? Math.floor(this.ttlMs / 3);
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.renew(), this.renewEveryMs);
    this.timer.unref();
  }

  epoch(event: string): number | undefined {
    return this.owned.get(event);
  }

  events(): string[] {
    return [...this.owned.keys()];
  }

  /** Where `event` runs; takes its lease when nobody holds it. */
  claim(event: string): Claim | Promise<Claim> {
    const epoch = this.owned.get(event);
    if (epoch !== undefined) return { here: true, epoch };
    const known = this.others.get(event);
    if (known && known.until > this.now()) return { here: false, instance: known.holder, expiresInMs: known.until - this.now() };
    let p = this.claiming.get(event);
    if (!p) {
      p = this.take(event).finally(() => this.claiming.delete(event));
      this.claiming.set(event, p);
    }
    return p;
  }

  private async take(event: string): Promise<Claim> {
    const started = this.now();
    // A plain read first: an owner that is alive keeps its event, and asking costs it nothing.
    const current = (await this.leases.current([event])).get(event);
    if (current && current.holder !== this.holder && current.expiresInMs > 0) return this.remember(event, current, started);
    const got = await this.leases.acquire(event, this.holder, this.ttlMs);
    if (got.acquired) {
      this.owned.set(event, got.epoch);
      this.others.delete(event);
      log('info', 'event_owned', { event, epoch: got.epoch, instance: this.holder });
      return { here: true, epoch: got.epoch };
    }
    return this.remember(event, got.lease, started);
  }

  private remember(event: string, lease: Lease, started: number): Claim {
    const until = started + Math.max(0, lease.expiresInMs);
    this.others.set(event, { holder: lease.holder, until });
    return { here: false, instance: lease.holder, expiresInMs: Math.max(0, until - this.now()) };
  }

  /** What was known of another owner is wrong (it is gone, or says it is not the owner): read it again next time. */
  forget(event: string): void {
    this.others.delete(event);
  }

  /** Current leases of events owned elsewhere, to find those whose owner stopped renewing. */
  async expired(events: string[]): Promise<string[]> {
    const leases = await this.leases.current(events);
    return events.filter((e) => !this.owned.has(e) && (leases.get(e)?.expiresInMs ?? 0) <= 0);
  }

  /** Take a new event's id: false when someone holds it. */
  async claimNew(event: string): Promise<{ epoch: number } | false> {
    const current = (await this.leases.current([event])).get(event);
    if (current && current.holder !== this.holder && current.expiresInMs > 0) return false;
    const got = await this.leases.acquire(event, this.holder, this.ttlMs);
    if (!got.acquired) return false;
    this.owned.set(event, got.epoch);
    this.others.delete(event);
    return { epoch: got.epoch };
  }

  /** Stop owning `event` and let another instance take it at once. */
  release(event: string): void {
    const epoch = this.owned.get(event);
    if (epoch === undefined) return;
    this.owned.delete(event);
    this.leases.release(this.holder, event, epoch).catch(() => {});
  }

  /** Renew every lease held here; those that changed hands meanwhile are lost. */
  async renew(): Promise<void> {
    if (this.renewing || this.owned.size === 0) return;
    this.renewing = true;
    const held = new Map(this.owned);
    try {
      const kept = await this.leases.renew(this.holder, held, this.ttlMs);
      this.lastRenewError = null;
      for (const [event, epoch] of held) {
        if (kept.has(event) || this.owned.get(event) !== epoch) continue;
        this.owned.delete(event);
        log('warn', 'event_lease_lost', { event, epoch, instance: this.holder });
        this.onLost(event);
      }
    } catch (err) {
      // The database is unreachable: nobody can take the events meanwhile, and writes are fenced anyway.
      this.lastRenewError = (err as Error).message;
    } finally {
      this.renewing = false;
    }
  }

  /** Give up every lease (a clean shutdown), so that other instances take the events at once. */
  async releaseAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const held = [...this.owned];
    this.owned.clear();
    await Promise.allSettled(held.map(([event, epoch]) => this.leases.release(this.holder, event, epoch)));
  }

  /** Run a periodic job here unless another instance ran it within `periodMs`. */
  async once(job: string, periodMs: number): Promise<boolean> {
    const got = await this.leases.acquire(`job:${job}`, this.holder, Math.max(1000, periodMs - 1000));
    return got.acquired;
  }
}
