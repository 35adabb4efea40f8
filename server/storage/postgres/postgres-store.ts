/**
 * The shared store for several instances: PostgreSQL through node-postgres pools. One connection writes
 * (batches commit one after another, each in one transaction), a few others read, so that an export or a
 * room being hydrated never makes an acknowledgement wait for a free connection.
 */
import type { CompactCourse } from '../../../lib/course/compact';
import { alertRecord, controlRecord, eventRecord, linkRecord, passingRecord, type Row, runnerRecord, storedPosition, timingPointRecord, trackerRecord } from '../rows';
import type pg from 'pg';
import type { Alert, Cheer, HappinessSample } from '../../../lib/protocol';
import { log } from '../../log';
import { ALERT_COLUMNS, LOAD_ROOM, REPLAY, type RoomRunnerJson, TRACK_AFTER, TRACK_FROM_START } from './read-sql';
import {
  type Arrival,
  type AppendResult,
  type AvatarRecord,
  type Fence,
  FencedError,
  type PassingArrival,
  type ReadQueries,
  type RoomRecord,
  type RunnerRecord,
  type Store,
  StorageError,
  type StoredPosition,
  type TrackCursor,
  type TrackerRecord,
  type TrackFormat,
  type TrackText,
  type WriteOp,
} from '../store';
import { gpxPoint } from '../formats/gpx';
import { positionJson } from '../formats/position-json';
import { createPool, describeTarget, explainStartError } from './connection';
import { PostgresLeases } from './leases';
import { PostgresPushStore } from './push-rows';
import { migrate } from './migrate';
import { type AppendPlan, collect, planAppend } from './write-plan';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Keep the tables in this schema (created when missing) instead of the user's default one. */
  schema?: string;
  /** Connections for reads; the writer has one of its own. */
  readers?: number;
  /** How long to wait for the server to answer a new connection. */
  connectTimeoutMs?: number;
  /** How these connections show in pg_stat_activity. */
  applicationName?: string;
}


