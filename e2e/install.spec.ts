/** Installable: a manifest with icons, and a service worker that keeps the app shell and nothing live. */
import { createEvent, expect, offline, test } from './fixtures';

test('the web app manifest names the app and its icons load', async ({ page }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBe('/manifest.webmanifest');
  const res = await page.request.get(href!);
  expect(res.ok()).toBe(true);
  const manifest = (await res.json()) as { name: string; display: string; start_url: string; icons: Array<{ src: string; sizes: string; purpose?: string }> };
  expect(manifest).toMatchObject({ name: 'Trackside', display: 'standalone', start_url: '/' });
  expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
  for (const icon of manifest.icons) {
    const img = await page.request.get(icon.src);
    expect(img.ok(), icon.src).toBe(true);
    expect(img.headers()['content-type']).toMatch(/^image\//);
  }
});

test('a runner page opens with no connection once visited, and the cache holds no live data or API answers', async ({ browser, baseURL, page }) => {
  const res = await page.request.post('/api/events', { data: { name: 'Flaky signal' } });
  const { event, organiserToken } = (await res.json()) as { event: { id: string }; organiserToken: string };
  const ctx = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    geolocation: { latitude: 40.7712, longitude: -73.9741, accuracy: 5 },
    permissions: ['geolocation'],
  });
  await offline(ctx, []);
  const runner = await ctx.newPage();
  await runner.goto(`/e/${event.id}/run`);
  await runner.getByLabel('Your name').fill('Hana');
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByTestId('acked')).toHaveText('1');
  // The worker takes over the open page and keeps it.
  await runner.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
  await expect
    .poll(
      () =>
        runner.evaluate(async (path) => {
          const files = [...document.querySelectorAll<HTMLScriptElement>('script[src]')].map((s) => s.src);
          const kept = await Promise.all([path, ...files].map(async (u) => !!(await caches.match(u))));
          return kept.every(Boolean);
        }, `/e/${event.id}/run`),
      { timeout: 20_000 },
    )
    .toBe(true);

  // Underground: the page reloads from the kept shell and keeps taking fixes.
  await ctx.setOffline(true);
  const again = await runner.reload();
  expect(again?.fromServiceWorker()).toBe(true);
  await expect(runner.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
  await expect(runner.getByTestId('runner-status')).toHaveText(/^Offline/);
  // Sharing carried on by itself with a fresh fix, and each new one waits on the phone.
  const waiting = runner.getByTestId('waiting');
  await expect(waiting).not.toHaveText('0');
  const before = Number(await waiting.textContent());
  await ctx.setGeolocation({ latitude: 40.7722, longitude: -73.9741, accuracy: 5 });
  // (The GPS may also repeat the last place meanwhile: at least the new fix is added.)
  await expect.poll(async () => Number(await waiting.textContent())).toBeGreaterThan(before);
  await ctx.setOffline(false);
  await expect(runner.getByTestId('waiting')).toHaveText('0', { timeout: 20_000 });
  await expect(runner.getByTestId('runner-status')).toHaveText('Sharing');

  const kept = await runner.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
    return urls;
  });
  expect(kept).toContain(`/e/${event.id}/run`);
  expect(kept.filter((u) => /^\/(api|ws|ingest|s)(\/|$)/.test(u) || (u.startsWith('/e/') && !u.endsWith('/run')))).toEqual([]);

  // Online, the page always comes from the server: once the event ends, a reload says so at once.
  await page.request.post(`/api/events/${event.id}/finish`, { headers: { authorization: `Bearer ${organiserToken}` } });
  await runner.reload();
  await expect(runner.getByRole('button', { name: 'Start sharing' })).toBeDisabled();
  await expect(runner.getByTestId('runner-status')).toHaveText('Event finished');
  await ctx.close();
});

test('with the service worker in charge, a spectator whose WebSocket is blocked still gets live updates over the fallback', async ({ page }) => {
  const eventId = await createEvent(page.request, 'Worker and fallback');
  await page.goto(`/e/${eventId}`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
  await page.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1006 }));
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('Live (fallback: SSE)', { timeout: 20_000 });
});
