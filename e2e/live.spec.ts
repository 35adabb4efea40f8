/**
 * The whole path in real Chromium: a runner page with mocked GPS, and a spectator page in another context.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { PROTOCOL_VERSION } from '../lib/protocol';
import { createEvent, expect, liveHello, offline, test } from './fixtures';

const START = { latitude: 40.7712, longitude: -73.9741 };
/** A zigzag north-east: no point is on the line through its neighbours, so the drawn path keeps every one. */
const step = (i: number) => ({
  latitude: START.latitude + i * 0.0005,
  longitude: START.longitude + i * 0.0003 + (i % 2) * 0.0004,
  accuracy: 6,
});

async function runnerContext(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    geolocation: step(0),
    permissions: ['geolocation'],
  });
  await offline(ctx, []);
  return ctx;
}

async function startSharing(runner: Page, eventId: string, name: string) {
  await runner.goto(`/e/${eventId}/run`);
  await runner.getByLabel('Your name').fill(name);
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
  await expect(runner.getByTestId('connection')).toHaveText('Connected');
  await expect(runner.getByTestId('acked')).toContainText('1');
}

test('a runner shares GPS and a spectator sees the marker move, and the trail of the runner they follow', async ({ page, browser, baseURL, blocked }) => {
  const eventId = await createEvent(page.request, 'Marker run');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/e/${eventId}`);
  await expect(page.getByTestId('connection')).toHaveText('Live');
  await expect(page.getByText('No runners yet')).toBeVisible();

  const runnerCtx = await runnerContext(browser, baseURL!);
  const runner = await runnerCtx.newPage();
  await startSharing(runner, eventId, 'Ada Runner');
  await expect(runner.getByTestId('accuracy')).toHaveText('±6 m');

  const label = page.locator('.runner-label', { hasText: 'Ada Runner' });
  await expect(label).toBeVisible();
  const row = page.locator('tr.runner', { hasText: 'Ada Runner' });
  await expect(row).toContainText('Moving');
  const runnerId = await row.getAttribute('data-runner');
  const trail = page.locator(`path.trail[data-runner="${runnerId}"]`);
  const first = (await label.boundingBox())!;

  for (let i = 1; i <= 4; i++) {
    await runnerCtx.setGeolocation(step(i));
    await expect(runner.getByTestId('acked')).toHaveText(String(i + 1));
  }
  // The marker moved on screen: north-east, so up and to the right.
  await expect
    .poll(async () => {
      const now = (await label.boundingBox())!;
      return now.y < first.y - 20 && now.x > first.x + 5;
    })
    .toBe(true);
  // Trails are drawn for the runner followed (the course and the field stay readable without everyone's).
  await expect(trail).toHaveCount(0);
  await row.click();
  await expect(trail).toHaveAttribute('data-points', '5');
  // The drawn trail has a segment per point after the first (M x y, then L per point).
  const d = (await trail.getAttribute('d')) ?? '';
  expect(d.match(/L/g)?.length ?? 0).toBe(4);
  await expect(row.getByTestId('distance')).not.toHaveText('0 m');

  // Tiles were requested and refused, and none of it stopped the map.
  expect(blocked.some((u) => u.includes('tile.openstreetmap.org'))).toBe(true);
  await runnerCtx.close();
});

test('happiness set on the runner page reaches the spectator chart', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Mood run');
  await page.goto(`/e/${eventId}`);
  await expect(page.getByTestId('happiness-now')).toContainText('No one has said how they feel yet');
  await expect(page.getByText('No data yet')).toBeVisible();

  const runnerCtx = await runnerContext(browser, baseURL!);
  const runner = await runnerCtx.newPage();
  await startSharing(runner, eventId, 'Bashir');
  await runner.getByLabel('How do you feel?').fill('9');
  await expect(runner.getByTestId('mood-value')).toHaveText('9');

  await expect(page.getByTestId('happiness-now')).toContainText('9.0', { timeout: 15_000 });
  await expect(page.getByTestId('happiness-now')).toContainText('1 runner');
  await expect(page.getByText('No data yet')).toBeHidden();
  await expect(page.locator('tr.runner', { hasText: 'Bashir' }).getByTestId('mood')).toHaveText('9');
  const samples = Number(await page.getByTestId('happiness-chart').getAttribute('data-samples'));
  expect(samples).toBeGreaterThan(0);
  // The chart drew a line: uPlot paints on a canvas inside the chart box.
  await expect(page.getByTestId('happiness-chart').locator('canvas')).toBeVisible();

  // A spectator who arrives later gets the history at once.
  const late = await page.context().newPage();
  await late.goto(`/e/${eventId}`);
  await expect(late.getByTestId('happiness-now')).toContainText('9.0');
  expect(Number(await late.getByTestId('happiness-chart').getAttribute('data-samples'))).toBeGreaterThanOrEqual(samples);
  await runnerCtx.close();
});

test('a cheer sent by a spectator appears on the runner page', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Cheer run');
  const runnerCtx = await runnerContext(browser, baseURL!);
  const runner = await runnerCtx.newPage();
  await startSharing(runner, eventId, 'Chen');
  await expect(runner.getByText('Cheers from spectators appear here.')).toBeVisible();

  await page.goto(`/e/${eventId}`);
  await page.locator('tr.runner', { hasText: 'Chen' }).click();
  await expect(page.getByRole('heading', { name: 'Cheer for Chen' })).toBeVisible();
  await page.getByLabel('Your cheer').fill('<b>Go Chen</b>, nearly there!');
  await page.getByLabel('Your name').fill('Grandma');
  await page.getByRole('button', { name: 'Cheer' }).click();
  await expect(page.getByText('Sent! Chen sees it on their phone.')).toBeVisible();

  const cheers = runner.getByTestId('cheers');
  // Rendered as text, never as HTML.
  await expect(cheers).toContainText('Grandma: <b>Go Chen</b>, nearly there!');
  await expect(cheers.locator('b')).toHaveCount(0);
  await runnerCtx.close();
});

test('the spectator map works with every tile request blocked', async ({ page, blocked, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'No tiles');
  const runnerCtx = await runnerContext(browser, baseURL!);
  const runner = await runnerCtx.newPage();
  await startSharing(runner, eventId, 'Dara');

  await page.goto(`/e/${eventId}`);
  await expect(page.locator('.runner-label', { hasText: 'Dara' })).toBeVisible();
  await expect.poll(() => blocked.filter((u) => u.includes('/tile.')).length).toBeGreaterThan(0);
  // Controls still work: zoom out, and the view stops following the runners until asked.
  const zoomOut = page.getByRole('button', { name: 'Zoom out' });
  await zoomOut.click();
  await expect(page.getByRole('button', { name: 'Show all runners' })).toBeVisible();
  await page.getByRole('button', { name: 'Show all runners' }).click();
  await expect(page.getByRole('button', { name: 'Show all runners' })).toBeHidden();
  await expect(page.locator('.leaflet-control-attribution')).toContainText('OpenStreetMap');
  await runnerCtx.close();
});

test('an unknown event shows a clear page', async ({ page }) => {
  const res = await page.goto('/e/no-such-race');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'No such event' })).toBeVisible();
  await page.getByRole('link', { name: 'See all events' }).click();
  await expect(page.getByRole('heading', { name: 'Live tracking for your run' })).toBeVisible();
  const run = await page.goto('/e/no-such-race/run');
  expect(run?.status()).toBe(404);
});

test('the landing page creates an event and opens it', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Event name').fill('Harbour Half');
  await page.getByRole('button', { name: 'Create event' }).click();
  // The creator lands on the organiser page, its token moved from the link into this device's storage.
  await expect(page).toHaveURL(/\/e\/harbour-half(-\d+)?\/organise$/);
  await expect(page.getByRole('heading', { name: 'Organise: Harbour Half' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'QR code: the runner link' })).toBeVisible();
  await page.goto('/');
  await expect(page.locator('.event-list')).toContainText('Harbour Half');
});

test('the live endpoint still upgrades after pages have been served', async ({ page }) => {
  await page.goto('/');
  expect(await liveHello(page)).toMatchObject({ type: 'hello', v: PROTOCOL_VERSION });
});

test('a runner whose location is blocked is told what to do', async ({ browser, baseURL, page }) => {
  const eventId = await createEvent(page.request, 'Denied');
  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 } });
  await offline(ctx, []);
  const runner = await ctx.newPage();
  await runner.goto(`/e/${eventId}/run`);
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByText('Type your name so spectators know who you are.')).toBeVisible();
  await runner.getByLabel('Your name').fill('Elif');
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByTestId('gps-problem')).toContainText('Location is blocked for this site');
  await expect(runner.getByTestId('gps-problem')).toContainText('allow', { ignoreCase: true });
  await expect(runner.getByRole('button', { name: 'Start sharing' })).toBeVisible();
  await ctx.close();
});
