/**
 * Race day as a spectator sees it: a half-marathon out and back with checkpoints passed twice at the same
 * spot, 300 runners with long and non-Latin names. On a phone the runner followed (a family's link) is in
 * view at once, in a sheet over the map; the course's labels are never under runner names; a wide screen
 * has a results table with every column; at 320 px no number breaks inside. Pictures at 390, 1440 and 2560.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { type Course, positionAt } from '../lib/course/course';
import { parseCourseFile } from '../lib/course/course-file';
import { offsetM } from '../lib/geo';
import { CENTRE, NAMES } from './seed';
import { expect, offline, settled, test } from './fixtures';

const HALF = 21_097.5;
const TURN = HALF / 2;

/** Out along a gently winding road and back on its other side, as a city half marathon often is. */
function halfMarathonGpx(): string {
  const pts: string[] = [];
  const add = (m: number, side: number) => {
    const [lat, lon] = offsetM(CENTRE.latitude, CENTRE.longitude, m * 0.8, 900 * Math.sin(m / 1800) + side);
    pts.push(`<trkpt lat="${lat.toFixed(6)}" lon="${lon.toFixed(6)}"><ele>${(30 + 12 * Math.sin(m / 2500)).toFixed(1)}</ele></trkpt>`);
  };
  for (let m = 0; m <= TURN; m += 40) add(m, 0);
  for (let m = TURN; m >= 0; m -= 40) add(m, 12);
  return `<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Stadtlauf Halbmarathon</name><trkseg>${pts.join('')}</trkseg></trk></gpx>`;
}

const FIRST = ['Maximilian', 'Александра', '山田', 'محمد', 'Zoë', 'Ngozi', 'Παναγιώτης', 'François', 'Siobhán', '김민준', 'Aarav', 'Björk'];
const LAST = ['Müller-Lüdenscheidt', 'Константинопольская', '太郎', 'عبد الله', 'Schwarzenegger', 'Okonkwo-Adebayo', 'Παπαδόπουλος', 'Schwab', "O'Sullivan", '이서연', 'Venkataraman', 'Guðmundsdóttir'];
const nameOf = (i: number) => {
  const special = [NAMES.noSpaces, NAMES.cjk, NAMES.emoji, NAMES.spaced];
  return i < special.length ? special[i]! : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;
};

/** Joins with a bib and runs `metres` at `speed`: a sparse trail, then the last minutes in detail, ending now. */
async function raceRunner(wsUrl: string, event: string, course: Course, name: string, bib: string, metres: number, speed: number): Promise<string> {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const got: Array<{ type: string; runnerId?: string; seq?: number }> = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  const wait = (pick: (m: (typeof got)[number]) => boolean) => expect.poll(() => got.some(pick), { timeout: 30_000 }).toBe(true);
  ws.send(JSON.stringify({ type: 'join', event, name, color: '#e6194b', bib }));
  await wait((m) => m.type === 'joined');
  const seconds = metres / speed;
  const t0 = Date.now() - seconds * 1000;
  let seq = 0;
  for (let s = 0; s <= seconds; s += s < seconds - 200 ? 120 : 5) {
    const [lat, lon] = positionAt(course, Math.min(course.length, speed * s));
    ws.send(JSON.stringify({ type: 'pos', seq: ++seq, lat, lon, t: Math.round(t0 + s * 1000), acc: 6 }));
  }
  const last = seq;
  await wait((m) => m.type === 'ack' && m.seq === last);
  ws.close();
  return got.find((m) => m.type === 'joined')!.runnerId!;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Course labels (start, finish, checkpoints) on screen, and runner names on screen, as page boxes. */
function mapLabels(page: Page): Promise<{ course: Array<Box & { text: string }>; names: Box[] }> {
  return page.evaluate(() => {
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width, h: r.height };
    };
    const shown = (el: Element) => getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().width > 0;
    return {
      course: [...document.querySelectorAll('.course-mark.start span, .course-mark.finish span, .course-mark.checkpoint span')]
        .filter((el) => getComputedStyle(el.parentElement!).display !== 'none' && shown(el))
        .map((el) => ({ ...box(el), text: el.textContent ?? '' })),
      names: [...document.querySelectorAll('.runner-label')].filter(shown).map(box),
    };
  });
}

const overlap = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function shotPath(name: string, outputPath: (name: string) => string): string {
  return process.env.SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots', `${name}.png`) : outputPath(`${name}.png`);
}

