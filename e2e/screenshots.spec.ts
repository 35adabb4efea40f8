/**
 * Both views at phone and desktop sizes, with simulated runners on the map. Every run checks they render;
 * `npm run screenshots` also writes the pictures the README shows, under docs/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { type Course, positionAt } from '../lib/course/course';
import { parseCourseFile } from '../lib/course/course-file';
import { offsetM } from '../lib/geo';
import { startSimulation } from '../server/simulator';
import { CENTRE, NAMES } from './seed';
import { createEvent, expect, offline, settled, test } from './fixtures';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
/** Each picture: a size, and the dark theme or the outdoor (high-contrast) mode where named. */
const SHOTS = [
  { size: 'phone', viewport: PHONE, dark: false, outdoor: false, runner: 'Marta' },
  { size: 'desktop', viewport: DESKTOP, dark: false, outdoor: false, runner: 'Tomás' },
  { size: 'phone-dark', viewport: PHONE, dark: true, outdoor: false, runner: 'Noor' },
  { size: 'phone-outdoor', viewport: PHONE, dark: false, outdoor: true, runner: 'Kofi' },
] as const;

const contextFor = (shot: (typeof SHOTS)[number]) => ({
  viewport: shot.viewport,
  deviceScaleFactor: shot.viewport === PHONE ? 2 : 1,
  colorScheme: shot.dark ? ('dark' as const) : ('light' as const),
});

/** Cheer as a spectator would, over the public protocol. */
function sendCheer(url: string, event: string, runnerId: string, from: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'cheer', event, runnerId, from, text })));
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== 'cheered') return;
      ws.close();
      resolve();
    });
    ws.on('error', reject);
  });
}

function target(name: string, outputPath: (name: string) => string): string {
  return process.env.SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots', `${name}.png`) : outputPath(`${name}.png`);
}

test('spectator and runner views render at phone and desktop sizes, dark and outdoor', async ({ browser, baseURL, page }, testInfo) => {
  test.setTimeout(180_000);
  const eventId = await createEvent(page.request, 'Riverside 10k');
  const sim = startSimulation({ url: `${baseURL!.replace('http', 'ws')}/ws`, event: eventId, runners: 5, intervalMs: 250 });
  try {
    const shoot = async (p: Page, name: string) => p.screenshot({ path: target(name, testInfo.outputPath.bind(testInfo)) });

    // Until the trails have grown and a few happiness samples arrived.
    await expect
      .poll(
        async () => {
          const snap = (await (await page.request.get(`/api/events/${eventId}/snapshot`)).json()) as { runners: Array<{ points: number }> };
          const happiness = (await (await page.request.get(`/api/events/${eventId}/happiness`)).json()) as { samples: unknown[] };
          return snap.runners.length === 5 && snap.runners.every((r) => r.points >= 40) && happiness.samples.length >= 8;
        },
        { timeout: 60_000 },
      )
      .toBe(true);
    for (const shot of SHOTS) {
      const size = shot.size;
      const ctx = await browser.newContext({ baseURL, ...contextFor(shot) });
      await offline(ctx, []);
      if (shot.outdoor) await ctx.addInitScript(() => localStorage.setItem('trackside:contrast', 'high'));
      const spectator = await ctx.newPage();
      await spectator.goto(`/e/${eventId}`);
      await expect(spectator.locator('.runner-label')).toHaveCount(5);
      await expect(spectator.getByTestId('happiness-now')).toContainText('mean of 5 runners');
      if (size !== 'phone') {
        await spectator.locator('tr.runner').first().click();
        // On a phone the followed runner's card is a sheet over the map: opened in full, it has the cheer form.
        if (shot.viewport === PHONE) await spectator.getByTestId('follow-sheet').getByRole('button', { name: 'More' }).click();
        await expect(spectator.getByRole('heading', { name: /Cheer for/ })).toBeVisible();
      }
      await settled(spectator);
      await shoot(spectator, `spectator-${size}`);
      await ctx.close();
    }

    for (const shot of SHOTS) {
      const size = shot.size;
      const ctx = await browser.newContext({
        baseURL,
        ...contextFor(shot),
        geolocation: { latitude: 40.7712, longitude: -73.9741, accuracy: 5 },
        permissions: ['geolocation'],
      });
      await offline(ctx, []);
      if (shot.outdoor) await ctx.addInitScript(() => localStorage.setItem('trackside:contrast', 'high'));
      const runner = await ctx.newPage();
      await runner.goto(`/e/${eventId}/run`);
      await runner.getByLabel('Your name').fill(shot.runner);
      await runner.getByRole('button', { name: 'Blue', exact: true }).click();
      await runner.getByRole('button', { name: 'Start sharing' }).click();
      await expect(runner.getByTestId('acked')).toContainText('1');
      // Up the park at a running pace (for the README pictures; quicker otherwise), so the runner's own
      // numbers and trail show.
      for (let i = 1; i <= 5; i++) {
        // The README's pictures show a running pace, worked out from the times the browser stamps on its fixes:
        // those need real time between them. Otherwise nothing here depends on the pace.
        if (process.env.SCREENSHOTS) await runner.waitForTimeout(2500);
        await ctx.setGeolocation({ latitude: 40.7712 + i * 0.0001, longitude: -73.9741 + (i % 2) * 0.00005, accuracy: 5 });
        await expect(runner.getByTestId('acked')).toHaveText(String(i + 1));
      }
      await runner.getByLabel('How do you feel?').fill('8');
      const runnerId = await runner.evaluate(
        (id) => (JSON.parse(localStorage.getItem(`trackside:${id}:runner`) ?? '{}') as { runnerId?: string }).runnerId,
        eventId,
      );
      await sendCheer(`${baseURL!.replace('http', 'ws')}/ws`, eventId, runnerId!, 'Coach', 'Lovely form, keep it steady!');
      await expect(runner.getByTestId('cheers')).toContainText('Lovely form');
      await expect(runner.getByTestId('cheer-toast')).toContainText('Lovely form');
      await runner.evaluate(() => window.scrollTo(0, 0));
      await settled(runner);
      await shoot(runner, `runner-${size}`);
      await ctx.close();
    }
  } finally {
    sim.stop();
  }
});

