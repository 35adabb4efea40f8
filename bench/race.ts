/**
 * `npm run bench -- --race`: a big-city marathon against the real server.ts (pages included), loopback only.
 *
 *   seed      R runners (default 30,000) with N fixes each of history, their checkpoints and the course,
 *             written into the store as a running server would have left them (bench/race/seed.ts)
 *   restart   the server starts on it: time to the first answer, and RSS
 *   snapshot  a late spectator's picture, first (loading the room) and next: with interest (the page's:
 *             the JSON snapshot and the binary field) and the whole event (protocol 2, for comparison)
 *   browser   the spectator page in Chromium with the CPU slowed 4×: the field's arrival to every runner
 *             drawn, JS heap, and frames per second while the map is dragged
 *   live      every runner reporting, first once every 5 s, then every second: most from a tracking app
 *             over keep-alive HTTP (one fix a request; at 1 Hz, batches of five), the rest from the runner
 *             page over WebSocket, in several load processes (bench/race/load.ts); spectators of the page
 *             (interest at the course's view), one following a runner, light pages following one runner,
 *             and (at 1 fix / 5 s) one whole-event subscriber: bytes a second each, bytes per fix,
 *             acknowledgements and their latency, the server's CPU and RSS
 *   follow    one runner's whole track through the paged track endpoint, and their GPX
 *
 * Prints a table and writes bench/results/race-latest.json (and a dated copy).
 */
