/**
 * `npm run bench -- --race`: a big-city marathon against the real server.ts (pages included), loopback only;
 * `--race --cluster`: the same race across three instances on PostgreSQL and Redis (bench/race/servers.ts).
 *
 *   seed      R runners (default 30,000) with N fixes each of history, their checkpoints and the course,
 *             written into the store as a running server would have left them (bench/race/seed.ts)
 *   restart   the server starts on it: time to the first answer, and RSS
 *   snapshot  a late spectator's picture, first (loading the room) and next: with interest (the page's:
 *             the JSON snapshot and the binary field) and the whole event (protocol 2, for comparison)
 *   browser   the spectator page in Chromium with the CPU slowed 4×: the field's arrival to every runner
 *             drawn, JS heap, and frames per second while the map is dragged (single server only: the
 *             cluster's instances serve no pages)
 *   live      every runner reporting, first once every 5 s, then every second: most from a tracking app
 *             over keep-alive HTTP (one fix a request; at 1 Hz, batches of five), the rest from the runner
 *             page over WebSocket, in several load processes (bench/race/load.ts; in a cluster each process
 *             on its own instance, so most fixes cross the backplane to the event's owner); spectators of
 *             the page (interest at the course's view), one following a runner, light pages following one
 *             runner, and (at 1 fix / 5 s) one whole-event subscriber: bytes a second each, bytes per fix,
 *             acknowledgements and their latency, the servers' CPU and RSS
 *   follow    one runner's whole track through the paged track endpoint, and their GPX
 *
 * Prints a table and writes bench/results/race-latest.json (cluster-race-latest.json; and a dated copy).
 */
import { type ChildProcess, execSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadConfig, LoadReport } from './race/load';
import { courseView, spectate, spectatorPage } from './race/probes';
import { seedRace } from './race/seed';
import { clusterTarget, cpuSeconds, peakRssMb, RssWatch, singleTarget } from './race/servers';

const ROOT = join(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    race: { type: 'boolean', default: true },
    cluster: { type: 'boolean', default: false },
    runners: { type: 'string', default: '30000' },
    fixes: { type: 'string', default: '300' },
    live: { type: 'string', default: '60' },
    spectators: { type: 'string', default: '20' },
    port: { type: 'string' },
    /** Share of runners with a tracking app. */
    apps: { type: 'string', default: '0.7' },
    keep: { type: 'boolean', default: false },
    /** Profile the server (node --cpu-prof) and print where its time went (bench/profile.ts). */
    'cpu-prof': { type: 'boolean', default: false },
  },
  strict: false,
});
const R = Number(args.runners);
const N = Number(args.fixes);
const LIVE_S = Number(args.live);
const S = Number(args.spectators);
const EVENT = 'city-marathon';
/** Runners per load process: well under the 20,000 descriptors one process may hold. */
const PER_PROCESS = 12_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const pct = (sorted: number[], p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!) : null);

async function waitHealthy(base: string, timeoutMs = 180_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error('the server did not answer');
    await sleep(25);
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
    bytes: {
      interest: sum((r) => r.bytes.interest),
      classic: sum((r) => r.bytes.classic),
      lite: sum((r) => r.bytes.lite),
      follow: sum((r) => r.bytes.follow),
      classicUpdates: sum((r) => r.bytes.classicUpdates),
    },
    entries: { interest: sum((r) => r.entries.interest), classic: sum((r) => r.entries.classic) },
    cpuSeconds: sum((r) => r.cpuSeconds),
    seconds: Math.max(...all.map((r) => r.seconds)),
  };
}