/** A 10 km loop around the park with two hills, as a GPX with heights. */
function loopGpx(): string {
  const pts: string[] = [];
  const n = 400;
  for (let i = 0; i <= n; i++) {
    const a = (i / n) * 2 * Math.PI;
    // An egg-shaped loop about 3.5 km by 2.4 km: 10 km round.
    const north = 1750 * Math.sin(a) * (1 + 0.12 * Math.cos(a));
    const east = 1200 * (1 - Math.cos(a));
    const [lat, lon] = offsetM(CENTRE.latitude, CENTRE.longitude, north, east);
    const ele = 20 + 18 * Math.sin(a * 2) ** 2 + 6 * Math.sin(a * 5);
    pts.push(`<trkpt lat="${lat.toFixed(6)}" lon="${lon.toFixed(6)}"><ele>${ele.toFixed(1)}</ele></trkpt>`);
  }
  return `<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Park loop 10k</name><trkseg>${pts.join('')}</trkseg></trk></gpx>`;
}

/** Joins with a bib and runs `metres` of the course at `speed`, fixes every 5 s ending now; `off` strays 120 m east at the end. */
async function raceRunner(wsUrl: string, event: string, course: Course, name: string, bib: string, metres: number, speed: number, off = false): Promise<string> {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const got: Array<{ type: string; runnerId?: string; seq?: number }> = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  const wait = (pick: (m: (typeof got)[number]) => boolean) => expect.poll(() => got.some(pick), { timeout: 20_000 }).toBe(true);
  ws.send(JSON.stringify({ type: 'join', event, name, color: '#e6194b', bib }));
  await wait((m) => m.type === 'joined');
  const seconds = metres / speed;
  const t0 = Date.now() - seconds * 1000;
  let seq = 0;
  // The last few minutes in detail, the rest as a sparse trail (what a phone that lost signal sends).
  for (let s = 0; s <= seconds; s += s < seconds - 240 ? 60 : 5) {
    const along = Math.min(course.length, speed * s);
    let [lat, lon] = positionAt(course, along);
    if (off && s > seconds - 60) [lat, lon] = offsetM(lat, lon, 0, 120);
    ws.send(JSON.stringify({ type: 'pos', seq: ++seq, lat, lon, t: Math.round(t0 + s * 1000), acc: 6 }));
  }
  ws.send(JSON.stringify({ type: 'mood', value: (bib.length * 7 + Number(bib.slice(-1)) || 5) % 11 }));
  const last = seq;
  await wait((m) => m.type === 'ack' && m.seq === last);
  const id = got.find((m) => m.type === 'joined')!.runnerId!;
  ws.close();
  return id;
}

