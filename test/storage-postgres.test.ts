/**
 * The storage contract against a real PostgreSQL server, each run in schemas of its own that are dropped
 * at the end; plus what only PostgreSQL does. The server is TEST_DATABASE_URL, by default the machine's
 * 127.0.0.1:5432 (trust auth, database test). No server is a failure, not a skip: CI starts one.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { MIGRATION_LOCK_SQL, readMigrations } from '../server/storage/postgres/migrate';
import { Ownership } from '../server/backplane/redis/ownership';
import { PostgresStore } from '../server/storage/postgres/postgres-store';
import { EVENT_LOCK_NAMESPACE, planAppend } from '../server/storage/postgres/write-plan';
import { FencedError, type WriteOp } from '../server/storage/store';
import { freePort } from './support/ports';
import { storeContract } from './support/store-contract';
import { pushStoreContract } from './support/push-store-contract';
import { waitFor } from './support/wait';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: URL, max: 3 });
const RUN = `trackside_test_${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];

/** The test server's URL with another database or user (TCP or a socket folder alike). */
function testUrl(change: { database?: string; user?: string; password?: string }): string {
  const c = parse(URL);
  const user = encodeURIComponent(change.user ?? c.user ?? '') + (change.password ? `:${encodeURIComponent(change.password)}` : '');
  const database = change.database ?? c.database ?? '';
  return c.host?.startsWith('/')
    ? `postgresql://${user}@/${database}?host=${encodeURIComponent(c.host)}`
    : `postgresql://${user}@${c.host}:${c.port || 5432}/${database}`;
}

function freshSchema(): string {
  const name = `${RUN}_${schemas.length}`;
  schemas.push(name);
  return name;
}

after(async () => {
  for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await admin.end();
});

test('the PostgreSQL server for the tests answers (CI starts it; start it with pg_ctlcluster when it does not)', async () => {
  const { rows } = await admin.query<{ v: number }>("SELECT current_setting('server_version_num')::int AS v");
  assert.ok(rows[0]!.v >= 120000, `PostgreSQL ${rows[0]!.v}: 12 or newer is needed for exact float output`);
});

const contractSchema = freshSchema();
storeContract('postgres', () => PostgresStore.open({ url: URL, schema: contractSchema }));
pushStoreContract('postgres', () => PostgresStore.open({ url: URL, schema: freshSchema() }));

const T0 = 1_700_000_000_000;
const position = (event: string, runnerId: string, seq: number, t = T0 + seq * 1000): WriteOp => ({
  op: 'position',
  event,
  runnerId,
  pos: { seq, lat: 51.5 + seq * 1e-6, lon: -0.12 - seq * 1e-6, t, acc: 4.5, alt: null, spd: 3.25, hdg: null, bat: null },
});
const setup = (event: string, runnerId = 'r1'): WriteOp[] => [
  { op: 'event', record: { info: { id: event, name: event, createdAt: T0, status: 'live', protected: false }, organiserHash: '', viewCodeHash: null, quotas: {} } },
  { op: 'runner', runner: { id: runnerId, event, name: 'Ada', color: '#123456', tokenHash: 'h', deviceKeyHash: null, joinedAt: T0, stopped: false, bib: null, entry: null } },
];

describe('planning a batch', () => {
  test('each run of consecutive ops of one kind is one statement, however long; a row written twice splits its run', () => {
    const ops: WriteOp[] = [...setup('plan')];
    for (let seq = 1; seq <= 10_000; seq++) ops.push(position('plan', 'r1', seq));
    ops.push({ op: 'mood', event: 'plan', runnerId: 'r1', value: 3, t: T0 }, { op: 'mood', event: 'plan', runnerId: 'r1', value: 4, t: T0 });
    ops.push({ op: 'deleteRunner', event: 'plan', runnerId: 'r1' }, ...setup('plan').slice(1), ...setup('plan').slice(1), position('plan', 'r1', 1));
    const plan = planAppend(ops);
    assert.deepEqual(
      plan.steps.map((s) => s.name.replace('trackside_', '')),
      ['event', 'runner', 'position', 'mood', 'delete_runners', 'runner', 'runner', 'position'],
    );
    assert.equal(plan.steps[2]!.values.length, 11, 'one array per column');
    assert.equal(plan.steps[2]!.text, plan.steps[7]!.text, 'one statement text whatever the batch size');
  });

  test('array literals keep text exactly and numbers in their shortest exact form', () => {
    const [step] = planAppend([{ op: 'cheer', event: 'e', runnerId: 'r', cheer: { from: 'a "b" \\ c', text: '{x, y}', t: 5 } }]).steps;
    assert.deepEqual(step!.values, ['{"e"}', '{"r"}', '{"a \\"b\\" \\\\ c"}', '{"{x, y}"}', '{5}']);
    const [pos] = planAppend([position('e', 'r', 2 ** 50 + 3)]).steps;
    assert.equal(pos!.values[2], `{${2 ** 50 + 3}}`);
    assert.equal(pos!.values[3], `{${51.5 + (2 ** 50 + 3) * 1e-6}}`);
    assert.equal(pos!.values[7], '{NULL}');
  });
});

