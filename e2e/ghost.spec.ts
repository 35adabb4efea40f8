/**
 * Honest uncertainty in Chromium with tiles blocked: on a hilly 10 km loop with 300 runners (finished,
 * running and silent ones, the longest names), a runner whose phone went silent minutes ago becomes a
 * ghost: drawn where they probably are with a band along the course and a legend, listed as "est. km … ·
 * last seen … min ago", and their race card gives ETA intervals with what they are based on, in words.
 * Photographed at phone and desktop sizes (`npm run screenshots` writes them to docs/screenshots/).
 */
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { type Course, positionAt } from '../lib/course/course';
import { parseCourseFile } from '../lib/course/course-file';
import { offsetM } from '../lib/geo';
import { CENTRE, NAMES } from './seed';
import { expect, offline, settled, test } from './fixtures';

/** A 10 km loop with hills (heights in the file), start and finish on one spot. */
function hillyLoopGpx(): string {
  const pts: string[] = [];
  const n = 400;
  for (let i = 0; i <= n; i++) {
    const a = (i / n) * 2 * Math.PI;
    const north = 1750 * Math.sin(a) * (1 + 0.12 * Math.cos(a));
    const east = 1200 * (1 - Math.cos(a));
    const [lat, lon] = offsetM(CENTRE.latitude, CENTRE.longitude, north, east);
    const ele = 20 + 30 * Math.sin(a * 2) ** 2 + 6 * Math.sin(a * 5);
    pts.push(`<trkpt lat="${lat.toFixed(6)}" lon="${lon.toFixed(6)}"><ele>${ele.toFixed(1)}</ele></trkpt>`);
  }
  return `<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Hilly park loop 10k</name><trkseg>${pts.join('')}</trkseg></trk></gpx>`;
}

interface Plan {
  name: string;
  bib: string;
  /** Metres run at `speed` m/s since their start. */
  metres: number;
  speed: number;
  /** Their phone's last fix was this many seconds ago. */
  silentS: number;
}

/** Joins over the protocol and sends the runner's fixes: sparse early on, every 5 s for the last 4 minutes seen. */
async function send(wsUrl: string, event: string, course: Course, plan: Plan): Promise<string> {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const got: Array<{ type: string; runnerId?: string; seq?: number }> = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString())));
  const wait = (pick: (m: (typeof got)[number]) => boolean) => expect.poll(() => got.some(pick), { timeout: 30_000 }).toBe(true);
  ws.send(JSON.stringify({ type: 'join', event, name: plan.name, color: '#3cb44b', bib: plan.bib }));
  await wait((m) => m.type === 'joined');
  const seconds = plan.metres / plan.speed;
  const t0 = Date.now() - (seconds + plan.silentS) * 1000;
  let seq = 0;
  for (let s = 0; s <= seconds; s += s < seconds - 240 ? 60 : 5) {
    const [lat, lon] = positionAt(course, Math.min(course.length, plan.speed * s));
    ws.send(JSON.stringify({ type: 'pos', seq: ++seq, lat, lon, t: Math.round(t0 + s * 1000), acc: 6 }));
  }
  const last = seq;
  await wait((m) => m.type === 'ack' && m.seq === last);
  const id = got.find((m) => m.type === 'joined')!.runnerId!;
  ws.close();
  return id;
}

/**
 * A clock time in the browser's locale (en-US here: "06:51 PM"), with its date when it is not today's (an
 * interval past midnight says both days), and an interval of two ("06:51 – 06:58 PM").
 */
const CLOCK = '(\\d{1,2}/\\d{1,2}/\\d{4},\\s)?\\d{1,2}:\\d{2}(\\s[AP]M)?';
const INTERVAL = `${CLOCK}(\\s–\\s${CLOCK})?`;

const SIZES = [
  { size: 'phone', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 },
  { size: 'desktop', viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 },
] as const;

