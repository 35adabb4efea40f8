/** The real entry point, server.ts, as a child process: configuration errors, HTTPS, graceful shutdown. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { freePort } from './helpers';

const ROOT = join(__dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function startServer(env: Record<string, string>, args: string[] = []) {
  const child = spawn(TSX, ['server.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', DEMO: '0', NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}


describe('server.ts', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];
  before(() => {
    assert.ok(existsSync(join(ROOT, '.next', 'BUILD_ID')), 'run `npm run build` first: these tests start the production server');
    dataDir = mkdtempSync(join(tmpdir(), 'trackside-proc-'));
  });
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('refuses a bad configuration with a clear message and exit code 1', async () => {
    const s = startServer({ PORT: 'eighty', DATA_DIR: dataDir, TICK_MS: '-5' });
    children.push(s.child);
    assert.equal(await s.exited, 1);
    assert.match(s.output(), /Invalid configuration/);
    assert.match(s.output(), /PORT="eighty": must be a port number/);
    assert.match(s.output(), /TICK_MS="-5"/);
  });

  test('SIGTERM closes live sockets with 1001 and exits 0 within 5 s', async () => {
    const port = await freePort();
    const s = startServer({ PORT: String(port), DATA_DIR: join(dataDir, 'term') });
    children.push(s.child);
    await waitFor(() => s.output().includes('Trackside is running'), 60_000, 'the server to start');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise((resolve) => ws.once('message', resolve));
    const started = Date.now();
    s.child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await s.exited, 0);
    assert.ok(Date.now() - started < 5000, 'exits within 5 s');
  });

  test('--https serves pages and the live endpoint over TLS with a self-signed certificate', async () => {
    const port = await freePort();
    const s = startServer({ PORT: String(port), DATA_DIR: join(dataDir, 'tls') }, ['--https']);
    children.push(s.child);
    await waitFor(() => s.output().includes('Trackside is running'), 60_000, 'the server to start');
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
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
  });
});
