/**
 * Trying again while an event finds its place: an event whose owner moved, died or cannot be reached now is
 * usually owned again within a lease's time to live, so callers try for a while before they give up.
 */

/** What an attempt says when it should be tried again, after `waitMs` (200 ms unless it says). */
export interface Again {
  again: true;
  waitMs?: number;
}

export const again = (waitMs?: number): Again => ({ again: true, ...(waitMs !== undefined ? { waitMs } : {}) });

const isAgain = (v: unknown): v is Again => typeof v === 'object' && v !== null && (v as { again?: unknown }).again === true;

/**
 * Run `attempt` until it answers something other than `again()`, for at most `patienceMs` by `now`; the
 * answer, or `gaveUp` when patience ran out.
 */
export async function retryWithin<T, G>(now: () => number, patienceMs: number, attempt: () => Promise<T | Again>, gaveUp: () => G): Promise<T | G> {
  const deadline = now() + patienceMs;
  for (;;) {
    const out = await attempt();
    if (!isAgain(out)) return out;
    if (now() > deadline) return gaveUp();
    await sleep(out.waitMs ?? 200);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