describe('opening a PostgreSQL store', () => {
  test('a server that refuses connections gives an error naming the address and what to check', async () => {
    const port = await freePort();
    await assert.rejects(
      PostgresStore.open({ url: `postgres://postgres@127.0.0.1:${port}/test` }),
      (err: Error) => {
        assert.match(err.message, new RegExp(`Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}: connection refused`));
        assert.match(err.message, new RegExp(`pg_isready -h 127\\.0\\.0\\.1 -p ${port}`));
        return true;
      },
    );
  });

  test('a server that never answers is given up on after the connect timeout, with the address in the error', { timeout: 30_000 }, async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      await assert.rejects(
        PostgresStore.open({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 300 }),
        new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port} did not answer within 0\\.3 s`),
      );
    } finally {
      silent.close();
    }
  });

  test('a missing database, an unknown user and a password are reported without the password', async () => {
    await assert.rejects(PostgresStore.open({ url: testUrl({ database: 'trackside_no_such_db' }) }), /has no database "trackside_no_such_db": create it \(createdb/);
    await assert.rejects(PostgresStore.open({ url: testUrl({ user: 'trackside_no_such_user', password: 's3cret-pw' }) }), (err: Error) => {
      assert.match(err.message, /refused user "trackside_no_such_user".*Check the user name and password in DATABASE_URL/);
      assert.ok(!err.message.includes('s3cret-pw'), err.message);
      return true;
    });
  });

  test('migrations run once when several instances start at once, and again are a no-op', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open({ url: URL, schema })));
    const versions = async () =>
      (await admin.query<{ version: number; applied_at: Date }>(`SELECT version, applied_at FROM "${schema}".schema_migrations ORDER BY version`)).rows;
    const first = await versions();
    assert.deepEqual(
      first.map((r) => r.version),
      readMigrations().map((m) => m.version),
    );
    await stores[0]!.append([...setup('m'), position('m', 'r1', 1)]);
    await Promise.all(stores.map((s) => s.close()));
    const again = await PostgresStore.open({ url: URL, schema });
    assert.deepEqual(await versions(), first, 'nothing applied twice');
    assert.equal(await again.countPositions('m'), 1, 'data kept');
    await again.close();
  });

  test('a schema migrated by a newer Trackside is refused with a clear message', async () => {
    const schema = freshSchema();
    await (await PostgresStore.open({ url: URL, schema })).close();
    await admin.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'future')`);
    await assert.rejects(PostgresStore.open({ url: URL, schema }), /has version 999, newer than this Trackside knows/);
  });

  test('the migration lock makes a starting instance wait for one that is migrating', async () => {
    const schema = freshSchema();
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(MIGRATION_LOCK_SQL);
      const opening = PostgresStore.open({ url: URL, schema });
      await waitForAdvisoryWaiters(1);
      const exists = await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
      assert.equal(exists.rowCount, 0, 'nothing created while the lock is held');
      await holder.query('COMMIT');
      await (await opening).close();
    } finally {
      holder.release();
    }
  });
});

