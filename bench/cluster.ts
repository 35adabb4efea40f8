/**
 * `npm run bench -- --cluster`: one process (SQLite) against two instances (PostgreSQL and Redis) on this
 * machine, under the same load: R runners at 1 Hz, S spectators split over two load generators. In the
 * cluster the event is owned by the first instance; the runners are connected to the second, so every fix
 * crosses the backplane to the owner and back as an acknowledgement, and the second instance's spectators
 * get each update relayed. Measured: delivered share, latency from fix to spectator (p50/p99) per side and
 * the latency the cluster adds against the single process, broker messages and bytes per second for the
 * event (published once per tick whatever S is), fixes stored per second, and the store's own durable
 * fixes per second, SQLite against PostgreSQL (bench/store.ts).
 *
 *   npm run bench -- --cluster --spectators 1000,5000 --runners 100 --duration 20
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, type Instance, startInstance, startRedis } from '../test/support/cluster';
import type { LoadConfig, LoadReport } from './load';

export interface ClusterArgs {
  spectators: number[];
  runners: number;
  durationS: number;
  tickMs: number;
}

interface Side {
  spectators: number;
  delivered: number;
  share: number;
  p50: number | null;
  p99: number | null;
}

interface Run {
  mode: 'single' | 'cluster';
  spectators: number;
  sent: number;
  share: number;
  p50: number | null;
  p99: number | null;
  /** Spectators connected to the owner, and to the other instance (cluster), or the two halves (single). */
  sides: Side[];
  storedPerSec: number;
  cpuPercent: number[];
  broker: { eventMessagesPerSec: number; eventBytesPerSec: number; otherMessagesPerSec: number } | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : null;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
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

async function measure(mode: 'single' | 'cluster', spectators: number, a: ClusterArgs): Promise<Run> {
  const env: Record<string, string> = {
    TICK_MS: String(a.tickMs),
    MAX_CONNECTIONS_PER_IP: '1000000',
    SNAPSHOTS_PER_SECOND_PER_IP: '100000',
    RUNNERS_PER_HOUR_PER_IP: '100000',
    WRITE_MIB_PER_HOUR_PER_IP: '1000000',
    EVENTS_PER_HOUR_PER_IP: '100000',
  };
  const db = mode === 'cluster' ? await createDatabase() : null;
  const redis = mode === 'cluster' ? await startRedis() : null;
  const instances: Instance[] = [];
  const loads: ChildProcess[] = [];
  try {
    if (db && redis) Object.assign(env, { DATABASE_URL: db.url, BACKPLANE_URL: redis.url });
    instances.push(await startInstance('owner', env));
    if (mode === 'cluster') instances.push(await startInstance('relay', env));
    const [owner, other = owner] = instances as [Instance, Instance?];
    const res = await fetch(`${owner.url}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'bench' }) });
    const event = ((await res.json()) as { event: { id: string } }).event.id;
    // Runners and half the spectators on the instance that does not own the event; the other half on the owner.
    const halves = [other, owner];
    const addresses = Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`);
    halves.forEach((inst, p) => {
      const cfg: LoadConfig = {
        kind: 'trackside',
        url: inst.wsUrl,
        event,
        runners: p === 0 ? a.runners : 0,
        spectators: Math.floor(spectators / 2) + (p === 0 ? spectators % 2 : 0),
        sampleEvery: 100,
        sourceAddresses: addresses.filter((_, i) => i % 2 === p),
      };
      loads.push(fork(join(__dirname, 'load.ts'), [JSON.stringify(cfg)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }));
    });
    await Promise.all(loads.map((l) => once(l, 'ready', 180_000)));
    await sleep(1500);
    const health0 = await owner.health();
    const stored0 = await storedCount(owner, event);
    const cpu0 = instances.map((i) => cpuSeconds(i.child.pid!));
    const t0 = Date.now();
    for (const l of loads) l.send({ type: 'start' });
    await sleep(a.durationS * 1000);
    for (const l of loads) l.send({ type: 'stop' });
    const sendTime = (Date.now() - t0) / 1000;
    await sleep(3000);
    const wall = (Date.now() - t0) / 1000;
    const cpu = instances.map((i, k) => Math.round(((cpuSeconds(i.child.pid!) - cpu0[k]!) / wall) * 100));
    const health1 = await owner.health();
    const stored1 = await storedCount(owner, event);
    const reports = await Promise.all(
      loads.map((l) => {
        const r = once<{ report: LoadReport }>(l, 'report', 60_000);
        l.send({ type: 'report' });
        return r.then((m) => m.report);
      }),
    );
    const sent = reports.reduce((n, r) => n + r.sent, 0);
    const sides: Side[] = reports.map((r, p) => {
      const n = Math.floor(spectators / 2) + (p === 0 ? spectators % 2 : 0);
      const lat = r.latencies.slice().sort((x, y) => x - y);
      return { spectators: n, delivered: r.delivered, share: sent * n ? r.delivered / (sent * n) : 0, p50: percentile(lat, 50), p99: percentile(lat, 99) };
    });
    const all = reports.flatMap((r) => r.latencies).sort((x, y) => x - y);
    const p0 = health0.backplane.published;
    const p1 = health1.backplane.published;
    return {
      mode,
      spectators,
      sent,
      share: sent * spectators ? reports.reduce((n, r) => n + r.delivered, 0) / (sent * spectators) : 0,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      sides,
      storedPerSec: (stored1 - stored0) / sendTime,
      cpuPercent: cpu,
      broker:
        p0 && p1
          ? {
              eventMessagesPerSec: (p1.events.messages - p0.events.messages) / sendTime,
              eventBytesPerSec: (p1.events.bytes - p0.events.bytes) / sendTime,
              otherMessagesPerSec: (p1.messages - p1.events.messages - (p0.messages - p0.events.messages)) / sendTime,
            }
          : null,
    };
  } finally {
    for (const l of loads) l.kill('SIGKILL');
    await Promise.allSettled(instances.map((i) => i.kill('SIGKILL')));
    await sleep(1000);
    await Promise.allSettled([db?.drop(), redis?.stop()]);
  }
}

