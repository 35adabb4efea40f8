/**
 * `npm run bench -- --race`: a whole race in bounded memory. Fills an event with R runners × N fixes
 * (default 1,000 × 18,000: five hours at 1 Hz), then measures, against the real server.ts:
 *
 *   fill      the first minute of every runner through the public protocol (join, fixes, moods), the rest
 *             written through the store interface in large batches, with the checkpoints a running server
 *             would have left (computed by the same per-runner code the rooms use)
 *   restart   time from start to the first answer, and RSS
 *   snapshot  a late spectator's snapshot: bytes and time (the first one loads the room), then a second
 *   browser   the spectator page in Chromium: time from the snapshot to every runner's trail drawn, JS heap
 *   follow    one runner's full trail through the paged track endpoint
 *   exports   export.json and one GPX: fixes per second and RSS growth
 *   live      every runner sending at 1 Hz with S spectators: bytes per second per spectator
 *
 * and the server's RSS at every step. Prints a table and writes bench/results/race-latest.json.
 */
import { chromium } from '@playwright/test';
import Database from 'better-sqlite3';
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { offsetM } from '../lib/geo';
import type { ServerMessage } from '../lib/protocol';
import { chromiumArgs } from '../playwright.config';
import { RunnerTrack } from '../server/room/runner-track';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import type { RunnerRecord, StoredPosition, WriteOp } from '../server/storage/store';

const ROOT = join(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    race: { type: 'boolean', default: true },
    runners: { type: 'string', default: '1000' },
    fixes: { type: 'string', default: '18000' },
    protocol: { type: 'string', default: '60' },
    live: { type: 'string', default: '60' },
    spectators: { type: 'string', default: '200' },
    port: { type: 'string', default: '4120' },
    keep: { type: 'boolean', default: false },
  },
  strict: false,
});
const R = Number(args.runners);
const N = Number(args.fixes);
const P = Math.min(N, Number(args.protocol));
const LIVE_S = Number(args.live);
const S = Number(args.spectators);
const PORT = Number(args.port);
const BASE = `http://127.0.0.1:${PORT}`;
const WS = `ws://127.0.0.1:${PORT}/ws`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** The server's RSS, sampled every 200 ms while it runs; the highest per phase. */
class RssWatch {
  private timer: NodeJS.Timeout | null = null;
  peak = 0;
  constructor(private readonly pid: number) {}
  start(): void {
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
  /** The highest since the last call, and start again from now. */
  take(): number {
    const p = Math.max(this.peak, this.now());
    this.peak = this.now();
    return Math.round(p);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
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
      WRITE_MIB_PER_HOUR_PER_IP: '1000000',
      SNAPSHOTS_PER_SECOND_PER_IP: '1000000',
      LOG_LEVEL: 'silent',
      NEXT_TELEMETRY_DISABLED: '1',
    },
  });
}

async function waitHealthy(timeoutMs = 120_000): Promise<number> {
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

async function stopServer(server: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  server.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
}

/** Runner i's position at second s of the race: laps of a 10 km loop at their own pace, with GPS noise. */
function fixAt(i: number, s: number, t: number): StoredPosition {
  const speed = 2.4 + (i % 17) * 0.1; // 2.4 – 4.0 m/s
  const along = (speed * s + i * 37) % 10_000;
  const angle = (along / 10_000) * 2 * Math.PI;
  const radius = 1590 + 40 * Math.sin(angle * 7);
  const noise = () => (Math.sin(i * 12.9898 + s * 78.233) * 43758.5453) % 1;
  const [lat, lon] = offsetM(40.7812, -73.9665, Math.cos(angle) * radius + noise() * 4, Math.sin(angle) * radius + noise() * 4);
  return { seq: s + 1, lat, lon, t, acc: 4 + (s % 5), alt: 30 + Math.sin(angle * 3) * 8, spd: speed, hdg: (angle * 180) / Math.PI, bat: null };
}

interface Runner {
  id: string;
  token: string;
  ws: WebSocket;
  seq: number;
  acked: number;
}

async function joinRunners(event: string): Promise<Runner[]> {
  const out: Runner[] = [];
  for (let start = 0; start < R; start += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, R - start) }, (_, k) => {
        const i = start + k;
        return new Promise<Runner>((resolve, reject) => {
          const ws = new WebSocket(WS, { perMessageDeflate: false });
          const r: Runner = { id: '', token: '', ws, seq: 0, acked: 0 };
          ws.on('message', (d: Buffer) => {
            const m = JSON.parse(d.toString()) as ServerMessage;
            if (m.type === 'hello') ws.send(JSON.stringify({ type: 'join', event, name: `Runner ${i + 1}`, color: '#336699' }));
            else if (m.type === 'joined') {
              r.id = m.runnerId;
              r.token = m.token ?? r.token;
              r.acked = m.lastSeq;
              resolve(r);
            } else if (m.type === 'ack') r.acked = Math.max(r.acked, m.seq);
          });
          ws.once('error', reject);
        });
      }),
    );
    out.push(...batch);
  }
  return out;
}