describe('writing to PostgreSQL', () => {
  const schema = freshSchema();
  let store: PostgresStore;
  test('open', async () => {
    store = await PostgresStore.open({ url: URL, schema, applicationName: `${RUN}_writes` });
  });

  test('a batch of 10,000 positions commits in one transaction with increasing arrivals', async () => {
    const ops: WriteOp[] = [...setup('big')];
    for (let i = 1; i <= 10_000; i++) ops.push(position('big', 'r1', i));
    const { arrivals } = await store.append(ops);
    const numbered = arrivals.slice(2) as number[];
    assert.equal(numbered.length, 10_000);
    for (let i = 1; i < numbered.length; i++) assert.ok(numbered[i]! > numbered[i - 1]!, `increasing at ${i}`);
    const { rows } = await admin.query<{ n: string; txs: string }>(
      `SELECT count(*) AS n, count(DISTINCT xmin::text) AS txs FROM "${schema}".positions WHERE event = 'big'`,
    );
    assert.deepEqual(rows[0], { n: '10000', txs: '1' });
  });

  test('a failing batch of 10,000 positions keeps none of them', async () => {
    const ops: WriteOp[] = [];
    for (let i = 1; i <= 10_000; i++) ops.push(position('big', 'r2', i));
    ops.push({ op: 'mood', event: 'big', runnerId: 'r2', value: 1.5, t: T0 });
    await assert.rejects(store.append(ops), /PostgreSQL did not take the batch: invalid input syntax for type integer/);
    assert.equal((await store.trackPage('big', 'r2', null, 10)).length, 0);
  });

  test('an append to an event waits while another instance holds the event, and its arrivals come after that commit', async () => {
    await store.append(setup('shared'));
    const other = await admin.connect();
    try {
      // Another instance mid-batch for the same event: its lock taken and its arrival drawn, not yet committed.
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock(${EVENT_LOCK_NAMESPACE}, hashtext('shared'))`);
      const { rows } = await other.query<{ arrival: string }>(
        `INSERT INTO "${schema}".positions (event, runner, seq, lat, lon, t, acc) VALUES ('shared', 'r1', 1, 1, 1, $1, 1) RETURNING arrival`,
        [T0],
      );
      const appending = store.append([position('shared', 'r1', 2)]);
      await waitForAdvisoryWaiters(1);
      await other.query('COMMIT');
      const { arrivals } = await appending;
      assert.ok(arrivals[0]! > Number(rows[0]!.arrival));
      const replayed = await store.replay('shared', 0, 10);
      assert.deepEqual(replayed.map((a) => (a.kind === 'position' ? a.pos.seq : -1)), [1, 2]);
    } finally {
      other.release();
    }
  });

  test('two instances writing the same rows in opposite orders both commit every batch (no deadlock)', async () => {
    const other = await PostgresStore.open({ url: URL, schema });
    try {
      await store.append([...setup('cross-x'), ...setup('cross-y')]);
      const rename = (event: string, name: string): WriteOp => ({
        op: 'runner',
        runner: { id: 'r1', event, name, color: '#123456', tokenHash: 'h', deviceKeyHash: null, joinedAt: T0, stopped: false, bib: null, entry: null },
      });
      const mood = (event: string, t: number): WriteOp => ({ op: 'mood', event, runnerId: 'r1', value: 1, t });
      const rounds = Array.from({ length: 40 }, (_, i) =>
        Promise.all([
          store.append([rename('cross-x', `a${i}`), mood('cross-x', T0 + i), rename('cross-y', `a${i}`), position('cross-x', 'r1', 2 * i + 1)]),
          other.append([rename('cross-y', `b${i}`), mood('cross-y', T0 + i), rename('cross-x', `b${i}`), position('cross-y', 'r1', 2 * i + 1)]),
        ]),
      );
      await Promise.all(rounds);
      assert.equal(await store.countPositions('cross-x'), 40);
      assert.equal(await store.countPositions('cross-y'), 40);
    } finally {
      await other.close();
    }
  });

  test('a batch that reaches a broken connection is refused and the next one gets a new connection', async () => {
    await store.append(setup('reconnect'));
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`${RUN}_writes`]);
    // The writer's connection is gone: whichever batch meets it first fails, later ones carry on.
    let ok = 0;
    for (let seq = 1; seq <= 3; seq++) {
      try {
        await store.append([position('reconnect', 'r1', seq)]);
        ok++;
      } catch (err) {
        assert.match((err as Error).message, /PostgreSQL did not take the batch|cannot reach PostgreSQL/);
      }
    }
    assert.ok(ok >= 2, `later batches commit (${ok} of 3)`);
    assert.equal(await store.countPositions('reconnect'), ok);
  });

  test('a bigint beyond what a JavaScript number holds exactly is refused on reading, never rounded', async () => {
    await store.append(setup('huge'));
    await admin.query(`INSERT INTO "${schema}".positions (event, runner, seq, lat, lon, t, acc) VALUES ('huge', 'r1', 9007199254740993, 1, 1, $1, 1)`, [T0]);
    await assert.rejects(store.trackPage('huge', 'r1', null, 10), /PostgreSQL returned 9007199254740993, beyond the integers JavaScript holds exactly/);
    assert.equal(await store.countPositions('huge'), 1, 'the store keeps working');
  });

  test('close', async () => {
    await store.close();
  });
});

async function waitForAdvisoryWaiters(n: number): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      return Number(rows[0]!.n) >= n;
    },
    { interval: 20, what: 'an append waiting for the advisory lock' },
  );
}

/** Until the lease keeper (PostgreSQL's clock) says `key`'s lease has run out. */
async function expired(store: PostgresStore, key: string): Promise<void> {
  await waitFor(async () => (await store.leases.current([key])).get(key)!.expiresInMs <= 0, { interval: 20, what: `the lease on ${key} to expire` });
}

describe('leases and fenced writes', () => {
  const schema = freshSchema();
  let a: PostgresStore;
  let b: PostgresStore;
  test('open two instances on one schema', async () => {
    [a, b] = await Promise.all([PostgresStore.open({ url: URL, schema }), PostgresStore.open({ url: URL, schema })]);
    await a.append(setup('lease'));
  });

  test('one holder at a time: a live lease is refused to another, an expired one changes hands at a higher epoch', async () => {
    const first = await a.leases.acquire('lease', 'A', 200);
    assert.deepEqual(first, { acquired: true, epoch: 1 });
    const refused = await b.leases.acquire('lease', 'B', 200);
    assert.equal(refused.acquired, false);
    assert.equal(!refused.acquired && refused.lease.holder, 'A');
    assert.ok(!refused.acquired && refused.lease.expiresInMs > 0 && refused.lease.expiresInMs <= 200);
    await expired(a, 'lease');
    assert.deepEqual(await b.leases.acquire('lease', 'B', 5000), { acquired: true, epoch: 2 });
    assert.deepEqual([...(await a.leases.renew('A', new Map([['lease', 1]]), 5000))], [], 'the old holder cannot renew it back');
    assert.deepEqual([...(await b.leases.renew('B', new Map([['lease', 2]]), 5000))], ['lease']);
    const now = (await a.leases.current(['lease', 'never'])).get('lease')!;
    assert.equal(now.holder, 'B');
    assert.equal(now.epoch, 2);
    assert.equal((await a.leases.current(['never'])).size, 0);
  });

  test('a released lease is free at once', async () => {
    await b.leases.release('B', 'lease', 2);
    assert.deepEqual(await a.leases.acquire('lease', 'A', 5000), { acquired: true, epoch: 3 });
  });

  test('a batch fenced on an epoch that changed hands keeps nothing and names the event; the holder writes', async () => {
    await assert.rejects(b.append([position('lease', 'r1', 1)], { holder: 'B', epochs: new Map([['lease', 2]]) }), (err: Error) => {
      assert.ok(err instanceof FencedError, String(err));
      assert.deepEqual(err.events, ['lease']);
      return true;
    });
    assert.equal(await a.countPositions('lease'), 0);
    await a.append([position('lease', 'r1', 2)], { holder: 'A', epochs: new Map([['lease', 3]]) });
    assert.equal(await a.countPositions('lease'), 1);
  });

  test('a change of owner waits for a batch of the old owner that is committing: its writes are before the new owner reads', async () => {
    // The old owner's batch holds the event's lock; the new owner's acquire waits for it, then sees what it wrote.
    const c = await admin.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock($1, hashtext('lease'))`, [EVENT_LOCK_NAMESPACE]);
      await a.leases.release('A', 'lease', 3);
      const taking = b.leases.acquire('lease', 'B', 5000);
      await waitForAdvisoryWaiters(1);
      await c.query(`INSERT INTO "${schema}".positions (event, runner, seq, lat, lon, t, acc) VALUES ('lease', 'r1', 3, 1, 1, $1, 1)`, [T0]);
      await c.query('COMMIT');
      assert.deepEqual(await taking, { acquired: true, epoch: 4 });
      assert.equal(await b.countPositions('lease'), 2);
    } finally {
      c.release();
    }
  });

  test('a periodic job runs on one instance a period, whichever asks first', async () => {
    const [one, two] = [new Ownership(a.leases, 'A', () => {}), new Ownership(b.leases, 'B', () => {})];
    const ran = await Promise.all([one.once('archive', 1500), two.once('archive', 1500), one.once('archive', 1500), two.once('archive', 1500)]);
    const winners = new Set(ran.flatMap((r, i) => (r ? [i % 2] : [])));
    assert.equal(winners.size, 1, 'only one instance runs it this period');
    await expired(a, 'job:archive');
    assert.equal(await (winners.has(0) ? two : one).once('archive', 1500), true, 'the next period is anyone\'s');
  });

  test('close both', async () => {
    await Promise.all([a.close(), b.close()]);
  });
});
