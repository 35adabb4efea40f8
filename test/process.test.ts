/** The real entry point, server.ts, as a child process: configuration errors, HTTPS, graceful shutdown. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { freePort } from './helpers';
import { killAll, spawnServer } from './support/processes';
import { waitFor } from './support/wait';

const ROOT = join(__dirname, '..');

function startServer(env: Record<string, string>, args: string[] = []) {
  const s = spawnServer({ ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', DEMO: '0', NEXT_TELEMETRY_DISABLED: '1', ...env }, args, ['ignore', 'pipe', 'pipe']);
  return { ...s, exited: s.exited.then((e) => e.code) };
}


describe('server.ts', () => {
  let dataDir: string;
  before(() => {
    assert.ok(existsSync(join(ROOT, '.next', 'BUILD_ID')), 'run `npm run build` first: these tests start the production server');
    dataDir = mkdtempSync(join(tmpdir(), 'trackside-proc-'));
  });
  // Each server is gone after its test, however the test ended.
  afterEach(killAll);
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('refuses a bad configuration with a clear message and exit code 1', async () => {
    const s = startServer({ PORT: 'eighty', DATA_DIR: dataDir, TICK_MS: '-5' });
    assert.equal(await s.exited, 1);
    assert.match(s.output(), /Invalid configuration/);
    assert.match(s.output(), /PORT="eighty": must be a port number/);
    assert.match(s.output(), /TICK_MS="-5"/);
  });

  test('SIGTERM closes live sockets with 1001 and exits 0 within 5 s', async () => {
    const port = await freePort();
    const s = startServer({ PORT: String(port), DATA_DIR: join(dataDir, 'term') });
    await waitFor(() => s.output().includes('Trackside is running'), { timeout: 60_000, what: 'the server to start' });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('message', resolve));
    const started = Date.now();
    s.signal('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await s.exited, 0);
    assert.ok(Date.now() - started < 5000, 'exits within 5 s');
  });

  test('--https serves pages and the live endpoint over TLS with a self-signed certificate', async () => {
    const port = await freePort();
    const s = startServer({ PORT: String(port), DATA_DIR: join(dataDir, 'tls') }, ['--https']);
    await waitFor(() => s.output().includes('Trackside is running'), { timeout: 60_000, what: 'the server to start' });
    assert.match(s.output(), new RegExp(`https://127.0.0.1:${port}`));
    const status = await new Promise<number>((resolve, reject) => {
      get(`https://127.0.0.1:${port}/`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(status, 200);
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { rejectUnauthorized: false });
    const hello = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(d.toString()));
      ws.once('error', reject);
    });
    assert.equal(JSON.parse(hello).type, 'hello');
    ws.close();
    s.signal('SIGTERM');
    assert.equal(await s.exited, 0);
  });
});
