/** The map stays readable (names never overlap, colours differ, taps reveal names, zoom stays on the field); the chart tells values and keeps its history. */
import type { Locator, Page } from '@playwright/test';
import { createEvent, expect, offline, settled, sharingRunner, test } from './fixtures';
import { joinRunners } from './seed';

const AT = { latitude: 40.7712, longitude: -73.9741 };

async function boxes(labels: Locator) {
  return Promise.all((await labels.all()).map(async (l) => ({ id: await l.getAttribute('data-runner'), box: (await l.boundingBox())! })));
}

function overlapping(all: Array<{ id: string | null; box: { x: number; y: number; width: number; height: number } }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!.box;
      const b = all[j]!.box;
      if (a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5) out.push(`${all[i]!.id} × ${all[j]!.id}`);
    }
  }
  return out;
}

test('names on a crowded map never overlap, the followed name always shows, and default colours differ', async ({ page, baseURL }) => {
  const eventId = await createEvent(page.request, 'Crowded start');
  const names = Array.from({ length: 24 }, (_, i) => `Runner number ${i + 1}`);
  await joinRunners(baseURL!, eventId, names, AT);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/e/${eventId}`);
  await expect(page.locator('tr.runner')).toHaveCount(24);
  const labels = page.locator('.runner-label');
  await expect(labels.first()).toBeVisible();
  expect(overlapping(await boxes(labels))).toEqual([]);
  const shown = await labels.count();
  expect(shown).toBeGreaterThan(1);
  expect(shown).toBeLessThan(24);

  // Everyone picked the default red; nobody shares a colour while the palette lasts.
  // (The list can come before the map has placed everyone; the colours follow once it has.)
  const swatches = page.locator('tr.runner .swatch');
  await expect.poll(async () => new Set((await swatches.evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor))).slice(0, 15)).size).toBe(15);

  // Follow someone whose name had no room: it wins its place, and still nothing overlaps.
  const hidden = await page.locator('tr.runner').evaluateAll(
    (rows, shownIds) => rows.map((r) => r.getAttribute('data-runner')!).find((id) => !shownIds.includes(id))!,
    await labels.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-runner'))),
  );
  await page.locator(`tr.runner[data-runner="${hidden}"]`).getByRole('button').click();
  await expect(page.locator(`.runner-label.followed[data-runner="${hidden}"]`)).toBeVisible();
  expect(overlapping(await boxes(labels))).toEqual([]);
});

test('on a touch screen a tap shows a hidden name, the next tap follows', async ({ browser, baseURL, page }) => {
  const eventId = await createEvent(page.request, 'Tap to see');
  const ids = await joinRunners(baseURL!, eventId, Array.from({ length: 12 }, (_, i) => `Tapper ${i + 1}`), AT);
  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  await offline(ctx, []);
  const phone = await ctx.newPage();
  await phone.goto(`/e/${eventId}`);
  await expect(phone.locator('tr.runner')).toHaveCount(12);
  // Everyone stands on one spot, which the map centres on; the last to join is drawn on top, name hidden.
  const top = ids[ids.length - 1]!;
  await expect(phone.locator('.runner-label').first()).toBeVisible();
  await expect(phone.locator(`.runner-label[data-runner="${top}"]`)).toHaveCount(0);
  const map = (await phone.locator('.leaflet-container').boundingBox())!;
  await phone.touchscreen.tap(map.x + map.width / 2, map.y + map.height / 2);
  await expect(phone.locator(`.runner-label.peek[data-runner="${top}"]`)).toBeVisible();
  await expect(phone.getByRole('heading', { name: /^Cheer for/ })).toHaveCount(0);
  await phone.touchscreen.tap(map.x + map.width / 2, map.y + map.height / 2);
  // Followed: the phone's sheet over the map names them, with the Cheer button.
  await expect(phone.getByRole('heading', { name: 'Following Tapper 12' })).toBeVisible();
  await expect(phone.getByRole('button', { name: 'Cheer for Tapper 12' })).toBeInViewport();
  await ctx.close();
});

async function zoomOf(page: Page): Promise<number> {
  // The scale bar's metres tell the zoom without reaching into Leaflet.
  const text = (await page.locator('.leaflet-control-scale-line').first().textContent()) ?? '';
  const m = /([\d.]+)\s*(k?m)/.exec(text)!;
  return Number(m[1]) * (m[2] === 'km' ? 1000 : 1);
}

/**
 * One press of a zoom button, then the zoom's end: the scale bar, which Leaflet redraws once a zoom is over,
 * shows another distance (a step of zoom halves it, so it always reads differently), or the button turned
 * disabled at the limit and the press did nothing.
 */
async function stepZoom(page: Page, button: Locator): Promise<void> {
  const before = await zoomOf(page);
  await button.click({ timeout: 2000 }).catch(() => {});
  await expect.poll(async () => (await zoomOf(page)) !== before || (await button.getAttribute('aria-disabled')) === 'true').toBe(true);
  await settled(page);
}

test('zoom stays on the field: neither down to an empty street corner nor out to the whole world', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Bounded zoom');
  const ada = await sharingRunner(browser, baseURL!, eventId, 'Ada');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/e/${eventId}`);
  await expect(page.locator('.runner-label', { hasText: 'Ada' })).toBeVisible();
  const zoomIn = page.getByRole('button', { name: 'Zoom in' });
  const zoomOut = page.getByRole('button', { name: 'Zoom out' });
  for (let i = 0; i < 12 && (await zoomIn.getAttribute('aria-disabled')) !== 'true'; i++) await stepZoom(page, zoomIn);
  await expect(zoomIn).toHaveClass(/leaflet-disabled/);
  expect(await zoomOf(page)).toBeGreaterThanOrEqual(20);
  await expect(page.locator('.runner-label', { hasText: 'Ada' })).toBeVisible();
  for (let i = 0; i < 24 && (await zoomOut.getAttribute('aria-disabled')) !== 'true'; i++) await stepZoom(page, zoomOut);
  await expect(zoomOut).toHaveClass(/leaflet-disabled/);
  // At the widest, a scale bar of a few kilometres at most: the field and its surroundings, not a continent.
  expect(await zoomOf(page)).toBeLessThanOrEqual(3000);
  await ada.context().close();
});

