/**
 * `npm run dev`: Next attaches its own upgrade listener once it has served a page. The live endpoint
 * must keep upgrading next to it, and hot reload's socket must keep working too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/support/ports';
import { spawnServer } from '../test/support/processes';
import { within } from '../test/support/wait';
import { expect, liveHello, offline, test } from './fixtures';

test('in development mode /ws still upgrades after pages were served, beside hot reload', async ({ browser }) => {
  test.setTimeout(180_000);
  // A port of its own, whatever else runs on the machine.
  const PORT = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-dev-'));
  const server = spawnServer({ ...process.env, NODE_ENV: 'development', PORT: String(PORT), HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO: '0', LOG_LEVEL: 'silent', NEXT_TELEMETRY_DISABLED: '1' });
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT}` });
  try {
    await expect
      .poll(() => fetch(`http://127.0.0.1:${PORT}/api/health`).then((r) => r.ok, () => false), { timeout: 60_000 })
      .toBe(true);
    await offline(context, []);
    const page = await context.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto('/', { timeout: 120_000 });
    await expect(page.getByRole('heading', { name: 'Live tracking for your run' })).toBeVisible({ timeout: 60_000 });
    // Hot reload connected its own socket through Next's upgrade handling.
    await expect.poll(() => sockets.some((u) => u.includes('/_next/')), { timeout: 60_000 }).toBe(true);
    expect(await liveHello(page)).toMatchObject({ type: 'hello' });
  } finally {
    await context.close();
    // The dev server and everything it started (Next's workers and compilers) go with its process group.
    server.signal('SIGTERM');
    await within(server.exited, { timeout: 15_000, what: 'the dev server to stop' }).catch(() => server.kill());
    rmSync(dataDir, { recursive: true, force: true });
  }
});
