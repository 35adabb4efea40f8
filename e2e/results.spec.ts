/**
 * Race day in Chromium with a 500-runner field in three waves and five categories, fed by four timing mats:
 * the organiser's waves, order and embed sites; the spectator list filtered by category with places in
 * category, and the category podiums; the results as CSV and JSON; the finish line, where a runner who was
 * approaching crosses and moves to the finishers; the embed in light and dark, its CSP frame-ancestors the
 * organiser's sites (and 'none' on every other page and for an event without sites), framed by the race's
 * website and refused to another, and a protected event's embed that shows nothing of the race; a runner who
 * gives their details when joining counts in the filters.
 */
import { createServer } from 'node:http';
import type { Page } from '@playwright/test';
import { expect, offline, settled, test } from './fixtures';
import { CATEGORIES, postPassings, reaches, seedRaceDay } from './race-day-seed';

const PORT = Number(process.env.E2E_PORT ?? 3210);
const shots = process.env.SCREENSHOTS ? 'docs/screenshots' : 'test-results/results';
/** Another origin than the app's (another port): the race website that frames the embed. */
const RACE_SITE = `http://127.0.0.1:${PORT + 7}`;

async function shoot(page: Page, name: string): Promise<void> {
  await settled(page);
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: false });
}

test('waves, categories, results, the finish line and the embeds of a 500-runner race', async ({ page, request }) => {
  test.setTimeout(180_000);
  const now = Date.now();
  const day = await seedRaceDay(request, 'Englischer Garten 7k', now);
  const finishers = day.runners.filter((r) => reaches(day, r, day.length) <= now);
  expect(finishers.length).toBeGreaterThan(50);
  const waves = new Set(finishers.map((r) => r.wave));
  expect(waves.size, 'finishers from more than one wave').toBeGreaterThan(1);

  // ---------- the results, as a results service reads them ----------
  const csv = await request.get(`/api/events/${day.id}/results?format=csv`);
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-disposition']).toContain('englischer-garten-7k-results.csv');
  const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
  expect(lines[0]).toMatch(/^Place,Category Place,Sex Place,Age Group Place,Bib,Name,Sex,Age Group,Category,Club,Wave,Status,Gun Time,Chip Time,1 km,2 km,3 km,Half way,4 km,5 km,1\.1 km to go,6 km,7 km$/);
  expect(lines.length).toBe(501);
  const json = (await (await request.get(`/api/events/${day.id}/results`)).json()) as {
    results: Array<{ place: number | null; categoryPlace: number | null; bib: string; category: string; wave: string; status: string; chipTime: number | null; gunTime: number | null }>;
  };
  const done = json.results.filter((r) => r.status === 'finished');
  expect(done.length).toBe(finishers.length);
  // In race order by chip time; places in each category count 1, 2, 3 …
  for (let i = 1; i < done.length; i++) expect(done[i]!.chipTime!).toBeGreaterThanOrEqual(done[i - 1]!.chipTime!);
  for (const category of CATEGORIES) {
    const places = done.filter((r) => r.category === category).map((r) => r.categoryPlace);
    expect(places).toEqual(places.map((_, i) => i + 1));
  }
  // Gun time runs from the wave's gun: more than the chip time by the runner's crossing.
  for (const r of done.slice(0, 20)) {
    const runner = day.runners.find((x) => x.bib === r.bib)!;
    expect(Math.abs(r.gunTime! - r.chipTime! - runner.crossS)).toBeLessThanOrEqual(1);
  }

  // ---------- the organiser: waves, order by gun time, the embed's sites ----------
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`/e/${day.id}/organise#token=${day.token}`);
  const panel = page.getByRole('region', { name: 'Waves, results and embeds' });
  await expect(panel.getByRole('textbox', { name: 'Wave' })).toHaveCount(3);
  // The choice shows once the server has it (the event comes back over the live connection).
  await panel.getByRole('radio', { name: /gun time/ }).click();
  await expect(panel.getByRole('radio', { name: /gun time/ })).toBeChecked();
  await panel.getByTestId('embed-sites').fill(`${RACE_SITE}/`);
  await panel.getByRole('button', { name: 'Save sites' }).click();
  await expect
    .poll(async () => ((await (await request.get(`/api/events/${day.id}`)).json()) as { event: { race?: { embedSites?: string[] } } }).event.race?.embedSites)
    .toEqual([RACE_SITE]);
  await expect(panel.getByRole('textbox', { name: 'Snippet for the race website' })).toHaveValue(new RegExp(`^<iframe src="http://127\\.0\\.0\\.1:${PORT}/embed/${day.id}" `));
  const byGun = (await (await request.get(`/api/events/${day.id}/results`)).json()) as typeof json;
  const gunDone = byGun.results.filter((r) => r.status === 'finished');
  for (let i = 1; i < gunDone.length; i++) expect(gunDone[i]!.gunTime!).toBeGreaterThanOrEqual(gunDone[i - 1]!.gunTime!);

  // ---------- the spectator: filter by category, places in category, podiums ----------
  await page.goto(`/e/${day.id}`);
  const list = page.locator('.runner-table tbody tr.runner');
  await expect(list.first()).toBeVisible();
  await page.getByTestId('filter-category').selectOption('Masters 40+');
  await expect(page.getByRole('heading', { name: /^Runners \(\d+\)$/ })).toHaveText(`Runners (${day.runners.filter((r) => r.category === 'Masters 40+').length})`);
  await expect(list.first().getByTestId('category-place')).toHaveText('1st Masters 40+');
  await expect(list.nth(1).getByTestId('category-place')).toHaveText('2nd Masters 40+');
  await list.first().click();
  await expect(page.getByTestId('race-category-position')).toHaveText('1');
  await page.getByText('Category podiums').click();
  await expect(page.getByTestId('podium')).toHaveCount(new Set(finishers.map((r) => r.category)).size);

  // ---------- the finish line: approaching in arrival order, then across ----------
  await page.goto(`/e/${day.id}/finish`);
  const approaching = page.getByTestId('approaching-runner');
  await expect(approaching.first()).toBeVisible();
  await expect(page.getByTestId('finishers')).toHaveText(`${finishers.length} finished`);
  const next = await approaching.first().getAttribute('data-bib');
  const runner = day.runners.find((r) => r.bib === next)!;
  expect(reaches(day, runner, day.length)).toBeGreaterThan(now);
  await postPassings(request, day, 'Finish', [{ chip: `CH${runner.bib}`, t: Date.now() - 1000 }]);
  await expect(page.getByTestId('finished-runner').first()).toHaveAttribute('data-bib', runner.bib, { timeout: 20_000 });
  await expect(page.getByTestId('finished-runner').first()).toHaveClass(/just/);
  await expect(page.getByTestId('finishers')).toHaveText(`${finishers.length + 1} finished`);

  // ---------- the embed: its own CSP, light and dark, one runner, the map ----------
  const embedPage = await request.get(`/embed/${day.id}`);
  expect(embedPage.headers()['content-security-policy']).toContain(`frame-ancestors ${RACE_SITE}`);
  expect(embedPage.headers()['x-frame-options']).toBeUndefined();
  const spectatorPage = await request.get(`/e/${day.id}`);
  expect(spectatorPage.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(spectatorPage.headers()['x-frame-options']).toBe('DENY');

  await page.goto(`/embed/${day.id}`);
  await expect(page.getByTestId('embed-row').first()).toHaveAttribute('data-bib', gunDone[0]!.bib);
  await page.getByTestId('embed-category').selectOption('Walk');
  await expect(page.getByTestId('embed-row').first()).toBeVisible();
  await page.goto(`/embed/${day.id}?runner=${encodeURIComponent((await (await request.get(`/api/events/${day.id}/feed/standings`)).json()).standings[0].id)}&theme=dark`);
  await expect(page.getByTestId('embed-runner-place')).toHaveText('1');
  await expect(page.getByTestId('embed')).toHaveAttribute('data-theme', 'dark');
  await page.goto(`/embed/${day.id}?view=map`);
  await expect(page.getByTestId('embed-map')).toHaveAttribute('data-runners', /^[1-9]\d*$/);

  // ---------- an event whose organiser listed no site: its embed may be framed by nobody ----------
  const other = await request.post('/api/events', { data: { name: 'Not framed here' } });
  const otherId = ((await other.json()) as { event: { id: string } }).event.id;
  const unlisted = await request.get(`/embed/${otherId}`);
  expect(unlisted.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(unlisted.headers()['x-frame-options']).toBe('DENY');
});

test('a protected event stays protected in its embed', async ({ page, request }) => {
  const created = await request.post('/api/events', { data: { name: 'Private club run' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const auth = { authorization: `Bearer ${organiserToken}` };
  expect((await request.put(`/api/events/${event.id}/view-code`, { headers: auth, data: { code: 'secret-club-7' } })).status()).toBe(200);
  expect((await request.put(`/api/events/${event.id}/race`, { headers: auth, data: { embedSites: [RACE_SITE] } })).status()).toBe(200);
  await page.goto(`/embed/${event.id}`);
  await expect(page.getByRole('heading', { name: 'Private club run' })).toBeVisible();
  await expect(page.getByTestId('embed-protected')).toBeVisible();
  await expect(page.getByTestId('embed-leaderboard')).toHaveCount(0);
  expect((await request.get(`/api/events/${event.id}/results`)).status()).toBe(403);
});

test('screenshots: the finish line and the embeds at phone and desktop sizes', async ({ page, request }) => {
  test.setTimeout(120_000);
  const day = await seedRaceDay(request, 'Englischer Garten 7k', Date.now());
  await request.put(`/api/events/${day.id}/race`, { headers: day.auth, data: { embedSites: [RACE_SITE] } });
  for (const [label, viewport] of [
    ['phone', { width: 390, height: 844 }],
    ['desktop', { width: 1440, height: 900 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.goto(`/e/${day.id}/finish`);
    await expect(page.getByTestId('approaching-runner').first()).toBeVisible();
    await expect(page.getByTestId('finished-runner').first()).toBeVisible();
    await shoot(page, `finish-line-${label}`);
    await page.goto(`/embed/${day.id}`);
    await expect(page.getByTestId('embed-row').first()).toBeVisible();
    await shoot(page, `embed-leaderboard-${label}`);
    await page.goto(`/embed/${day.id}?view=podium&theme=dark`);
    await expect(page.getByTestId('podium').first()).toBeVisible();
    await shoot(page, `embed-podium-dark-${label}`);
  }
});

test('a runner not on the start list gives category, club, sex and year when joining, and counts in the category filters', async ({ page, browser, baseURL, request }) => {
  const created = await request.post('/api/events', { data: { name: 'Harbour run' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const entry = (bib: string, lastName: string, category: string) => ({ bib, firstName: 'Sam', lastName, sex: 'M', birthYear: 1990, ageGroup: null, category, club: 'Sea Striders', wave: null, chip: null });
  const imported = await request.post(`/api/events/${event.id}/entries`, {
    headers: { authorization: `Bearer ${organiserToken}` },
    data: { entries: [entry('1', 'Half', 'Half marathon'), entry('2', 'Ten', '10 km')] },
  });
  expect(imported.status()).toBe(200);

  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, geolocation: { latitude: 40.7712, longitude: -73.9741, accuracy: 5 }, permissions: ['geolocation'] });
  await offline(ctx, []);
  const phone = await ctx.newPage();
  await phone.goto(`/e/${event.id}/run`);
  await phone.getByLabel('Your name').fill('Walk-in Wanda');
  await phone.getByText('About you (optional)').click();
  // The event's categories are offered as the runner types.
  await expect(phone.locator('#event-categories option')).toHaveCount(2);
  await phone.getByLabel('Sex').selectOption('F');
  await phone.getByLabel('Year of birth').fill('19');
  await phone.getByLabel('Category').fill('Half marathon');
  await phone.getByLabel('Club').fill('Harbour Harriers');
  await phone.getByRole('button', { name: 'Start sharing' }).click();
  await expect(phone.getByText(/Give your year of birth as four digits/)).toBeVisible();
  await phone.getByLabel('Year of birth').fill('1981');
  await phone.screenshot({ path: `${shots}/join-about-you-phone.png` });
  await phone.getByRole('button', { name: 'Start sharing' }).click();
  await expect(phone.getByTestId('acked')).toHaveText(/^[1-9]\d*$/);
  await ctx.close();

  // Spectators find her with the half marathon runners, in her age group and club.
  await page.goto(`/e/${event.id}`);
  await page.getByTestId('filter-category').selectOption('Half marathon');
  await expect(page.getByRole('heading', { name: /^Runners \(\d+\)$/ })).toHaveText('Runners (2)');
  await expect(page.locator('tr.runner', { hasText: 'Walk-in Wanda' })).toBeVisible();
  await page.getByTestId('filter-category').selectOption('');
  await page.getByTestId('filter-club').selectOption('Harbour Harriers');
  await expect(page.getByRole('heading', { name: /^Runners \(\d+\)$/ })).toHaveText('Runners (1)');
  const year = new Date().getFullYear();
  const band = year - 1981 >= 35 ? String(Math.floor((year - 1981) / 5) * 5) : '20';
  await expect(page.getByTestId('filter-ageGroup').locator('option', { hasText: `F${band}` })).toHaveCount(1);
});

test('the race website frames the embed; a site the organiser did not list cannot', async ({ page, request }) => {
  const created = await request.post('/api/events', { data: { name: 'Framed 10k' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  expect((await request.put(`/api/events/${event.id}/race`, { headers: { authorization: `Bearer ${organiserToken}` }, data: { embedSites: [RACE_SITE] } })).status()).toBe(200);
  // Two websites on this machine (a page served from the network is kept from framing a local one by the
  // browser itself), each framing the embed with the snippet's iframe.
  const otherSite = `http://127.0.0.1:${PORT + 8}`;
  const listening = await Promise.all(
    [PORT + 7, PORT + 8].map((port) => {
      const site = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><title>Race website</title><h1>Results</h1><iframe src="http://127.0.0.1:${PORT}/embed/${event.id}" width="600" height="400" title="Live results"></iframe>`);
      });
      return new Promise<typeof site>((resolve) => site.listen(port, '127.0.0.1', () => resolve(site)));
    }),
  );
  try {
    await page.goto(`${RACE_SITE}/results`);
    await expect(page.frameLocator('iframe').getByTestId('embed')).toBeVisible();

    await page.goto(`${otherSite}/results`);
    // The browser refuses to show it there: the frame holds the browser's error page, never the embed.
    await expect.poll(() => page.frames().some((f) => f.url().startsWith('chrome-error://'))).toBe(true);
    await expect(page.frameLocator('iframe').getByTestId('embed')).toHaveCount(0);
  } finally {
    await Promise.all(listening.map((s) => new Promise((resolve) => s.close(resolve))));
  }
});
