/**
 * The runner's outbox: every fix gets the next sequence number and stays here, in storage that survives
 * a reload, until the server acknowledges it. The server keeps each (runner, seq) once, so resending is safe.
 */
import type { PositionMessage } from '../lib/protocol';

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type Fix = Omit<PositionMessage, 'type' | 'seq'>;

interface Saved {
  nextSeq: number;
  acked: number;
  pending: PositionMessage[];
}

/**
 * Past this many unsent fixes (over five hours at one a second) new fixes are not taken: dropping old
 * ones instead would leave a hole in the sequence that the server waits on for ever.
 */
export const MAX_PENDING = 20_000;

export class Outbox {
  private state: Saved;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {
    this.state = { nextSeq: 1, acked: 0, pending: [] };
    const raw = storage.getItem(key);
    if (raw) {
      try {
        const saved = JSON.parse(raw) as Saved;
        if (Number.isInteger(saved.nextSeq) && Array.isArray(saved.pending)) this.state = saved;
      } catch {
        // A corrupt entry is replaced on the next save.
      }
    }
  }

  get pending(): readonly PositionMessage[] {
    return this.state.pending;
  }

  get acked(): number {
    return this.state.acked;
  }

  /** Sequence numbers handed out so far. */
  get issued(): number {
    return this.state.nextSeq - 1;
  }

  /** Number a fix and keep it until acknowledged; null when the outbox is full. */
  add(fix: Fix): PositionMessage | null {
    if (this.state.pending.length >= MAX_PENDING) return null;
    const msg: PositionMessage = { type: 'pos', seq: this.state.nextSeq++, ...fix };
    this.state.pending.push(msg);
    this.save();
    return msg;
  }

  /** The server holds everything up to `seq`. */
  ack(seq: number): void {
    if (seq > this.state.acked) this.state.acked = seq;
    const before = this.state.pending.length;
    this.state.pending = this.state.pending.filter((p) => p.seq > seq);
    // The server may know more than this outbox issued (same runner on a device whose storage was cleared).
    if (seq >= this.state.nextSeq) this.state.nextSeq = seq + 1;
    if (before !== this.state.pending.length || seq >= this.state.acked) this.save();
  }

  /** A new identity starts at 1: renumber what is still unsent. */
  restart(): void {
    this.state.pending = this.state.pending.map((p, i) => ({ ...p, seq: i + 1 }));
    this.state.nextSeq = this.state.pending.length + 1;
    this.state.acked = 0;
    this.save();
  }

  clear(): void {
    this.state = { nextSeq: 1, acked: 0, pending: [] };
    this.storage.removeItem(this.key);
  }

  private save(): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // Storage full or blocked: the points stay in memory and are still sent.
    }
  }
}

/** Storage that lives as long as the process: for the simulator and tests. */
export class MemoryStorage implements KeyValueStorage {
  private readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}
