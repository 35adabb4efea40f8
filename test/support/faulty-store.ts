/**
 * A real store with faults on demand, for integrity tests: writes that fail (as on a full or read-only disk)
 * or hang (as on a frozen file system). Reads pass straight through; a failed write keeps nothing.
 */
import { StorageError, type AppendResult, type Store, type WriteOp } from '../../server/storage/store';

export class FaultyStore implements Store {
  readonly engine: string;
  /** Appends asked for, and appends refused. */
  appends = 0;
  failed = 0;
  private failing: { code: string; remaining: number } | null = null;
  private hangMs = 0;
  private hangs: Array<() => void> = [];

  constructor(private readonly inner: Store) {
    this.engine = inner.engine;
    return new Proxy(this, {
      // Every read query goes to the real store.
      get: (target, prop, receiver) => {
        if (prop in target) return Reflect.get(target, prop, receiver);
        const value = (inner as unknown as Record<string | symbol, unknown>)[prop];
        return typeof value === 'function' ? value.bind(inner) : value;
      },
    });
  }

  /** The next `count` appends (all of them, when omitted, until `heal`) fail with `code`. */
  fail(code = 'SQLITE_FULL', count = Infinity): void {
    this.failing = { code, remaining: count };
  }

  /** Appends wait `ms` before they are written (a stalled disk), until `heal`. */
  hang(ms: number): void {
    this.hangMs = ms;
  }

  heal(): void {
    this.failing = null;
    this.hangMs = 0;
    for (const wake of this.hangs.splice(0)) wake();
  }

  async append(ops: readonly WriteOp[]): Promise<AppendResult> {
    this.appends++;
    if (this.hangMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.hangMs);
        this.hangs.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.failing && this.failing.remaining > 0) {
      this.failing.remaining--;
      this.failed++;
      throw new StorageError(`${this.failing.code}: injected storage failure`, this.failing.code);
    }
    return this.inner.append(ops);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface FaultyStore extends Omit<Store, 'engine' | 'append' | 'close'> {}
