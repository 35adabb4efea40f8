/** Nothing lost: a runner whose phone drops off the network keeps every fix and sends it when back. */
import { createEvent, expect, offline, test } from './fixtures';

const START = { latitude: 40.7712, longitude: -73.9741 };
const step = (i: number) => ({
  latitude: START.latitude + i * 0.0005,
  longitude: START.longitude + (i % 2) * 0.0004,
  accuracy: 5,
});

/** The on-screen points of a trail path, from its SVG `d` ("M x y L x y …"). */
function pathPoints(d: string): Array<[number, number]> {
  return [...d.matchAll(/[ML]\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

test('fixes taken offline reach the spectator in order, without duplicates, when the runner is back', async ({ page, browser, baseURL }) => {
  const eventId = await createEvent(page.request, 'Under the bridge');
  await page.goto(`/e/${eventId}`);
  await expect(page.getByTestId('connection')).toHaveText('Live');

  const ctx = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    geolocation: step(0),
    permissions: ['geolocation'],
  });
  await offline(ctx, []);
  const runner = await ctx.newPage();
  await runner.goto(`/e/${eventId}/run`);
  await runner.getByLabel('Your name').fill('Femi');
  await runner.getByRole('button', { name: 'Start sharing' }).click();
  await expect(runner.getByTestId('acked')).toHaveText('1');

  await ctx.setOffline(true);
  await expect(runner.getByTestId('connection')).not.toHaveText('Connected');
  for (let i = 1; i <= 6; i++) {
    await ctx.setGeolocation(step(i));
    await expect(runner.getByTestId('taken')).toHaveText(String(i + 1));
  }
  // Taken is not sent: nothing left the phone while it was offline, and the page says so.
  await expect(runner.getByTestId('sent')).toHaveText('1');
  await expect(runner.getByTestId('acked')).toHaveText('1');
  await expect(runner.getByTestId('waiting')).toHaveText('6');
  await expect(runner.getByTestId('runner-status')).toHaveText('Offline, 6 waiting');

  // The page is closed while still offline (a phone kills the tab): the waiting fixes are in storage.
  await runner.close();
  await ctx.setOffline(false);
  const again = await ctx.newPage();
  await again.goto(`/e/${eventId}/run`);
  // Sharing carries on by itself, as the same runner.
  await expect(again.getByRole('button', { name: 'Stop sharing' })).toBeVisible();
  await expect(again.getByTestId('connection')).toHaveText('Connected');
  await expect(again.getByTestId('waiting')).toHaveText('0');
  await expect(again.getByTestId('runner-status')).toHaveText('Sharing');
  const acked = Number(await again.getByTestId('acked').textContent());
  expect(acked).toBeGreaterThanOrEqual(7);

  const row = page.locator('tr.runner', { hasText: 'Femi' });
  const runnerId = await row.getAttribute('data-runner');
  // The trail of the runner followed is drawn.
  await row.click();
  const trail = page.locator(`path.trail[data-runner="${runnerId}"]`);
  await expect(trail).toHaveAttribute('data-points', String(acked));
  // Seven places were visited (the reopened page may add a fix at the last one, which Leaflet draws once).
  // Each moved north, so on screen each point is above the one before: order kept, none repeated.
  const points = pathPoints((await trail.getAttribute('d')) ?? '');
  expect(points.length).toBe(7);
  for (let i = 1; i < points.length; i++) expect(points[i]![1]).toBeLessThanOrEqual(points[i - 1]![1]);
  expect(points.filter((p, i) => points.findIndex((q) => q[0] === p[0] && q[1] === p[1]) !== i)).toEqual([]);
  await ctx.close();
});