import { chromium } from '@playwright/test';
import { type ChildProcess, execSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { decodeFrames, FrameKind } from '../lib/live-codec';
import type { View } from '../lib/protocol';
import { chromiumArgs } from '../playwright.config';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import { freePort } from '../test/support/ports';
import { marathon } from './race/field';
import type { LoadConfig, LoadReport } from './race/load';
import { seedRace } from './race/seed';

const ROOT = join(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    race: { type: 'boolean', default: true },
    runners: { type: 'string', default: '30000' },
    fixes: { type: 'string', default: '300' },
    live: { type: 'string', default: '60' },
    spectators: { type: 'string', default: '20' },
    port: { type: 'string' },
    /** Share of runners with a tracking app. */
    apps: { type: 'string', default: '0.7' },
    keep: { type: 'boolean', default: false },
  },
  strict: false,
});
const R = Number(args.runners);
const N = Number(args.fixes);
const LIVE_S = Number(args.live);
const S = Number(args.spectators);
let PORT = Number(args.port ?? 0);
let BASE = '';
let WS = '';
const EVENT = 'city-marathon';
/** Runners per load process: well under the 20,000 descriptors one process may hold. */
const PER_PROCESS = 12_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const pct = (sorted: number[], p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!) : null);

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The server's RSS, sampled every 200 ms; the highest per phase. */
class RssWatch {
  private timer: NodeJS.Timeout;
  peak = 0;
  constructor(private readonly pid: number) {
    this.peak = this.now();
    this.timer = setInterval(() => {
      try {
        this.peak = Math.max(this.peak, this.now());
      } catch {
        // The process is gone.
      }
    }, 200);
  }
  now(): number {
    return procKb(this.pid, 'VmRSS') / 1024;
  }
  take(): number {
    const p = Math.max(this.peak, this.now());
    this.peak = this.now();
    return Math.round(p);
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

function startServer(dataDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DEMO: '0',
      MAX_CONNECTIONS_PER_IP: '1000000',
      // Every simulated client comes from loopback: per-address limits would stand in for a crowd.
      RUNNERS_PER_HOUR_PER_IP: '1000000',
      SNAPSHOTS_PER_SECOND_PER_IP: '1000000',
      WRITE_MIB_PER_HOUR_PER_IP: '1000000',
      LOG_LEVEL: 'silent',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
}

async function waitHealthy(timeoutMs = 180_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const ok = await fetch(`${BASE}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error('the server did not answer');
    await sleep(25);
  }
}

/** The map's view of the whole course at the zoom the page fits it (a desktop window). */
function courseView(): View {
  const b = marathon().bounds;
  return { west: b.west, south: b.south, east: b.east, north: b.north, zoom: 12 };
}

/** A late spectator: subscribe, time the snapshot (and with interest, the field frame), count its bytes. */
function spectate(interest: boolean): Promise<{ ms: number; json: number; field: number; fieldMs: number | null; count: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(WS, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no snapshot within two minutes'));
    }, 120_000);
    ws.once('close', () => clearTimeout(timer));
    let asked = 0;
    let json = 0;
    let ms = 0;
    ws.on('message', (d: Buffer, binary) => {
      if (!binary && d.subarray(0, 20).toString().includes('"hello"')) {
        asked = performance.now();
        ws.send(JSON.stringify({ type: 'subscribe', event: EVENT, ...(interest ? { interest: { follow: [], view: courseView() } } : {}) }));
      } else if (!binary && d.subarray(0, 24).toString().includes('"snapshot"')) {
        json = d.length;
        ms = performance.now() - asked;
        if (!interest) {
          ws.close();
          resolve({ ms: Math.round(ms), json, field: 0, fieldMs: null, count: (d.toString().match(/"trail":/g) ?? []).length });
        }
      } else if (binary && json) {
        const [f] = decodeFrames(d);
        if (f?.kind !== FrameKind.Field) return;
        ws.close();
        resolve({ ms: Math.round(ms), json, field: d.length, fieldMs: Math.round(performance.now() - asked), count: f.n.length });
      }
    });
    ws.once('error', reject);
  });
}

/** The spectator page at 1440×900 with the CPU slowed 4×: the field's arrival to every runner drawn, heap, and dragging. */
async function browser(count: number): Promise<{ drawMs: number; heapMb: number; fps: number; frameP95Ms: number; jsKb: number; htmlKb: number }> {
  const b = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    const context = await b.newContext({ viewport: { width: 1440, height: 900 } });
    await context.route((url) => !url.toString().startsWith(BASE), (route) => route.abort());
    // Plain text: the page's own WebSocket, wrapped to note when the field frame arrives.
    await context.addInitScript(`(() => {
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url, protocols) {
          super(url, protocols);
          this.addEventListener('message', (e) => {
            if (window.__fieldAt === undefined && typeof e.data !== 'string' && new Uint8Array(e.data)[0] === 1) window.__fieldAt = performance.now();
          });
        }
      };
    })()`);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    // Bytes as transferred (compressed, with headers).
    let jsBytes = 0;
    let htmlBytes = 0;
    page.on('requestfinished', (req) => {
      const type = req.resourceType();
      void req.sizes().then(
        (sizes) => {
          const size = sizes.responseBodySize + sizes.responseHeadersSize;
          if (type === 'script') jsBytes += size;
          else if (type === 'document') htmlBytes += size;
        },
        () => {},
      );
    });
    await page.goto(`${BASE}/e/${EVENT}`);
    const drawnAt = (await page.evaluate(`new Promise((resolve) => {
      const check = () => {
        const c = document.querySelector('canvas.runner-canvas');
        if (c && Number(c.dataset.drawn || 0) >= ${count}) resolve(performance.now()); else requestAnimationFrame(check);
      };
      check();
    })`)) as number;
    const fieldAt = (await page.evaluate('window.__fieldAt')) as number;
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    // Dragging the map about for three seconds: frame times while it moves.
    const box = (await page.locator('.leaflet-container').boundingBox())!;
    const frames = page.evaluate(`new Promise((resolve) => {
      const times = [];
      let last = performance.now();
      const end = last + 3000;
      const step = (t) => { times.push(t - last); last = t; if (t < end) requestAnimationFrame(step); else resolve(times); };
      requestAnimationFrame(step);
    })`) as Promise<number[]>;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let k = 0; k < 90; k++) await page.mouse.move(cx + Math.sin(k / 8) * 250, cy + Math.cos(k / 8) * 150, { steps: 1 });
    await page.mouse.up();
    const times = (await frames).slice(1).sort((a, c) => a - c);
    const fps = times.length / (times.reduce((a, t) => a + t, 0) / 1000);
    return {
      drawMs: Math.round(drawnAt - fieldAt),
      heapMb: mb(heap.usedSize),
      fps: Math.round(fps * 10) / 10,
      frameP95Ms: pct(times, 95) ?? 0,
      jsKb: kb(jsBytes),
      htmlKb: kb(htmlBytes),
    };
  } finally {
    await b.close();
  }
}

function once<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`load process: no ${type} in ${timeoutMs} ms`)), timeoutMs);
    const on = (msg: { type: string }) => {
      if (msg.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(msg as T);
    };
    child.on('message', on);
  });
}

async function reports(loads: ChildProcess[]): Promise<LoadReport> {
  const all = await Promise.all(
    loads.map((l) => {
      const r = once<{ report: LoadReport }>(l, 'report', 60_000);
      l.send({ type: 'report' });
      return r.then((m) => m.report);
    }),
  );
  const sum = (f: (r: LoadReport) => number) => all.reduce((a, r) => a + f(r), 0);
  return {
    wsRunners: sum((r) => r.wsRunners),
    appRunners: sum((r) => r.appRunners),
    failedOpens: sum((r) => r.failedOpens),
    sent: sum((r) => r.sent),
    acked: sum((r) => r.acked),
    appRequests: sum((r) => r.appRequests),
    appFailed: sum((r) => r.appFailed),
    ackLatencies: all.flatMap((r) => r.ackLatencies).sort((a, b) => a - b),
    followLatencies: all.flatMap((r) => r.followLatencies).sort((a, b) => a - b),
    bytes: { interest: sum((r) => r.bytes.interest), classic: sum((r) => r.bytes.classic), lite: sum((r) => r.bytes.lite), follow: sum((r) => r.bytes.follow) },
    entries: { interest: sum((r) => r.entries.interest), classic: sum((r) => r.entries.classic) },
    cpuSeconds: sum((r) => r.cpuSeconds),
    seconds: Math.max(...all.map((r) => r.seconds)),
  };
}

async function main() {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  // A port of its own unless told: other benchmarks may run on this machine at the same time.
  PORT ||= await freePort();
  BASE = `http://127.0.0.1:${PORT}`;
  WS = `ws://127.0.0.1:${PORT}/ws`;
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-race-'));
  const file = join(dataDir, 'trackside.db');
  const rows: Array<[string, string]> = [];
  const result: Record<string, unknown> = { date: new Date().toISOString(), runners: R, fixesPerRunner: N, liveSeconds: LIVE_S, spectators: S };
  const note = (what: string, value: string) => {
    rows.push([what, value]);
    console.log(`  ${what}: ${value}`);
  };
  console.log(`A marathon of ${R.toLocaleString('en')} runners with ${N} fixes each of history, loopback only.\n`);
  const benchStart = performance.now();

  // 1. The field, as a running server would have left it.
  const now = Date.now();
  const gun = now - 2 * 3600_000;
  const store = await SqliteStore.open(file);
  const seeded = await seedRace({
    store,
    eventId: EVENT,
    name: 'City Marathon',
    runners: R,
    fixes: N,
    intervalMs: 1000,
    until: now - 2000,
    gun,
    appShare: Number(args.apps),
    organiserToken: 'bench-organiser-token-0000',
    onProgress: (done) => process.stdout.write(`  seeded ${done.toLocaleString('en')} of ${R.toLocaleString('en')} runners\r`),
  });
  await store.close();
  const dbMb = Math.round(statSync(file).size / 2 ** 20);
  note('seed through the store', `${seeded.rows.toLocaleString('en')} rows in ${seeded.seconds.toFixed(0)} s (${Math.round(seeded.rows / seeded.seconds).toLocaleString('en')}/s); database ${dbMb} MB`);
  result.seed = { rows: seeded.rows, seconds: seeded.seconds, dbMb };

  const server = startServer(dataDir);
  const spawned = performance.now();
  const loads: ChildProcess[] = [];
  let rss: RssWatch | null = null;
  try {
    // 2. Restart.
    await waitHealthy();
    const restartMs = Math.round(performance.now() - spawned);
    rss = new RssWatch(server.pid!);
    await sleep(1000);
    const restartRss = Math.round(rss.now());
    note('restart', `first answer after ${restartMs} ms; RSS ${restartRss} MB`);
    result.restart = { ms: restartMs, rssMb: restartRss };

    // 3. Late spectators: the first loads the room.
    const cold = await spectate(true);
    const warm = await spectate(true);
    const whole = await spectate(false);
    note(
      'late snapshot (interest)',
      `${kb(cold.json)} KB JSON + ${kb(cold.field)} KB field (${cold.count.toLocaleString('en')} runners, ${(cold.field / Math.max(1, cold.count)).toFixed(1)} bytes each); first ${cold.fieldMs} ms (loads the room), next ${warm.fieldMs} ms`,
    );
    note('late snapshot (whole event, protocol 2)', `${mb(whole.json)} MB in ${whole.ms} ms`);
    result.snapshot = { jsonBytes: cold.json, fieldBytes: cold.field, bytes: cold.json + cold.field, coldMs: cold.fieldMs, warmMs: warm.fieldMs, count: cold.count, wholeBytes: whole.json, wholeMs: whole.ms, rssMb: rss.take() };

    // 4. The page.
    const page = await browser(cold.count);
    note('spectator page (CPU 4× slower)', `every runner drawn ${page.drawMs} ms after the field arrived; JS heap ${page.heapMb} MB; dragging ${page.fps} frames/s (p95 frame ${page.frameP95Ms} ms); ${page.jsKb} KB of script, ${page.htmlKb} KB of HTML`);
    result.browser = page;

    // 5. Live: the load processes take their share of the field; spectators on the first.
    const follow = seeded.runners.find((r) => !r.key) ?? null;
    const processes = Math.max(2, Math.ceil(R / PER_PROCESS));
    const sources = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
    for (let p = 0; p < processes; p++) {
      const cfg: LoadConfig = {
        base: BASE,
        event: EVENT,
        gun,
        runners: seeded.runners.filter((_, k) => k % processes === p).map((r) => ({ i: r.i, id: r.id, token: r.token, key: r.key, seq: r.seq })),
        spectators: p === 0 ? { interest: S, classic: 1, lite: 5, follow: follow?.id ?? null, view: courseView() } : { interest: 0, classic: 0, lite: 0, follow: null, view: courseView() },
        sources: sources.filter((_, i) => i % processes === p),
      };
      const child = fork(join(__dirname, 'race', 'load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
      child.send({ type: 'config', config: cfg });
      loads.push(child);
    }
    const opened = await Promise.all(loads.map((l) => (l.send({ type: 'open' }), once<{ ws: number; failed: number }>(l, 'opened', 300_000))));
    note('live: connected', `${opened.reduce((a, o) => a + o.ws, 0).toLocaleString('en')} runner-page sockets, ${opened.reduce((a, o) => a + o.failed, 0)} failed, in ${processes} load processes`);
    await sleep(3000);

    const phases: Array<{ name: string; intervalMs: number; batch: number }> = [
      { name: 'live, 1 fix / 5 s', intervalMs: 5000, batch: 1 },
      { name: 'live, 1 Hz', intervalMs: 1000, batch: 5 },
    ];
    const live: Record<string, unknown> = {};
    for (const phase of phases) {
      for (const l of loads) l.send({ type: 'reset' });
      rss.take();
      const cpu0 = cpuSeconds(server.pid!);
      const t0 = performance.now();
      for (const l of loads) l.send({ type: 'send', intervalMs: phase.intervalMs, batch: phase.batch });
      await sleep(LIVE_S * 1000);
      for (const l of loads) l.send({ type: 'stop' });
      await sleep(5000);
      const wall = (performance.now() - t0) / 1000;
      const cpu = Math.round(((cpuSeconds(server.pid!) - cpu0) / wall) * 100);
      const r = await reports(loads);
      const peak = rss.take();
      const perS = (bytes: number, n: number) => Math.round(bytes / Math.max(1, n) / r.seconds);
      const interest = perS(r.bytes.interest, S);
      const lite = perS(r.bytes.lite, 5);
      const figures = {
        sent: r.sent,
        acked: r.acked,
        sentPerSec: Math.round(r.sent / LIVE_S),
        ackedShare: r.sent ? r.acked / r.sent : 0,
        appRequests: r.appRequests,
        appFailed: r.appFailed,
        ackP50: pct(r.ackLatencies, 50),
        ackP99: pct(r.ackLatencies, 99),
        followP50: pct(r.followLatencies, 50),
        followP99: pct(r.followLatencies, 99),
        interestBytesPerSec: interest,
        followBytesPerSec: perS(r.bytes.follow, 1),
        liteBytesPerSec: lite,
        classicBytesPerSec: r.bytes.classic ? perS(r.bytes.classic, 1) : null,
        bytesPerFixInterest: r.entries.interest ? Math.round((r.bytes.interest / r.entries.interest) * 10) / 10 : null,
        bytesPerFixClassic: r.entries.classic ? Math.round((r.bytes.classic / r.entries.classic) * 10) / 10 : null,
        serverCpuPercent: cpu,
        rssMb: peak,
      };
      live[phase.name] = figures;
      note(
        phase.name,
        `${figures.sentPerSec.toLocaleString('en')} fixes/s sent, ${(figures.ackedShare * 100).toFixed(1)} % acknowledged (p50 ${figures.ackP50} ms, p99 ${figures.ackP99} ms); ` +
          `page ${kb(interest)} KB/s, following one runner ${kb(figures.followBytesPerSec)} KB/s (p99 ${figures.followP99} ms), light page ${kb(lite)} KB/s` +
          (figures.classicBytesPerSec ? `, whole event ${kb(figures.classicBytesPerSec)} KB/s` : '') +
          `; bytes per fix ${figures.bytesPerFixInterest ?? '—'} (interest)${figures.bytesPerFixClassic ? ` vs ${figures.bytesPerFixClassic} (whole event)` : ''}; server CPU ${cpu} %, RSS peak ${peak} MB`,
      );
      for (const l of loads) l.send({ type: 'drop-classic' });
      await sleep(3000);
    }
    result.live = live;

    // 6. One runner's whole track, page by page, and their GPX.
    const followed = seeded.runners[0]!;
    let next: string | null = null;
    let pages = 0;
    let points = 0;
    const t1 = performance.now();
    do {
      const res = await fetch(`${BASE}/api/events/${EVENT}/runners/${followed.id}/track?format=trail&limit=10000${next ? `&after=${next}` : ''}`);
      const body = (await res.json()) as { count: number; next: string | null };
      points += body.count;
      next = body.next;
      pages++;
    } while (next);
    const gpx = await fetch(`${BASE}/api/events/${EVENT}/runners/${followed.id}/track.gpx`).then((r) => r.arrayBuffer());
    note('followed runner', `${points.toLocaleString('en')} points in ${pages} pages, ${Math.round(performance.now() - t1)} ms; GPX ${kb(gpx.byteLength)} KB`);
    result.follow = { points, pages };
    result.peakRssMb = Math.round(procKb(server.pid!, 'VmHWM') / 1024);
    note('server peak RSS (whole run after the restart)', `${result.peakRssMb} MB`);
  } finally {
    rss?.stop();
    for (const l of loads) l.send({ type: 'close' });
    await sleep(500);
    for (const l of loads) l.kill('SIGKILL');
    server.kill('SIGKILL');
    await sleep(500);
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  result.minutes = Math.round((performance.now() - benchStart) / 6000) / 10;
  console.log(`\nThe whole run took ${result.minutes} minutes.`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const out = JSON.stringify({ ...result, table: rows }, null, 2);
  writeFileSync(join(dir, 'race-latest.json'), out);
  writeFileSync(join(dir, `race-${String(result.date).replace(/[:.]/g, '-')}.json`), out);
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join('\n')}\n`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
