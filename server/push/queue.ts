/**
 * The bounded queue pushes leave through, so that the tick only ever adds to a list: looking subscriptions
 * up and encrypting and sending happen here, a few at a time. When a burst (a mass start over a mat) fills
 * it, what does not fit is dropped and counted, never held in memory without end: a checkpoint told late
 * is worth little, and the spectator's page shows it anyway.
 */
import { log } from '../log';

export interface QueueStats {
  queued: number;
  running: number;
  done: number;
  dropped: number;
  failed: number;
}

export class PushQueue {
  private readonly tasks: Array<{ name: string; run: () => Promise<void> }> = [];
  private running = 0;
  private done = 0;
  private dropped = 0;
  private failed = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly opts: { maxQueued: number; concurrency: number } = { maxQueued: 10_000, concurrency: 8 },
  ) {}

  /** Add a task; false (and counted) when the queue is full or stopped. */
  add(name: string, run: () => Promise<void>): boolean {
    if (this.stopped || this.tasks.length >= this.opts.maxQueued) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) log('warn', 'push_queue_full', { dropped: this.dropped, queued: this.tasks.length });
      return false;
    }
    this.tasks.push({ name, run });
    this.pump();
    return true;
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.tasks.length > 0) {
      const task = this.tasks.shift()!;
      this.running++;
      // A task runs on a later turn of the event loop, never inside the tick that added it.
      void Promise.resolve()
        .then(task.run)
        .catch((err: unknown) => {
          this.failed++;
          log('warn', 'push_task_failed', { task: task.name, error: err instanceof Error ? err.message : String(err) });
        })
        .finally(() => {
          this.running--;
          this.done++;
          this.pump();
          if (this.running === 0 && this.tasks.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Take no more and drop what waits (a stopping server does not hold on for news); what runs finishes. */
  stop(): Promise<void> {
    this.stopped = true;
    this.dropped += this.tasks.length;
    this.tasks.length = 0;
    return this.idle();
  }

  stats(): QueueStats {
    return { queued: this.tasks.length, running: this.running, done: this.done, dropped: this.dropped, failed: this.failed };
  }
}
