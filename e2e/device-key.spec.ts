/**
 * The runner page on a phone stays responsive once a device key is shown: its settings carry five QR codes,
 * which must be drawn once per value, not again on every render.
 */
import { createEvent, expect, sharingRunner, test } from './fixtures';

/** Far above what a tap takes (tens of milliseconds), far below the test's own timeout. */
const RESPONSIVE_MS = 10_000;

test('after Create device key, Stop sharing completes on a phone', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Pocket tracker');
  const phone = await sharingRunner(browser, baseURL!, eventId, 'Ada');
  await phone.getByRole('button', { name: 'Create device key' }).click();
  await expect(phone.getByLabel('Device key')).toHaveValue(/^[A-Za-z0-9_-]{16,}$/);

  await phone.getByRole('button', { name: 'Stop sharing' }).click({ timeout: RESPONSIVE_MS });
  await expect(phone.getByRole('button', { name: 'Start sharing' })).toBeVisible({ timeout: RESPONSIVE_MS });
  await expect(phone.getByTestId('runner-status')).toHaveText('Paused', { timeout: RESPONSIVE_MS });

  // Each app's code is drawn and readable once its settings are opened.
  await phone.getByText('Traccar Client (Android, iPhone)').click({ timeout: RESPONSIVE_MS });
  await expect(phone.getByRole('img', { name: 'QR code: Traccar Client settings' })).toBeVisible({ timeout: RESPONSIVE_MS });
  await phone.context().close();
});
