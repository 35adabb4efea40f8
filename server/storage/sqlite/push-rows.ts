/** Web Push rows in SQLite (push-store.ts), run on the storage threads. */
import type Database from 'better-sqlite3';
import type { PushSubscriptionRecord, PushVia, VapidKeys } from '../push-store';

interface Row {
  id: string;
  event: string;
  runner: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  via: string;
  grant_hash: string | null;
  page: string;
  created_at: number;
}

const fromRow = (r: Row): PushSubscriptionRecord => ({
  id: r.id,
  event: r.event,
  runnerId: r.runner,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  via: r.via as PushVia,
  grant: r.grant_hash,
  page: r.page,
  createdAt: r.created_at,
});

export const pushRows = {
  save(db: Database.Database, s: PushSubscriptionRecord): null {
    db.prepare(
      `INSERT INTO push_subscriptions (id, event, runner, endpoint, p256dh, auth, via, grant_hash, page, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, via = excluded.via,
         grant_hash = excluded.grant_hash, page = excluded.page, created_at = excluded.created_at`,
    ).run(s.id, s.event, s.runnerId, s.endpoint, s.p256dh, s.auth, s.via, s.grant, s.page, s.createdAt);
    return null;
  },
  delete(db: Database.Database, ids: readonly string[]): null {
    const stmt = db.prepare('DELETE FROM push_subscriptions WHERE id = ?');
    db.transaction(() => ids.forEach((id) => stmt.run(id)))();
    return null;
  },
  deleteEndpoint(db: Database.Database, endpoint: string): number {
    return db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?').run(endpoint).changes;
  },
  forRunner(db: Database.Database, event: string, runnerId: string): PushSubscriptionRecord[] {
    return (db.prepare('SELECT * FROM push_subscriptions WHERE event = ? AND runner = ? ORDER BY created_at, id').all(event, runnerId) as Row[]).map(fromRow);
  },
  countEndpoint(db: Database.Database, endpoint: string): number {
    return db.prepare('SELECT count(*) FROM push_subscriptions WHERE endpoint = ?').pluck().get(endpoint) as number;
  },
  keys(db: Database.Database, candidate: VapidKeys, now: number): VapidKeys {
    db.prepare('INSERT INTO push_keys (id, public_key, private_key, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING').run(
      candidate.publicKey,
      candidate.privateKey,
      now,
    );
    const row = db.prepare('SELECT public_key, private_key FROM push_keys WHERE id = 1').get() as { public_key: string; private_key: string };
    return { publicKey: row.public_key, privateKey: row.private_key };
  },
};
