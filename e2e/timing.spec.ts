/**
 * Every runner on the map, in Chromium with tiles blocked: the organiser imports a 500-entry start list (a
 * bad row shown and fixed in the preview), adds timing points and gets their keys; a fake decoder pushes
 * passings over TCP for 400 chip-only runners, who appear on the map moving between mats, drawn as
 * predicted, in the right order in the list; a runner claims their bib from a phone and becomes a GPS
 * runner; a local inReach feed brings one tracker onto the map within one poll and its emergency raises
 * an SOS.
 */
import { connect } from 'node:net';
import type { Page } from '@playwright/test';
import { FeedServer } from '../test/support/feed-server';
import { alongOutAndBack, outAndBackGpx } from '../test/support/out-and-back';
import { expect, offline, settled, test } from './fixtures';

const PORT = Number(process.env.E2E_PORT ?? 3210);
const START = [40.7712, -73.9741] as const;
const shots = process.env.SCREENSHOTS ? 'docs/screenshots' : 'test-results/timing';

/** 500 entries as RACE RESULT exports them (German headers, semicolons); line 4 has a sex no timer writes. */
function startList(): string {
  const lines = ['Startnummer;Vorname;Nachname;Geschlecht;Jahrgang;Altersklasse;Wettbewerb;Verein;Transponder'];
  for (let bib = 1; bib <= 500; bib++) {
    const sex = bib === 3 ? 'Q' : bib % 2 ? 'W' : 'M';
    lines.push(`${bib};Läuferin;Nummer ${bib};${sex};${1960 + (bib % 40)};${bib % 2 ? 'W' : 'M'}${30 + (bib % 4) * 10};Halbmarathon;LG Seeufer;C${bib}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A decoder line at time t (UTC, the points' zone here). */
function line(chip: string, t: number): string {
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${chip};${p(d.getUTCDate())}-${p(d.getUTCMonth() + 1)}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)};1;;;0`;
}

/** Push lines over TCP as a decoder does: key first; resolves once the server acknowledged all of them. */
async function decoder(key: string, lines: string[]): Promise<void> {
  const socket = connect(PORT + 1000, '127.0.0.1');
  let heard = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (heard += d));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(`${key}\r\n`);
  // The decoder sends in bursts with its heartbeat between them, as real ones do.
  for (let i = 0; i < lines.length; i += 50) socket.write(`${lines.slice(i, i + 50).join('\r')}\r*\r`);
  await expect.poll(() => heard, { timeout: 30_000 }).toMatch(new RegExp(`ACK ${lines.length}\\r\\n`));
  expect(heard).toMatch(/^OK /);
  expect(heard).not.toContain('ERR');
  socket.end();
}

async function keyOf(page: Page, point: string): Promise<string> {
  const setup = page.getByTestId('decoder-setup');
  const key = await setup.getByRole('textbox', { name: `Key for ${point}` }).inputValue();
  await setup.getByRole('button', { name: 'I have kept the key' }).click();
  return key;
}

/** How many runners the map's field layer draws as predicted between mats. */
const predicted = (page: Page) => page.locator('canvas.runner-canvas').getAttribute('data-predicted').then(Number);
const row = (page: Page, bib: string) => page.locator('.runner-table tbody tr.runner', { has: page.locator('[data-testid="bib"]', { hasText: new RegExp(`^bib ${bib}$`) }) });

test('500 entries, 400 chip-only runners between mats, a bib claimed from a phone, an inReach in SOS', async ({ page, browser, baseURL }) => {
  test.setTimeout(240_000);
  const feeds = await new FeedServer().start(PORT + 2000);
  try {
    // ---------- the organiser sets the race up ----------
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/');
    await page.getByLabel('Event name').fill('Seeufer Halbmarathon');
    await page.getByRole('button', { name: 'Create event' }).click();
    await expect(page.getByRole('heading', { name: 'Organise: Seeufer Halbmarathon' })).toBeVisible();
    const eventId = /\/e\/([a-z0-9-]+)\/organise/.exec(page.url())![1]!;
    const token = /#token=([A-Za-z0-9_-]+)/.exec(await page.getByRole('textbox', { name: 'Organiser link' }).inputValue())![1]!;
    const auth = { authorization: `Bearer ${token}` };
    await page.getByTestId('course-setup').getByLabel(/Upload the course/).setInputFiles({ name: 'seeufer.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from(outAndBackGpx(START, 'Seeufer')) });
    await expect(page.getByText('The course from seeufer.gpx is set.')).toBeVisible();
    // The gun went twelve minutes ago.
    const gun = Date.now() - 12 * 60_000;
    expect((await page.request.put(`/api/events/${eventId}/race`, { headers: auth, data: { startsAt: gun } })).status()).toBe(200);

    // The start list: the preview finds the bad row, it is fixed in place, then all 500 are saved.
    const importer = page.getByTestId('start-list-import');
    await importer.getByLabel(/Import a start list/).setInputFiles({ name: 'startliste.csv', mimeType: 'text/csv', buffer: Buffer.from(startList()) });
    const preview = page.getByTestId('import-preview');
    await expect(preview).toContainText('500 runners');
    await expect(preview).toContainText('1 row needs fixing before anything is saved');
    await expect(preview.getByRole('button', { name: 'Save 500 entries' })).toBeDisabled();
    const bad = preview.getByRole('form', { name: 'Line 4' });
    await expect(bad).toContainText('sex “Q” is not F, M or X');
    await page.getByTestId('start-list').screenshot({ path: `${shots}/timing-import-desktop.png` });
    await bad.getByLabel('Sex').fill('W');
    await bad.getByRole('button', { name: 'Check line 4 again' }).click();
    await expect(preview).toContainText('Every row is ready to save.');
    await preview.getByRole('button', { name: 'Save 500 entries' }).click();
    // 500 entries in one write: on a busy machine that takes a while.
    await expect(page.getByText('500 runners added and 0 updated from startliste.csv.')).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId('start-list-entries')).toContainText('500 entries, 0 claimed from a phone.');

    // Timing points: the start, the turnaround and the finish, each with its key shown once.
    const timing = page.getByTestId('timing-points');
    await timing.getByLabel('Decoder clock’s time zone').fill('UTC');
    await timing.getByRole('button', { name: 'Add a mat at Start' }).click();
    const startKey = await keyOf(page, 'Start');
    await timing.getByLabel('Name').fill('Wende');
    await timing.getByLabel('At (km)').fill('2.5');
    await timing.getByRole('button', { name: 'Add timing point' }).click();
    const turnKey = await keyOf(page, 'Wende');
    await timing.getByRole('button', { name: 'Add a mat at Finish' }).click();
    await keyOf(page, 'Finish');
    await expect(timing.locator('.point-list li')).toHaveCount(3);

    // ---------- a decoder pushes passings for 400 chip-only runners ----------
    // Everyone crossed the start mat in the first 200 s; 300 of them have reached the turnaround.
    await decoder(startKey, Array.from({ length: 400 }, (_, i) => line(`C${i + 1}`, gun + 10_000 + i * 500)));
    await decoder(turnKey, Array.from({ length: 300 }, (_, i) => line(`C${i + 1}`, gun + 600_000 + i * 200)));
    // A spare chip nobody's entry carries.
    await decoder(turnKey, [line('SPARE9', gun + 650_000)]);
    await expect(timing.getByTestId('unknown-chips')).toContainText('SPARE9', { timeout: 30_000 });

    // ---------- spectators ----------
    const ctx = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 } });
    await offline(ctx, []);
    const spectator = await ctx.newPage();
    await spectator.goto(`/e/${eventId}`);
    // All 400 are on the map, drawn as predicted (a hollow ring), with a legend saying what that means.
    await expect.poll(() => predicted(spectator)).toBe(400);
    await expect(spectator.getByTestId('map-legend')).toContainText('Chip only: predicted between mats');
    await expect(spectator.getByRole('heading', { name: 'Runners (500)' })).toBeVisible();
    // Race order from the mats: those past the turnaround, first there first; then those behind it.
    const first = await spectator.locator('.runner-table tbody tr.runner [data-testid="bib"]').first().textContent();
    expect(first).toBe('bib 1');
    await spectator.getByLabel('Find a runner by name or bib').fill('250');
    await expect(row(spectator, '250').getByTestId('position')).toHaveText('250');
    await spectator.getByLabel('Find a runner by name or bib').fill('350');
    await expect(row(spectator, '350').getByTestId('position')).toHaveText('350');
    // Moving between mats: where they probably are moves on as time passes.
    await spectator.getByLabel('Find a runner by name or bib').fill('100');
    const estimate = row(spectator, '100').getByTestId('estimate');
    await expect(estimate).toHaveText(/^predicted km [\d.–]+ · last mat /);
    const farthest = async () => Number.parseFloat(/km (?:[\d.]+–)?([\d.]+)/.exec((await estimate.textContent())!)![1]!);
    const before = await farthest();
    await expect.poll(farthest, { timeout: 60_000 }).toBeGreaterThan(before);
    await spectator.getByLabel('Find a runner by name or bib').fill('');
    await settled(spectator);
    await spectator.screenshot({ path: `${shots}/timing-spectator-desktop.png` });

    // ---------- a runner claims their bib from a phone ----------
    const [lat, lon] = alongOutAndBack(START, 2600);
    const phoneCtx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, geolocation: { latitude: lat, longitude: lon, accuracy: 5 }, permissions: ['geolocation'] });
    await offline(phoneCtx, []);
    const phone = await phoneCtx.newPage();
    await phone.goto(`/e/${eventId}/run`);
    await phone.getByLabel('Your name').fill('Nummer 7');
    await phone.getByLabel('Bib number (optional)').fill('7');
    await phone.getByRole('button', { name: 'Start sharing' }).click();
    await expect(phone.getByText('Bib 7 is on the start list: enter the claim code the organiser gave you with it.')).toBeVisible();
    const entries = (await (await page.request.get(`/api/events/${eventId}/entries`, { headers: auth })).json()) as { entries: Array<{ bib: string; runnerId: string; entry: { claimCode: string } }> };
    const seven = entries.entries.find((e) => e.bib === '7')!;
    await phone.getByLabel(/Claim code/).fill(seven.entry.claimCode.toLowerCase());
    await phone.screenshot({ path: `${shots}/timing-claim-phone.png` });
    await phone.getByRole('button', { name: 'Start sharing' }).click();
    // The fixes the phone took while it was asked for the code were kept, and go now.
    await expect(phone.getByTestId('acked')).toHaveText(/^[1-9]\d*$/);
    // On the spectators' map a fix places the runner now: not predicted any more.
    await expect.poll(() => predicted(spectator)).toBe(399);
    await spectator.getByLabel('Find a runner by name or bib').fill('7');
    await expect(row(spectator, '7').getByTestId('distance')).toHaveText(/^2\.\d\d km$/);
    await expect(row(spectator, '7').getByTestId('estimate')).toHaveCount(0);
    await spectator.getByLabel('Find a runner by name or bib').fill('');
    await expect(page.getByTestId('start-list-entries')).toContainText('1 claimed from a phone', { timeout: 30_000 });

    // ---------- a satellite tracker: one poll brings it onto the map, and its SOS ----------
    const now = Date.now();
    const [olat, olon] = alongOutAndBack(START, 1200);
    feeds.inreach.set('Eule450', {
      name: 'Eule',
      points: [
        { t: now - 300_000, lat: olat - 0.001, lon: olon },
        { t: now - 60_000, lat: olat, lon: olon, emergency: true },
      ],
    });
    const trackers = page.getByTestId('satellite-trackers');
    await trackers.getByLabel('Runner (bib or name)').fill('450');
    await expect(trackers).toContainText('Bib 450, Läuferin Nummer 450');
    await trackers.getByLabel('MapShare name or address').fill('https://share.garmin.com/Eule450');
    await trackers.getByRole('button', { name: 'Add tracker' }).click();
    await expect(page.getByTestId('sos-alerts')).toContainText('SOS from Läuferin Nummer 450', { timeout: 30_000 });
    // The SOS came from the tracker's feed (polled every 10 s here: more than once on a busy machine).
    expect(feeds.requests.filter((r) => r.startsWith('/inreach/Eule450')).length).toBeGreaterThanOrEqual(1);
    await spectator.getByLabel('Find a runner by name or bib').fill('450');
    // On the map where the tracker puts her; the SOS itself is the organiser's, not the public page's.
    await expect(row(spectator, '450').getByTestId('distance')).toHaveText(/^1\.\d\d km$/);
    await expect(row(spectator, '450').getByTestId('sos-badge')).toHaveCount(0);
    await spectator.getByLabel('Find a runner by name or bib').fill('');
    await settled(page);
    await page.getByTestId('timing-points').screenshot({ path: `${shots}/timing-points-desktop.png` });

    // The phone view of the same race.
    const small = await ctx.newPage();
    await small.setViewportSize({ width: 390, height: 844 });
    await small.goto(`/e/${eventId}`);
    await expect.poll(() => predicted(small)).toBe(399);
    await settled(small);
    await small.screenshot({ path: `${shots}/timing-spectator-phone.png` });
    await ctx.close();
    await phoneCtx.close();
  } finally {
    await feeds.close();
  }
});
