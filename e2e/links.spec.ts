/** Links people pass on: the organiser's (never lost), Copy and Share on every link, the join popover. */
import type { BrowserContext, Page } from '@playwright/test';
import { createEvent, expect, offline, sharingRunner, test } from './fixtures';

/** Web Share calls, recorded (headless Chromium has no share sheet). */
async function recordShares(ctx: BrowserContext): Promise<void> {
  await ctx.addInitScript(() => {
    const calls: unknown[] = [];
    (window as unknown as { shares: unknown[] }).shares = calls;
    Object.defineProperty(navigator, 'share', { value: async (d: unknown) => void calls.push(d), configurable: true });
  });
}

const shares = (page: Page) => page.evaluate(() => (window as unknown as { shares: Array<{ url: string }> }).shares);
const clipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

test('the organiser link is shown once after creation, with Copy and Share, kept on the device and shown again on request', async ({ browser, baseURL }) => {
  const ctx = await browser.newContext({ baseURL, permissions: ['clipboard-read', 'clipboard-write'] });
  await offline(ctx, []);
  await recordShares(ctx);
  const page = await ctx.newPage();
  await page.goto('/');
  await page.getByLabel('Event name').fill('Keep the key');
  await page.getByRole('button', { name: 'Create event' }).click();
  await expect(page.getByRole('heading', { name: 'Organise: Keep the key' })).toBeVisible();
  const eventId = /\/e\/([a-z0-9-]+)\/organise/.exec(page.url())![1]!;

  const fresh = page.getByTestId('organiser-link-fresh');
  await expect(fresh).toContainText('Keep your organiser link');
  const link = await fresh.getByRole('textbox', { name: 'Organiser link' }).inputValue();
  expect(link).toMatch(new RegExp(`/e/${eventId}/organise#token=[A-Za-z0-9_-]{16,}$`));
  // The address bar no longer holds the secret, but the page does.
  await expect(page).toHaveURL(new RegExp(`/e/${eventId}/organise$`));
  await fresh.getByRole('button', { name: 'Copy the organiser link' }).click();
  await expect(fresh.getByText('Copied')).toBeVisible();
  expect(await clipboard(page)).toBe(link);
  await fresh.getByRole('button', { name: 'Share the organiser link' }).click();
  await expect.poll(() => shares(page)).toEqual([{ title: 'Organiser link', url: link }]);

  await fresh.getByRole('button', { name: 'I have kept it' }).click();
  await expect(fresh).toHaveCount(0);
  await page.getByRole('button', { name: 'Show organiser link' }).click();
  await expect(page.getByRole('textbox', { name: 'Organiser link' })).toHaveValue(link);

  // Coming back on this device works, and the big warning is not repeated.
  await page.goto(`/e/${eventId}/organise`);
  await expect(page.getByRole('heading', { name: 'Organise: Keep the key' })).toBeVisible();
  await expect(page.getByTestId('organiser-link-fresh')).toHaveCount(0);

  // Spectator and runner links have Copy (and Share) too.
  await page.getByRole('button', { name: 'Copy the the runner link' }).click();
  expect(await clipboard(page)).toBe(`${new URL(baseURL!).origin}/e/${eventId}/run`);
  await page.getByRole('button', { name: 'Share the the spectator link' }).click();
  await expect.poll(async () => (await shares(page)).at(-1)?.url).toBe(`${new URL(baseURL!).origin}/e/${eventId}`);

  // Another device opens the page without the token and pastes the link it was sent.
  const other = await browser.newContext({ baseURL });
  await offline(other, []);
  const elsewhere = await other.newPage();
  await elsewhere.goto(`/e/${eventId}/organise`);
  await expect(elsewhere.getByRole('heading', { name: 'Organiser link needed' })).toBeVisible();
  await elsewhere.getByRole('textbox', { name: 'Organiser link' }).fill(`${baseURL}/e/${eventId}/organise#token=${'x'.repeat(24)}`);
  await elsewhere.getByRole('button', { name: 'Open' }).click();
  await expect(elsewhere.getByText('That link does not manage this event')).toBeVisible();
  await elsewhere.getByRole('textbox', { name: 'Organiser link' }).fill(link);
  await elsewhere.getByRole('button', { name: 'Open' }).click();
  await expect(elsewhere.getByRole('heading', { name: 'Organise: Keep the key' })).toBeVisible();
  await other.close();
  await ctx.close();
});