test('a runner who goes silent becomes a ghost with a band, an estimate in the list and ETA intervals', async ({ page, browser, baseURL }, testInfo) => {
  test.setTimeout(300_000);
  const created = await page.request.post('/api/events', { data: { name: 'Hilly park loop 10k' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const auth = { authorization: `Bearer ${organiserToken}` };
  expect((await page.request.put(`/api/events/${event.id}/course`, { headers: auth, data: hillyLoopGpx() })).ok()).toBe(true);
  const course = parseCourseFile(hillyLoopGpx()).course;
  const checkpoints = [
    { name: 'Water 1', at: 2500 },
    { name: 'Half way', at: 5000 },
    { name: 'Boathouse water station and first aid', at: 7500 },
  ];
  expect((await page.request.put(`/api/events/${event.id}/checkpoints`, { headers: auth, data: { checkpoints } })).ok()).toBe(true);

  // 300 runners: the first few finished, most running, every twelfth silent for 3 to 25 minutes. The one
  // followed is silent for 6 minutes, 4.2 km in.
  const wsUrl = `${baseURL!.replace('http', 'ws')}/ws`;
  const names = [NAMES.noSpaces, NAMES.cjk, NAMES.emoji, NAMES.spaced];
  const plans: Plan[] = Array.from({ length: 300 }, (_, i) => {
    const speed = 2.6 + (i % 9) * 0.2;
    const metres = i < 8 ? course.length + 50 : Math.max(400, course.length * (1 - i / 320));
    const silentS = i % 12 === 5 ? 180 + ((i * 37) % 1320) : 0;
    const name = i < names.length ? names[i]! : `Runner ${i} ${['Ada', 'Bashir', 'Chen', 'Dara', 'Elif'][i % 5]}`;
    return { name, bib: String(1000 + i), metres, speed, silentS };
  });
  plans[299] = { name: NAMES.spaced, bib: 'G-7', metres: 4200, speed: 3.1, silentS: 360 };
  const ids: string[] = [];
  for (let from = 0; from < plans.length; from += 30) {
    ids.push(...(await Promise.all(plans.slice(from, from + 30).map((plan) => send(wsUrl, event.id, course, plan)))));
  }
  const ghost = ids[299]!;

  for (const shot of SIZES) {
    // Heard from just now: no ghost.
    const fresh = await send(wsUrl, event.id, course, { name: `Fresh ${shot.size}`, bib: `F-${shot.size.length}`, metres: 3000, speed: 3, silentS: 0 });
    const ctx = await browser.newContext({ baseURL, viewport: shot.viewport, deviceScaleFactor: shot.deviceScaleFactor });
    await offline(ctx, []);
    const spectator = await ctx.newPage();
    await spectator.goto(`/e/${event.id}?runner=${ghost}`);

    // The list (found by bib among 300): where they probably are, and since when nothing was heard.
    await spectator.getByLabel('Find a runner by name or bib').fill('G-7');
    const row = spectator.locator(`tr.runner[data-runner="${ghost}"]`);
    await expect(row.getByTestId('estimate')).toHaveText(/^est\. km \d+(\.\d)?–\d+(\.\d)? · last seen (6|7) min ago$/);
    await expect(row.getByTestId('finish-eta')).toHaveText(new RegExp(`^finish ${INTERVAL}$`));
    // The map: a band along the course and a hollow marker, with a legend that says what they mean.
    await expect(spectator.locator(`path.ghost-band[data-runner="${ghost}"][data-kind="ghost"]`)).toHaveCount(1);
    await expect.poll(() => spectator.getByTestId('map').locator('.leaflet-container').getAttribute('data-ghosts')).toMatch(/^[1-9]\d*$/);
    await expect(spectator.getByTestId('map-legend')).toContainText('Not heard from: probably here');
    await expect(spectator.getByTestId('map-legend')).toContainText('Where they could be by now');
    // The card: the estimate in a sentence, ETA intervals, and what they rest on.
    const card = spectator.getByTestId('race-card');
    await expect(card.getByTestId('race-whereabouts')).toHaveText(/^Not heard from for (6|7) min: probably at \d+\.\d+ km, somewhere between \d+\.\d+ km and \d+\.\d+ km\.$/);
    // On a phone the card sits in a sheet over the map: its ETAs are one tap away.
    if (shot.size === 'phone') await spectator.getByTestId('follow-sheet').getByRole('button', { name: 'More' }).click();
    const etas = card.getByTestId('race-eta').locator('li');
    await expect(etas.first()).toContainText('Half way');
    for (const text of await etas.allTextContents()) expect(text).toMatch(new RegExp(`${INTERVAL} \\(likely ${CLOCK}\\)$`));
    await expect(card.getByTestId('race-basis')).toHaveText(
      /^Based on their pace over the last 2 km \(\d+:\d{2} \/km on the flat\), how much it has varied from km to km \(±\d+ %\), the climbs and descents ahead, and how runners slow over the hours\.$/,
    );
    // A runner heard from just now is no ghost.
    await spectator.getByLabel('Find a runner by name or bib').fill(`F-${shot.size.length}`);
    await expect(spectator.locator(`tr.runner[data-runner="${fresh}"]`).getByTestId('finish-eta')).toBeVisible();
    await expect(spectator.locator(`tr.runner[data-runner="${fresh}"]`).getByTestId('estimate')).toHaveCount(0);
    await spectator.getByLabel('Find a runner by name or bib').fill('');

    // The legend, the estimate and the intervals pass axe as the rest of the page does.
    const axe = await new AxeBuilder({ page: spectator }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);

    await settled(spectator);
    const shoot = (p: Page, name: string) =>
      p.screenshot({ path: process.env.SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots', `${name}.png`) : testInfo.outputPath(`${name}.png`) });
    await shoot(spectator, `ghost-${shot.size}`);
    if (shot.size === 'phone') {
      await card.scrollIntoViewIfNeeded();
      await settled(spectator);
      await shoot(spectator, 'ghost-card-phone');
    } else {
      // The whole field: every silent runner drawn as a ghost where they probably are.
      await spectator.getByRole('button', { name: 'Show all runners' }).click();
      // (At least: a runner whose fixes went in more than a minute ago is silent by now too.)
      const silent = plans.filter((p) => p.silentS > 0 && p.metres < course.length).length;
      const field = spectator.locator('canvas.runner-canvas');
      await expect.poll(async () => Number(await field.getAttribute('data-ghosts'))).toBeGreaterThanOrEqual(silent);
    }
    await ctx.close();
  }
});
