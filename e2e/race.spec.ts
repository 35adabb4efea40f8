/**
 * Race day in Chromium with tiles blocked: the organiser uploads a GPX course and adds checkpoints on
 * the organiser page; runners (with bibs) move along an out-and-back course; the spectator page draws the
 * course, orders the list by progress with gaps, finds a runner by bib, follows one (ring, splits, ETA,
 * shareable ?runner= link) and switches to miles.
 */
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { alongOutAndBack, outAndBackGpx } from '../test/support/out-and-back';
import { expect, test } from './fixtures';

const START = [40.7712, -73.9741] as const;

const courseGpx = () => outAndBackGpx(START, 'Reservoir out and back');
const along = (m: number) => alongOutAndBack(START, m);

interface Racer {
  runnerId: string;
  /** Runs on for `seconds` more at the same speed, the fixes stamped after the last ones. */
  more(seconds: number): Promise<void>;
  close(): void;
}

/**
 * Joins over the protocol with a bib and runs at `speed` m/s for `seconds` (fixes every 5 s), the last fix
 * `endAgoS` seconds ago.
 */
async function runner(baseURL: string, event: string, name: string, bib: string, speed: number | ((s: number) => number), seconds: number, endAgoS = 0): Promise<Racer> {
  const metres = typeof speed === 'number' ? (s: number) => speed * s : speed;
  const ws = new WebSocket(`${baseURL.replace('http', 'ws')}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const messages: Array<{ type: string; runnerId?: string; seq?: number }> = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  const until = async (pick: (m: (typeof messages)[number]) => boolean) => {
    await expect.poll(() => messages.some(pick), { timeout: 15_000 }).toBe(true);
    return messages.find(pick)!;
  };
  ws.send(JSON.stringify({ type: 'join', event, name, color: '#1f78b4', bib }));
  const runnerId = (await until((m) => m.type === 'joined')).runnerId!;
  const t0 = Date.now() - (seconds + endAgoS) * 1000;
  let seq = 0;
  let s = 0;
  const run = async (to: number) => {
    for (; s <= to; s += 5) {
      const [lat, lon] = along(Math.min(5000, metres(s)));
      ws.send(JSON.stringify({ type: 'pos', seq: ++seq, lat, lon, t: t0 + s * 1000, acc: 5 }));
    }
    const last = seq;
    await until((m) => m.type === 'ack' && m.seq === last);
  };
  await run(seconds);
  return { runnerId, more: (extra) => run(s - 5 + extra), close: () => ws.close() };
}

/** The organiser token, from the organiser link the page shows. */
async function organiserToken(page: Page): Promise<string> {
  const link = await page.getByRole('textbox', { name: 'Organiser link' }).inputValue();
  return /#token=([A-Za-z0-9_-]+)/.exec(link)![1]!;
}

async function rowOrder(page: Page): Promise<string[]> {
  return page.locator('.runner-table tbody tr.runner .runner-name').allTextContents();
}

test('a GPX course, checkpoints, race order with gaps, a followed runner’s splits and ETA, bib search and miles', async ({ page, browser, baseURL, blocked }) => {
  test.setTimeout(90_000);
  // The organiser creates the event on the landing page and sets the race up.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await page.getByLabel('Event name').fill('Reservoir 5k');
  await page.getByRole('button', { name: 'Create event' }).click();
  await expect(page.getByRole('heading', { name: 'Organise: Reservoir 5k' })).toBeVisible();
  const eventId = /\/e\/([a-z0-9-]+)\/organise/.exec(page.url())![1]!;

  const setup = page.getByTestId('course-setup');
  await setup.getByLabel(/Upload the course/).setInputFiles({ name: 'reservoir.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from(courseGpx()) });
  await expect(page.getByText('The course from reservoir.gpx is set.')).toBeVisible();
  await expect(page.getByTestId('course-summary')).toContainText('Reservoir out and back');
  await expect(page.getByTestId('course-summary')).toContainText(/(4\.99|5\.00) km/);

  await setup.getByRole('button', { name: 'Add a checkpoint' }).click();
  await setup.getByLabel('Name').last().fill('Water');
  await setup.getByLabel('At (km)').last().fill('1');
  await setup.getByRole('button', { name: 'Add a checkpoint' }).click();
  await setup.getByLabel('Name').last().fill('Turn');
  await setup.getByLabel('At (km)').last().fill('2.5');
  await setup.getByRole('button', { name: 'Save checkpoints' }).click();
  await expect(page.getByText('The checkpoints are saved.')).toBeVisible();
  await expect(page.getByTestId('course-summary')).toContainText('2 checkpoints');

  // A file that is not a course is refused with a reason, and the course stays.
  await setup.getByLabel(/Replace the course/).setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('shopping list') });
  await expect(setup.getByTestId('said-course')).toHaveClass(/bad/);
  await expect(setup.getByTestId('said-course')).not.toContainText('is set');
  await expect(page.getByTestId('course-summary')).toContainText('Reservoir out and back');

  // Runners on the out-and-back: Fiona is on her way back, beside Sam who is still going out.
  const fiona = (await runner(baseURL!, eventId, 'Fiona Fast', '7', 5, 700)).runnerId;
  // Sam's latest fix is from four minutes ago: more of his run comes in later, up to now.
  const samRun = await runner(baseURL!, eventId, 'Sam Steady', '12', 2, 700, 240);
  const sam = samRun.runnerId;
  const others = [await runner(baseURL!, eventId, 'Walt Walker', '120', 1.2, 700)];
  others.push(...(await Promise.all(Array.from({ length: 24 }, (_, i) => runner(baseURL!, eventId, `Club runner ${i + 1}`, String(200 + i), 1.5 + i * 0.05, 300)))));
  for (const o of others) o.close();

  const spectator = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await spectator.context().route((url) => !/^(https?|wss?):\/\/(127\.0\.0\.1|localhost)/.test(url.toString()), (r) => {
    blocked.push(r.request().url());
    return r.abort('blockedbyclient');
  });
  await spectator.goto(`/e/${eventId}`);
  // The course is the backdrop: its line, km markers, start and finish, checkpoints.
  await expect(spectator.locator('[data-course]')).toHaveAttribute('data-course', /\d+/);
  await expect(spectator.locator('.course-mark.start')).toHaveText('Start / Finish');
  await expect(spectator.locator('.course-mark.checkpoint')).toHaveText(['Water', 'Turn']);
  await expect(spectator.locator('.course-mark.km')).toHaveText(['1', '2', '3', '4']);
  // The GPX had heights: the profile shows every runner on it.
  await expect(spectator.getByRole('img', { name: /Elevation profile with 27 runners/ })).toBeVisible();

  // Race order, by distance along the course.
  await expect.poll(() => rowOrder(spectator).then((o) => o.slice(0, 2))).toEqual(['Fiona Fast', 'Sam Steady']);
  const samRow = spectator.locator(`tr[data-runner="${sam}"]`);
  await expect(samRow.getByTestId('position')).toHaveText('2');
  await expect(samRow.getByTestId('gap')).toHaveText(/^\+\d+:\d\d$/);
  await expect(spectator.locator(`tr[data-runner="${fiona}"]`).getByTestId('gap')).toHaveText('leader');
  await expect(samRow.getByTestId('distance')).toHaveText(/^1\.[34]\d km$/);

  // Search by bib: the runner with exactly that bib comes first.
  await spectator.getByLabel('Find a runner by name or bib').fill('12');
  await expect.poll(() => rowOrder(spectator).then((o) => o[0])).toBe('Sam Steady');
  await expect(spectator.locator('tr.runner').first().getByTestId('bib')).toHaveText('bib 12');
  await spectator.getByLabel('Find a runner by name or bib').fill('');

  // Following Sam: ring on the map, the race card with splits and when Sam should reach the turn.
  await samRow.getByRole('button').first().click();
  await expect(spectator).toHaveURL(new RegExp(`\\?runner=${sam}$`));
  const card = spectator.getByTestId('race-card');
  await expect(card.getByTestId('race-position')).toHaveText('2');
  await expect(card.getByTestId('splits')).toContainText('1 km');
  // Kilometres and checkpoints are two series: a checkpoint never cuts a kilometre's split.
  await expect(card.getByTestId('checkpoint-splits')).toContainText('Water');
  await expect(card.getByTestId('splits')).not.toContainText('Water');
  await expect(card.getByTestId('race-eta')).toContainText('Turn');
  await expect(card.getByTestId('race-eta')).toContainText('Finish');
  await expect(card.getByTestId('race-basis')).toContainText('their average pace since the start');
  await expect(card.getByTestId('race-eta').locator('li').first()).toContainText(/\d:\d{2}.*\(likely (\d{1,2}\/\d{1,2}\/\d{4}, )?\d{1,2}:\d{2}/); // a date too, past midnight

  // A checkpoint just ahead of Sam; his next four minutes take him past it, and his follower is told.
  const put = await page.request.put(`/api/events/${eventId}/checkpoints`, {
    headers: { authorization: `Bearer ${await organiserToken(page)}` },
    data: { checkpoints: [{ name: 'Water', at: 1000 }, { name: 'Bandstand', at: 1600 }, { name: 'Turn', at: 2500 }] },
  });
  expect(put.ok()).toBe(true);
  await samRun.more(200);
  await expect(spectator.getByTestId('passing-toast')).toHaveText(/Sam Steady passed Bandstand at/);
  samRun.close();

  // Miles, by the spectator's choice.
  await spectator.getByRole('button', { name: 'miles' }).click();
  await expect(samRow.getByTestId('distance')).toHaveText(/^1\.1\d mi$/);
  await expect(spectator.locator('.course-mark.km')).toHaveText(['1', '2', '3']);

  // The shared link opens the page following Sam.
  const family = await browser.newPage();
  await family.context().route((url) => !/^(https?|wss?):\/\/(127\.0\.0\.1|localhost)/.test(url.toString()), (r) => r.abort('blockedbyclient'));
  await family.goto(`/e/${eventId}?runner=${sam}`);
  await expect(family.getByTestId('race-card')).toContainText('Sam Steady');
  await expect(family.locator(`tr[data-runner="${sam}"]`)).toHaveClass(/selected/);

  // The organiser corrects a bib; spectators see it.
  await page.reload();
  await page.getByLabel('Bib of Walt Walker').fill('W1');
  await page.getByLabel('Bib of Walt Walker').press('Enter');
  await expect(page.getByText('Walt Walker has bib W1.')).toBeVisible();
  await expect(spectator.locator('tr.runner', { hasText: 'Walt Walker' }).getByTestId('bib')).toHaveText('bib W1');
  expect(blocked.length).toBeGreaterThan(0);
});

test('a finished race replays: play, pause, scrub, the order at that moment, and the moment in the address', async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  const created = await page.request.post('/api/events', { data: { name: 'Replay 5k' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const auth = { authorization: `Bearer ${organiserToken}` };
  expect((await page.request.put(`/api/events/${event.id}/course`, { headers: auth, data: courseGpx() })).ok()).toBe(true);
  // Bea goes out fast and fades; Ann starts slowly and passes her at about 1.5 km.
  const ann = await runner(baseURL!, event.id, 'Ann Patient', '1', (s) => (s < 500 ? 2 * s : 1000 + 4 * (s - 500)), 1200);
  const bea = await runner(baseURL!, event.id, 'Bea Bolt', '2', (s) => 3 * s, 1200);
  ann.close();
  bea.close();
  expect((await page.request.post(`/api/events/${event.id}/finish`, { headers: auth })).ok()).toBe(true);

  await page.goto(`/e/${event.id}`);
  await expect.poll(() => rowOrder(page)).toEqual(['Ann Patient', 'Bea Bolt']);
  await page.getByRole('button', { name: 'Replay the race' }).click();
  const bar = page.getByTestId('replay-bar');
  await expect(bar).toBeVisible();
  await bar.getByRole('button', { name: 'Pause' }).click();
  await bar.getByLabel('Speed').selectOption('300');

  // Early on Bea leads, and Ann's trail is short.
  const slider = bar.getByLabel('Replay time');
  const [from, to] = await slider.evaluate((el: HTMLInputElement) => [Number(el.min), Number(el.max)]);
  await slider.fill(String(from + 300_000));
  await expect.poll(() => rowOrder(page)).toEqual(['Bea Bolt', 'Ann Patient']);
  const annTrail = page.locator(`path.trail[data-runner="${ann.runnerId}"]`);
  const early = Number(await annTrail.getAttribute('data-points'));
  expect(early).toBeGreaterThan(50);
  expect(early).toBeLessThan(70);
  await expect(page).toHaveURL(new RegExp(`[?&]t=${Math.round((from + 300_000) / 1000) * 1000}$`));

  // Later Ann is ahead; her trail has grown.
  await slider.fill(String(to - 60_000));
  await expect.poll(() => rowOrder(page)).toEqual(['Ann Patient', 'Bea Bolt']);
  await expect.poll(async () => Number(await annTrail.getAttribute('data-points'))).toBeGreaterThan(early + 100);

  // Playing moves the time on.
  const before = await bar.getByTestId('replay-time').textContent();
  await slider.fill(String(from));
  await bar.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(() => bar.getByTestId('replay-time').textContent()).not.toBe(before);

  // The address opens the replay at that moment.
  const shared = await page.context().newPage();
  await shared.goto(`/e/${event.id}?t=${from + 300_000}`);
  await expect(shared.getByTestId('replay-bar')).toBeVisible();
  await expect.poll(() => rowOrder(shared)).toEqual(['Bea Bolt', 'Ann Patient']);
  await shared.getByTestId('replay-bar').getByRole('button', { name: 'Close replay' }).click();
  await expect(shared.getByTestId('replay-bar')).toBeHidden();
  await expect.poll(() => rowOrder(shared)).toEqual(['Ann Patient', 'Bea Bolt']);
});
