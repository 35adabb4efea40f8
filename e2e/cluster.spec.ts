/**
 * Two instances (server.ts, pages included) on one PostgreSQL and one Redis, behind Debian's nginx running
 * deploy/nginx/trackside.conf in round-robin: the runner page and the spectator page work through it, and so
 * does the Server-Sent Events fallback, whose posts land on either instance.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext } from '@playwright/test';
import { createDatabase, type Database, type Redis, startRedis } from '../test/support/cluster';
import { freePort } from '../test/support/ports';
import { killAll, type Spawned, spawnServer } from '../test/support/processes';
import { type Proxy, startProxy } from '../test/support/proxy';
import { waitFor } from '../test/support/wait';
import { expect, offline, test } from './fixtures';

const START = { latitude: 40.7712, longitude: -73.9741 };
const step = (i: number, lane = 0) => ({ latitude: START.latitude + i * 0.0005, longitude: START.longitude + lane * 0.002 + (i % 2) * 0.0004, accuracy: 6 });

let db: Database;
let redis: Redis;
let proxy: Proxy;
const servers: Spawned[] = [];
const ports: number[] = [];

async function startInstance(dbUrl: string, redisUrl: string): Promise<number> {
  const port = await freePort();
  const server = spawnServer({
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: mkdtempSync(join(tmpdir(), 'trackside-e2e-cluster-')),
    DATABASE_URL: dbUrl,
    BACKPLANE_URL: redisUrl,
    TRUST_PROXY: '1',
    DEMO: '0',
    TICK_MS: '100',
    EVENTS_PER_HOUR_PER_IP: '1000',
    LOG_LEVEL: 'silent',
    NEXT_TELEMETRY_DISABLED: '1',
  });
  servers.push(server);
  const up = () =>
    fetch(`http://127.0.0.1:${port}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
  await waitFor(async () => (await up()) || !server.running(), { timeout: 60_000, interval: 100, what: `the instance on ${port}` });
  if (!server.running()) throw new Error(`instance on ${port} exited (${(await server.exited).code})`);
  return port;
}

test.describe('two instances behind a round-robin proxy', () => {
  test.describe.configure({ timeout: 120_000 });

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    [db, redis] = await Promise.all([createDatabase(), startRedis()]);
    ports.push(await startInstance(db.url, redis.url));
    ports.push(await startInstance(db.url, redis.url));
    proxy = await startProxy(ports);
  });

  test.afterAll(async () => {
    await proxy?.stop();
    for (const s of servers) s.signal('SIGTERM');
    await Promise.allSettled(servers.map((s) => s.exited));
    await Promise.allSettled([db?.drop(), redis?.stop()]);
    // Whatever is left of them (a failed start, a server that would not stop) goes too.
    killAll();
  });

  async function context(browser: Browser, phone: boolean, blockWebSocket: boolean, at = step(0)): Promise<BrowserContext> {
    const ctx = await browser.newContext({
      baseURL: proxy.url,
      viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
      ...(phone ? { geolocation: at, permissions: ['geolocation'] } : {}),
    });
    await offline(ctx, []);
    if (blockWebSocket) await ctx.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1006 }));
    return ctx;
  }

  async function createEvent(ctx: BrowserContext, name: string): Promise<string> {
    const res = await ctx.request.post('/api/events', { data: { name } });
    expect(res.status()).toBe(201);
    return ((await res.json()) as { event: { id: string } }).event.id;
  }

  test('the runner page and the spectator page work through the proxy, whichever instance each lands on', async ({ browser }) => {
    const viewerCtx = await context(browser, false, false);
    const eventId = await createEvent(viewerCtx, 'Behind the proxy');
    // Both instances answer behind the one address, and only one of them owns the event.
    const owners = await Promise.all(ports.map(async (p) => ((await (await fetch(`http://127.0.0.1:${p}/api/health`)).json()) as { owned: string[] }).owned));
    expect(owners.filter((o) => o.includes(eventId))).toHaveLength(1);

    const viewers = [await viewerCtx.newPage(), await viewerCtx.newPage()];
    for (const v of viewers) {
      await v.goto(`/e/${eventId}`);
      await expect(v.getByTestId('connection')).toHaveText('Live');
    }
    const phoneCtx = await context(browser, true, false);
    const phone = await phoneCtx.newPage();
    await phone.goto(`/e/${eventId}/run`);
    await phone.getByLabel('Your name').fill('Ada');
    await phone.getByRole('button', { name: 'Start sharing' }).click();
    await expect(phone.getByTestId('connection')).toHaveText('Connected');
    await expect(phone.getByTestId('acked')).toHaveText('1');
    for (let i = 1; i <= 4; i++) {
      await phoneCtx.setGeolocation(step(i));
      await expect(phone.getByTestId('acked')).toHaveText(String(i + 1));
    }
    for (const v of viewers) {
      await expect(v.locator('.runner-label', { hasText: 'Ada' })).toBeVisible();
      // Following Ada draws her trail, whichever instance the page watches from.
      await v.locator('tr.runner', { hasText: 'Ada' }).click();
      await expect(v.locator('path.trail').first()).toHaveAttribute('data-points', '5');
    }
    // A cheer from a spectator reaches the phone, wherever each is connected.
    await viewers[1]!.getByLabel('Your cheer').fill('Through nginx!');
    await viewers[1]!.getByRole('button', { name: 'Cheer' }).click();
    await expect(phone.getByTestId('cheers')).toContainText('Through nginx!');
    await phoneCtx.close();
    await viewerCtx.close();
  });

  test('with WebSocket blocked, runner and spectator pages share and watch over Server-Sent Events, posts landing on either instance', async ({ browser }) => {
    const viewerCtx = await context(browser, false, true);
    const eventId = await createEvent(viewerCtx, 'Blocked behind the proxy');
    const phoneCtx = await context(browser, true, true);
    const phone = await phoneCtx.newPage();
    await phone.goto(`/e/${eventId}/run`);
    await phone.getByLabel('Your name').fill('Cleo');
    await phone.getByRole('button', { name: 'Start sharing' }).click();
    await expect(phone.getByTestId('connection')).toHaveText('Connected (fallback: SSE)', { timeout: 20_000 });
    await expect(phone.getByTestId('acked')).toHaveText('1');

    const viewer = await viewerCtx.newPage();
    await viewer.goto(`/e/${eventId}`);
    await expect(viewer.getByTestId('connection')).toHaveText('Live (fallback: SSE)', { timeout: 20_000 });
    const label = viewer.locator('.runner-label', { hasText: 'Cleo' });
    await expect(label).toBeVisible();
    const before = (await label.boundingBox())!;
    // Every fix is one post; round-robin sends about half of them to the instance without the stream.
    for (let i = 1; i <= 6; i++) {
      await phoneCtx.setGeolocation(step(i));
      await expect(phone.getByTestId('acked')).toHaveText(String(i + 1));
    }
    await expect.poll(async () => (await label.boundingBox())!.y < before.y - 20).toBe(true);
    await viewer.locator('tr.runner', { hasText: 'Cleo' }).click();
    await expect(viewer.locator('path.trail').first()).toHaveAttribute('data-points', '7');
    await viewer.getByLabel('Your cheer').fill('Seen over SSE!');
    await viewer.getByRole('button', { name: 'Cheer' }).click();
    await expect(phone.getByTestId('cheers')).toContainText('Seen over SSE!');
    await viewer.screenshot({ path: 'test-results/cluster-spectator-sse.png' });
    await phone.screenshot({ path: 'test-results/cluster-runner-sse.png' });
    await phoneCtx.close();
    await viewerCtx.close();
  });
});