async function main() {
  const profiles = join(__dirname, 'results', 'profiles');
  const target = args.cluster ? clusterTarget(3) : singleTarget(Number(args.port ?? 0), args['cpu-prof'] ? join(profiles, `race-${Date.now()}`) : undefined);
  if (!args.cluster && !existsSync(join(ROOT, '.next', 'BUILD_ID'))) execSync('npx next build', { cwd: ROOT, stdio: 'inherit' });
  const rows: Array<[string, string]> = [];
  const result: Record<string, unknown> = { date: new Date().toISOString(), mode: target.name, appShare: Number(args.apps), runners: R, fixesPerRunner: N, liveSeconds: LIVE_S, spectators: S };
  const note = (what: string, value: string) => {
    rows.push([what, value]);
    console.log(`  ${what}: ${value}`);
  };
  const where = args.cluster ? 'three instances on PostgreSQL and Redis' : 'one server on SQLite';
  console.log(`A marathon of ${R.toLocaleString('en')} runners with ${N} fixes each of history, ${where}, loopback only.\n`);
  const benchStart = performance.now();
  const loads: ChildProcess[] = [];
  let rss: RssWatch | null = null;
  try {
    // 1. The field, as a running server would have left it.
    const now = Date.now();
    const gun = now - 2 * 3600_000;
    const store = await target.seedStore();
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
    note('seed through the store', `${seeded.rows.toLocaleString('en')} rows in ${seeded.seconds.toFixed(0)} s (${Math.round(seeded.rows / seeded.seconds).toLocaleString('en')}/s)`);
    result.seed = { rows: seeded.rows, seconds: seeded.seconds };

    // 2. Restart.
    const spawned = performance.now();
    const servers = await target.start();
    const [base] = servers.bases as [string];
    await waitHealthy(base);
    const restartMs = Math.round(performance.now() - spawned);
    rss = new RssWatch(servers.pids);
    await sleep(1000);
    const restartRss = Math.round(rss.now());
    note('restart', `first answer after ${restartMs} ms; RSS ${restartRss} MB${servers.pids.length > 1 ? ` (the largest of ${servers.pids.length} instances)` : ''}`);
    result.restart = { ms: restartMs, rssMb: restartRss };

    // 3. Late spectators: the first loads the room (and in a cluster, takes the event's ownership).
    const ws = `${base.replace(/^http/, 'ws')}/ws`;
    const cold = await spectate(ws, EVENT, true);
    const warm = await spectate(ws, EVENT, true);
    const whole = await spectate(ws, EVENT, false);
    note(
      'late snapshot (interest)',
      `${kb(cold.json)} KB JSON + ${kb(cold.field)} KB field (${cold.count.toLocaleString('en')} runners, ${(cold.field / Math.max(1, cold.count)).toFixed(1)} bytes each); first ${cold.fieldMs} ms (loads the room), next ${warm.fieldMs} ms`,
    );
    note('late snapshot (whole event, protocol 2)', `${mb(whole.json)} MB in ${whole.ms} ms`);
    result.snapshot = { jsonBytes: cold.json, fieldBytes: cold.field, bytes: cold.json + cold.field, coldMs: cold.fieldMs, warmMs: warm.fieldMs, count: cold.count, wholeBytes: whole.json, wholeMs: whole.ms, rssMb: rss.take() };

    // 4. The page.
    if (servers.pages) {
      const page = await spectatorPage(base, EVENT, cold.count);
      note('spectator page (CPU 4× slower)', `every runner drawn ${page.drawMs} ms after the field arrived; JS heap ${page.heapMb} MB; dragging ${page.fps} frames/s (p95 frame ${page.frameP95Ms} ms); ${page.jsKb} KB of script, ${page.htmlKb} KB of HTML`);
      result.browser = page;
    }

    // 5. Live: the load processes take their share of the field (each on its own instance in a cluster); spectators on the first.
    const follow = seeded.runners.find((r) => !r.key) ?? null;
    const processes = Math.max(servers.bases.length, Math.ceil(R / PER_PROCESS));
    const sources = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
    for (let p = 0; p < processes; p++) {
      const cfg: LoadConfig = {
        base: servers.bases[p % servers.bases.length]!,
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
    const opened = await Promise.all(loads.map((l) => (l.send({ type: 'open' }), once<{ ws: number; failed: number; error: string | null }>(l, 'opened', 600_000))));
    const refusal = opened.find((o) => o.error)?.error;
    if (refusal) console.log(`  a runner page's resume was refused: ${refusal}`);
    result.connected = { ws: opened.reduce((a, o) => a + o.ws, 0), failed: opened.reduce((a, o) => a + o.failed, 0), refusal: refusal ?? null };
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
      const cpu0 = cpuSeconds(servers.pids);
      const t0 = performance.now();
      for (const l of loads) l.send({ type: 'send', intervalMs: phase.intervalMs, batch: phase.batch });
      await sleep(LIVE_S * 1000);
      for (const l of loads) l.send({ type: 'stop' });
      await sleep(5000);
      const wall = (performance.now() - t0) / 1000;
      const cpu = Math.round(((cpuSeconds(servers.pids) - cpu0) / wall) * 100);
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
        bytesPerFixClassic: r.entries.classic ? Math.round((r.bytes.classicUpdates / r.entries.classic) * 10) / 10 : null,
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
      const res = await fetch(`${base}/api/events/${EVENT}/runners/${followed.id}/track?format=trail&limit=10000${next ? `&after=${next}` : ''}`);
      const body = (await res.json()) as { count: number; next: string | null };
      points += body.count;
      next = body.next;
      pages++;
    } while (next);
    const gpx = await fetch(`${base}/api/events/${EVENT}/runners/${followed.id}/track.gpx`).then((r) => r.arrayBuffer());
    note('followed runner', `${points.toLocaleString('en')} points in ${pages} pages, ${Math.round(performance.now() - t1)} ms; GPX ${kb(gpx.byteLength)} KB`);
    result.follow = { points, pages };
    result.peakRssMb = Math.max(...servers.pids.map(peakRssMb));
    note(`server peak RSS (whole run after the restart${servers.pids.length > 1 ? ', the largest instance' : ''})`, `${result.peakRssMb} MB`);
  } finally {
    rss?.stop();
    for (const l of loads) l.send({ type: 'close' });
    await sleep(500);
    for (const l of loads) l.kill('SIGKILL');
    await target.clean(Boolean(args.keep));
  }
  if (args['cpu-prof'] && !args.cluster) await import('./profile').then((p) => p.summarise(profiles));
  result.minutes = Math.round((performance.now() - benchStart) / 6000) / 10;
  console.log(`\nThe whole run took ${result.minutes} minutes.`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const out = JSON.stringify({ ...result, table: rows }, null, 2);
  const prefix = args.cluster ? 'cluster-race' : 'race';
  writeFileSync(join(dir, `${prefix}-latest.json`), out);
  writeFileSync(join(dir, `${prefix}-${String(result.date).replace(/[:.]/g, '-')}.json`), out);
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`).join('\n')}\n`);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