test('race views: a course, 210 runners in race order, a followed runner, the organiser set-up', async ({ browser, baseURL, page }, testInfo) => {
  test.setTimeout(240_000);
  const created = await page.request.post('/api/events', { data: { name: 'Park loop 10k' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const auth = { authorization: `Bearer ${organiserToken}` };
  const put = await page.request.put(`/api/events/${event.id}/course`, { headers: auth, data: loopGpx() });
  expect(put.ok()).toBe(true);
  const course = parseCourseFile(loopGpx()).course;
  const cps = await page.request.put(`/api/events/${event.id}/checkpoints`, {
    headers: auth,
    data: { checkpoints: [{ name: 'Water 1', at: 2500 }, { name: 'Half way', at: course.length / 2 }, { name: 'Boathouse water station and first aid', at: 7500 }] },
  });
  expect(cps.ok()).toBe(true);
  const wsUrl = `${baseURL!.replace('http', 'ws')}/ws`;
  const names = [NAMES.noSpaces, NAMES.cjk, NAMES.emoji, NAMES.spaced];
  const ids: string[] = [];
  for (let from = 0; from < 210; from += 30) {
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(30, 210 - from) }, (_, k) => {
          const i = from + k;
          const name = i < names.length ? names[i]! : `Runner ${i} ${['Ada', 'Bashir', 'Chen', 'Dara', 'Elif'][i % 5]}`;
          // The first few have finished; the rest are spread over the course.
          const metres = i < 6 ? course.length + 50 : Math.max(300, course.length * (1 - i / 230));
          return raceRunner(wsUrl, event.id, course, name, i === 0 ? 'W-1234' : String(1000 + i), metres, 3 + (i % 7) * 0.25, i === 9);
        }),
      )),
    );
  }
  const shoot = (p: Page, name: string) => p.screenshot({ path: target(name, testInfo.outputPath.bind(testInfo)) });
  for (const shot of [SHOTS[0], SHOTS[1]]) {
    const ctx = await browser.newContext({ baseURL, ...contextFor(shot) });
    await offline(ctx, []);
    const spectator = await ctx.newPage();
    await spectator.goto(`/e/${event.id}?runner=${ids[40]}`);
    await expect(spectator.getByTestId('race-card')).toBeVisible();
    if (shot.viewport === PHONE) await spectator.getByTestId('follow-sheet').getByRole('button', { name: 'More' }).click();
    await expect(spectator.getByTestId('race-eta')).toBeVisible();
    // The list in race order (on a phone it shows the followed runner's part of it).
    if (shot.viewport !== PHONE) await expect(spectator.locator('tr.runner').first().getByTestId('position')).toHaveText('1');
    await settled(spectator);
    await shoot(spectator, `race-spectator-${shot.size}`);
    if (shot === SHOTS[0]) {
      await spectator.getByTestId('race-card').scrollIntoViewIfNeeded();
      await shoot(spectator, 'race-followed-phone');
    }
    await ctx.close();
  }
  for (const shot of [SHOTS[0], SHOTS[1]]) {
    const ctx = await browser.newContext({ baseURL, ...contextFor(shot) });
    await offline(ctx, []);
    const organiser = await ctx.newPage();
    await organiser.goto(`/e/${event.id}/organise#token=${organiserToken}`);
    await expect(organiser.getByTestId('course-summary')).toContainText('Park loop 10k');
    await organiser.getByTestId('course-setup').scrollIntoViewIfNeeded();
    await shoot(organiser, `race-organiser-${shot.size}`);
    await ctx.close();
  }
  // The finished race, replayed to a moment half way through.
  expect((await page.request.post(`/api/events/${event.id}/finish`, { headers: auth })).ok()).toBe(true);
  for (const shot of [SHOTS[0], SHOTS[1]]) {
    const ctx = await browser.newContext({ baseURL, ...contextFor(shot) });
    await offline(ctx, []);
    const spectator = await ctx.newPage();
    await spectator.goto(`/e/${event.id}`);
    await spectator.getByRole('button', { name: 'Replay the race' }).click();
    const bar = spectator.getByTestId('replay-bar');
    await bar.getByRole('button', { name: 'Pause' }).click();
    const slider = bar.getByLabel('Replay time');
    const [from, to] = await slider.evaluate((el: HTMLInputElement) => [Number(el.min), Number(el.max)]);
    await slider.fill(String(Math.round(from + (to - from) * 0.6)));
    await expect(spectator.locator('tr.runner').first().getByTestId('position')).toHaveText('1');
    await settled(spectator);
    await shoot(spectator, `race-replay-${shot.size}`);
    await ctx.close();
  }
});
