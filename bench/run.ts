/**
 * `npm run bench`: Trackside and three peers, one after another on loopback, under the same load.
 *
 *   (a) trackside  the real server (server.ts, Next included): validation, auth, storage, batched fan-out
 *   (b) naive      a ws relay that sends each position to each spectator as its own message
 *   (c) socketio   socket.io broadcasting each position to a room
 *   (d) batched    a bare ws broadcaster: one pre-framed buffer per tick to all, nothing else (the ceiling)
 *
 * For each server and each spectator count S, R runners send one position a second for `duration`
 * seconds; the load generators (separate processes) count what arrives and time a sample.
 * Prints a table and Trackside ÷ peer ratios, and writes bench/results/<time>.json and latest.json.
 * `--browser` instead measures the spectator page in Chromium with 1,000 runners (bench/browser.ts),
 * `--race` a whole race in bounded memory (bench/race.ts), `--limit` finds, for Trackside and the bare
 * broadcaster, the largest S that still meets the delivery objective, and `--cluster` measures one process
 * against two instances on PostgreSQL and Redis (bench/cluster.ts).
 */
import { type ChildProcess, execSync, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/ports';
import type { LoadConfig, LoadReport, ServerKind } from './load';

const ROOT = join(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    servers: { type: 'string', default: 'trackside,naive,socketio,batched' },
    spectators: { type: 'string', default: '1000,5000,10000' },
    runners: { type: 'string', default: '100' },
    duration: { type: 'string', default: '20' },
    tick: { type: 'string', default: '100' },
    browser: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    /** Find, for Trackside and the bare broadcaster, the largest S that meets the delivery objective. */
    limit: { type: 'boolean', default: false },
    race: { type: 'boolean', default: false },
    /** A 300-runner race on a phone on a busy 4G cell (bench/phone.ts). */
    phone: { type: 'boolean', default: false },
    runs: { type: 'string' },
    fixes: { type: 'string' },
    protocol: { type: 'string' },
    live: { type: 'string' },
    port: { type: 'string' },
    apps: { type: 'string' },
    keep: { type: 'boolean' },
    /** Profile the servers (node --cpu-prof) and print where their time went (bench/profile.ts). */
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const PROFILES = join(__dirname, 'results', 'profiles');

interface Point {
  server: ServerKind;
  spectators: number;
  runners: number;
  durationS: number;
  sent: number;
  expected: number;
  delivered: number;
  deliveredPerSec: number;
  share: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  serverCpuPercent: number;
  serverPeakRssMb: number;
  loadCpuPercent: number;
  failed: number;
}


function startServer(kind: ServerKind, dataDir: string, port: number): ChildProcess {
  const script = {
    trackside: 'server.ts',
    naive: 'bench/peers/naive-relay.ts',
    socketio: 'bench/peers/socketio-room.ts',
    batched: 'bench/peers/batched-broadcaster.ts',
  }[kind];
  // One folder per run: every thread writes a profile (the module loader's worker too); the main thread's is the busy one.
  const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILES, `${kind}-${Date.now()}`)}`] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', script], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      DEMO: '0',
      TICK_MS: args.tick,
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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(200);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

/** CPU seconds used so far by a process, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function once<T>(child: ChildProcess, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`load generator: no ${type} in ${timeoutMs} ms`)), timeoutMs);
    const on = (msg: { type: string }) => {
      if (msg.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(msg as T);
    };
    child.on('message', on);
  });
}

async function measure(kind: ServerKind, spectators: number, runners: number, durationS: number): Promise<Point> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-bench-'));
  // A port of its own: other benchmarks may run on this machine at the same time.
  const port = await freePort();
  const server = startServer(kind, dataDir, port);
  const loads: ChildProcess[] = [];
  try {
    await waitFor(() => portOpen(port), 60_000, `${kind} to listen`);
    let event = 'bench';
    if (kind === 'trackside') {
      const res = await fetch(`http://127.0.0.1:${port}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'bench' }) });
      event = ((await res.json()) as { event: { id: string } }).event.id;
    }
    // Two generator processes past a few thousand spectators, so the generator is not the bottleneck.
    const procs = spectators >= 4000 ? 2 : 1;
    const addresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
    for (let p = 0; p < procs; p++) {
      const cfg: LoadConfig = {
        kind,
        url: kind === 'socketio' ? `http://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/ws`,
        event,
        runners: p === 0 ? runners : 0,
        spectators: Math.floor(spectators / procs) + (p === 0 ? spectators % procs : 0),
        sampleEvery: 100,
        sourceAddresses: addresses.filter((_, i) => i % procs === p),
      };
      loads.push(fork(join(__dirname, 'load.ts'), [JSON.stringify(cfg)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
    }
    const ready = await Promise.all(loads.map((l) => once<{ connected: number; failed: number }>(l, 'ready', 180_000)));
    await sleep(1000);
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = Date.now();
    for (const l of loads) l.send({ type: 'start' });
    await sleep(durationS * 1000);
    for (const l of loads) l.send({ type: 'stop' });
    const sendTime = (Date.now() - t0) / 1000;
    // Let what was sent arrive.
    await sleep(3000);
    const cpu1 = cpuSeconds(server.pid!);
    const wall = (Date.now() - t0) / 1000;
    const rss = peakRssMb(server.pid!);
    const reports = await Promise.all(
      loads.map((l) => {
        const r = once<{ report: LoadReport }>(l, 'report', 60_000);
        l.send({ type: 'report' });
        return r.then((m) => m.report);
      }),
    );
    const sent = reports.reduce((a, r) => a + r.sent, 0);
    const delivered = reports.reduce((a, r) => a + r.delivered, 0);
    const connectedSpectators = spectators - ready.reduce((a, r) => a + r.failed, 0);
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const expected = sent * spectators;
    return {
      server: kind,
      spectators,
      runners,
      durationS,
      sent,
      expected,
      delivered,
      deliveredPerSec: Math.round(delivered / sendTime),
      share: expected ? delivered / expected : 0,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1]! : null,
      serverCpuPercent: Math.round(((cpu1 - cpu0) / wall) * 100),
      serverPeakRssMb: Math.round(rss),
      loadCpuPercent: Math.round((reports.reduce((a, r) => a + r.cpuSeconds, 0) / wall) * 100),
      failed: spectators - connectedSpectators + (runners - Math.min(runners, sent)),
    };
  } finally {
    for (const l of loads) l.kill('SIGKILL');
    if (args['cpu-prof']) {
      // The profile is written as the process exits: let it stop by itself.
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000)]);
    }
    server.kill('SIGKILL');
    await sleep(1500);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(points: Point[]): string {
  const head = ['server', 'S', 'delivered/s', 'share', 'p50 ms', 'p99 ms', 'max ms', 'server CPU', 'peak RSS', 'load CPU', 'failed'];
  const rows = points.map((p) => [
    p.server,
    String(p.spectators),
    p.deliveredPerSec.toLocaleString('en'),
    `${(p.share * 100).toFixed(1)} %`,
    String(p.p50 ?? '—'),
    String(p.p99 ?? '—'),
    String(p.max ?? '—'),
    `${p.serverCpuPercent} %`,
    `${p.serverPeakRssMb} MB`,
    `${p.loadCpuPercent} %`,
    String(p.failed),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function ratios(points: Point[]): string {
  const lines: string[] = [];
  for (const s of [...new Set(points.map((p) => p.spectators))]) {
    const ours = points.find((p) => p.server === 'trackside' && p.spectators === s);
    if (!ours) continue;
    const parts = points
      .filter((p) => p.server !== 'trackside' && p.spectators === s)
      .map((p) => `${p.server} ${p.deliveredPerSec ? (ours.deliveredPerSec / p.deliveredPerSec).toFixed(2) : '∞'}×`);
    if (parts.length) lines.push(`S = ${s}: Trackside delivered/s ÷ ${parts.join(', ')}`);
  }
  return lines.join('\n');
}

async function main() {
  const servers = args.servers.split(',') as ServerKind[];
  if (args['cpu-prof']) mkdirSync(PROFILES, { recursive: true });
  const spectators = args.quick ? [200, 1000] : args.spectators.split(',').map(Number);
  const durationS = args.quick ? 5 : Number(args.duration);
  const runners = Number(args.runners);
  if (servers.includes('trackside') && !existsSync(join(ROOT, '.next', 'BUILD_ID'))) {
    console.log('Building the pages first (npm run build)…');
    execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  }
  console.log(`R = ${runners} runners at 1 Hz, ${durationS} s per point, TICK_MS = ${args.tick}; loopback only.\n`);
  const points: Point[] = [];
  for (const server of servers) {
    for (const s of spectators) {
      process.stdout.write(`${server} with ${s} spectators… `);
      try {
        const p = await measure(server, s, runners, durationS);
        points.push(p);
        console.log(`${p.deliveredPerSec.toLocaleString('en')} positions/s, ${(p.share * 100).toFixed(1)} % delivered, p99 ${p.p99 ?? '—'} ms`);
      } catch (err) {
        console.log(`failed: ${(err as Error).message}`);
      }
    }
  }
  console.log(`\n${table(points)}\n\n${ratios(points)}\n`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const result = { date: new Date().toISOString(), tickMs: Number(args.tick), machine: { cpus: require('node:os').cpus().length }, points };
  const file = join(dir, `${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(result, null, 2));
  console.log(`Results: ${file}`);
  if (args['cpu-prof']) await import('./profile').then((p) => p.summarise(PROFILES));
}

/** The objective: at least 99.9 % of positions delivered, p99 within half a second. */
const meetsObjective = (p: Point) => p.share >= 0.999 && p.p99 !== null && p.p99 <= 500;

/** Grow S by half until the objective fails, then halve the gap a few times. */
async function largestS(kind: ServerKind, runners: number, durationS: number, points: Point[]): Promise<number> {
  let lo = 0;
  let hi = 0;
  let s = args.quick ? 1000 : 5000;
  const attempt = async (n: number) => {
    process.stdout.write(`${kind} with ${n} spectators… `);
    try {
      const p = await measure(kind, n, runners, durationS);
      points.push(p);
      console.log(`${(p.share * 100).toFixed(2)} % delivered, p99 ${p.p99 ?? '—'} ms: ${meetsObjective(p) ? 'meets' : 'misses'} the objective`);
      return meetsObjective(p);
    } catch (err) {
      console.log(`failed: ${(err as Error).message}`);
      return false;
    }
  };
  while (s <= 60_000) {
    if (!(await attempt(s))) {
      hi = s;
      break;
    }
    lo = s;
    s = Math.round((s * 1.5) / 500) * 500;
  }
  for (let k = 0; k < 3 && hi; k++) {
    const mid = Math.round((lo + hi) / 2 / 250) * 250;
    if (mid <= lo || mid >= hi) break;
    if (await attempt(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

async function limits() {
  const runners = Number(args.runners);
  const durationS = args.quick ? 5 : Number(args.duration);
  if (!existsSync(join(ROOT, '.next', 'BUILD_ID'))) execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  console.log(`Largest S with ≥ 99.9 % delivered and p99 ≤ 500 ms; R = ${runners} at 1 Hz, ${durationS} s per point, TICK_MS = ${args.tick}.\n`);
  const points: Point[] = [];
  const best: Record<string, number> = {};
  for (const kind of ['trackside', 'batched'] as ServerKind[]) best[kind] = await largestS(kind, runners, durationS, points);
  console.log(`\n${table(points)}\n`);
  const ratio = best.batched ? best.trackside! / best.batched : 0;
  console.log(`Largest S at the objective: trackside ${best.trackside}, batched ${best.batched}: ratio ${ratio.toFixed(2)}×\n`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'limit-latest.json'), JSON.stringify({ date: new Date().toISOString(), tickMs: Number(args.tick), best, ratio, points }, null, 2));
}

if (args.race) {
  // The race (bench/race.ts) reads its own options, --cluster among them (three instances).
  require('./race');
} else if (args.cluster) {
  // Two spectator counts by default: broker traffic must not grow with S.
  const spectators = args.quick ? [200, 1000] : (process.argv.includes('--spectators') ? args.spectators : '1000,5000').split(',').map(Number);
  void import('./cluster').then(({ runCluster }) =>
    runCluster({ spectators, runners: Number(args.runners), durationS: args.quick ? 5 : Number(args.duration), tickMs: Number(args.tick) }),
  );
} else if (args.browser) {
  // The browser and race modes live in their own files; they are started the same way.
  require('./browser');
} else if (args.phone) {
  require('./phone');
} else if (args.limit) {
  void limits();
} else {
  void main();
}