const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresStore implements Store {
  readonly engine = 'postgres';
  /** The batch being committed; the next one starts after it (batches commit in the order they were made). */
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;

  readonly leases: PostgresLeases;
  readonly push: PostgresPushStore;

  private constructor(
    private readonly writer: pg.Pool,
    private readonly reader: pg.Pool,
    private readonly leasePool: pg.Pool,
  ) {
    this.leases = new PostgresLeases(leasePool);
    this.push = new PostgresPushStore(writer, reader);
  }

  /** Connect, migrate the schema to the newest version, and check that reads connect too. */
  static async open(o: PostgresOptions): Promise<PostgresStore> {
    if (o.schema !== undefined && !SCHEMA_NAME.test(o.schema)) {
      throw new StorageError(`"${o.schema}" is not a schema name this store uses: lower-case letters, digits and _ only.`);
    }
    const target = describeTarget(o.url);
    const connectTimeoutMs = o.connectTimeoutMs ?? 5000;
    const base = { url: o.url, schema: o.schema, connectTimeoutMs, applicationName: o.applicationName ?? 'trackside' };
    // The writer keeps its connection (and the statements prepared on it) for as long as it lives.
    const writer = createPool({ ...base, max: 1, idleTimeoutMs: 0 });
    const reader = createPool({ ...base, max: o.readers ?? 6, idleTimeoutMs: 30_000 });
    // Leases are renewed on connections of their own, so that a long read never makes an owner miss a renewal.
    const leasePool = createPool({ ...base, max: 2, idleTimeoutMs: 0 });
    for (const [role, pool] of [['writer', writer], ['reader', reader], ['leases', leasePool]] as const) {
      // An idle connection that breaks (server restart, network) is dropped and replaced on next use.
      pool.on('error', (err) => log('warn', 'postgres_connection_lost', { role, host: target.host, port: target.port, message: err.message }));
    }
    try {
      await withClient(writer, (client) => migrate(client, { create: o.schema }));
      await reader.query('SELECT 1');
    } catch (err) {
      await Promise.allSettled([writer.end(), reader.end(), leasePool.end()]);
      throw explainStartError(err, target, connectTimeoutMs);
    }
    return new PostgresStore(writer, reader, leasePool);
  }

  append(ops: readonly WriteOp[], fence?: Fence): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StorageError('the store is closed'));
    if (ops.length === 0) return Promise.resolve({ arrivals: [] });
    let plan: AppendPlan;
    try {
      plan = planAppend(ops, fence?.epochs.keys());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new StorageError(String(err)));
    }
    const run = this.writing.then(() => this.commit(plan, fence));
    this.writing = run.catch(() => {});
    return run;
  }

  private async commit(plan: AppendPlan, fence?: Fence): Promise<AppendResult> {
    return withClient(
      this.writer,
      async (client) => {
        try {
          await client.query('BEGIN');
          await client.query(plan.lock);
          // Under the events' locks, which a new owner takes too: whoever holds the lease now, holds it until commit.
          if (fence && fence.epochs.size > 0) {
            const { rows } = await client.query<{ key: string; holder: string; epoch: number }>({
              name: 'trackside_fence',
              text: 'SELECT key, holder, epoch FROM leases WHERE key = ANY($1::text[])',
              values: [[...fence.epochs.keys()]],
            });
            const held = new Map(rows.map((r) => [r.key, r]));
            const lost = [...fence.epochs].filter(([e, epoch]) => held.get(e)?.holder !== fence.holder || held.get(e)?.epoch !== epoch).map(([e]) => e);
            if (lost.length) throw new FencedError(lost);
          }
          for (const step of plan.steps) collect(plan, step, (await client.query(step)).rows);
          if (plan.activity) await client.query(plan.activity);
          await client.query('COMMIT');
          return { arrivals: plan.arrivals };
        } catch (err) {
          // Fails too when the connection is what broke; withClient then drops it.
          await client.query('ROLLBACK').catch(() => {});
          throw storageError('PostgreSQL did not take the batch', err);
        }
      },
      (err) => storageError('cannot reach PostgreSQL to write', err),
    );
  }

  private async query<T extends Row = Row>(name: string, text: string, values: unknown[] = []): Promise<T[]> {
    if (this.closed) throw new StorageError('the store is closed');
    try {
      return (await this.reader.query<T>({ name: `trackside_${name}`, text, values })).rows;
    } catch (err) {
      throw storageError('PostgreSQL read failed', err);
    }
  }

  async loadIndex(): ReturnType<ReadQueries['loadIndex']> {
    const [events, links, seen, keys] = await Promise.all([
      this.query('index_events', 'SELECT * FROM events ORDER BY created_at, id'),
      this.query('index_links', 'SELECT * FROM share_links ORDER BY created_at, id'),
      // One look-up in the positions' key per runner, never a scan of the positions.
      this.query(
        'index_runners_seen',
        `SELECT event, count(*)::int AS runners FROM runners r
         WHERE EXISTS (SELECT 1 FROM positions p WHERE p.event = r.event AND p.runner = r.id) GROUP BY event ORDER BY event`,
      ),
      this.query('index_device_keys', 'SELECT device_key_hash, event, id FROM runners WHERE device_key_hash IS NOT NULL ORDER BY event, id'),
    ]);
    return {
      events: events.map(eventRecord),
      links: links.map((r) => ({ event: r.event as string, link: linkRecord(r) })),
      runnersSeen: seen.map((r) => ({ event: r.event as string, runners: Number(r.runners) })),
      deviceKeys: keys.map((r) => ({ hash: r.device_key_hash as string, event: r.event as string, runnerId: r.id as string })),
    };
  }

  async loadRoom(event: string, opts: { cheersKept: number; samplesKept: number }): Promise<RoomRecord | null> {
    const [row] = await this.query('load_room', LOAD_ROOM, [event, opts.cheersKept, opts.samplesKept]);
    if (!row) return null;
    const runners = (row.room_runners as RoomRunnerJson[]).map((r) => ({
      id: r[0],
      event,
      name: r[1],
      color: r[2],
      tokenHash: r[3],
      deviceKeyHash: r[4],
      joinedAt: r[5],
      stopped: r[6],
      mood: r[7],
      moodAt: r[8],
      cheers: (r[11] ?? []).map(([from, text, t]): Cheer => ({ from, text, t })),
      checkpoint: r[9] === null ? null : { through: r[9], state: r[10]! },
      avatarAt: r[12],
      bib: r[13],
      entry: r[14],
    }));
    const samples = (row.room_samples as Array<[number, number | null, number]>).map(([t, mean, count]): HappinessSample => ({ t, mean, count }));
    return {
      event: eventRecord(row),
      runners,
      links: (row.room_links as Row[]).map(linkRecord),
      samples,
      alerts: (row.room_alerts as Row[]).map(alertRecord),
      maxArrival: row.max_arrival as number,
      course: (row.room_course as CompactCourse | null) ?? null,
      timingPoints: (row.room_timing_points as Row[]).map(timingPointRecord),
      trackers: (row.room_trackers as Row[]).map(trackerRecord),
      controls: (row.room_controls as Row[]).map(controlRecord),
    };
  }

  async replay(event: string, after: number, limit: number): Promise<Arrival[]> {
    const rows = await this.query('replay', REPLAY, [event, after, limit]);
    return rows.map(
      (r): Arrival =>
        r.kind === 'skip'
          ? { kind: 'skip', arrival: r.arrival as number, runnerId: r.runner as string, seq: r.seq as number }
          : { kind: 'position', arrival: r.arrival as number, runnerId: r.runner as string, pos: storedPosition(r) },
    );
  }

  async skipped(event: string, runnerId: string): Promise<number[]> {
    const rows = await this.query('skipped', 'SELECT seq FROM skipped_seqs WHERE event = $1 AND runner = $2 ORDER BY seq', [event, runnerId]);
    return rows.map((r) => r.seq as number);
  }

  async runnerByDeviceKey(hash: string): Promise<{ event: string; runnerId: string } | null> {
    const [r] = await this.query('device_key', 'SELECT event, id FROM runners WHERE device_key_hash = $1 LIMIT 1', [hash]);
    return r ? { event: r.event as string, runnerId: r.id as string } : null;
  }

  async timingPointByKey(hash: string): Promise<{ event: string; pointId: string } | null> {
    const [r] = await this.query('timing_point_key', 'SELECT event, id FROM timing_points WHERE key_hash = $1 LIMIT 1', [hash]);
    return r ? { event: r.event as string, pointId: r.id as string } : null;
  }

  async passings(event: string, after: number, limit: number): Promise<PassingArrival[]> {
    const rows = await this.query('passings', 'SELECT * FROM passings WHERE event = $1 AND arrival > $2 ORDER BY arrival LIMIT $3', [event, after, limit]);
    return rows.map((r) => ({ arrival: r.arrival as number, passing: passingRecord(r) }));
  }

  async liveTrackers(): Promise<Array<{ event: string; tracker: TrackerRecord }>> {
    const rows = await this.query(
      'live_trackers',
      "SELECT k.* FROM trackers k JOIN events e ON e.id = k.event WHERE e.status = 'live' ORDER BY k.event, k.added_at, k.id",
    );
    return rows.map((r) => ({ event: r.event as string, tracker: trackerRecord(r) }));
  }

  async trackPage(
    event: string,
    runnerId: string,
    after: TrackCursor | null,
    limit: number,
    range: { from?: number; to?: number } = {},
  ): Promise<StoredPosition[]> {
    const values: unknown[] = [event, runnerId, range.from ?? -8.64e15, range.to ?? 8.64e15, limit];
    const rows = after
      ? await this.query('track_after', TRACK_AFTER, [...values, after.t, after.seq])
      : await this.query('track_from_start', TRACK_FROM_START, values);
    return rows.map(storedPosition);
  }

  async trackText(event: string, runnerId: string, after: TrackCursor | null, limit: number, format: TrackFormat): Promise<TrackText> {
    const page = await this.trackPage(event, runnerId, after, limit);
    const last = page[page.length - 1];
    return {
      text: format === 'json' ? page.map(positionJson).join(',\n') : page.map(gpxPoint).join(''),
      count: page.length,
      last: last ? { t: last.t, seq: last.seq } : null,
    };
  }

  async runners(event: string): Promise<RunnerRecord[]> {
    return (await this.query('runners', 'SELECT * FROM runners WHERE event = $1 ORDER BY joined_at, id', [event])).map(runnerRecord);
  }

  async moods(event: string, runnerId: string): Promise<Array<{ value: number; t: number }>> {
    const rows = await this.query('moods', 'SELECT value, t FROM moods WHERE event = $1 AND runner = $2 ORDER BY t, id', [event, runnerId]);
    return rows.map((r) => ({ value: r.value as number, t: r.t as number }));
  }

  async cheers(event: string, runnerId: string): Promise<Cheer[]> {
    const rows = await this.query('cheers', 'SELECT sender, text, t FROM cheers WHERE event = $1 AND runner = $2 ORDER BY t, id', [event, runnerId]);
    return rows.map((r) => ({ from: r.sender as string, text: r.text as string, t: r.t as number }));
  }

  async alerts(event: string): Promise<Alert[]> {
    const rows = await this.query('alerts', `SELECT ${ALERT_COLUMNS} FROM alerts WHERE event = $1 ORDER BY raised_at, id`, [event]);
    return rows.map(alertRecord);
  }

  async avatar(event: string, runnerId: string): Promise<AvatarRecord | null> {
    const [r] = await this.query('avatar', 'SELECT name, mime, data, updated_at FROM avatars WHERE event = $1 AND runner = $2', [event, runnerId]);
    return r ? { name: (r.name as string | null) ?? null, mime: r.mime as AvatarRecord['mime'], data: r.data as string, updatedAt: r.updated_at as number } : null;
  }

  async samples(event: string, after: number, limit: number): Promise<HappinessSample[]> {
    const rows = await this.query('samples', 'SELECT t, mean, count FROM samples WHERE event = $1 AND t > $2 ORDER BY t, id LIMIT $3', [event, after, limit]);
    return rows.map((r) => ({ t: r.t as number, mean: r.mean as number | null, count: r.count as number }));
  }

  async inactiveEvents(before: number, opts: { liveOnly?: boolean } = {}): Promise<string[]> {
    const rows = await this.query(
      'inactive_events',
      `SELECT id FROM events WHERE created_at < $1 AND last_activity < $1 AND (status = 'live' OR NOT $2) ORDER BY created_at, id`,
      [before, opts.liveOnly ?? false],
    );
    return rows.map((r) => r.id as string);
  }

  async countPositions(event?: string): Promise<number> {
    const [r] = event
      ? await this.query('count_event_positions', 'SELECT count(*) AS n FROM positions WHERE event = $1', [event])
      : await this.query('count_positions', 'SELECT count(*) AS n FROM positions');
    return r!.n as number;
  }

  /** Waits for the batches already made, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await Promise.allSettled([this.writer.end(), this.reader.end(), this.leasePool.end()]);
  }
}

/**
 * Run `fn` on a connection of its own. A checked-out connection that breaks also emits an error event,
 * which would be thrown at the process without a listener; it is caught here and the connection dropped.
 */
async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, connectError = (err: unknown) => err): Promise<T> {
  const client = await pool.connect().catch((err: unknown) => {
    throw connectError(err);
  });
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

function storageError(what: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { message?: string; code?: string };
  return new StorageError(`${what}: ${e.message ?? String(err)}`, e.code);
}
