/**
 * Where the race benchmark runs (bench/race.ts): one server.ts with its pages on SQLite, or three instances
 * on one PostgreSQL (a database of its own, dropped afterwards) and one Redis (a redis-server of its own).
 * Either gives a store to seed the race into before it starts, then the servers' addresses and processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../../server/storage/postgres/postgres-store';
import { SqliteStore } from '../../server/storage/sqlite/sqlite-store';
import type { Store } from '../../server/storage/store';
import { createDatabase, type Database, type Instance, type Redis, startInstance, startRedis } from '../../test/support/cluster';
import { freePort } from '../../test/support/ports';

const ROOT = join(__dirname, '..', '..');

/** Every simulated client comes from loopback: per-address limits would stand in for a crowd. */
const CROWD_ENV = {
  MAX_CONNECTIONS_PER_IP: '1000000',
  RUNNERS_PER_HOUR_PER_IP: '1000000',
  SNAPSHOTS_PER_SECOND_PER_IP: '1000000',
  WRITE_MIB_PER_HOUR_PER_IP: '1000000',
  EVENTS_PER_HOUR_PER_IP: '1000000',
  LOG_LEVEL: 'silent',
  NEXT_TELEMETRY_DISABLED: '1',
};

export interface RaceServers {
  /** Base URLs, the event's owner (the first to be asked for it) first. */
  bases: string[];
  pids: number[];
  /** Whether the spectator page is served (the cluster's instances serve the API and the light page only). */
  pages: boolean;
  stop(): Promise<void>;
}

export interface RaceTarget {
  name: 'single' | 'cluster';
  /** A store to seed the race into, before any server starts; the caller closes it. */
  seedStore(): Promise<Store>;
  start(): Promise<RaceServers>;
  /** Removes what the run left (data folder, database, Redis). */
  clean(keep: boolean): Promise<void>;
}

/** `profileDir`: the server runs with node --cpu-prof and writes its profile there as it stops (bench/profile.ts reads it). */
export function singleTarget(port: number, profileDir?: string): RaceTarget {
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-race-'));
  let child: ChildProcess | null = null;
  return {
    name: 'single',
    seedStore: () => SqliteStore.open(join(dataDir, 'trackside.db')),
    async start() {
      const p = port || (await freePort());
      const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server.ts'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, ...CROWD_ENV, PORT: String(p), HOST: '127.0.0.1', NODE_ENV: 'production', DATA_DIR: dataDir, DEMO: '0' },
      });
      const started = child;
      return {
        bases: [`http://127.0.0.1:${p}`],
        pids: [started.pid!],
        pages: true,
        async stop() {
          started.kill('SIGKILL');
          await new Promise((r) => setTimeout(r, 500));
        },
      };
    },
    async clean(keep) {
      if (profileDir && child && child.exitCode === null) {
        // The profile is written as the process exits: let it stop by itself.
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      }
      child?.kill('SIGKILL');
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function clusterTarget(count = 3): RaceTarget {
  let db: Database | null = null;
  let redis: Redis | null = null;
  const instances: Instance[] = [];
  return {
    name: 'cluster',
    async seedStore() {
      db = await createDatabase();
      return PostgresStore.open({ url: db.url });
    },
    async start() {
      redis = await startRedis();
      const env = { ...CROWD_ENV, DATABASE_URL: db!.url, BACKPLANE_URL: redis.url, TICK_MS: '150' };
      for (let k = 0; k < count; k++) instances.push(await startInstance(`race-${k}`, env));
      return {
        bases: instances.map((i) => i.url),
        pids: instances.map((i) => i.child.pid!),
        pages: false,
        async stop() {
          await Promise.allSettled(instances.map((i) => i.kill('SIGKILL')));
        },
      };
    },
    async clean() {
      await Promise.allSettled(instances.map((i) => i.kill('SIGKILL')));
      await Promise.allSettled([db?.drop(), redis?.stop()]);
    },
  };
}

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Peak RSS since the process started, MB. */
export const peakRssMb = (pid: number) => Math.round(procKb(pid, 'VmHWM') / 1024);

/** CPU seconds used so far by some processes together. */
export function cpuSeconds(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(f[11]) + Number(f[12])) / 100;
  }
  return total;
}

/** The servers' RSS, sampled every 200 ms: the highest of any one process per phase (a cluster's instances each count alone). */
export class RssWatch {
  private timer: NodeJS.Timeout;
  peak = 0;
  constructor(private readonly pids: number[]) {
    this.peak = this.now();
    this.timer = setInterval(() => {
      try {
        this.peak = Math.max(this.peak, this.now());
      } catch {
        // A process is gone.
      }
    }, 200);
  }
  now(): number {
    return Math.max(...this.pids.map((pid) => procKb(pid, 'VmRSS') / 1024));
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
