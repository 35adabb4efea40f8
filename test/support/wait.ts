/**
 * Waiting in tests: for a condition, never for a fixed time. A machine under load makes every step slower,
 * so a test that sleeps "long enough" fails there; one that waits for what it needs only takes longer.
 */

export interface WaitOptions {
  /** What is waited for, said in the error when it never comes. */
  what: string;
  /** Give up after this long, ms. Generous: it only matters when the condition never holds. */
  timeout?: number;
  /** Time between two checks, ms. */
  interval?: number;
  /**
   * How far the work waited for has come (a count that only grows): while it grows, the wait goes on, and
   * `timeout` counts from the last step forward. For long work whose pace is the machine's: a loaded machine
   * is slower, a stuck one makes no progress.
   */
  progress?: () => number;
}

/** Resolves with the condition's first truthy value; rejects, naming `what`, once `timeout` passed without one. */
export async function waitFor<T>(condition: () => T | Promise<T>, { what, timeout = 10_000, interval = 10, progress }: WaitOptions): Promise<NonNullable<T>> {
  let deadline = Date.now() + timeout;
  let done = progress?.() ?? 0;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    const now = progress?.() ?? done;
    if (now > done) {
      done = now;
      deadline = Date.now() + timeout;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms ${progress ? 'without progress ' : ''}waiting for ${what}`);
    await sleep(interval);
  }
}

/** `promise`, or a rejection naming `what` if it has not settled within `timeout` ms. */
export async function within<T>(promise: Promise<T>, { what, timeout = 10_000 }: Omit<WaitOptions, 'interval'>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms waiting for ${what}`)), timeout);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A fixed pause. Only for a window in which something must NOT happen (say so where it is used), or for
 * pacing a load generator; a test that waits for something to happen uses `waitFor`.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
