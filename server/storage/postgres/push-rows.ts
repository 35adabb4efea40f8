/** Web Push rows in PostgreSQL (push-store.ts), shared by every instance of a cluster. */
import type pg from 'pg';
import type { PushStore, PushSubscriptionRecord, PushVia, VapidKeys } from '../push-store';

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
  created_at: string;
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
  createdAt: Number(r.created_at),
});

export class PostgresPushStore implements PushStore {
  constructor(
    private readonly writer: pg.Pool,
    private readonly reader: pg.Pool,
  ) {}

  async savePushSubscription(s: PushSubscriptionRecord): Promise<void> {
    await this.writer.query(
      `INSERT INTO push_subscriptions (id, event, runner, endpoint, p256dh, auth, via, grant_hash, page, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth, via = excluded.via,
         grant_hash = excluded.grant_hash, page = excluded.page, created_at = excluded.created_at`,
      [s.id, s.event, s.runnerId, s.endpoint, s.p256dh, s.auth, s.via, s.grant, s.page, s.createdAt],
    );
  }

  async deletePushSubscriptions(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.writer.query('DELETE FROM push_subscriptions WHERE id = ANY($1::text[])', [ids]);
  }

  async deletePushEndpoint(endpoint: string): Promise<number> {
    return (await this.writer.query('DELETE FROM push_subscriptions WHERE endpoint = $1', [endpoint])).rowCount ?? 0;
  }

  async pushSubscriptions(event: string, runnerId: string): Promise<PushSubscriptionRecord[]> {
    const { rows } = await this.reader.query<Row>('SELECT * FROM push_subscriptions WHERE event = $1 AND runner = $2 ORDER BY created_at, id', [event, runnerId]);
    return rows.map(fromRow);
  }

  async countPushEndpoint(endpoint: string): Promise<number> {
    const { rows } = await this.reader.query<{ n: string }>('SELECT count(*) AS n FROM push_subscriptions WHERE endpoint = $1', [endpoint]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Instances starting at once each offer a pair: the first insert wins, and all of them read it back. */
  async vapidKeys(candidate: VapidKeys, now: number): Promise<VapidKeys> {
    await this.writer.query('INSERT INTO push_keys (id, public_key, private_key, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING', [
      candidate.publicKey,
      candidate.privateKey,
      now,
    ]);
    const { rows } = await this.writer.query<{ public_key: string; private_key: string }>('SELECT public_key, private_key FROM push_keys WHERE id = 1');
    return { publicKey: rows[0]!.public_key, privateKey: rows[0]!.private_key };
  }
}
