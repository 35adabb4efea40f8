/** Shared fixtures: every context is cut off from the internet (as these machines are), tile requests counted. */
import { type APIRequestContext, type Browser, type BrowserContext, type Page, test as base, expect } from '@playwright/test';

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

/** The first message the live endpoint sends to a WebSocket opened from `page`, parsed. */
export async function liveHello(page: Page): Promise<unknown> {
  const text = await page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/ws`);
        ws.onmessage = (e) => {
          resolve(String(e.data));
          ws.close();
        };
        ws.onerror = () => reject(new Error('ws failed'));
      }),
  );
  return JSON.parse(text);
}

/**
 * Until nothing on the page moves by itself: fonts loaded, no transition or finite animation running (an
 * endless one, a pulsing dot, never ends), the map neither zooming nor panning. Then two frames, so that what
 * was last changed has been laid out and painted.
 */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity) &&
          !document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim'),
      ),
    )
    .toBe(true);
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
}

/** A phone-sized runner page, sharing from `at`, with its first fix acknowledged. */
export async function sharingRunner(
  browser: Browser,
  baseURL: string,
  eventId: string,
  name: string,
  at = { latitude: 40.7712, longitude: -73.9741, accuracy: 5 },
): Promise<Page> {
  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, geolocation: at, permissions: ['geolocation'] });
  await offline(ctx, []);
  const page = await ctx.newPage();
  await page.goto(`/e/${eventId}/run`);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start sharing' }).click();
  await expect(page.getByTestId('acked')).toHaveText('1');
  return page;
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
