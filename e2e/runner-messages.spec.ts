/**
 * Messages to runners: the organiser writes from the race-control console to every runner or to one; the
 * runner's phone shows it large and keeps it in a list; the console sees who has seen it; a phone that was
 * out of coverage gets it when it is back. Screenshots of the runner's toast go to docs/screenshots/ with
 * SCREENSHOTS=1.
 */
import { expect, sharingRunner, test } from './fixtures';

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
