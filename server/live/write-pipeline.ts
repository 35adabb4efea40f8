/**
 * Durable, then visible: every write goes through here. Writes that arrive while one batch is committing
 * wait and go together as the next batch (group commit), so the store sees few large transactions however
 * many clients write. Each submitter hears back, in submission order, once its part is durable or failed.
 *
 * When the store fails, the pipeline says so (`health`), refuses new writes at once instead of queueing them
 * behind a broken disk, and lets one batch through every few seconds to find out whether it works again.
 * When a commit takes long (a stalled disk), writes wait, up to a bound, and health says so; nothing else
 * of the server waits with them.
 */
import { type Fence, FencedError, type WriteLog, type WriteOp } from '../storage/store';
import { log } from '../log';

export type Done = (err: Error | null, arrivals: ReadonlyArray<number | null>) => void;

export class StorageUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'StorageUnavailableError';
  }
}

export interface PipelineOptions {
  /** A commit this slow makes health report the store as stalled. */
  stallAfterMs?: number;
  /** Ops queued behind a slow commit before new writes are refused. */
  maxQueuedOps?: number;
  /** While failing, one batch is tried this often. */
  probeEveryMs?: number;
  now?: () => number;
  /** Who writes, for fenced batches (several instances); without it nothing is fenced. */
  holder?: string;
}

/** A write refused because this instance no longer owns the event it was for: nothing of it was kept. */
export class NotOwnerError extends Error {
  constructor(readonly event: string) {
    super(`this instance no longer owns ${event}`);
    this.name = 'NotOwnerError';
  }
}

/** The lease a write was made under: it commits only while this instance still holds `event` at `epoch`. */
export interface Ownership {
  event: string;
  epoch: number;
}

export interface StorageHealth {
  state: 'ok' | 'stalled' | 'failing';
  /** How long the current commit has been running, ms. */
  commitMs: number | null;
  queuedOps: number;
  lastError: string | null;
  failingSince: number | null;
}

interface Entry {
  ops: readonly WriteOp[];
  done: Done;
  owner?: Ownership;
}

