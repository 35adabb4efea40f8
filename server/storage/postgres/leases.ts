/**
 * Leases in PostgreSQL, the one place every instance already trusts: an event's owner (or a job's runner)
 * holds its key until the lease expires, by the database server's clock, so instances' clocks never have to
 * agree. Acquiring takes the same per-key advisory lock a write batch takes for that event, so a change of
 * owner and a batch of the old owner's are one after the other, never interleaved: the batch either commits
 * before the new owner reads the event, or finds itself fenced (postgres-store.ts).
 */
import type pg from 'pg';
import type { Lease, Leases } from '../store';
import { EVENT_LOCK_NAMESPACE } from './write-plan';

const ACQUIRE = `
INSERT INTO leases AS l (key, holder, epoch, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, epoch = l.epoch + 1, expires_at = excluded.expires_at
  WHERE l.expires_at <= clock_timestamp() OR l.holder = excluded.holder
RETURNING epoch`;

const CURRENT = `
SELECT key, holder, epoch, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS left_ms
FROM leases WHERE key = ANY($1::text[])`;

// Only at the epoch the holder knows: a lease that changed hands is not renewed by its old holder.
const RENEW = `
UPDATE leases l SET expires_at = clock_timestamp() + $2 * interval '1 millisecond'
FROM unnest($3::text[], $4::bigint[]) AS m(key, epoch)
WHERE l.key = m.key AND l.epoch = m.epoch AND l.holder = $1
RETURNING l.key`;

const RELEASE = `UPDATE leases SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE key = $1 AND holder = $2 AND epoch = $3`;

type Row = { key: string; holder: string; epoch: number; left_ms: number };
const lease = (r: Row): Lease => ({ key: r.key, holder: r.holder, epoch: r.epoch, expiresInMs: Math.round(r.left_ms) });

export class PostgresLeases implements Leases {
  constructor(private readonly pool: pg.Pool) {}

  async acquire(key: string, holder: string, ttlMs: number): ReturnType<Leases['acquire']> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // A batch of the old owner's holds this lock while it commits; never wait long for it.
      await client.query(`SET LOCAL lock_timeout = '2s'`);
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [EVENT_LOCK_NAMESPACE, key]);
      const won = await client.query<{ epoch: number }>(ACQUIRE, [key, holder, ttlMs]);
      const current = won.rows[0] ? null : (await client.query<Row>(CURRENT, [[key]])).rows[0];
      await client.query('COMMIT');
      if (won.rows[0]) return { acquired: true, epoch: won.rows[0].epoch };
      return { acquired: false, lease: lease(current!) };
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async renew(holder: string, held: ReadonlyMap<string, number>, ttlMs: number): Promise<Set<string>> {
    if (held.size === 0) return new Set();
    const { rows } = await this.pool.query<{ key: string }>(RENEW, [holder, ttlMs, [...held.keys()], [...held.values()]]);
    return new Set(rows.map((r) => r.key));
  }

  async release(holder: string, key: string, epoch: number): Promise<void> {
    await this.pool.query(RELEASE, [key, holder, epoch]);
  }

  async current(keys: readonly string[]): Promise<Map<string, Lease>> {
    if (keys.length === 0) return new Map();
    const { rows } = await this.pool.query<Row>(CURRENT, [keys]);
    return new Map(rows.map((r) => [r.key, lease(r)]));
  }
}
