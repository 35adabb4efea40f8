/**
 * Race control on a 500-runner race in three waves and five categories (e2e/race-day-seed.ts): a cut-off at
 * half way, entered on the organiser page, that the slowest missed, and one ahead that some will not make;
 * runners who never crossed the start; one who cut the course and one who stops for good from their phone.
 * The console proposes DNF for everyone past the cut-off and marks them all at once; the organiser's table
 * gives DNS and DSQ; the results list every finisher placed 1, 2, 3 … and every runner out unplaced, last,
 * with their status; the spectator list says it in words.
 */
import { expect, offline, test } from './fixtures';
import { postPassings, reaches, seedRaceDay } from './race-day-seed';

const MIN = 60_000;

test('500 runners: a cut-off at half way, DNS, DSQ and DNF from the runner and the console, in the results and the list', async ({ page, browser, baseURL, request }) => {
  test.setTimeout(240_000);
  const now = Date.now();
  // Three entrants never crossed the start mat.
  const absent = ['12', '24', '38'];
  const day = await seedRaceDay(request, 'Isar 7k', now, [], absent);
  // The checkpoint goes no further than the half-way mat (the form takes hundredths of a km): a runner the mat
  // saw has passed it.
  const halfKm = Math.floor(day.length / 10) / 200;
  const half = day.mats.find((m) => m.name === 'Half way')!.at;
  // A second cut-off, at the mat 1.1 km before the finish, eight minutes from now (time enough for this spec on
  // a slow machine to look before it passes).
  const lake = day.mats.find((m) => m.name === '1.1 km to go')!.at;
  const lakeKm = Math.floor(lake / 10) / 100;
  const localInput = (t: number) =>
    page.evaluate((ms) => {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }, t);

  // ---------- the organiser enters the cut-offs: half way two minutes ago, the lake in eight minutes ----------
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/e/${day.id}/organise#token=${day.token}`);
  const checkpoints = page.locator('form.checkpoints');
  for (const [name, km, cutoff] of [['Half way', halfKm, now - 2 * MIN], ['Lake', lakeKm, now + 8 * MIN]] as const) {
    await checkpoints.getByRole('button', { name: 'Add a checkpoint' }).click();
    await checkpoints.getByLabel('Name').last().fill(name);
    await checkpoints.getByLabel('At (km)').last().fill(String(km));
    await checkpoints.getByLabel(`Cut-off at ${name}`).fill(await localInput(cutoff));
  }
  await checkpoints.getByRole('button', { name: 'Save checkpoints' }).click();
  await expect(page.getByTestId('said-checkpoints')).toHaveText('The checkpoints are saved.');
  const saved = ((await (await request.get(`/api/events/${day.id}`)).json()) as { event: { race: { course: { checkpoints: Array<{ name: string; at: number; cutoff?: number }> } } } }).event.race.course.checkpoints;
  expect(saved.map((c) => c.name)).toEqual(['Half way', 'Lake']);
  expect(Math.abs(saved[0]!.at - halfKm * 1000)).toBeLessThan(1);
  expect(saved[0]!.cutoff).toBe(Math.floor((now - 2 * MIN) / MIN) * MIN);
  expect(saved[1]!.cutoff).toBe(Math.floor((now + 8 * MIN) / MIN) * MIN);
  const entries = ((await (await request.get(`/api/events/${day.id}/entries`, { headers: day.auth })).json()) as { entries: Array<{ bib: string; runnerId: string; entry: { claimCode: string } }> }).entries;
  const idOf = new Map(entries.map((e) => [e.bib, e.runnerId]));
  const started = day.runners.filter((r) => !absent.includes(r.bib));
  const finishers = started.filter((r) => reaches(day, r, day.length) <= now);
  const behind = started.filter((r) => reaches(day, r, half) > now);
  expect(behind.length, 'some runners missed the cut-off').toBeGreaterThan(5);
  // One runner between half way and the finish stops for good from their phone; a finisher cut the course.
  const quitter = started.find((r) => reaches(day, r, half) <= now && reaches(day, r, day.length) > now && reaches(day, r, day.length - 1100) > now)!;
  const cheat = finishers[3]!;
  // Past half way and a quarter of an hour or more from the lake: their likely arrival, and so the latest
  // plausible one, is after its cut-off.
  const late = started.filter((r) => r !== quitter && reaches(day, r, half) <= now && reaches(day, r, lake) > now + 15 * MIN);
  expect(late.length, 'some runners will not make the lake in time').toBeGreaterThan(0);

  // ---------- the runner: "I'm out" from the phone ----------
  const phoneCtx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, geolocation: { latitude: 48.1642, longitude: 11.6055, accuracy: 5 }, permissions: ['geolocation'] });
  await offline(phoneCtx, []);
  const phone = await phoneCtx.newPage();
  await phone.goto(`/e/${day.id}/run`);
  await phone.getByLabel('Your name').fill(quitter.name);
  await phone.getByLabel('Bib number (optional)').fill(quitter.bib);
  await phone.getByRole('button', { name: 'Start sharing' }).click();
  await phone.getByLabel(/Claim code/).fill(entries.find((e) => e.bib === quitter.bib)!.entry.claimCode);
  await phone.getByRole('button', { name: 'Start sharing' }).click();
  await expect(phone.getByTestId('acked')).toHaveText(/^[1-9]\d*$/);
  phone.once('dialog', (d) => void d.accept());
  await phone.getByRole('button', { name: "I'm out (DNF)" }).click();
  await expect(phone.getByText('Race control knows you are out. Take care!')).toBeVisible();
  await phoneCtx.close();

  // ---------- the console: everyone past the cut-off, proposed and marked DNF at once ----------
  await page.goto(`/e/${day.id}/control#token=${day.token}`);
  for (const r of behind) {
    await expect(page.locator(`[data-key="cutoff:${idOf.get(r.bib)}"]`)).toContainText(/Missed the cut-off at Half way/);
  }
  // Nobody who passed half way, nobody who never started, and not the runner who is out already.
  const missed = page.locator('[data-key^="cutoff:"]', { hasText: 'Missed the cut-off' });
  await expect(missed).toHaveCount(behind.length);
  await expect(page.locator(`[data-key$=":${idOf.get(quitter.bib)}"]`)).toHaveCount(0);
  // Those who will not reach the lake in time are told before its cut-off, from their ETA.
  for (const r of late) await expect(page.locator(`[data-key="cutoff:${idOf.get(r.bib)}"]`)).toContainText(/Projected to miss Lake \([^)]+\): ETA /);
  // Nobody past the lake mat is.
  for (const r of finishers.slice(0, 5)) await expect(page.locator(`[data-key="cutoff:${idOf.get(r.bib)}"]`)).toHaveCount(0);
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('dnf-all').click();
  await expect(page.getByText(`${behind.length} runners are marked DNF.`)).toBeVisible();
  // Only the missed cut-off makes a DNF: the forecasts stay.
  await expect(missed).toHaveCount(0);
  await expect(page.locator(`[data-key="cutoff:${idOf.get(late[0]!.bib)}"]`)).toBeVisible();

  // ---------- the organiser's table: DNS for those who never started, DSQ with its reason ----------
  await page.goto(`/e/${day.id}/organise#token=${day.token}`);
  const search = page.getByTestId('organiser-search');
  for (const bib of absent) {
    const r = day.runners.find((x) => x.bib === bib)!;
    await search.fill(bib);
    await expect(page.locator('.runner-table tbody tr')).toHaveCount(1);
    await page.getByLabel(`Race status of ${r.name}`).selectOption('dns');
    await expect(page.getByRole('status').filter({ hasText: `${r.name}: DNS.` })).toBeVisible();
  }
  await search.fill(cheat.bib);
  page.once('dialog', (d) => void d.accept('Cut the course at km 5'));
  await page.getByLabel(`Race status of ${cheat.name}`).selectOption('dsq');
  await expect(page.getByRole('status').filter({ hasText: `${cheat.name}: DSQ.` })).toBeVisible();

  // ---------- the results: finishers placed 1, 2, 3 …; everyone out unplaced and last ----------
  const json = (await (await request.get(`/api/events/${day.id}/results`)).json()) as {
    results: Array<{ place: number | null; bib: string; status: string }>;
  };
  const statusOf = new Map(json.results.map((r) => [r.bib, r.status]));
  for (const r of behind) expect(statusOf.get(r.bib), `bib ${r.bib}`).toBe('DNF');
  expect(statusOf.get(quitter.bib)).toBe('DNF');
  for (const bib of absent) expect(statusOf.get(bib)).toBe('DNS');
  expect(statusOf.get(cheat.bib)).toBe('DSQ');
  const placed = json.results.filter((r) => r.status === 'finished');
  expect(placed.length).toBe(finishers.length - 1);
  expect(placed.map((r) => r.place)).toEqual(placed.map((_, i) => i + 1));
  const out = json.results.filter((r) => ['DNF', 'DNS', 'DSQ'].includes(r.status));
  expect(out.length).toBe(behind.length + 1 + absent.length + 1);
  expect(out.every((r) => r.place === null)).toBe(true);
  expect(json.results.slice(-out.length).map((r) => r.status).sort()).toEqual(out.map((r) => r.status).sort());

  // A late passing at the finish cannot bring a DNF runner back into the places.
  await postPassings(request, day, 'Finish', [{ chip: `CH${behind[0]!.bib}`, t: now }]);
  const again = (await (await request.get(`/api/events/${day.id}/results`)).json()) as typeof json;
  expect(again.results.find((r) => r.bib === behind[0]!.bib)).toMatchObject({ place: null, status: 'DNF' });

  // ---------- the spectator list says it in words ----------
  await page.goto(`/e/${day.id}`);
  const find = page.getByLabel('Find a runner by name or bib');
  const statusText = (bib: string) => page.locator(`tr[data-runner="${idOf.get(bib)}"]`).getByTestId('race-status');
  await find.fill(cheat.bib);
  await expect(statusText(cheat.bib)).toHaveText('DSQ · Cut the course at km 5');
  await find.fill(absent[0]!);
  await expect(statusText(absent[0]!)).toHaveText('DNS');
  await find.fill(behind[0]!.bib);
  await expect(statusText(behind[0]!.bib)).toHaveText(/^DNF( at (\d+ m|\d+\.\d km))?$/);
  await find.fill(quitter.bib);
  await expect(statusText(quitter.bib)).toHaveText(/^DNF at (\d+ m|\d+\.\d km)$/);
});
