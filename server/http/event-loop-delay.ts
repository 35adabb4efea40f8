/**
 * How late this process's event loop runs, for /api/health: the 99th percentile and the maximum of its
 * delay over the last minute, in ms. Anything that holds the loop (a request parsed on it, a long
 * synchronous job) shows here at once, whatever it was.
 *
 * perf_hooks measures with a timer every RESOLUTION_MS; its histogram cannot be merged or windowed, so it
 * is read out and reset every SLICE_MS, and a minute is the last slices put together by weight.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const SLICE_MS = 10_000;
const WINDOW_MS = 60_000;

/** One slice of the distribution: delays in ms with the share of samples at or below each. */
interface Slice {
  count: number;
  maxMs: number;
  /** [percentile 0–100, delay ms], ascending. */
  curve: Array<[number, number]>;
}

export interface LoopDelay {
  /** 99th percentile of the delay, ms. */
  p99: number;
  max: number;
}

class LoopDelayMonitor {
  private readonly monitor: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly slices: Slice[] = [];

  constructor() {
    this.monitor.enable();
    setInterval(() => {
      this.slices.push(this.readOut());
      this.monitor.reset();
      if (this.slices.length >= WINDOW_MS / SLICE_MS) this.slices.shift();
    }, SLICE_MS).unref();
  }

  read(): LoopDelay {
    const slices = [...this.slices, this.readOut()].filter((s) => s.count > 0);
    const total = slices.reduce((n, s) => n + s.count, 0);
    if (total === 0) return { p99: 0, max: 0 };
    // Each step of a slice's curve stands for (its percentile − the one before) of that slice's samples.
    const weighted: Array<[delay: number, samples: number]> = [];
    for (const s of slices) {
      let before = 0;
      for (const [p, delay] of s.curve) {
        weighted.push([delay, ((p - before) / 100) * s.count]);
        before = p;
      }
    }
    weighted.sort((a, b) => a[0] - b[0]);
    let seen = 0;
    let p99 = weighted[weighted.length - 1]![0];
    for (const [delay, samples] of weighted) {
      seen += samples;
      if (seen >= 0.99 * total) {
        p99 = delay;
        break;
      }
    }
    return { p99: round(p99), max: round(Math.max(...slices.map((s) => s.maxMs))) };
  }

  /** The timer fires every RESOLUTION_MS; what it measures beyond that is the loop's delay. */
  private readOut(): Slice {
    const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    return {
      count: this.monitor.count,
      maxMs: this.monitor.count ? late(this.monitor.max) : 0,
      curve: [...this.monitor.percentiles].map(([p, ns]) => [p, late(ns)]),
    };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

let shared: LoopDelayMonitor | null = null;

/** Starts measuring (once per process; the server calls it at start-up so the first minute counts too). */
export function watchEventLoop(): void {
  shared ??= new LoopDelayMonitor();
}

export function eventLoopDelay(): LoopDelay {
  watchEventLoop();
  return shared!.read();
}
