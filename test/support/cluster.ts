/**
 * Several real instances on one real PostgreSQL (a database of their own, dropped afterwards) and one real
 * Redis (a redis-server of their own on a free port, so that it can be stopped and started again without
 * disturbing anything else on the machine).
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { freePort } from './ports';
import { forkGroup, type Spawned, spawnGroup } from './processes';
import { waitFor, within } from './wait';

const ROOT = join(__dirname, '..', '..');
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? 'redis-server';

/** The test server's URL with another database (TCP or a socket folder alike). */
export function databaseUrl(database: string): string {
  const c = parse(TEST_DATABASE_URL);
  const user = encodeURIComponent(c.user ?? '') + (c.password ? `:${encodeURIComponent(c.password)}` : '');
  return c.host?.startsWith('/')
    ? `postgresql://${user}@/${database}?host=${encodeURIComponent(c.host)}`
    : `postgresql://${user}@${c.host}:${c.port || 5432}/${database}`;
}

export interface Database {
  url: string;
  /** Queries on it, for checking what was stored. */
  pool: pg.Pool;
  drop(): Promise<void>;
}

let databases = 0;
export async function createDatabase(): Promise<Database> {
  const name = `trackside_cluster_${process.pid}_${Date.now().toString(36)}_${databases++}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const a = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

export interface Redis {
  port: number;
  url: string;
  /** What the machine's service is started with, on this port. */
  start(): Promise<void>;
  /** `redis-cli shutdown nosave`: gone, and empty when it comes back. */
  shutdown(): Promise<void>;
  stop(): Promise<void>;
}

async function redisAnswers(port: number): Promise<boolean> {
  const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
  return r.stdout.trim() === 'PONG';
}

export async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'trackside-redis-'));
  let server: Spawned | null = null;
  const redis: Redis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // In the foreground, as the leader of a process group of its own: it goes with the test, whatever happens.
      server = spawnGroup(REDIS_SERVER, ['--daemonize', 'no', '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
      const started = server;
      await waitFor(async () => (await redisAnswers(port)) || !started.running(), { timeout: 10_000, interval: 50, what: `redis-server on ${port}` });
      if (!(await redisAnswers(port))) throw new Error(`redis-server did not start on ${port} (is it installed? apt-get install redis-server)`);
    },
    async shutdown() {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      if (server) await within(server.exited, { timeout: 10_000, what: 'redis-server to shut down' }).catch(() => server?.kill());
      server = null;
    },
    async stop() {
      await redis.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await redis.start();
  return redis;
}

export interface Instance {
  name: string;
  port: number;
  /** Its name in the cluster (leases, health). */
  id: string;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  exited: Promise<void>;
  health(): Promise<Health>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Health {
  ok: boolean;
  degraded: boolean;
  instance: string;
  owned: string[];
  backplane: { state: string; relayed?: number; published?: { messages: number; bytes: number; dropped: number; events: { messages: number; bytes: number } } };
  storage: { engine: string; state: string };
}

export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const proc = forkGroup(join(__dirname, 'instance.ts'), [], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DEMO: '0',
      TICK_MS: '50',
      LOG_LEVEL: process.env.CLUSTER_LOGS ? 'info' : 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'trackside-instance-')),
      ...env,
    },
    stdio: ['ignore', process.env.CLUSTER_LOGS ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const { child } = proc;
  const exited = proc.exited.then(() => undefined);
  const ready = await within(
    new Promise<{ port: number; instance: string }>((resolve, reject) => {
      child.once('message', (m: { type: string; port: number; instance: string; message?: string }) => {
        if (m.type === 'listening') resolve(m);
        else reject(new Error(`instance ${name}: ${m.message}`));
      });
      child.once('exit', (code) => reject(new Error(`instance ${name} exited (${code})`)));
    }),
    { timeout: 30_000, what: `instance ${name} to start` },
  ).catch(async (err: unknown) => {
    await proc.kill();
    throw err;
  });
  const url = `http://127.0.0.1:${ready.port}`;
  return {
    name,
    port: ready.port,
    id: ready.instance,
    url,
    wsUrl: `ws://127.0.0.1:${ready.port}/ws`,
    child,
    exited,
    async health() {
      return (await (await fetch(`${url}/api/health`)).json()) as Health;
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.running()) proc.signal(signal);
      await exited;
    },
  };
}
