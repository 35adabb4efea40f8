/**
 * The light page on Chromium's "Slow 3G" (2 s of latency, 50 KB/s each way, emulated through the DevTools
 * protocol): the followed runner's card is there within 5 s of asking, the first load transfers under 50 KB,
 * the card follows the runner with small conditional reads, and the full page offers the light one when the
 * connection is slow.
 */
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { createEvent, expect, offline, test } from './fixtures';
import { joinRunners } from './seed';

/** DevTools' "Slow 3G" preset. */
const SLOW_3G = { offline: false, latency: 2000, downloadThroughput: 50_000, uploadThroughput: 50_000, connectionType: 'cellular3g' } as const;

async function slow3g(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
}

/** A runner on a phone over the protocol: join, then fixes on demand, each waited for. */
async function phone(baseURL: string, eventId: string, name: string) {
  const ws = new WebSocket(`${baseURL.replace('http', 'ws')}/ws`);
  const messages: Array<{ type: string; runnerId?: string; seq?: number }> = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as { type: string }));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'join', event: eventId, name, color: '#1f5fd6' }));
  await expect.poll(() => messages.some((m) => m.type === 'joined')).toBe(true);
  const runnerId = messages.find((m) => m.type === 'joined')!.runnerId!;
  let seq = 0;
  return {
    runnerId,
    async at(northM: number) {
      seq++;
      ws.send(JSON.stringify({ type: 'pos', seq, lat: 40.7712 + northM / 111_320, lon: -73.9741, t: Date.now(), acc: 5 }));
      const want = seq;
      await expect.poll(() => messages.some((m) => m.type === 'ack' && m.seq === want)).toBe(true);
    },
    close: () => ws.close(),
  };
}

test('on Slow 3G the light page shows the followed runner within 5 s, in under 50 KB, and keeps them up to date', async ({ page, baseURL }) => {
  const eventId = await createEvent(page.request, 'Light on a slow cell');
  await joinRunners(baseURL!, eventId, ['Bo Slow', 'Cy Steady']);
  const ada = await phone(baseURL!, eventId, 'Ada Lightfoot');
  await ada.at(0);
  await ada.at(40);
  await offline(page.context(), []);
  await slow3g(page);

  await page.goto(`/e/${eventId}/lite?runner=${ada.runnerId}`, { waitUntil: 'commit' });
  const card = page.locator(`article[data-runner="${ada.runnerId}"]`);
  await expect(card.getByRole('heading', { name: 'Ada Lightfoot' })).toBeVisible();
  // Usable: the card painted, measured by the page's own clock from the start of the navigation.
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    return { ready: nav.domContentLoadedEventEnd, bytes: nav.transferSize + resources.reduce((a, r) => a + r.transferSize, 0) };
  });
  test.info().annotations.push({ type: 'slow-3g', description: `card after ${Math.round(timing.ready)} ms, ${timing.bytes} bytes` });
  expect(timing.ready).toBeLessThan(5000);
  expect(timing.bytes).toBeLessThan(50_000);
  const distance = card.locator('dt', { hasText: 'Distance' }).locator('xpath=following-sibling::dd[1]');
  await expect(distance).toHaveText('40 m');

  // The runner moves on: the card says so after one of its reads (every 15 s, a few hundred bytes).
  const reads: number[] = [];
  page.on('response', (res) => {
    if (res.url().includes('part=cards')) void res.body().then((b) => reads.push(b.length), () => reads.push(0));
  });
  await ada.at(640);
  await expect(distance).toHaveText(/^6\d\d m$/, { timeout: 45_000 });
  expect(reads.length).toBeGreaterThan(0);
  expect(Math.max(...reads)).toBeLessThan(2000);
  ada.close();
});

test('on a slow connection the full page offers the light one', async ({ page }) => {
  const eventId = await createEvent(page.request, 'Offered the light page');
  await offline(page.context(), []);
  await slow3g(page);
  await page.goto(`/e/${eventId}`, { waitUntil: 'commit' });
  const link = page.getByTestId('slow-link').getByRole('link', { name: 'Open the light page' });
  await expect(link).toBeVisible({ timeout: 30_000 });
  await expect(link).toHaveAttribute('href', `/e/${eventId}/lite`);
});
