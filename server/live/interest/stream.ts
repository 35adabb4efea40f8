/**
 * One stream of positions (the field summary, or one tile at one level): the runners whose position changed
 * at the stream's precision since it last sent them, sent a tick at a time within a byte budget. What does
 * not fit waits, stalest first, so a crowded tile refreshes every runner in turn at the rate the budget
 * allows and a quiet one sends every change at once. Its frame is built once per tick for everyone watching.
 */
import { type FrameHeader, FrameKind, SUMMARY_LEVEL } from '../../../lib/live-codec';

/** A first guess at an entry's bytes (index step, two offsets, flags), until the stream has measured its own. */
const FIRST_GUESS = 7;

export class PositionStream {
  /** Runners changed since they were last sent, stalest first (a Set keeps the order things were added in). */
  readonly pending = new Set<number>();
  /** Runners new to this stream or with a new colour: their next entry carries it. */
  readonly colorDue = new Set<number>();
  private tokens: number;
  private at: number | null = null;
  private perEntry = FIRST_GUESS;

  constructor(
    /** Level (SUMMARY_LEVEL for the summary), tile, precision and origin of this stream's frames. */
    readonly header: Omit<FrameHeader, 'kind' | 'gen' | 'seq'>,
    /** Bytes a second this stream may send. */
    readonly bytesPerSecond: number,
  ) {
    // A second's worth to start with: a stream that just began has its backlog sent at once.
    this.tokens = bytesPerSecond;
  }

  get summary(): boolean {
    return this.header.level === SUMMARY_LEVEL;
  }

  mark(n: number): void {
    this.pending.add(n);
  }

  /**
   * The runners to send now, by ascending index (the frame's order), within the budget refilled since the
   * last call; empty when nothing changed or the budget is spent.
   */
  take(now: number): number[] {
    if (this.at !== null) this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.at) / 1000) * this.bytesPerSecond);
    this.at = now;
    if (this.pending.size === 0 || this.tokens <= 0) return [];
    const room = Math.max(1, Math.floor(this.tokens / this.perEntry));
    const out: number[] = [];
    for (const n of this.pending) {
      if (out.length >= room) break;
      out.push(n);
    }
    for (const n of out) this.pending.delete(n);
    return out.sort((a, b) => a - b);
  }

  /** What a frame of `entries` runners cost: the budget pays for it and the next guess learns from it. */
  charge(bytes: number, entries: number): void {
    this.tokens -= bytes;
    if (entries > 0) this.perEntry = this.perEntry * 0.8 + (bytes / entries) * 0.2;
  }

  /** The header of a frame of this stream. */
  frameHeader(gen: number, seq: number): FrameHeader {
    return { kind: FrameKind.Positions, gen, seq, ...this.header };
  }

  /** Forget a runner (removed from the event, or gone from this tile without a new place to report). */
  drop(n: number): void {
    this.pending.delete(n);
    this.colorDue.delete(n);
  }
}
