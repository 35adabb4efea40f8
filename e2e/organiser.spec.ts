/** The organiser's page and the rights it carries, driven through the real pages. */
import type { Page } from '@playwright/test';
import { expect, offline, sharingRunner as runnerPage, test } from './fixtures';

async function createViaLanding(page: Page, name: string): Promise<string> {
  await page.goto('/');
  await page.getByLabel('Event name').fill(name);
  await page.getByRole('button', { name: 'Create event' }).click();
  await expect(page.getByRole('heading', { name: `Organise: ${name}` })).toBeVisible();
  return /\/e\/([a-z0-9-]+)\/organise/.exec(page.url())![1]!;
}

test('the organiser protects the event with a view code, removes a runner and ends the event', async ({ page, browser, baseURL }) => {
  page.on('dialog', (d) => void d.accept());
  const eventId = await createViaLanding(page, 'Club night run');
  const ada = await runnerPage(browser, baseURL!, eventId, 'Ada');
  const bo = await runnerPage(browser, baseURL!, eventId, 'Bo');
  await expect(page.locator('tr[data-runner]')).toHaveCount(2, { timeout: 15_000 });

  // A spectator watching before protection is asked for the code as soon as it is set.
  const spectatorCtx = await browser.newContext({ baseURL });
  await offline(spectatorCtx, []);
  const spectator = await spectatorCtx.newPage();
  await spectator.goto(`/e/${eventId}`);
  await expect(spectator.locator('.runner-label')).toHaveCount(2);

  await page.getByLabel('New view code').fill('heron-42');
  await page.getByRole('button', { name: 'Protect' }).click();
  await expect(page.getByText('Protected: spectators now need the view code.')).toBeVisible();
  await expect(spectator.getByRole('heading', { name: 'This event is protected' })).toBeVisible();
  await spectator.getByLabel('View code').fill('wrong-code');
  await spectator.getByRole('button', { name: 'Watch' }).click();
  await expect(spectator.getByText('That code is not right')).toBeVisible();
  await spectator.getByLabel('View code').fill('heron-42');
  await spectator.getByRole('button', { name: 'Watch' }).click();
  await expect(spectator.getByRole('heading', { name: 'This event is protected' })).toBeHidden();
  await expect(spectator.locator('.runner-label')).toHaveCount(2);

  // Removing a runner: gone from the spectator's map, and their phone is told.
  await page.locator('tr[data-runner]', { hasText: 'Bo' }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('Bo was removed.')).toBeVisible();
  await expect(spectator.locator('.runner-label')).toHaveCount(1);
  await expect(bo.getByTestId('server-problem')).toContainText('removed');
  // A removed runner's page cannot start again, not even after a reload.
  await expect(bo.getByRole('button', { name: 'Start sharing' })).toBeDisabled();
  await expect(bo.getByTestId('runner-status')).toHaveText('Removed by the organiser');
  await bo.reload();
  await expect(bo.getByRole('button', { name: 'Start sharing' })).toBeDisabled();
  await expect(bo.getByTestId('server-problem')).toContainText('removed you');

  // Ending the event: sharing stops on the phone, spectators see it finished, the map stays.
  await page.getByRole('button', { name: 'End event' }).click();
  await expect(page.getByTestId('event-status')).toHaveText('Finished');
  await expect(ada.getByTestId('server-problem')).toContainText('ended this event');
  await expect(ada.getByRole('button', { name: 'Start sharing' })).toBeDisabled();
  await expect(ada.getByTestId('runner-status')).toHaveText('Event finished');
  await expect(spectator.getByText('This event has finished')).toBeVisible();
  // A finished event never says it is live.
  await expect(spectator.getByTestId('event-status')).toHaveText('Finished');
  await expect(spectator.getByText('Live', { exact: true })).toHaveCount(0);
  await expect(spectator.locator('.runner-label', { hasText: 'Ada' })).toBeVisible();
  await spectatorCtx.close();
  await ada.context().close();
  await bo.context().close();
});

test('the organiser sees wrong view-code tries, has the server pick a code, and raises the event’s limits', async ({ page }) => {
  const eventId = await createViaLanding(page, 'Big city marathon');
  await page.getByRole('button', { name: 'Pick a code for me' }).click();
  const code = (await page.locator('.picked-code').textContent())!;
  expect(code).toMatch(/^[a-z2-9]{10}$/);
  // Two wrong tries from somewhere: the organiser sees them.
  for (const guess of ['1234', '0000']) expect((await page.request.get(`/api/events/${eventId}?code=${guess}`)).status()).toBe(403);
  expect((await page.request.get(`/api/events/${eventId}?code=${code}`)).status()).toBe(200);
  await page.reload();
  await expect(page.getByTestId('failed-attempts')).toContainText('2 wrong tries');

  const runnersLimit = page.getByLabel('Runners in the event');
  await expect(runnersLimit).toHaveValue('20000');
  await runnersLimit.fill('40000');
  // A venue whose runners share one address: what that address may store for the event.
  const perAddress = page.getByLabel('Storage per address per hour, MiB');
  await expect(perAddress).toHaveValue('256');
  await perAddress.fill('768');
  await page.getByRole('button', { name: 'Save limits' }).click();
  await expect(page.getByText('The limits are saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Runners in the event')).toHaveValue('40000');
  await expect(page.getByLabel('Storage per address per hour, MiB')).toHaveValue('768');
});

test('a runner deletes their own track', async ({ page, browser, baseURL }) => {
  const res = await page.request.post('/api/events', { data: { name: 'Delete me' } });
  const eventId = ((await res.json()) as { event: { id: string } }).event.id;
  const runner = await runnerPage(browser, baseURL!, eventId, 'Temporary');
  runner.on('dialog', (d) => void d.accept());
  await page.goto(`/e/${eventId}`);
  await expect(page.locator('.runner-label', { hasText: 'Temporary' })).toBeVisible();

  await runner.getByRole('button', { name: 'Stop sharing' }).click();
  await runner.getByRole('button', { name: 'Delete my track' }).click();
  await expect(runner.getByText('Your track was deleted')).toBeVisible();
  await expect(page.locator('.runner-label', { hasText: 'Temporary' })).toHaveCount(0);
  await expect(page.getByText('No runners yet')).toBeVisible();
  await runner.context().close();
});

test('the organiser page without its link explains what is needed', async ({ page }) => {
  const res = await page.request.post('/api/events', { data: { name: 'No token' } });
  const eventId = ((await res.json()) as { event: { id: string } }).event.id;
  await page.goto(`/e/${eventId}/organise`);
  await expect(page.getByRole('heading', { name: 'Organiser link needed' })).toBeVisible();
});

test('pages carry a content security policy that allows the tile server, and break none of its rules', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.request.post('/api/events', { data: { name: 'Headers' } });
  const eventId = ((await res.json()) as { event: { id: string } }).event.id;
  for (const path of ['/', `/e/${eventId}`, `/e/${eventId}/run`, `/e/${eventId}/organise`]) {
    const response = await page.goto(path);
    const csp = response!.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain('https://tile.openstreetmap.org');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response!.headers()['x-content-type-options']).toBe('nosniff');
    await page.waitForLoadState('networkidle');
  }
  await expect(page.getByRole('heading', { name: 'Organiser link needed' })).toBeVisible();
  expect(violations).toEqual([]);
});
