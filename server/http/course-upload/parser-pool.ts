/**
 * Worker threads that read course files (./parse-worker.ts), so no file holds the event loop. At most
 * `size` files are read at once (one or two: the rest of the server needs the other cores). Files wait in
 * one queue per key (the uploader's address), and the key whose last file started longest ago goes next:
 * an address that sends file after file delays another's by the file being read, not by its whole queue.
 * Each file has a time and a memory budget; past either, its worker is ended (and started again for the
 * next file) and the file is refused.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CourseError, CourseErrorCode } from '../../../lib/course/errors';
import type { ParsedUpload, ParseReply, ParseRequest } from './parse-worker';

export interface ParserPoolOptions {
  /** Files read at once. */
  size?: number;
  /** Longest one file may take to read, ms (a 20 MiB file takes about a second). */
  timeoutMs?: number;
  /** Heap one worker may use, MB. */
  heapMb?: number;
  /** A worker idle this long is ended, giving its memory back; the next file starts one again. */
  idleMs?: number;
}

interface Job {
  bytes: Uint8Array;
  pick: number | undefined;
  resolve(parsed: ParsedUpload): void;
  reject(err: Error): void;
}

const ENTRY = join(__dirname, 'parse-worker-entry.cjs');

/** The pool was closed (the server is stopping) before the file was read. */
export class PoolClosed extends Error {
  constructor() {
    super('the course reader is stopped');
  }
}

export class CourseParserPool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly heapMb: number;
  private readonly idleMs: number;
  private readonly slots: Slot[] = [];
  /** Waiting files per key. */
  private readonly queues = new Map<string, Job[]>();
  /** When each key last had a file started, counted in files started. */
  private readonly lastStarted = new Map<string, number>();
  private started = 0;
  private closed = false;

  constructor(options: ParserPoolOptions = {}) {
    this.size = options.size ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.heapMb = options.heapMb ?? 512;
    this.idleMs = options.idleMs ?? 60_000;
  }

  /** Reads one file; rejects with a CourseError for a file that is not a course or is over a budget. */
  parse(key: string, bytes: Uint8Array, pick?: number): Promise<ParsedUpload> {
    if (this.closed) return Promise.reject(new PoolClosed());
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key);
      const job: Job = { bytes, pick, resolve, reject };
      if (queue) queue.push(job);
      else this.queues.set(key, [job]);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) for (const job of queue) job.reject(new PoolClosed());
    this.queues.clear();
    await Promise.all(this.slots.map((s) => s.stop()));
  }

  /** Called by a slot when it is free. */
  pump(): void {
    if (this.closed) return;
    for (;;) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) {
        slot = new Slot(this, { timeoutMs: this.timeoutMs, heapMb: this.heapMb, idleMs: this.idleMs });
        this.slots.push(slot);
      }
      const job = slot && this.next();
      if (!slot || !job) return;
      slot.run(job);
    }
  }

  /** The first file of the key whose last file started longest ago (or never): keys take turns. */
  private next(): Job | undefined {
    let chosen: string | undefined;
    let chosenAt = Infinity;
    for (const key of this.queues.keys()) {
      const at = this.lastStarted.get(key) ?? -1;
      if (at < chosenAt) {
        chosen = key;
        chosenAt = at;
      }
    }
    if (chosen === undefined) return undefined;
    const queue = this.queues.get(chosen)!;
    const job = queue.shift()!;
    if (!queue.length) this.queues.delete(chosen);
    if (this.lastStarted.size > 1000) for (const key of this.lastStarted.keys()) if (!this.queues.has(key)) this.lastStarted.delete(key);
    this.lastStarted.set(chosen, ++this.started);
    return job;
  }
}

/** One worker thread, started when needed, reading one file at a time. */
class Slot {
  private worker: Worker | null = null;
  private ready = false;
  private job: Job | null = null;
  private jobId = 0;
  private deadline: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: CourseParserPool,
    private readonly options: Required<Pick<ParserPoolOptions, 'timeoutMs' | 'heapMb' | 'idleMs'>>,
  ) {}

  get busy(): boolean {
    return this.job !== null;
  }

  run(job: Job): void {
    this.job = job;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    if (!this.worker) this.start();
    else if (this.ready) this.send();
  }

  async stop(): Promise<void> {
    const ended = this.detach();
    this.finish(new PoolClosed());
    if (this.idle) clearTimeout(this.idle);
    await ended;
  }

  private start(): void {
    const worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb } });
    // A worker waiting for files must not keep the process alive.
    worker.unref();
    this.worker = worker;
    this.ready = false;
    worker.on('message', (m: ParseReply | { ready: true }) => {
      if (worker !== this.worker) return;
      if ('ready' in m) {
        this.ready = true;
        if (this.job) this.send();
      } else if (m.id === this.jobId) {
        this.reply(m);
      }
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (worker !== this.worker) return;
      this.worker = null;
      this.finish(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new CourseError(
              CourseErrorCode.TooComplex,
              'Reading this file needed more memory than any course should: export only the course, simplified, and upload that.',
            )
          : err,
      );
    });
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      this.worker = null;
      this.finish(new Error(`the course reader stopped (exit ${code})`));
    });
  }

  private send(): void {
    const job = this.job!;
    const id = ++this.jobId;
    // Hand the bytes over without a copy when they are a buffer of their own (a large body always is).
    const own = job.bytes.byteOffset === 0 && job.bytes.byteLength === job.bytes.buffer.byteLength;
    const bytes = own ? job.bytes : job.bytes.slice();
    this.worker!.postMessage({ id, bytes, pick: job.pick } satisfies ParseRequest, [bytes.buffer as ArrayBuffer]);
    this.deadline = setTimeout(() => {
      // The worker is still in the file: end it; the next file gets a new one.
      void this.detach();
      const seconds = this.options.timeoutMs / 1000;
      this.finish(
        new CourseError(
          CourseErrorCode.TooComplex,
          `Reading this file took longer than ${seconds} s, far longer than any course takes: export only the course, simplified, and upload that.`,
        ),
      );
    }, this.options.timeoutMs);
  }

  private reply(m: ParseReply): void {
    const job = this.job;
    this.clear();
    if (!job) return;
    if (m.ok) job.resolve(m.parsed);
    else if ('refusal' in m) job.reject(new CourseError(m.refusal.code, m.refusal.message, m.refusal.lines));
    else job.reject(new Error(`reading a course file failed: ${m.failure}`));
    this.afterJob();
  }

  /** Ends the current job, if any, with `err`. */
  private finish(err: Error): void {
    const job = this.job;
    this.clear();
    if (!job) return;
    job.reject(err);
    this.afterJob();
  }

  private clear(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    this.job = null;
  }

  private afterJob(): void {
    this.idle = setTimeout(() => void this.detach(), this.options.idleMs);
    this.idle.unref();
    this.pool.pump();
  }

  /** Lets go of the worker at once (its late messages are ignored) and ends it. */
  private async detach(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = false;
    if (worker) await worker.terminate();
  }
}
