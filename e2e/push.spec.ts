/**
 * Web Push with the browser closed, in Chromium without internet. A follower taps "Tell me at every
 * checkpoint and at the finish" on the followed runner's card; the page asks for permission, subscribes
 * its service worker with the server's VAPID key and sends the subscription to the server. Headless
 * Chromium has no push service to reach here (PushManager.subscribe fails, which the first test shows the
 * page explaining), so in the second the page's PushManager.subscribe hands back a subscription at a local
 * push service (test/support/push-endpoint.ts) with keys the test holds, after recording the key it was
 * called with. The page is then closed; the runner passes a checkpoint; the server's push reaches the local
 * service, whose VAPID signature checks and which decrypts to the notification's text. Last, the service
 * worker is handed that message as a push event (DevTools' ServiceWorker.deliverPushMessage) and shows it.
 */
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { WebSocket } from 'ws';
import { alongOutAndBack, outAndBackGpx } from '../test/support/out-and-back';
import { checkVapid, decryptPush, PushEndpoint } from '../test/support/push-endpoint';
import { expect, offline, test } from './fixtures';

const START = [40.7712, -73.9741] as const;

interface Racer {
  runnerId: string;
  /** Run on to `metres`, a fix every 50 m and 10 s. */
  runTo(metres: number): Promise<void>;
  close(): void;
}

