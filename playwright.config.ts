import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const port = Number(process.env.E2E_PORT ?? 3210);
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'trackside-e2e-'));
process.env.E2E_DATA_DIR = dataDir;

/** Flags for Debian's Chromium as root in a sandboxed, offline machine. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  // A backstop, not a speed bound: specs wait for conditions, and several take close to a minute on a quiet
  // machine's heavy pages and twice that with the other core busy.
  timeout: 180_000,
  expect: { timeout: 15_000 },
  // One server holds the state; specs create their own events, but run them one at a time on 2 cores.
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'node_modules/.bin/tsx server.ts',
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5000 },
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO: '0',
      TICK_MS: '100',
      HAPPINESS_INTERVAL_MS: '1000',
      EVENTS_PER_HOUR_PER_IP: '1000',
      // Every page and seeded runner of the suite comes from loopback.
      RUNNERS_PER_HOUR_PER_IP: '100000',
      SNAPSHOTS_PER_SECOND_PER_IP: '100000',
      // Tiles are unreachable on test machines; the specs also block every request that leaves loopback.
      TILE_URL: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
      LOG_LEVEL: 'silent',
      // Timing decoders push to a port 1000 above; satellite feeds are read from a local feed server 2000 above
      // (clear of the ports other specs' servers use).
      TIMING_TCP_PORT: String(port + 1000),
      INREACH_FEED_URL: `http://127.0.0.1:${port + 2000}/inreach/`,
      SPOT_FEED_URL: `http://127.0.0.1:${port + 2000}/spot/`,
      TRACKER_POLL_SECONDS: '10',
      // Web Push goes to a local push service 3000 above (e2e/push.spec.ts): there is no internet here.
      PUSH_ENDPOINTS: `http://127.0.0.1:${port + 3000}`,
      NEXT_TELEMETRY_DISABLED: '1',
    },
  },
});
