/**
 * One runner among 30,000, followed on a phone: a marathon field seeded into a server of its own (written
 * into its store as a running server would have left it, bench/race/seed.ts), the spectator page on a
 * phone-sized page with the CPU slowed 4× and a busy 4G cell (1.6 Mbit/s, 150 ms). The page draws the whole
 * field and lists it, a search by bib finds the runner, following them rings them on the map with their
 * name and shows their race card, and their next fix reaches the page.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { marathon, positionOf } from '../bench/race/field';
import { type SeededRunner, seedRace } from '../bench/race/seed';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import { freePort } from '../test/support/ports';
import { expect, offline, test } from './fixtures';

const RUNNERS = 30_000;
const EVENT = 'big-city-marathon';
const BUSY_4G = { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 100_000, connectionType: 'cellular4g' } as const;

test.describe('a field of 30,000', () => {
  test.describe.configure({ timeout: 180_000 });
  let server: ChildProcess | null = null;
  let base = '';
  let dataDir = '';
  let runners: SeededRunner[] = [];
  let gun = 0;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    dataDir = mkdtempSync(join(tmpdir(), 'trackside-big-'));
    const store = await SqliteStore.open(join(dataDir, 'trackside.db'));
    const now = Date.now();
    gun = now - 2 * 3600_000;
    ({ runners } = await seedRace({ store, eventId: EVENT, name: 'Big City Marathon', runners: RUNNERS, fixes: 2, intervalMs: 5000, until: now - 5000, gun, appShare: 0.5, organiserToken: 'e2e-organiser-token-000' }));
    await store.close();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', DATA_DIR: dataDir, DEMO: '0', LOG_LEVEL: 'silent', TICK_MS: '100' },
    });
    await expect.poll(() => fetch(`${base}/api/health`).then((r) => r.ok, () => false), { timeout: 120_000 }).toBe(true);
  });

  test.afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      server.kill('SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('on a slowed phone the page draws and lists the field, and follows one runner found by bib', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await offline(context, []);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', BUSY_4G);

    await page.goto(`/e/${EVENT}`);
    await expect(page.getByRole('heading', { name: `Runners (${RUNNERS})` })).toBeVisible({ timeout: 60_000 });
    // The whole field is on the map's canvas.
    await expect.poll(() => page.locator('canvas.runner-canvas').getAttribute('data-drawn').then(Number), { timeout: 60_000 }).toBeGreaterThanOrEqual(RUNNERS * 0.9);

    // A runner on the runner page, found by bib among 30,000 and followed.
    const target = runners.find((r) => !r.key && r.i > 20_000)!;
    await page.getByLabel('Find a runner by name or bib').fill(target.bib);
    const row = page.locator(`tr[data-runner="${target.id}"]`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await row.getByRole('button').first().click();
    await expect(page).toHaveURL(new RegExp(`\\?runner=${target.id}$`));
    await expect(page.getByTestId('race-card')).toContainText(target.name, { timeout: 30_000 });
    await expect(page.locator('.runner-label.followed', { hasText: target.name })).toBeVisible({ timeout: 30_000 });

    // Their phone sends a fix: the followed runner's trail takes it.
    const trail = page.locator(`path.trail[data-runner="${target.id}"]`);
    await expect(trail).toHaveAttribute('data-points', /\d+/, { timeout: 30_000 });
    const before = Number(await trail.getAttribute('data-points'));
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
    const acked = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string };
        if (m.type === 'hello') ws.send(JSON.stringify({ type: 'resume', event: EVENT, runnerId: target.id, token: target.token }));
        else if (m.type === 'joined') {
          const t = Date.now();
          const p = positionOf(marathon(), target.i, (t - gun) / 1000);
          ws.send(JSON.stringify({ type: 'pos', seq: target.seq + 1, lat: p.lat, lon: p.lon, t, acc: 5 }));
        } else if (m.type === 'ack') resolve();
      }),
    );
    await acked;
    ws.close();
    await expect.poll(() => trail.getAttribute('data-points').then(Number), { timeout: 30_000 }).toBe(before + 1);
    await page.screenshot({ path: 'test-results/big-field-phone.png' });
    await context.close();
  });
});