/** A runner over the live protocol at 5 m/s, whose fixes end about now when they reach 600 m. */
async function racer(baseURL: string, event: string, name: string): Promise<Racer> {
  const ws = new WebSocket(`${baseURL.replace('http', 'ws')}/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const messages: Array<{ type: string; runnerId?: string; seq?: number }> = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as (typeof messages)[number]));
  ws.send(JSON.stringify({ type: 'join', event, name, color: '#e4572e' }));
  await expect.poll(() => messages.some((m) => m.type === 'joined')).toBe(true);
  const runnerId = messages.find((m) => m.type === 'joined')!.runnerId!;
  let metres = 0;
  let seq = 0;
  let t = Date.now() - 130_000;
  return {
    runnerId,
    async runTo(to) {
      while (metres < to) {
        metres += 50;
        t += 10_000;
        const [lat, lon] = alongOutAndBack(START, metres);
        ws.send(JSON.stringify({ type: 'pos', seq: ++seq, lat, lon, t, acc: 5 }));
      }
      const last = seq;
      await expect.poll(() => messages.some((m) => m.type === 'ack' && m.seq === last)).toBe(true);
    },
    close: () => ws.close(),
  };
}

const base64url = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

async function raceWithRunner(request: import('@playwright/test').APIRequestContext, baseURL: string, name: string) {
  const res = await request.post('/api/events', { data: { name } });
  expect(res.status()).toBe(201);
  const { event, organiserToken } = (await res.json()) as { event: { id: string }; organiserToken: string };
  const headers = { authorization: `Bearer ${organiserToken}` };
  expect((await request.put(`/api/events/${event.id}/course`, { headers, data: outAndBackGpx(START, 'Reservoir') })).status()).toBe(200);
  expect((await request.put(`/api/events/${event.id}/checkpoints`, { headers, data: { checkpoints: [{ name: 'Water', at: 300 }] } })).status()).toBe(200);
  expect((await request.put(`/api/events/${event.id}/race`, { headers, data: { startsAt: Date.now() - 140_000 } })).status()).toBe(200);
  const ada = await racer(baseURL, event.id, 'Ada Lovelace');
  await ada.runTo(150);
  return { id: event.id, ada };
}

async function followButton(page: Page) {
  const button = page.getByRole('button', { name: 'Tell me at every checkpoint and at the finish' });
  await expect(button).toBeVisible();
  return button;
}

test('without a push service to reach, the page asks for permission, tries to subscribe, and says why it could not', async ({ browser, baseURL, request }) => {
  const { id, ada } = await raceWithRunner(request, baseURL!, 'Push offline 5k');
  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, permissions: ['notifications'] });
  await offline(ctx, []);
  const page = await ctx.newPage();
  await page.goto(`/e/${id}?runner=${ada.runnerId}`);
  await (await followButton(page)).click();
  await expect(page.getByTestId('push-note')).toHaveText(/could not reach its push service/, { timeout: 30_000 });
  await expect(await followButton(page)).toBeEnabled();
  await ctx.close();
  ada.close();
});

/** The race card with the button, on a phone and a desktop, into docs/screenshots with SCREENSHOTS=1; and no contrast or label faults. */
async function look(page: Page, testInfo: TestInfo): Promise<void> {
  const card = page.getByTestId('race-card');
  for (const [name, size] of [['push-follow-phone', { width: 390, height: 844 }], ['push-follow-desktop', { width: 1440, height: 900 }]] as const) {
    await page.setViewportSize(size);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: process.env.SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots', `${name}.png`) : testInfo.outputPath(`${name}.png`) });
  }
  await page.setViewportSize({ width: 390, height: 844 });
  const axe = await new AxeBuilder({ page }).include('[data-testid="push-follow"]').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

test('a follower is told that the runner passed a checkpoint with the page closed', async ({ browser, baseURL, request }, testInfo) => {
  const push = await PushEndpoint.start(Number(new URL(baseURL!).port) + 3000);
  try {
    const { id, ada } = await raceWithRunner(request, baseURL!, 'Push 5k');
    const follower = push.browser('e2e-follower');
    const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, permissions: ['notifications'] });
    await offline(ctx, []);
    await ctx.addInitScript((sub) => {
      const calls: string[] = [];
      (window as unknown as { subscribeKeys: string[] }).subscribeKeys = calls;
      PushManager.prototype.getSubscription = () => Promise.resolve(null);
      PushManager.prototype.subscribe = function (opts?: PushSubscriptionOptionsInit) {
        calls.push(btoa(String.fromCharCode(...new Uint8Array(opts!.applicationServerKey as ArrayBuffer))));
        return Promise.resolve({ endpoint: sub.endpoint, options: opts, toJSON: () => sub, unsubscribe: () => Promise.resolve(true) } as unknown as PushSubscription);
      };
    }, follower.subscription);
    const page = await ctx.newPage();
    await page.goto(`/e/${id}?runner=${ada.runnerId}`);
    await (await followButton(page)).click();
    await expect(page.getByTestId('push-note')).toHaveText('You will be told about Ada Lovelace even with this page closed.');
    await expect(page.getByRole('button', { name: 'Stop telling me about Ada Lovelace' })).toBeVisible();
    await look(page, testInfo);
    const { publicKey } = (await (await request.get('/api/push/key')).json()) as { publicKey: string };
    const keys = await page.evaluate(() => (window as unknown as { subscribeKeys: string[] }).subscribeKeys);
    expect(keys.map(base64url)).toEqual([publicKey]);
    const worker = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
    await page.close();

    // The page is closed; Ada passes the water station at 300 m.
    await ada.runTo(600);
    const got = await push.until(() => push.to(follower)[0], 20_000);
    expect(checkVapid(got.headers).k).toBe(publicKey);
    const text = decryptPush(follower, got.body);
    const message = JSON.parse(text) as { title: string; body: string; url: string };
    expect(message.title).toBe('Push 5k');
    expect(message.body).toMatch(/^Ada Lovelace passed Water \(300 m\) at \d+:\d\d — ETA finish \d+ min$/);
    expect(message.url).toBe(`/e/${id}?runner=${ada.runnerId}`);

    // What the browser would do with it: the service worker shows the notification.
    const page2 = await ctx.newPage();
    await page2.goto('/');
    const cdp = await ctx.newCDPSession(page2);
    await cdp.send('ServiceWorker.enable');
    const registrationId = await new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e: { registrations: Array<{ registrationId: string; scopeURL: string }> }) => {
        const reg = e.registrations.find((r) => r.scopeURL === `${baseURL}/`);
        if (reg) resolve(reg.registrationId);
      });
    });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: baseURL!, registrationId, data: text });
    await expect
      .poll(() =>
        worker.evaluate(async () => {
          const shown = await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications();
          return shown.map((n: Notification) => [n.title, n.body, (n.data as { url: string }).url]);
        }),
      )
      .toEqual([[message.title, message.body, message.url]]);
    await ctx.close();
    ada.close();
  } finally {
    await push.close();
  }
});
