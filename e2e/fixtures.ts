/** Shared fixtures: every context is cut off from the internet (as these machines are), tile requests counted. */
import { type APIRequestContext, type BrowserContext, test as base, expect } from '@playwright/test';

const LOCAL = /^(https?|wss?):\/\/(127\.0\.0\.1|localhost)(:\d+)?\//;

export async function offline(context: BrowserContext, blocked: string[]): Promise<void> {
  await context.route(
    (url) => !LOCAL.test(url.toString()) && !url.toString().startsWith('data:'),
    (route) => {
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
}

export async function createEvent(request: APIRequestContext, name: string): Promise<string> {
  const res = await request.post('/api/events', { data: { name } });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { event: { id: string } }).event.id;
}

export const test = base.extend<{ blocked: string[] }>({
  blocked: async ({}, use) => {
    await use([]);
  },
  context: async ({ context, blocked }, use) => {
    await offline(context, blocked);
    await use(context);
  },
});

export { expect };