export class WritePipeline {
  private queue: Entry[] = [];
  private queuedOps = 0;
  private writing: { since: number } | null = null;
  private scheduled = false;
  private failing: { since: number; error: string; nextProbe: number } | null = null;
  private readonly stallAfterMs: number;
  private readonly maxQueuedOps: number;
  private readonly probeEveryMs: number;
  private readonly now: () => number;
  private readonly holder: string | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: WriteLog,
    opts: PipelineOptions = {},
  ) {
    this.stallAfterMs = opts.stallAfterMs ?? 2000;
    this.maxQueuedOps = opts.maxQueuedOps ?? 200_000;
    this.probeEveryMs = opts.probeEveryMs ?? 3000;
    this.now = opts.now ?? Date.now;
    this.holder = opts.holder;
  }

  /**
   * Make `ops` durable, then call `done`. With no ops, `done` runs once everything submitted before is
   * durable. Refused at once (done with a StorageUnavailableError) while the store is failing or too far behind.
   */
  submit(ops: readonly WriteOp[], done: Done, owner?: Ownership): void {
    if (ops.length > 0) {
      const refusal = this.refusal(ops.length);
      if (refusal) {
        done(refusal, []);
        return;
      }
    }
    this.queue.push({ ops, done, ...(owner && ops.length > 0 && this.holder ? { owner } : {}) });
    this.queuedOps += ops.length;
    this.schedule();
  }

  /** The same as a promise of the arrivals. */
  write(ops: readonly WriteOp[], owner?: Ownership): Promise<ReadonlyArray<number | null>> {
    return new Promise((resolve, reject) => this.submit(ops, (err, arrivals) => (err ? reject(err) : resolve(arrivals)), owner));
  }

  private refusal(count: number): StorageUnavailableError | null {
    if (this.closed) return new StorageUnavailableError('The server is shutting down.', 5000);
    if (this.failing && this.now() < this.failing.nextProbe) {
      return new StorageUnavailableError('Storage is failing: nothing can be saved right now.', this.failing.nextProbe - this.now());
    }
    if (this.queuedOps + count > this.maxQueuedOps) {
      return new StorageUnavailableError('Storage is slow: too much is waiting to be saved.', 2000);
    }
    return null;
  }

  private schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    // Everything submitted in this turn of the event loop goes in the same batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing || this.queue.length === 0) {
      if (!this.writing && this.queue.length === 0) this.wakeIdle();
      return;
    }
    const batch = this.takeBatch();
    const ops: WriteOp[] = [];
    const epochs = new Map<string, number>();
    for (const e of batch) {
      for (const op of e.ops) ops.push(op);
      if (e.owner) epochs.set(e.owner.event, e.owner.epoch);
    }
    const fence: Fence | undefined = epochs.size && this.holder ? { holder: this.holder, epochs } : undefined;
    if (ops.length === 0) {
      for (const e of batch) e.done(null, []);
      this.schedule();
      return;
    }
    if (this.failing) this.failing.nextProbe = this.now() + this.probeEveryMs;
    this.writing = { since: this.now() };
    let arrivals: ReadonlyArray<number | null> | null = null;
    let error: Error | null = null;
    try {
      arrivals = (await this.store.append(ops, fence)).arrivals;
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    const took = this.now() - this.writing.since;
    this.writing = null;
    if (took > this.stallAfterMs) log('warn', 'store_commit_slow', { ms: took, ops: ops.length });
    if (error instanceof FencedError) {
      // Not a storage failure: the writes for events another instance took are refused, the rest go again first.
      const lost = new Set(error.events);
      const again = batch.filter((e) => !(e.owner && lost.has(e.owner.event)));
      for (const e of batch) if (e.owner && lost.has(e.owner.event)) e.done(new NotOwnerError(e.owner.event), []);
      this.queue.unshift(...again);
      for (const e of again) this.queuedOps += e.ops.length;
    } else if (error) {
      log('error', 'store_write_failed', { error: error.message, code: (error as { code?: string }).code, ops: ops.length });
      this.failing ??= { since: this.now(), error: error.message, nextProbe: this.now() + this.probeEveryMs };
      this.failing.error = error.message;
      const refusal = new StorageUnavailableError(`Storage failed: ${error.message}`, this.probeEveryMs);
      // Waiters with nothing of their own to write only wanted what came before to be settled: it is.
      for (const e of batch) e.done(e.ops.length ? refusal : null, []);
    } else {
      if (this.failing) log('info', 'store_recovered', { failedForMs: this.now() - this.failing.since });
      this.failing = null;
      let i = 0;
      for (const e of batch) {
        const part = arrivals!.slice(i, i + e.ops.length);
        i += e.ops.length;
        e.done(null, part);
      }
    }
    this.schedule();
  }

  /** The queue as one batch, up to an entry under another epoch of an event already in it (it goes next). */
  private takeBatch(): Entry[] {
    const epochs = new Map<string, number>();
    let n = 0;
    for (; n < this.queue.length; n++) {
      const owner = this.queue[n]!.owner;
      if (!owner) continue;
      const known = epochs.get(owner.event);
      if (known !== undefined && known !== owner.epoch) break;
      epochs.set(owner.event, owner.epoch);
    }
    const batch = this.queue.splice(0, n);
    this.queuedOps = 0;
    for (const e of this.queue) this.queuedOps += e.ops.length;
    return batch;
  }

  health(): StorageHealth {
    const commitMs = this.writing ? this.now() - this.writing.since : null;
    return {
      state: this.failing ? 'failing' : commitMs !== null && commitMs > this.stallAfterMs ? 'stalled' : 'ok',
      commitMs,
      queuedOps: this.queuedOps,
      lastError: this.failing?.error ?? null,
      failingSince: this.failing?.since ?? null,
    };
  }

  /** Resolves once nothing is queued or being written. */
  idle(): Promise<void> {
    if (!this.writing && this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Refuse new writes; what is queued still goes. */
  close(): void {
    this.closed = true;
  }
}
