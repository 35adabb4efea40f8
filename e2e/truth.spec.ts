/** Every state the pages show is true: sharing, paused, blocked, offline, hidden until the first fix, cheers that wait. */
import type { Browser, BrowserContext } from '@playwright/test';
import { createEvent, expect, offline, sharingRunner, test } from './fixtures';

const AT = { latitude: 40.7712, longitude: -73.9741, accuracy: 5 };

async function phone(browser: Browser, baseURL: string, opts: { geolocation?: boolean } = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    ...(opts.geolocation === false ? {} : { geolocation: AT, permissions: ['geolocation'] }),
  });
  await offline(ctx, []);
  // Record what the page asks the phone to do.
  await ctx.addInitScript(() => {
    const calls: unknown[] = [];
    (window as unknown as { vibrations: unknown[] }).vibrations = calls;
    Object.defineProperty(navigator, 'vibrate', { value: (p: unknown) => (calls.push(p), true), configurable: true });
  });
  return ctx;
}

test('the runner screen shows its own run and says Paused, never Live, after Stop sharing', async ({ browser, baseURL, page }) => {
  const eventId = await createEvent(page.request, 'Own numbers');
  const ctx = await phone(browser, baseURL!);
  const runner = await ctx.newPage();
  await runner.goto(`/e/${eventId}/run`);
  await expect(runner.getByTestId('runner-status')).toHaveText('Not sharing');
  // The slider has no thumb until the runner says something: it does not claim a 5.
  const mood = runner.getByLabel('How do you feel?');
  await expect(mood).toHaveClass(/unset/);
  await expect(mood).toHaveAttribute('aria-valuetext', 'not set');

  await runner.getByLabel('Your name').fill('Oona');
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByTestId('runner-status')).toHaveText('Sharing');
  for (let i = 1; i <= 4; i++) {
    await ctx.setGeolocation({ ...AT, latitude: AT.latitude + i * 0.0005 });
    await expect(runner.getByTestId('taken')).toHaveText(String(i + 1));
  }
  await expect(runner.getByTestId('acked')).toHaveText('5');
  await expect(runner.getByTestId('sent')).toHaveText('5');
  await expect(runner.getByTestId('waiting')).toHaveText('0');
  // Four steps of 0.0005° north: about 222 m, measured on the phone.
  await expect(runner.getByTestId('own-distance')).toHaveText(/^22\d m$/);
  await expect(runner.getByTestId('own-elapsed')).toHaveText(/^\d+:\d\d$/);
  await expect(runner.getByTestId('own-pace')).toHaveText(/^\d+:\d\d \/km$/);
  await expect(runner.getByTestId('own-map')).toHaveAttribute('data-points', '5');

  await mood.fill('6');
  await expect(mood).not.toHaveClass(/unset/);

  await runner.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(runner.getByTestId('runner-status')).toHaveText('Paused');
  await expect(runner.getByText('Live', { exact: true })).toHaveCount(0);
  // The run so far is kept across a reload.
  await runner.reload();
  await expect(runner.getByTestId('own-distance')).toHaveText(/^22\d m$/);
  await expect(runner.getByTestId('runner-status')).toHaveText('Paused');
  await ctx.close();
});

test('blocked location: the runner is told, and spectators never see a runner without a fix', async ({ browser, baseURL, page }) => {
  const res = await page.request.post('/api/events', { data: { name: 'Blocked Bob run' } });
  const { event, organiserToken } = (await res.json()) as { event: { id: string }; organiserToken: string };
  const ada = await sharingRunner(browser, baseURL!, event.id, 'Ada');

  const ctx = await phone(browser, baseURL!, { geolocation: false });
  const bob = await ctx.newPage();
  await bob.goto(`/e/${event.id}/run`);
  await bob.getByLabel('Your name').fill('Blocked Bob');
  await bob.getByRole('button', { name: 'Start sharing' }).click();
  await expect(bob.getByTestId('runner-status')).toHaveText('Location blocked');
  await expect(bob.getByTestId('gps-problem')).toContainText('Location is blocked');

  // The organiser sees Bob, waiting for a first position.
  await page.goto(`/e/${event.id}/organise#token=${organiserToken}`);
  await expect(page.locator('tr[data-runner]', { hasText: 'Blocked Bob' })).toContainText('No position yet');

  const spectator = await page.context().newPage();
  await spectator.goto(`/e/${event.id}`);
  await expect(spectator.locator('tr.runner', { hasText: 'Ada' })).toBeVisible();
  await expect(spectator.getByRole('heading', { name: 'Runners (1)' })).toBeVisible();
  await expect(spectator.locator('tr.runner', { hasText: 'Blocked Bob' })).toHaveCount(0);
  await ctx.close();
  await ada.context().close();
});

test('a cheer to a runner who is not sharing says it will be shown when they are back, and it is', async ({ browser, baseURL, page }) => {
  const eventId = await createEvent(page.request, 'Cheer later');
  const fern = await sharingRunner(browser, baseURL!, eventId, 'Fern');
  await fern.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(fern.getByTestId('runner-status')).toHaveText('Paused');
  const storage = await fern.context().storageState();
  await fern.context().close();

  await page.goto(`/e/${eventId}`);
  const row = page.locator('tr.runner', { hasText: 'Fern' });
  await expect(row).toContainText('Not sharing');
  await row.getByRole('button').click();
  await page.getByLabel('Your cheer').fill('See you at the finish!');
  await page.getByRole('button', { name: 'Cheer' }).click();
  await expect(page.getByText('Sent. Fern is not sharing right now: the cheer will be shown when they are back.')).toBeVisible();

  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, storageState: storage });
  await offline(ctx, []);
  const back = await ctx.newPage();
  await back.goto(`/e/${eventId}/run`);
  await expect(back.getByTestId('cheers')).toContainText('See you at the finish!');
  await ctx.close();
});

test('a cheer pops up on the runner phone as a toast and the phone buzzes', async ({ browser, baseURL, page }) => {
  const eventId = await createEvent(page.request, 'Toast run');
  const ctx = await phone(browser, baseURL!);
  const runner = await ctx.newPage();
  await runner.goto(`/e/${eventId}/run`);
  await runner.getByLabel('Your name').fill('Gus');
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByTestId('acked')).toHaveText('1');
  await expect(runner.getByTestId('cheer-toast')).toHaveCount(0);

  await page.goto(`/e/${eventId}`);
  await page.locator('tr.runner', { hasText: 'Gus' }).getByRole('button').click();
  await page.getByLabel('Your cheer').fill('Looking strong, Gus!');
  await page.getByLabel('Your name').fill('Mum');
  await page.getByRole('button', { name: 'Cheer' }).click();
  await expect(page.getByText('Sent! Gus sees it on their phone.')).toBeVisible();

  const toast = runner.getByTestId('cheer-toast');
  await expect(toast).toContainText('Looking strong, Gus!');
  await expect(toast).toContainText('Cheer from Mum');
  // Big enough to read at arm's length.
  expect(await toast.locator('.toast-text').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(22);
  expect(await runner.evaluate(() => (window as unknown as { vibrations: unknown[] }).vibrations.length)).toBe(1);
  await toast.getByRole('button', { name: 'Close the cheer' }).click();
  await expect(toast).toHaveCount(0);
  await expect(runner.getByTestId('cheers')).toContainText('Mum: Looking strong, Gus!');
  await ctx.close();
});
