/**
 * The data at its limits (seed.ts) for the specs that visit every page: events made over the public protocol
 * and a runner page's storage for the big one, made once per worker and handed to each test as a fixture.
 * Tests only read it, so none depends on another having run; a failing test ends its worker and the next
 * test gets a new worker with data made afresh, instead of being skipped as a serial chain would be.
 */
import type { BrowserContext } from '@playwright/test';
import { test as base } from './fixtures';
import { runnerStorage, seed, type Seeded } from './seed';

export interface AtTheLimits {
  data: Seeded;
  /** Storage of a runner page sharing in the big event, with cheers waiting: contexts made from it open as that runner. */
  runnerState: Awaited<ReturnType<BrowserContext['storageState']>>;
}

export const test = base.extend<object, { seedRunners: number; limits: AtTheLimits }>({
  /** Runners in the big event: a spec may ask for fewer (`test.use({ seedRunners: 40 })`). */
  seedRunners: [210, { scope: 'worker', option: true }],
  limits: [
    async ({ seedRunners, playwright, browser }, use, workerInfo) => {
      const baseURL = workerInfo.project.use.baseURL!;
      const request = await playwright.request.newContext({ baseURL });
      const data = await seed(request, baseURL, seedRunners);
      await request.dispose();
      const runnerState = await runnerStorage(browser, baseURL, data.big.id);
      await use({ data, runnerState });
    },
    { scope: 'worker', timeout: 120_000 },
  ],
});

export { expect } from './fixtures';