test('race day: 300 runners on a half marathon, followed on a phone, a results table on wide screens', async ({ browser, baseURL, page }, testInfo) => {
  test.setTimeout(300_000);
  const created = await page.request.post('/api/events', { data: { name: 'Stadtlauf Halbmarathon' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const auth = { authorization: `Bearer ${organiserToken}` };
  expect((await page.request.put(`/api/events/${event.id}/course`, { headers: auth, data: halfMarathonGpx() })).ok()).toBe(true);
  const course = parseCourseFile(halfMarathonGpx()).course;
  // Water at 2.5 km and 5 km is passed again on the way back, at the very same spots.
  const checkpoints = [
    { name: 'Water Brandenburger Tor', at: 2500 },
    { name: 'Water Charlottenburg', at: 5000 },
    { name: 'Turn', at: course.length / 2 },
    { name: 'Water Charlottenburg (back)', at: course.length - 5000 },
    { name: 'Water Brandenburger Tor (back)', at: course.length - 2500 },
  ];
  expect((await page.request.put(`/api/events/${event.id}/checkpoints`, { headers: auth, data: { checkpoints } })).ok()).toBe(true);
  const wsUrl = `${baseURL!.replace('http', 'ws')}/ws`;
  const ids: string[] = [];
  for (let from = 0; from < 300; from += 30) {
    ids.push(
      ...(await Promise.all(
        Array.from({ length: 30 }, (_, k) => {
          const i = from + k;
          const metres = i < 5 ? course.length + 30 : Math.max(400, course.length * (1 - i / 310));
          return raceRunner(wsUrl, event.id, course, nameOf(i), String(1000 + i), metres, 2.6 + (i % 9) * 0.15);
        }),
      )),
    );
  }
  const shoot = (p: Page, name: string) => p.screenshot({ path: shotPath(name, testInfo.outputPath.bind(testInfo)) });
  // A runner on the way back, with long non-Latin names around them.
  const followed = ids[100]!;

  await test.step('a family link on a phone: the runner followed is in view at once, over the map', async () => {
    const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await offline(ctx, []);
    const phone = await ctx.newPage();
    await phone.goto(`/e/${event.id}?runner=${followed}`);
    const sheet = phone.getByTestId('follow-sheet');
    await expect(sheet.getByTestId('race-position')).toHaveText(/^\d+$/);
    await expect(sheet.getByTestId('race-last-checkpoint')).toContainText(/Water|Turn/);
    await expect(sheet.getByTestId('race-next')).toContainText(/Turn|Water/);
    await settled(phone);
    expect(await phone.evaluate(() => window.scrollY)).toBe(0);
    // Position, last checkpoint, what comes next and the cheer: all inside the screen without scrolling.
    for (const what of [sheet.getByTestId('race-position'), sheet.getByTestId('race-last-checkpoint'), sheet.getByTestId('race-next'), sheet.getByRole('button', { name: /^Cheer for/ })]) {
      await expect(what).toBeInViewport({ ratio: 1 });
    }
    // The map shows above the sheet, and the runner's place on it.
    const map = await phone.getByTestId('map').boundingBox();
    const top = await sheet.boundingBox();
    expect(map!.height).toBeGreaterThan(250);
    expect(top!.y).toBeGreaterThan(map!.y + 250);
    await shoot(phone, 'race-day-followed-phone');
    // Cheering opens the sheet on the form, ready to type.
    await sheet.getByRole('button', { name: /^Cheer for/ }).click();
    await expect(sheet.getByLabel('Your cheer')).toBeFocused();
    await expect(sheet.getByLabel('Your cheer')).toBeInViewport();
    await expect(sheet.getByTestId('splits')).toBeVisible();
    await shoot(phone, 'race-day-followed-phone-open');
    await sheet.getByRole('button', { name: /^Stop following/ }).click();
    await expect(sheet).toHaveCount(0);
    // A search shows whole names, so the part that matched is in sight.
    await phone.getByLabel('Find a runner by name or bib').fill('schw');
    const name = phone.locator('tr.runner .runner-name').first();
    await expect(name).toContainText(/Schw/);
    expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await ctx.close();
  });

  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1440, height: 900 },
    { width: 2560, height: 1440 },
  ]) {
    await test.step(`the map at ${viewport.width} px: start, finish and checkpoints readable, never under a name`, async () => {
      const ctx = await browser.newContext({ baseURL, viewport, deviceScaleFactor: viewport.width < 500 ? 2 : 1 });
      await offline(ctx, []);
      const p = await ctx.newPage();
      await p.goto(`/e/${event.id}`);
      await expect(p.locator('tr.runner').first().getByTestId('position')).toHaveText('1');
      await expect(p.locator('.course-mark.start span')).toBeVisible();
      await expect.poll(async () => (await mapLabels(p)).names.length).toBeGreaterThan(0);
      await settled(p);
      const { course: marks, names } = await mapLabels(p);
      // Every checkpoint is named, the ones passed twice at the same spot each in a place of its own.
      expect(marks.map((m) => m.text).sort()).toEqual(['Start / Finish', ...checkpoints.map((c) => c.name)].sort());
      for (const m of marks) {
        for (const n of names) expect(overlap(m, n), `a runner's name over "${m.text}"`).toBe(false);
        for (const o of marks) if (o !== m) expect(overlap(m, o), `"${m.text}" over "${o.text}"`).toBe(false);
      }
      // The course fills the map it was fitted to.
      const fill = await p.evaluate(() => {
        const line = document.querySelector('path.course-line')!.getBoundingClientRect();
        const map = document.querySelector('.leaflet-container')!.getBoundingClientRect();
        return Math.max(line.height / map.height, line.width / map.width);
      });
      expect(fill).toBeGreaterThan(0.6);
      // Names only where there is room: a handful on a phone, never a crowd.
      expect(names.length).toBeLessThanOrEqual(Math.ceil((viewport.width * viewport.height) / 30_000));
      if (viewport.width >= 1440) {
        // A results table: every column labelled and sortable by pace.
        const table = p.locator('table.runner-table');
        for (const header of ['Position', 'Runner', 'Distance along the course', 'Gap', 'Pace', 'Happiness (0–10)']) {
          await expect(table.locator('thead th').filter({ has: p.locator(`[title="${header}"], :text-is("${header}")`) }).first()).toBeVisible();
        }
        await expect(table.locator('tr.runner').first().getByTestId('gap')).toBeVisible();
        await expect(table.locator('tr.runner').first().getByTestId('mood')).toBeVisible();
        const pace = table.locator('thead th').filter({ hasText: 'Pace' });
        await pace.getByRole('button').click();
        await expect(pace).not.toHaveAttribute('aria-sort', 'none');
        await expect(table.locator('tr.runner').first().getByTestId('position')).not.toHaveText('1');
        await pace.getByRole('button').click();
        await table.locator('thead th').first().getByRole('button').click();
        await expect(table.locator('tr.runner').first().getByTestId('position')).toHaveText('1');
      }
      await shoot(p, `race-day-map-${viewport.width}`);
      await ctx.close();
    });
  }

  await test.step('at 320 px no number of the runner followed breaks inside', async () => {
    const ctx = await browser.newContext({ baseURL, viewport: { width: 320, height: 640 }, deviceScaleFactor: 2 });
    await offline(ctx, []);
    const small = await ctx.newPage();
    await small.goto(`/e/${event.id}?runner=${followed}`);
    const sheet = small.getByTestId('follow-sheet');
    await expect(sheet.getByTestId('race-position')).toHaveText(/^\d+$/);
    await sheet.getByRole('button', { name: 'More' }).click();
    await expect(sheet.getByTestId('race-pace')).toBeVisible();
    await settled(small);
    const broken = await sheet.evaluate((el) =>
      [...el.querySelectorAll('.race-facts dd:not(.words), .race-facts .cp-clock, .race-facts .eta-interval')].flatMap((dd) => {
        const range = document.createRange();
        range.selectNodeContents(dd);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
        const clipped = dd.scrollWidth > dd.clientWidth + 1 && getComputedStyle(dd).display !== 'inline';
        return lines > 1 || clipped ? [`${dd.textContent} (${lines} lines${clipped ? ', clipped' : ''})`] : [];
      }),
    );
    expect(broken).toEqual([]);
    await shoot(small, 'race-day-followed-320');
    await ctx.close();
  });

  await test.step('the organiser limits a link to runners found by bib or name, not read from 300 boxes', async () => {
    await page.goto(`/e/${event.id}/organise#token=${organiserToken}`);
    const pick = page.locator('.link-runners');
    await expect(pick.getByTestId('link-runners-more')).toHaveText('270 more: type a name or bib to find them.');
    await expect(pick.getByRole('checkbox')).toHaveCount(30);
    await pick.getByLabel('Find runners for this link by name or bib').fill('1100');
    await expect(pick.locator('label').first()).toContainText('1100');
    await pick.locator('label').first().getByRole('checkbox').check();
    await pick.getByLabel('Find runners for this link by name or bib').fill('schw');
    // The ticked runner stays in sight above the matches.
    await expect(pick.locator('label').first()).toContainText('1100');
    await expect(pick.locator('label').first().getByRole('checkbox')).toBeChecked();
    await expect(pick.locator('label').nth(1)).toContainText(/Schw/i);
  });
});
