/**
 * `npm run bench -- --phone`: a 300-runner race (the marathon of bench/race/field.ts, seeded into the store)
 * opened on a phone on a busy 4G cell: Chromium at 390×844 with its network held to 1.6 Mbit/s and 150 ms
 * and its CPU slowed 4×, through the DevTools protocol (Network.emulateNetworkConditions,
 * Emulation.setCPUThrottlingRate). Measures, from the start of the navigation, when the page has every
 * runner listed (the list's count and its first rows), when the field arrived and when every runner is on
 * the map, and what was transferred: the page, its scripts, and the live picture. Several runs; the median.
 */
import { chromium } from '@playwright/test';
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromiumArgs } from '../playwright.config';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import { freePort } from '../test/support/ports';
import { seedRace } from './race/seed';

const ROOT = join(__dirname, '..');
const { values: args } = parseArgs({
  options: { phone: { type: 'boolean', default: true }, runners: { type: 'string', default: '300' }, runs: { type: 'string', default: '5' } },
  strict: false,
});
const R = Number(args.runners);
const RUNS = Number(args.runs);
const EVENT = 'phone-race';
/** A busy 4G cell: 1.6 Mbit/s down, 150 ms. */
const BUSY_4G = { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 100_000, connectionType: 'cellular4g' } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Run {
  listedMs: number;
  fieldMs: number;
  drawnMs: number;
  htmlBytes: number;
  scriptBytes: number;
  scripts: number;
  otherBytes: number;
  liveBytes: number;
}

async function main() {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-phone-'));
  const store = await SqliteStore.open(join(dataDir, 'trackside.db'));
  const now = Date.now();
  await seedRace({ store, eventId: EVENT, name: 'Sunday Half', runners: R, fixes: 60, intervalMs: 5000, until: now - 5000, gun: now - 2 * 3600_000, appShare: 0.5, organiserToken: 'phone-organiser-token-00' });
  await store.close();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', DATA_DIR: dataDir, DEMO: '0', LOG_LEVEL: 'silent', SNAPSHOTS_PER_SECOND_PER_IP: '1000', NEXT_TELEMETRY_DISABLED: '1' },
  });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  const runs: Run[] = [];
  try {
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) break;
      if (i > 600) throw new Error('the server did not start');
      await sleep(200);
    }
    // The room is loaded once before the runs: a phone arriving mid-race finds it loaded.
    await fetch(`${base}/api/events/${EVENT}/list?limit=1`);
    console.log(`${R} runners on a busy 4G cell (1.6 Mbit/s, 150 ms), CPU 4× slower, ${RUNS} runs:\n`);
    for (let k = 0; k < RUNS; k++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      await context.route((url) => !url.toString().startsWith(base), (route) => route.abort());
      await context.addInitScript(`(() => {
        const Native = window.WebSocket;
        window.__live = 0;
        window.WebSocket = class extends Native {
          constructor(url, protocols) {
            super(url, protocols);
            this.addEventListener('message', (e) => {
              window.__live += typeof e.data === 'string' ? e.data.length : e.data.byteLength;
              if (window.__fieldAt === undefined && typeof e.data !== 'string' && new Uint8Array(e.data)[0] === 1) window.__fieldAt = performance.now();
            });
          }
        };
      })()`);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', BUSY_4G);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      const bytes = { html: 0, script: 0, scripts: 0, other: 0 };
      page.on('requestfinished', (req) => {
        void req.sizes().then(
          (s) => {
            const size = s.responseBodySize + s.responseHeadersSize;
            const type = req.resourceType();
            if (type === 'document') bytes.html += size;
            else if (type === 'script') {
              bytes.script += size;
              bytes.scripts++;
            } else bytes.other += size;
          },
          () => {},
        );
      });
      await page.goto(`${base}/e/${EVENT}`, { waitUntil: 'commit' });
      // Listed: the count of everyone, and the first rows drawn.
      const listedMs = (await page.evaluate(`new Promise((resolve) => {
        const check = () => {
          const h = document.getElementById('runners-heading');
          const rows = document.querySelectorAll('tr.runner[data-runner]').length;
          if (h && h.textContent === 'Runners (${R})' && rows >= 10) resolve(performance.now()); else requestAnimationFrame(check);
        };
        check();
      })`)) as number;
      const drawnMs = (await page.evaluate(`new Promise((resolve) => {
        const check = () => {
          const c = document.querySelector('canvas.runner-canvas');
          if (c && Number(c.dataset.drawn || 0) >= ${R}) resolve(performance.now()); else requestAnimationFrame(check);
        };
        check();
      })`)) as number;
      const fieldMs = (await page.evaluate('window.__fieldAt')) as number;
      await sleep(500);
      const liveBytes = (await page.evaluate('window.__live')) as number;
      const run: Run = { listedMs: Math.round(listedMs), fieldMs: Math.round(fieldMs), drawnMs: Math.round(drawnMs), htmlBytes: bytes.html, scriptBytes: bytes.script, scripts: bytes.scripts, otherBytes: bytes.other, liveBytes };
      runs.push(run);
      console.log(
        `  run ${k + 1}: every runner listed at ${run.listedMs} ms, field at ${run.fieldMs} ms, all on the map at ${run.drawnMs} ms; page ${Math.round(run.htmlBytes / 1024)} KB, ${run.scripts} scripts ${Math.round(run.scriptBytes / 1024)} KB, live ${Math.round(run.liveBytes / 1024)} KB`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
    server.kill('SIGKILL');
    await sleep(300);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const summary = {
    date: new Date().toISOString(),
    runners: R,
    network: '1.6 Mbit/s, 150 ms',
    cpuSlowdown: 4,
    runs: runs.length,
    listedMs: median(runs.map((r) => r.listedMs)),
    fieldMs: median(runs.map((r) => r.fieldMs)),
    drawnMs: median(runs.map((r) => r.drawnMs)),
    htmlKb: Math.round(median(runs.map((r) => r.htmlBytes)) / 102.4) / 10,
    scriptKb: Math.round(median(runs.map((r) => r.scriptBytes)) / 102.4) / 10,
    scripts: median(runs.map((r) => r.scripts)),
    liveKb: Math.round(median(runs.map((r) => r.liveBytes)) / 102.4) / 10,
  };
  console.log(`\nMedian: every runner listed ${summary.listedMs} ms after the navigation began; all on the map at ${summary.drawnMs} ms; ${summary.scriptKb} KB of script in ${summary.scripts} files, ${summary.htmlKb} KB of page, ${summary.liveKb} KB live.`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'phone-latest.json'), JSON.stringify(summary, null, 2));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