test('the chart shows value and time under the pointer, keeps its labels apart at any width and keeps its history', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Chart run');
  const ada = await sharingRunner(browser, baseURL!, eventId, 'Ada');
  await ada.getByLabel('How do you feel?').fill('8');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/e/${eventId}`);
  const chart = page.getByTestId('happiness-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-samples')), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);

  const plot = (await chart.locator('.u-over').boundingBox())!;
  await page.mouse.move(plot.x + plot.width - 3, plot.y + plot.height / 2);
  const tip = page.getByTestId('chart-tip');
  await expect(tip).toBeVisible();
  await expect(tip).toHaveText(/^8\.0 \/ 10 · 1 runner · \d{1,2}:\d\d:\d\d/);
  const tipBox = (await tip.boundingBox())!;
  const chartBox = (await chart.boundingBox())!;
  expect(tipBox.x).toBeGreaterThanOrEqual(chartBox.x - 1);
  expect(tipBox.x + tipBox.width).toBeLessThanOrEqual(chartBox.x + chartBox.width + 1);
  await page.mouse.move(0, 0);
  await expect(tip).toBeHidden();

  for (const width of [1440, 320]) {
    await page.setViewportSize({ width, height: 900 });
    await expect
      .poll(async () => {
        const gap = Number(await chart.getAttribute('data-tick-gap'));
        const label = Number(await chart.getAttribute('data-tick-width'));
        return label > 0 && gap > label + 4;
      })
      .toBe(true);
  }

  // The tab goes to the background: updates are still applied (on a timer, as hidden tabs get no frames).
  const before = Number(await chart.getAttribute('data-samples'));
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect.poll(async () => Number(await chart.getAttribute('data-samples')), { timeout: 10_000 }).toBeGreaterThan(before + 1);
  // The connection drops and comes back (a phone waking up): the chart keeps everything it had.
  const kept = Number(await chart.getAttribute('data-samples'));
  await page.context().setOffline(true);
  await expect(page.getByTestId('connection')).not.toHaveText('Live');
  await page.context().setOffline(false);
  await expect(page.getByTestId('connection')).toHaveText('Live', { timeout: 20_000 });
  expect(Number(await chart.getAttribute('data-samples'))).toBeGreaterThanOrEqual(kept);
  await ada.context().close();
});
