/**
 * Reconnect delay: exponential with "equal jitter" (between half the ceiling and the ceiling), so that thousands of phones dropped by the same
 * restart do not all come back in the same second.
 */
export function backoffMs(attempt: number, { baseMs = 500, maxMs = 20_000, random = Math.random } = {}): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
