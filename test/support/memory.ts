/** Memory measurements for tests that run with --expose-gc. */

/** The garbage collector, or a clear error saying how to run the test that needs it. */
export function requireGc(file: string): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    throw new Error(`global.gc is missing: this test measures memory and must run with --expose-gc (node --expose-gc --import tsx --test ${file})`);
  }
  return gc;
}

/**
 * Memory use once full collections stop freeing more: collect, read, and again until two readings of
 * `amount` are within `slack` bytes (some memory is accounted as freed only a moment after a collection).
 */
export async function settledMemory(gc: () => void, amount: (m: NodeJS.MemoryUsage) => number, slack = 256 * 1024): Promise<NodeJS.MemoryUsage> {
  gc();
  let last = process.memoryUsage();
  // Bounded: a process that keeps allocating (a server ticking) may never read the same twice.
  for (let round = 0; round < 50; round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc();
    const now = process.memoryUsage();
    if (Math.abs(amount(now) - amount(last)) <= slack) return now;
    last = now;
  }
  return last;
}
