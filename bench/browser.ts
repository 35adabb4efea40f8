/**
 * `npm run bench -- --browser`: the spectator page in Chromium while 1,000 simulated runners send one
 * position a second. Measures long tasks (PerformanceObserver) and frame rate (requestAnimationFrame).
 */
import { chromium } from '@playwright/test';
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from '../playwright.config';
import { startSimulation } from '../server/simulator';
import { freePort } from '../test/support/ports';

const ROOT = join(__dirname, '..');
let PORT = 0;
const RUNNERS = Number(process.env.BENCH_RUNNERS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : null;
}

async function main() {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  // A port of its own: other benchmarks may run on this machine at the same time.
  PORT = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-bench-browser-'));
  const server: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DEMO: '0',
      MAX_CONNECTIONS_PER_IP: '100000',
      // Every simulated client comes from loopback: per-address limits would stand in for a crowd.
      RUNNERS_PER_HOUR_PER_IP: '1000000',
      WRITE_MIB_PER_HOUR_PER_IP: '1000000',
      SNAPSHOTS_PER_SECOND_PER_IP: '1000000',
      LOG_LEVEL: 'silent',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
  let sim: ReturnType<typeof startSimulation> | null = null;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    const base = `http://127.0.0.1:${PORT}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 300) throw new Error('server did not start');
      await sleep(200);
    }
    const res = await fetch(`${base}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'Browser bench' }) });
    const eventId = ((await res.json()) as { event: { id: string } }).event.id;
    sim = startSimulation({ url: `ws://127.0.0.1:${PORT}/ws`, event: eventId, runners: RUNNERS, intervalMs: 1000 });
    await sleep(5000);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route((url) => !url.toString().startsWith(base), (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${base}/e/${eventId}`);
    await page.getByRole('heading', { name: `Runners (${RUNNERS})` }).waitFor({ timeout: 60_000 });
    await sleep(3000);

    // Plain text: the TypeScript loader would add helpers to a function that do not exist in the page.
    const result = (await page.evaluate(`new Promise((resolve) => {
      const longTasks = [];
      const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
      observer.observe({ type: 'longtask', buffered: false });
      const frames = [];
      let last = performance.now();
      const end = last + ${SECONDS} * 1000;
      const step = (t) => {
        frames.push(t - last);
        last = t;
        if (t < end) requestAnimationFrame(step);
        else { observer.disconnect(); resolve({ longTasks, frames }); }
      };
      requestAnimationFrame(step);
    })`)) as { longTasks: number[]; frames: number[] };

    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
    const frames = result.frames.slice(1).sort((a, b) => a - b);
    const longTasks = result.longTasks.sort((a, b) => a - b);
    const summary = {
      date: new Date().toISOString(),
      runners: RUNNERS,
      seconds: SECONDS,
      fps: Math.round((result.frames.length / SECONDS) * 10) / 10,
      frameP95Ms: Math.round(percentile(frames, 95) ?? 0),
      frameMaxMs: Math.round(frames[frames.length - 1] ?? 0),
      longTasks: longTasks.length,
      longTaskP95Ms: Math.round(percentile(longTasks, 95) ?? 0),
      longTaskMaxMs: Math.round(longTasks[longTasks.length - 1] ?? 0),
    };
    console.log(`Spectator page with ${RUNNERS} runners at 1 Hz, ${SECONDS} s in headless Chromium:`);
    console.log(
      `  ${summary.fps} frames/s (p95 frame ${summary.frameP95Ms} ms, worst ${summary.frameMaxMs} ms); ` +
        `${summary.longTasks} long tasks (p95 ${summary.longTaskP95Ms} ms, worst ${summary.longTaskMaxMs} ms)`,
    );
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'browser-latest.json'), JSON.stringify(summary, null, 2));
  } finally {
    sim?.stop();
    await browser.close();
    server.kill('SIGKILL');
    await sleep(500);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