for (const viewport of [
  { width: 320, height: 640 },
  { width: 844, height: 390 },
  { width: 1440, height: 900 },
]) {
  test(`the join popover fits, traps and returns focus, and closes on Escape and outside taps at ${viewport.width} × ${viewport.height}`, async ({
    browser,
    baseURL,
  }) => {
    const ctx = await browser.newContext({ baseURL, viewport, hasTouch: viewport.width < 900 });
    await offline(ctx, []);
    const page = await ctx.newPage();
    const eventId = await createEvent(page.request, `Popover ${viewport.width}`);
    await page.goto(`/e/${eventId}`);
    const button = page.getByRole('button', { name: 'Run in this event' });
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Run in this event' });
    await expect(dialog).toBeVisible();
    const box = (await dialog.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
    // It opens beside its button, never over it.
    const b = (await button.boundingBox())!;
    expect(box.y >= b.y + b.height || box.y + box.height <= b.y).toBe(true);
    // The QR code sits inside the box, above its caption; the link to the runner page can be reached.
    const qr = (await dialog.getByRole('img', { name: 'QR code: the runner link' }).boundingBox())!;
    expect(qr.x).toBeGreaterThanOrEqual(box.x);
    expect(qr.x + qr.width).toBeLessThanOrEqual(box.x + box.width);
    const caption = (await dialog.locator('figcaption').boundingBox())!;
    expect(qr.y + qr.height).toBeLessThanOrEqual(caption.y);
    const open = dialog.getByRole('link', { name: 'Open the runner page' });
    await open.scrollIntoViewIfNeeded();
    await expect(open).toBeInViewport();
    // This page was opened on 127.0.0.1: a phone cannot reach that, and the popover says so.
    await expect(dialog.getByTestId('loopback-warning')).toContainText('works on this computer only');

    // Focus stays inside while open.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(button).toBeFocused();

    await button.click();
    await expect(dialog).toBeVisible();
    const bd = (await dialog.boundingBox())!;
    // A tap outside the box, on the far side of the screen.
    const x = bd.x > viewport.width / 2 ? 4 : viewport.width - 4;
    if (viewport.width < 900) await page.touchscreen.tap(x, viewport.height - 4);
    else await page.mouse.click(x, viewport.height - 4);
    await expect(dialog).toHaveCount(0);
    await expect(button).toBeFocused();
    await ctx.close();
  });
}

test('a keyboard user follows a runner from the list and cheers, with focus always visible', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Keyboard only');
  const ada = await sharingRunner(browser, baseURL!, eventId, 'Ada');
  await page.goto(`/e/${eventId}`);
  const follow = page.locator('tr.runner', { hasText: 'Ada' }).getByRole('button', { name: /^Ada/ });
  await expect(follow).toHaveAttribute('aria-pressed', 'false');
  // Reach it with Tab from the top of the page.
  await page.locator('body').focus();
  for (let i = 0; i < 30 && !(await follow.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(follow).toBeFocused();
  const outline = await follow.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  expect(outline.style).not.toBe('none');
  expect(outline.width).toBeGreaterThanOrEqual(2);
  await page.keyboard.press('Enter');
  await expect(follow).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { name: 'Cheer for Ada' })).toBeVisible();
  await expect(page.locator('.runner-label.followed', { hasText: 'Ada' })).toBeVisible();
  await page.getByLabel('Your cheer').focus();
  await page.keyboard.type('Typed, not clicked');
  await page.keyboard.press('Enter');
  await expect(page.getByText('Sent! Ada sees it on their phone.')).toBeVisible();
  await expect(ada.getByTestId('cheers')).toContainText('Typed, not clicked');
  // Colours are named for people.
  await expect(ada.getByRole('button', { name: 'Red', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await ada.context().close();
});
