/**
 * `npm run bench:store`: fixes made durable per second through `append`, SQLite against PostgreSQL in one
 * run, batches of 1, 100 and 1,000 positions, each batch awaited before the next (one writer, as the live
 * layer runs it). SQLite commits with synchronous=FULL in a temporary folder; PostgreSQL is DATABASE_URL
 * (default the machine's 127.0.0.1:5432/test) in a schema of its own, dropped at the end; its settings
 * that decide durability are printed with the figures.
 *
 *   npm run bench:store -- --seconds 5 --sizes 1,100,1000 --runners 100
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PostgresStore } from '../server/storage/postgres/postgres-store';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import type { Store, WriteOp } from '../server/storage/store';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    sizes: { type: 'string', default: '1,100,1000' },
    runners: { type: 'string', default: '100' },
  },
});
const SECONDS = Number(args.seconds);
const SIZES = args.sizes.split(',').map(Number);
const RUNNERS = Number(args.runners);
const URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const T0 = 1_700_000_000_000;

interface Result {
  engine: string;
  batch: number;
  fixesPerSec: number;
  batchesPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

/** Append batches of `size` positions (runners in turn, one fix a second each) for SECONDS. */
async function measure(engine: string, store: Store, size: number): Promise<Result> {
  const event = `bench-${size}`;
  const setup: WriteOp[] = [
    { op: 'event', record: { info: { id: event, name: event, createdAt: T0, status: 'live', protected: false }, organiserHash: '', viewCodeHash: null, quotas: {} } },
  ];
  for (let r = 0; r < RUNNERS; r++) {
    setup.push({ op: 'runner', runner: { id: `r${r}`, event, name: `R${r}`, color: '#123456', tokenHash: 'h', deviceKeyHash: null, joinedAt: T0, stopped: false, bib: null, entry: null } });
  }
  await store.append(setup);
  let n = 0;
  const batch = (): WriteOp[] =>
    Array.from({ length: size }, () => {
      const i = n++;
      const seq = Math.floor(i / RUNNERS) + 1;
      const pos = { seq, lat: 51.5 + seq * 1e-5, lon: -0.12 + (i % RUNNERS) * 1e-5, t: T0 + seq * 1000, acc: 5, alt: 12.5, spd: 3.1, hdg: 90, bat: null };
      return { op: 'position', event, runnerId: `r${i % RUNNERS}`, pos } satisfies WriteOp;
    });
  // Warm up: statements prepared, caches filled.
  for (let i = 0; i < 3; i++) await store.append(batch());
  const latencies: number[] = [];
  const start = performance.now();
  let fixes = 0;
  while (performance.now() - start < SECONDS * 1000) {
    const ops = batch();
    const t = performance.now();
    const { arrivals } = await store.append(ops);
    latencies.push(performance.now() - t);
    fixes += arrivals.filter((a) => a !== null).length;
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { engine, batch: size, fixesPerSec: fixes / elapsed, batchesPerSec: latencies.length / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const admin = new pg.Pool({ connectionString: URL, max: 1 });
  const settings = (
    await admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay') ORDER BY name",
    )
  ).rows;
  const schema = `trackside_bench_${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'trackside-bench-store-'));
  const results: Result[] = [];
  try {
    const engines: Array<[string, () => Promise<Store>]> = [
      ['sqlite', () => SqliteStore.open(join(dir, 'trackside.db'))],
      ['postgres', () => PostgresStore.open({ url: URL, schema })],
    ];
    for (const [engine, open] of engines) {
      const store = await open();
      try {
        for (const size of SIZES) {
          const r = await measure(engine, store, size);
          results.push(r);
          console.error(`${engine} batch ${size}: ${Math.round(r.fixesPerSec)} fixes/s`);
        }
      } finally {
        await store.close();
      }
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\nDurable fixes per second through append (${SECONDS} s per point, ${RUNNERS} runners, one batch in flight)`);
  console.log(`PostgreSQL: ${settings.map((s) => `${s.name}=${s.setting}`).join(' ')}; SQLite: WAL, synchronous=FULL\n`);
  const row = (cells: Array<string | number>) => console.log(cells.map((c, i) => String(c).padStart(i === 0 ? 6 : 16)).join(''));
  row(['batch', 'sqlite fix/s', 'postgres fix/s', 'pg ÷ sqlite', 'sqlite p50 ms', 'pg p50 ms', 'sqlite p99 ms', 'pg p99 ms']);
  for (const size of SIZES) {
    const s = results.find((r) => r.engine === 'sqlite' && r.batch === size)!;
    const p = results.find((r) => r.engine === 'postgres' && r.batch === size)!;
    row([
      size,
      Math.round(s.fixesPerSec),
      Math.round(p.fixesPerSec),
      (p.fixesPerSec / s.fixesPerSec).toFixed(2),
      s.p50Ms.toFixed(2),
      p.p50Ms.toFixed(2),
      s.p99Ms.toFixed(2),
      p.p99Ms.toFixed(2),
    ]);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