async function untilAcked(runners: Runner[], timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (runners.some((r) => r.acked < r.seq)) {
    if (Date.now() - t0 > timeoutMs) throw new Error('fixes were not acknowledged');
    await sleep(50);
  }
}

/** A spectator socket: subscribe, time the snapshot, count bytes. */
function spectate(event: string): Promise<{ ws: WebSocket; snapshotMs: number; snapshotBytes: number; bytes: () => number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(WS, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
    let bytes = 0;
    let asked = 0;
    let done = false;
    ws.on('message', (d: Buffer) => {
      bytes += d.length;
      if (done) return;
      if (d.subarray(0, 20).toString().includes('"hello"')) {
        asked = performance.now();
        ws.send(JSON.stringify({ type: 'subscribe', event }));
      } else if (d.subarray(0, 24).toString().includes('"snapshot"')) {
        done = true;
        resolve({ ws, snapshotMs: Math.round(performance.now() - asked), snapshotBytes: d.length, bytes: () => bytes });
      }
    });
    ws.once('error', reject);
  });
}

async function download(url: string): Promise<{ bytes: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
  return { bytes, ms: Math.round(performance.now() - t0) };
}

async function main() {
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-race-'));
  const file = join(dataDir, 'trackside.db');
  const rows: Array<[string, string]> = [];
  const result: Record<string, unknown> = { date: new Date().toISOString(), runners: R, fixesPerRunner: N, viaProtocol: P };
  const note = (what: string, value: string) => {
    rows.push([what, value]);
    console.log(`  ${what}: ${value}`);
  };
  console.log(`A race of ${R} runners × ${N} fixes (${((R * N) / 1e6).toFixed(1)} M), loopback only.\n`);
  let server = startServer(dataDir);
  let rss = new RssWatch(server.pid!);
  try {
    // 1. The first minute through the public protocol.
    await waitHealthy();
    rss.start();
    const created = (await (await fetch(`${BASE}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'Race bench' }) })).json()) as {
      event: { id: string };
    };
    const event = created.event.id;
    const runners = await joinRunners(event);
    const raceStart = Date.now() - N * 1000 - 60_000;
    for (let s = 0; s < P; s++) {
      for (const [i, r] of runners.entries()) {
        const f = fixAt(i, s, raceStart + s * 1000);
        r.seq = f.seq;
        r.ws.send(JSON.stringify({ type: 'pos', seq: f.seq, lat: f.lat, lon: f.lon, t: f.t, acc: f.acc, alt: f.alt, spd: f.spd, hdg: f.hdg }));
        if (s === 0) r.ws.send(JSON.stringify({ type: 'mood', value: 5 + (i % 6) }));
      }
      await sleep(700);
    }
    await untilAcked(runners);
    note('fill through the protocol', `${R} runners joined, ${(R * P).toLocaleString('en')} fixes acknowledged; server RSS peak ${rss.take()} MB`);
    for (const r of runners) r.ws.close();
    await stopServer(server);
    rss.stop();

    // 2. The rest through the store interface, with the checkpoints a running server would have written.
    const store = await SqliteStore.open(file);
    const fillStart = performance.now();
    const room = (await store.loadRoom(event, { cheersKept: 20, samplesKept: 10 }))!;
    const records = new Map<string, RunnerRecord>(room.runners.map((r) => [r.id, r]));
    let ops: WriteOp[] = [];
    let written = 0;
    let lastArrival = 0;
    const flush = async () => {
      if (!ops.length) return;
      const { arrivals } = await store.append(ops);
      for (const a of arrivals) if (a !== null) lastArrival = Math.max(lastArrival, a);
      written += ops.length;
      ops = [];
    };
    const checkpoints: WriteOp[] = [];
    for (const [i, r] of runners.entries()) {
      const rec = records.get(r.id)!;
      const track = new RunnerTrack(rec, 150);
      for (let s = 0; s < N; s++) {
        const f = fixAt(i, s, raceStart + s * 1000);
        track.settle(f.seq);
        track.applyFix(f, f.t, null);
        if (s >= P) ops.push({ op: 'position', event, runnerId: r.id, pos: f });
        if (ops.length >= 50_000) await flush();
      }
      track.mood = 5 + (i % 6);
      track.moodAt = raceStart;
      checkpoints.push({ op: 'checkpoint', event, runnerId: r.id, through: 0, state: track.checkpoint() });
      if ((i + 1) % 100 === 0) process.stdout.write(`  filled ${i + 1} of ${R} runners\r`);
    }
    for (let k = 0; k < Math.floor(N / 5); k++) ops.push({ op: 'sample', event, sample: { t: raceStart + k * 5000, mean: 6 + Math.sin(k / 50), count: R } });
    await flush();
    for (const c of checkpoints) (c as Extract<WriteOp, { op: 'checkpoint' }>).through = lastArrival;
    ops = checkpoints;
    await flush();
    const fillS = (performance.now() - fillStart) / 1000;
    await store.close();
    // The race began five hours ago: so did the runners, as the per-runner limits judge it.
    const db = new Database(file);
    db.prepare('UPDATE runners SET joined_at = ? WHERE event = ?').run(raceStart, event);
    db.close();
    const dbMb = Math.round(statSync(file).size / 2 ** 20);
    note('fill through the store', `${written.toLocaleString('en')} rows in ${fillS.toFixed(0)} s (${Math.round(written / fillS).toLocaleString('en')}/s); database ${dbMb} MB`);
    result.fill = { rows: written, seconds: fillS, dbMb };

    // 3. Restart: time to the first answer, and what it holds.
    const spawned = performance.now();
    server = startServer(dataDir);
    await waitHealthy();
    const restartMs = Math.round(performance.now() - spawned);
    rss = new RssWatch(server.pid!);
    rss.start();
    await sleep(1000);
    const restartRss = Math.round(rss.now());
    note('restart', `first answer after ${restartMs} ms; RSS ${restartRss} MB`);
    result.restart = { ms: restartMs, rssMb: restartRss };

    // 4. A late spectator: the first loads the room, the second finds it loaded.
    const cold = await spectate(event);
    const warm = await spectate(event);
    const snapRss = rss.take();
    note('late snapshot', `${mb(cold.snapshotBytes)} MB; first ${cold.snapshotMs} ms (loads the room), next ${warm.snapshotMs} ms; RSS peak ${snapRss} MB`);
    result.snapshot = { bytes: cold.snapshotBytes, coldMs: cold.snapshotMs, warmMs: warm.snapshotMs, rssMb: snapRss };
    cold.ws.close();
    warm.ws.close();

    // 5. The spectator page: snapshot to every trail drawn.
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
    try {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.route((url) => !url.toString().startsWith(BASE), (route) => route.abort());
      // Plain text: the page's own WebSocket, wrapped to note when the snapshot arrives.
      await context.addInitScript(`(() => {
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(url, protocols) {
            super(url, protocols);
            this.addEventListener('message', (e) => {
              if (window.__snapshotAt === undefined && typeof e.data === 'string' && e.data.startsWith('{"type":"snapshot"')) window.__snapshotAt = performance.now();
            });
          }
        };
      })()`);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await page.goto(`${BASE}/e/${event}`);
      const drawnAt = (await page.evaluate(`new Promise((resolve) => {
        const check = () => {
          const paths = document.querySelectorAll('path.trail');
          let drawn = 0;
          for (const p of paths) if (Number(p.getAttribute('data-points') || 0) > 1) drawn++;
          if (drawn >= ${R}) resolve(performance.now()); else requestAnimationFrame(check);
        };
        check();
      })`)) as number;
      const snapshotAt = await page.evaluate<number>('window.__snapshotAt');
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
      const drawMs = Math.round(drawnAt - snapshotAt);
      note('spectator page', `every trail drawn ${drawMs} ms after the snapshot arrived; JS heap ${mb(heap.usedSize)} MB`);
      result.browser = { drawMs, heapMb: mb(heap.usedSize) };
    } finally {
      await browser.close();
    }

    // 6. One runner's full trail, page by page.
    const followed = runners[0]!;
    let next: string | null = null;
    let pages = 0;
    let followBytes = 0;
    let points = 0;
    const followStart = performance.now();
    do {
      const res = await fetch(`${BASE}/api/events/${event}/runners/${followed.id}/track?format=trail&limit=10000${next ? `&after=${next}` : ''}`);
      const text = await res.text();
      followBytes += text.length;
      const page = JSON.parse(text) as { count: number; next: string | null };
      points += page.count;
      next = page.next;
      pages++;
    } while (next);
    const followMs = Math.round(performance.now() - followStart);
    note('followed runner', `${points.toLocaleString('en')} points in ${pages} pages, ${mb(followBytes)} MB, ${followMs} ms`);
    result.follow = { points, pages, bytes: followBytes, ms: followMs };

    // 7. Exports: fixes per second and how much the server's memory grows.
    for (const [what, url, fixes] of [
      ['export.json', `${BASE}/api/events/${event}/export.json`, R * N],
      ['GPX (one runner)', `${BASE}/api/events/${event}/runners/${followed.id}/track.gpx`, N],
    ] as const) {
      const before = Math.round(rss.now());
      const hwmBefore = procKb(server.pid!, 'VmHWM') / 1024;
      rss.take();
      const d = await download(url);
      const peak = rss.take();
      const growth = Math.max(0, peak - before);
      note(what, `${mb(d.bytes)} MB in ${(d.ms / 1000).toFixed(1)} s: ${Math.round((fixes / d.ms) * 1000).toLocaleString('en')} fixes/s; RSS ${before} → peak ${peak} MB (+${growth} MB; high-water mark ${Math.round(hwmBefore)} → ${Math.round(procKb(server.pid!, 'VmHWM') / 1024)} MB)`);
      result[what === 'export.json' ? 'exportJson' : 'gpx'] = { bytes: d.bytes, ms: d.ms, fixesPerSec: Math.round((fixes / d.ms) * 1000), rssGrowthMb: growth };
    }

    // 8. Live: every runner at 1 Hz, S spectators; bytes per second per spectator.
    const live = await joinBack(runners, event);
    const spectators = await Promise.all(Array.from({ length: S }, () => spectate(event)));
    await sleep(1000);
    const bytesBefore = spectators.map((s) => s.bytes());
    const liveStart = Date.now();
    let s = N;
    const sending = setInterval(() => {
      const t = Date.now();
      for (const [i, r] of live.entries()) {
        const f = fixAt(i, s, t);
        r.seq = Math.max(r.seq + 1, f.seq);
        r.ws.send(JSON.stringify({ type: 'pos', seq: r.seq, lat: f.lat, lon: f.lon, t, acc: f.acc }));
      }
      s++;
    }, 1000);
    await sleep(LIVE_S * 1000);
    clearInterval(sending);
    const liveS = (Date.now() - liveStart) / 1000;
    const perSpectator = spectators.map((x, i) => (x.bytes() - bytesBefore[i]!) / liveS);
    const avg = perSpectator.reduce((a, b) => a + b, 0) / perSpectator.length;
    const liveRss = rss.take();
    note('live', `${R} runners at 1 Hz, ${S} spectators for ${Math.round(liveS)} s: ${Math.round(avg / 1024)} KB/s per spectator; RSS peak ${liveRss} MB`);
    result.live = { spectators: S, bytesPerSecPerSpectator: Math.round(avg), rssMb: liveRss };
    for (const x of spectators) x.ws.close();
    for (const r of live) r.ws.close();
    result.peakRssMb = Math.round(procKb(server.pid!, 'VmHWM') / 1024);
    note('server peak RSS (whole run after the restart)', `${result.peakRssMb} MB`);
  } finally {
    rss.stop();
    server.kill('SIGKILL');
    await sleep(500);
    if (!args.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'race-latest.json'), JSON.stringify({ ...result, table: rows }, null, 2));
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join('\n')}\n`);
}

/** The runners again, resumed with their tokens (as phones reconnect). */
async function joinBack(runners: Runner[], event: string): Promise<Runner[]> {
  return Promise.all(
    runners.map(
      (r) =>
        new Promise<Runner>((resolve, reject) => {
          const ws = new WebSocket(WS, { perMessageDeflate: false });
          const again: Runner = { ...r, ws };
          ws.on('message', (d: Buffer) => {
            const m = JSON.parse(d.toString()) as ServerMessage;
            if (m.type === 'hello') ws.send(JSON.stringify({ type: 'resume', event, runnerId: r.id, token: r.token }));
            else if (m.type === 'joined') {
              again.seq = m.lastSeq;
              resolve(again);
            }
          });
          ws.once('error', reject);
        }),
    ),
  );
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
