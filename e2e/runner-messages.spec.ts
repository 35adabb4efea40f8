/**
 * Messages to runners: the organiser writes from the race-control console to every runner, a wave, a
 * category or one runner; the runner's phone shows it large and keeps it in a list; the console sees who has
 * seen it; a phone that was out of coverage gets it when it is back. Screenshots of the runner's toast go to docs/screenshots/ with
 * SCREENSHOTS=1.
 */
import { expect, offline, sharingRunner, test } from './fixtures';

const shots = process.env.SCREENSHOTS ? 'docs/screenshots' : 'test-results/runner-messages';

test('a message reaches every runner’s phone, large and kept; the console sees who saw it; a phone out of coverage gets it when back', async ({ page, browser, baseURL, request }) => {
  const created = await request.post('/api/events', { data: { name: 'Harbour 10k' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const ada = await sharingRunner(browser, baseURL!, event.id, 'Ada Lovelace');
  const bo = await sharingRunner(browser, baseURL!, event.id, 'Bo Diddley', { latitude: 40.772, longitude: -73.974, accuracy: 5 });

  await page.goto(`/e/${event.id}/control#token=${organiserToken}`);
  const compose = page.getByRole('region', { name: 'Messages to runners' });
  await compose.getByLabel('Message').fill('Heat: water at every station');
  await compose.getByRole('button', { name: 'Send' }).click();
  await expect(compose.getByRole('status')).toHaveText('Sent to every runner.');
  const sent = compose.getByTestId('sent-message').first();
  await expect(sent.getByTestId('seen-count')).toHaveText('seen by 0 of 2');

  // Both phones show it over the page; Ada reads it.
  for (const p of [ada, bo]) await expect(p.getByTestId('organiser-toast')).toContainText('Heat: water at every station');
  await ada.screenshot({ path: `${shots}/runner-message-phone.png` });
  await ada.getByRole('button', { name: 'Got it' }).click();
  await expect(ada.getByTestId('organiser-toast')).toHaveCount(0);
  await expect(ada.getByTestId('organiser-messages')).toContainText('Heat: water at every station');
  await expect(sent.getByTestId('seen-count')).toHaveText('seen by 1 of 2');
  await expect(sent).toContainText('Ada Lovelace');

  // Bo's phone loses coverage; a message to Bo alone waits for it.
  await bo.getByRole('button', { name: 'Got it' }).click();
  await expect(sent.getByTestId('seen-count')).toHaveText('seen by 2 of 2');
  await bo.context().setOffline(true);
  await expect(bo.getByTestId('runner-status')).toContainText(/Offline|Connecting/);
  await compose.getByLabel('Message').fill('Bo: your crew moved to km 8');
  await compose.getByLabel('Send to').selectOption({ label: 'Bo Diddley' });
  await compose.getByRole('button', { name: 'Send' }).click();
  await expect(compose.getByRole('status')).toHaveText('Sent to Bo Diddley.');
  const toBo = compose.getByTestId('sent-message').first();
  await expect(toBo.getByTestId('seen-count')).toHaveText('seen by 0 of 1');
  await expect(bo.getByTestId('organiser-toast')).toHaveCount(0);
  await bo.context().setOffline(false);
  await expect(bo.getByTestId('organiser-toast')).toContainText('Bo: your crew moved to km 8');
  await bo.getByRole('button', { name: 'Got it' }).click();
  await expect(toBo.getByTestId('seen-count')).toHaveText('seen by 1 of 1');
  // Ada never got Bo's message; a reload keeps both lists as they were.
  await ada.reload();
  await expect(ada.getByTestId('organiser-messages').locator('li')).toHaveCount(1);
  await expect(ada.getByTestId('organiser-toast')).toHaveCount(0);
  await bo.reload();
  await expect(bo.getByTestId('organiser-messages').locator('li')).toHaveCount(2);

  await ada.context().close();
  await bo.context().close();
});

test('a message to a wave reaches the phones of that wave only, and the console counts the wave', async ({ page, browser, baseURL, request }) => {
  const created = await request.post('/api/events', { data: { name: 'Harbour half' } });
  const { event, organiserToken } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const auth = { authorization: `Bearer ${organiserToken}` };
  const entry = (bib: string, lastName: string, wave: string, category: string) => ({
    bib, firstName: null, lastName, sex: null, birthYear: null, ageGroup: null, category, club: null, wave, chip: null,
  });
  const imported = await request.post(`/api/events/${event.id}/entries`, {
    headers: auth,
    data: { entries: [entry('1', 'Ada Lovelace', 'A', 'Half'), entry('2', 'Bo Diddley', 'B', 'Half'), entry('3', 'Cy Young', 'A', '10 km')] },
  });
  expect(imported.status()).toBe(200);
  const codes = (await (await request.get(`/api/events/${event.id}/entries`, { headers: auth })).json()) as { entries: Array<{ bib: string; entry: { claimCode: string } }> };
  const claiming = async (bib: string, name: string) => {
    const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, geolocation: { latitude: 40.7712, longitude: -73.9741, accuracy: 5 }, permissions: ['geolocation'] });
    await offline(ctx, []);
    const phone = await ctx.newPage();
    await phone.goto(`/e/${event.id}/run`);
    await phone.getByLabel('Your name').fill(name);
    await phone.getByLabel('Bib number (optional)').fill(bib);
    await phone.getByRole('button', { name: 'Start sharing' }).click();
    await phone.getByLabel(/Claim code/).fill(codes.entries.find((e) => e.bib === bib)!.entry.claimCode);
    await phone.getByRole('button', { name: 'Start sharing' }).click();
    await expect(phone.getByTestId('acked')).toHaveText(/^[1-9]\d*$/);
    return phone;
  };
  const ada = await claiming('1', 'Ada Lovelace');
  const bo = await claiming('2', 'Bo Diddley');

  await page.goto(`/e/${event.id}/control#token=${organiserToken}`);
  const compose = page.getByRole('region', { name: 'Messages to runners' });
  await compose.getByLabel('Message').fill('Wave A: your start moves to 9:40');
  await compose.getByLabel('Send to').selectOption({ label: 'Wave A' });
  await compose.getByRole('button', { name: 'Send' }).click();
  await expect(compose.getByRole('status')).toHaveText('Sent to wave A.');
  const sent = compose.getByTestId('sent-message').first();
  // Ada and Cy (not on a phone yet) are wave A.
  await expect(sent.getByTestId('seen-count')).toHaveText('seen by 0 of 2');
  await expect(ada.getByTestId('organiser-toast')).toContainText('Wave A: your start moves to 9:40');
  await ada.getByRole('button', { name: 'Got it' }).click();
  await expect(sent.getByTestId('seen-count')).toHaveText('seen by 1 of 2');

  // Bo is wave B: a message to the category both are in reaches Bo, and it is the only one Bo has.
  await compose.getByLabel('Message').fill('Half: water at every station');
  await compose.getByLabel('Send to').selectOption({ label: 'Half' });
  await compose.getByRole('button', { name: 'Send' }).click();
  await expect(compose.getByRole('status')).toHaveText('Sent to category Half.');
  await expect(bo.getByTestId('organiser-toast')).toContainText('Half: water at every station');
  await bo.reload();
  await expect(bo.getByTestId('organiser-messages').locator('li')).toHaveCount(1);
  await expect(bo.getByTestId('organiser-messages')).not.toContainText('Wave A');

  await ada.context().close();
  await bo.context().close();
});
