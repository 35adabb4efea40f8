/**
 * An SOS from a tracking app, through the real pages: the organiser and the runner's family link see it at
 * once; a spectator of the public page does not (a name and an exact place are medical details).
 */
import { expect, offline, sharingRunner, test } from './fixtures';

const shots = process.env.SCREENSHOTS === '1';

test('Traccar Client’s SOS appears on the organiser page and the family link, not the public page, until the organiser acknowledges it', async ({ page, browser, baseURL }) => {
  // The organiser creates the event on the landing page and stays on the organiser page.
  await page.goto('/');
  await page.getByLabel('Event name').fill('Fell race');
  await page.getByRole('button', { name: 'Create event' }).click();
  await expect(page.getByRole('heading', { name: 'Organise: Fell race' })).toBeVisible();
  const eventId = /\/e\/([a-z0-9-]+)\/organise/.exec(page.url())![1]!;

  // The runner joins on their phone once and makes a device key for Traccar Client.
  const phone = await sharingRunner(browser, baseURL!, eventId, 'Ada Lovelace', { latitude: 54.4542, longitude: -3.2116, accuracy: 8 });
  await phone.getByRole('button', { name: 'Create device key' }).click();
  const key = await phone.getByLabel('Device key').inputValue();
  expect(key).toMatch(/^[A-Za-z0-9_-]{16,}$/);

  // The family follows the runner through a link made for her; a stranger watches the public page.
  const runnerId = await phone.evaluate((id) => (JSON.parse(localStorage.getItem(`trackside:${id}:runner`) ?? '{}') as { runnerId: string }).runnerId, eventId);
  const token = await page.evaluate((id) => localStorage.getItem(`trackside:${id}:organiser`), eventId);
  const made = await page.request.post(`/api/events/${eventId}/links`, { headers: { authorization: `Bearer ${token}` }, data: { label: 'Family', runners: [runnerId], expiresAt: null } });
  expect(made.status()).toBe(201);
  const familyPath = ((await made.json()) as { path: string }).path;
  const spectatorCtx = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });
  await offline(spectatorCtx, []);
  const spectator = await spectatorCtx.newPage();
  await spectator.goto(familyPath);
  await spectator.locator('tr[data-runner]', { hasText: 'Ada Lovelace' }).click();
  await expect(spectator.locator('tr[data-runner].selected')).toHaveCount(1);
  const stranger = await spectatorCtx.newPage();
  await stranger.goto(`/e/${eventId}`);
  await expect(stranger.locator('tr[data-runner]', { hasText: 'Ada Lovelace' })).toHaveCount(1);
  await expect(page.locator('tr[data-runner]')).toHaveCount(1);
  await expect(page.getByTestId('sos-alerts')).toHaveCount(0);

  // Traccar Client 10: its queue holds a fix older than the 7-day limit, which is taken (and counted) so the
  // queue moves on; then the SOS button posts the fix it fetched with alarm=sos.
  const now = Math.floor(Date.now() / 1000);
  const old = await page.request.post('/ingest/osmand', { form: { id: key, lat: '54.45', lon: '-3.21', timestamp: String(now - 8 * 86400), accuracy: '5.0' } });
  expect(old.status()).toBe(200);
  const sos = await page.request.post('/ingest/osmand', {
    form: { id: key, lat: '54.4545', lon: '-3.2113', timestamp: String(now), accuracy: '12.0', altitude: '978.0', speed: '0.0', batt: '41', charge: 'false', alarm: 'sos' },
  });
  expect(sos.status()).toBe(200);

  for (const p of [page, spectator]) {
    const banner = p.getByTestId('sos-alerts');
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('SOS from Ada Lovelace');
    await expect(banner).toContainText('Traccar Client');
    await expect(banner.getByTestId('sos-position')).toHaveText('54.45450, -3.21130');
    await expect(p.locator('tr[data-runner]', { hasText: 'Ada Lovelace' }).getByTestId('sos-badge')).toBeVisible();
  }
  await expect(spectator.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
  // The public page knows nothing of it: no banner, no badge (it was sent to the others before this check).
  await expect(stranger.getByTestId('sos-alerts')).toHaveCount(0);
  await expect(stranger.getByTestId('sos-badge')).toHaveCount(0);
  await stranger.reload();
  await expect(stranger.locator('tr[data-runner]', { hasText: 'Ada Lovelace' })).toHaveCount(1);
  await expect(stranger.getByTestId('sos-alerts')).toHaveCount(0);

  // The runner's panel says what the server could not keep.
  await phone.reload();
  await expect(phone.getByTestId('app-refusals')).toContainText('1 fix refused: older than 7 days');

  if (shots) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'test-results/sos-organiser-phone.png' });
    await spectator.screenshot({ path: 'test-results/sos-spectator-desktop.png' });
    await spectator.setViewportSize({ width: 390, height: 844 });
    await spectator.screenshot({ path: 'test-results/sos-spectator-phone.png', fullPage: true });
    await phone.getByText('Overland (iPhone)').click();
    await phone.getByText('GPSLogger (Android)').click();
    await phone.locator('.tracker-apps').screenshot({ path: 'test-results/sos-runner-panel-phone.png' });
  }

  // The organiser acknowledges: it closes on every page.
  await page.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.getByText('The SOS from Ada Lovelace is acknowledged.')).toBeVisible();
  for (const p of [page, spectator]) {
    await expect(p.getByTestId('sos-alerts')).toHaveCount(0);
    await expect(p.getByTestId('sos-badge')).toHaveCount(0);
  }
  // A spectator who comes later sees no open alert.
  await spectator.reload();
  await expect(spectator.locator('tr[data-runner]')).toHaveCount(1);
  await expect(spectator.getByTestId('sos-alerts')).toHaveCount(0);

  await spectatorCtx.close();
  await phone.context().close();
});
