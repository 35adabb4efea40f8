/** Share links and the fallback transport, through the real pages in Chromium. */
import type { Browser, Page } from '@playwright/test';
import { outAndBackGpx } from '../test/support/out-and-back';
import { createEvent, expect, offline, sharingRunner, test } from './fixtures';

const START = { latitude: 40.7712, longitude: -73.9741 };
const step = (i: number, lane = 0) => ({
  latitude: START.latitude + i * 0.0005,
  longitude: START.longitude + lane * 0.002 + (i % 2) * 0.0004,
  accuracy: 5,
});

const runner = (browser: Browser, baseURL: string, eventId: string, name: string, lane: number) =>
  sharingRunner(browser, baseURL, eventId, name, step(0, lane));

async function organiser(page: Page, name: string): Promise<{ eventId: string; token: string }> {
  const res = await page.request.post('/api/events', { data: { name } });
  const body = (await res.json()) as { event: { id: string }; organiserToken: string };
  return { eventId: body.event.id, token: body.organiserToken };
}

test('a protected event’s pages and the event list carry its name and status only; its course shows once the code is entered', async ({ page, browser, baseURL }) => {
  const { eventId, token } = await organiser(page, 'Hidden trail race');
  const auth = { authorization: `Bearer ${token}` };
  const api = `/api/events/${eventId}`;
  expect((await page.request.put(`${api}/course`, { headers: auth, data: outAndBackGpx([START.latitude, START.longitude], 'Secret Ridge Loop') })).status()).toBe(200);
  expect((await page.request.put(`${api}/checkpoints`, { headers: auth, data: { checkpoints: [{ name: 'Hermit Spring', at: 1200 }, { name: 'Owl Gate', at: 3100 }] } })).status()).toBe(200);
  const startsAt = Date.now() + 3_600_000;
  const race = await page.request.put(`${api}/race`, { headers: auth, data: { startsAt } });
  const version = String(((await race.json()) as { race: { course: { version: number } } }).race.course.version);
  expect((await page.request.put(`${api}/view-code`, { headers: auth, data: { code: 'tempo42' } })).status()).toBe(200);

  for (const path of ['/', `/e/${eventId}`, `/e/${eventId}/run`, `/e/${eventId}/organise`]) {
    const html = await (await page.request.get(path)).text();
    expect(html, path).toContain('Hidden trail race');
    for (const secret of ['Secret Ridge Loop', 'Hermit Spring', 'Owl Gate', String(startsAt), version]) expect(html, `${path} shows ${secret}`).not.toContain(secret);
  }

  // With the code, the spectator sees the course and its checkpoints; the organiser sees them with the token.
  const viewerCtx = await browser.newContext({ baseURL });
  await offline(viewerCtx, []);
  const viewer = await viewerCtx.newPage();
  await viewer.goto(`/e/${eventId}`);
  await viewer.getByLabel('View code').fill('tempo42');
  await viewer.getByRole('button', { name: 'Watch' }).click();
  await expect(viewer.locator('.course-mark.checkpoint')).toHaveText(['Hermit Spring', 'Owl Gate']);
  await page.goto(`/e/${eventId}/organise#token=${token}`);
  await expect(page.getByTestId('course-summary')).toContainText('Secret Ridge Loop');
  await viewerCtx.close();
});

test('a spectator on a link limited to one runner sees only that runner, and nothing after it is withdrawn', async ({ page, browser, baseURL }) => {
  const { eventId, token } = await organiser(page, 'Linked run');
  const ada = await runner(browser, baseURL!, eventId, 'Ada', 0);
  await runner(browser, baseURL!, eventId, 'Bo', 1);

  // The organiser makes the link on the organiser page.
  await page.goto(`/e/${eventId}/organise#token=${token}`);
  await expect(page.locator('tr[data-runner]')).toHaveCount(2, { timeout: 15_000 });
  await page.getByLabel('Link label').fill('Family of Ada');
  await page.locator('.link-runners label', { hasText: 'Ada' }).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Make link' }).click();
  const address = page.getByLabel('Link address');
  await expect(address).toHaveValue(/\/s\/[A-Za-z0-9_-]+$/);
  const url = await address.inputValue();

  const viewerCtx = await browser.newContext({ baseURL });
  await offline(viewerCtx, []);
  const viewer = await viewerCtx.newPage();
  await viewer.goto(new URL(url).pathname);
  await expect(viewer.locator('.runner-label', { hasText: 'Ada' })).toBeVisible();
  await expect(viewer.locator('tr.runner')).toHaveCount(1);
  await expect(viewer.locator('.runner-label', { hasText: 'Bo' })).toHaveCount(0);
  await ada.context().setGeolocation(step(1, 0));
  await expect(viewer.locator('path.trail').first()).toHaveAttribute('data-points', '2');

  await page.getByRole('button', { name: 'Withdraw' }).click();
  await expect(viewer.getByTestId('link-gone')).toContainText('withdrawn');
  // Opening it again shows a clear page too.
  await viewer.goto(new URL(url).pathname);
  await expect(viewer.getByRole('heading', { name: 'This link was withdrawn' })).toBeVisible();
  await viewerCtx.close();
});

test('with WebSocket blocked, the spectator page falls back to Server-Sent Events and markers still move', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Blocked network');
  const ada = await runner(browser, baseURL!, eventId, 'Ada', 0);

  // Every WebSocket this page opens is refused, as on a network whose proxy blocks the upgrade.
  await page.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1006 }));
  await page.goto(`/e/${eventId}`);
  await expect(page.getByTestId('connection')).toHaveText('Live (fallback: SSE)', { timeout: 20_000 });
  const label = page.locator('.runner-label', { hasText: 'Ada' });
  await expect(label).toBeVisible();
  const before = (await label.boundingBox())!;
  for (let i = 1; i <= 3; i++) {
    await ada.context().setGeolocation(step(i, 0));
    await expect(ada.getByTestId('acked')).toHaveText(String(i + 1));
  }
  await expect.poll(async () => (await label.boundingBox())!.y < before.y - 20).toBe(true);

  // Cheering works over the fallback too.
  await page.locator('tr.runner', { hasText: 'Ada' }).click();
  await page.getByLabel('Your cheer').fill('Seen over SSE!');
  await page.getByRole('button', { name: 'Cheer' }).click();
  await expect(ada.getByTestId('cheers')).toContainText('Seen over SSE!');
  await ada.context().close();
});

test('a runner whose network blocks WebSocket still shares over HTTP posts', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Runner fallback');
  const ctx = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    geolocation: step(0),
    permissions: ['geolocation'],
  });
  await offline(ctx, []);
  await ctx.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1006 }));
  const phone = await ctx.newPage();
  await phone.goto(`/e/${eventId}/run`);
  await phone.getByLabel('Your name').fill('Cleo');
  await phone.getByRole('button', { name: 'Start sharing' }).click();
  await expect(phone.getByTestId('connection')).toHaveText('Connected (fallback: SSE)', { timeout: 20_000 });
  await expect(phone.getByTestId('acked')).toHaveText('1');
  await ctx.setGeolocation(step(1));
  await expect(phone.getByTestId('acked')).toHaveText('2');

  await page.goto(`/e/${eventId}`);
  await expect(page.locator('.runner-label', { hasText: 'Cleo' })).toBeVisible();
  await ctx.close();
});