async function storedCount(owner: Instance, event: string): Promise<number> {
  const res = await fetch(`${owner.url}/api/events/${event}`);
  const body = (await res.json()) as { runners: Array<{ points: number }> };
  return body.runners.reduce((n, r) => n + r.points, 0);
}

const ms = (v: number | null) => (v === null ? '—' : String(v));

function table(runs: Run[]): string {
  const head = ['mode', 'S', 'delivered', 'p50 ms', 'p99 ms', 'owner side p50/p99', 'other side p50/p99', 'broker msg/s', 'broker KB/s', 'stored fix/s', 'CPU'];
  const rows = runs.map((r) => [
    r.mode,
    String(r.spectators),
    `${(r.share * 100).toFixed(2)} %`,
    ms(r.p50),
    ms(r.p99),
    `${ms(r.sides[1]!.p50)} / ${ms(r.sides[1]!.p99)}`,
    `${ms(r.sides[0]!.p50)} / ${ms(r.sides[0]!.p99)}`,
    r.broker ? `${r.broker.eventMessagesPerSec.toFixed(1)} (+${r.broker.otherMessagesPerSec.toFixed(0)} req/rep)` : '—',
    r.broker ? (r.broker.eventBytesPerSec / 1024).toFixed(1) : '—',
    r.storedPerSec.toFixed(1),
    r.cpuPercent.map((c) => `${c} %`).join(' + '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function runCluster(a: ClusterArgs): Promise<void> {
  console.log(`Cluster: R = ${a.runners} at 1 Hz, ${a.durationS} s per point, TICK_MS = ${a.tickMs}; one process (SQLite) against two instances (PostgreSQL + Redis).\n`);
  const runs: Run[] = [];
  for (const s of a.spectators) {
    for (const mode of ['single', 'cluster'] as const) {
      process.stdout.write(`${mode} with ${s} spectators… `);
      try {
        const r = await measure(mode, s, a);
        runs.push(r);
        console.log(`${(r.share * 100).toFixed(2)} % delivered, p99 ${ms(r.p99)} ms`);
      } catch (err) {
        console.log(`failed: ${(err as Error).message}`);
      }
    }
  }
  console.log(`\n${table(runs)}\n`);
  for (const s of a.spectators) {
    const single = runs.find((r) => r.mode === 'single' && r.spectators === s);
    const cluster = runs.find((r) => r.mode === 'cluster' && r.spectators === s);
    if (single?.p50 != null && single.p99 != null && cluster?.p50 != null && cluster.p99 != null) {
      console.log(`S = ${s}: the cluster adds p50 ${cluster.p50 - single.p50} ms, p99 ${cluster.p99 - single.p99} ms (other side alone: p99 ${ms(cluster.sides[0]!.p99)} ms against ${ms(single.p99)} ms)`);
    }
  }
  console.log('\nDurable fixes per second, SQLite against PostgreSQL (bench/store.ts):');
  const store = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'store.ts'), '--seconds', '3', '--sizes', '1,100,1000'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  console.log(store);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const result = { date: new Date().toISOString(), ...a, runs, store };
  writeFileSync(join(dir, 'cluster-latest.json'), JSON.stringify(result, null, 2));
  console.log(`Results: ${join(dir, 'cluster-latest.json')}`);
}
