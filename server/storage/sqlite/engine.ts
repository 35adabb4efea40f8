/**
 * The SQLite engine itself: synchronous, one connection, run inside a worker thread (./worker.ts) so that
 * a slow or frozen disk stalls that thread and never the server's event loop. The writer connection
 * migrates and appends; reader connections only query (WAL lets them read while the writer commits).
 */
import { alertRecord, controlRecord, eventRecord, linkRecord, passingRecord, type Row, runnerRecord, timingPointRecord, trackerRecord } from '../rows';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CompactCourse } from '../../../lib/course/compact';
import { type Alert, type Cheer, type HappinessSample } from '../../../lib/protocol';
import type {
  Arrival,
  AvatarRecord,
  PassingArrival,
  StoredIndex,
  RoomRecord,
  RoomRunner,
  RunnerRecord,
  StoredPosition,
  TrackCursor,
  TrackerRecord,
  TrackFormat,
  TrackText,
  WriteOp,
} from '../store';
import { gpxPoint } from '../formats/gpx';
import { positionJson } from '../formats/position-json';
import { migrate } from './migrate';
import { type Writing, writeOp } from './write-ops';


/** Column order of a position in the packed form that crosses the thread boundary. */
export const POSITION_COLUMNS = ['seq', 'lat', 'lon', 't', 'acc', 'alt', 'spd', 'hdg', 'bat'] as const;


const POSITION_SELECT = 'SELECT seq, lat, lon, t, acc, alt, spd, hdg, bat FROM positions';
const ALERT_SELECT = 'SELECT id, runner, name, kind, raised_at, lat, lon, t, acc, source, acked_at FROM alerts';

export class SqliteEngine {
  readonly db: Database.Database;
  private nextArrival = 1;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string, role: 'write' | 'read') {
    if (file !== ':memory:' && role === 'write') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { fileMustExist: role === 'read' });
    if (role === 'write') {
      this.db.pragma('journal_mode = WAL');
      // FULL: a commit is on disk before anyone is acknowledged, even if the machine loses power.
      this.db.pragma('synchronous = FULL');
      migrate(this.db);
      const kept = this.db.prepare("SELECT value FROM meta WHERE key = 'arrival'").pluck().get() as number | undefined;
      this.nextArrival = (kept ?? 0) + 1;
    } else {
      this.db.pragma('query_only = ON');
    }
    // Keep this connection's page cache modest: the server's memory budget is for live rooms.
    this.db.pragma('cache_size = -8000');
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // ---------- writes ----------

  append(ops: readonly WriteOp[]): Array<number | null> {
    const start = this.nextArrival;
    try {
      return this.db.transaction(() => this.applyOps(ops))();
    } catch (err) {
      this.nextArrival = start;
      throw err;
    }
  }

  private applyOps(ops: readonly WriteOp[]): Array<number | null> {
    const arrivals = { next: this.nextArrival };
    const arrivalAtStart = arrivals.next;
    const activity = new Map<string, number>();
    const writing: Writing = {
      stmt: (sql) => this.stmt(sql),
      arrivals,
      touch: (event, t) => activity.set(event, Math.max(activity.get(event) ?? 0, t)),
    };
    const out = ops.map((op) => writeOp(writing, op));
    this.nextArrival = arrivals.next;
    for (const [event, t] of activity) {
      this.stmt('UPDATE events SET last_activity = max(last_activity, ?) WHERE id = ?').run(t, event);
    }
    if (this.nextArrival !== arrivalAtStart) this.stmt("UPDATE meta SET value = ? WHERE key = 'arrival'").run(this.nextArrival - 1);
    return out;
  }

  // ---------- reads ----------

  loadIndex(): StoredIndex {
    const events = (this.stmt('SELECT * FROM events ORDER BY created_at').all() as Row[]).map(eventRecord);
    const links = (this.stmt('SELECT * FROM share_links ORDER BY created_at').all() as Row[]).map((r) => ({
      event: r.event as string,
      link: linkRecord(r),
    }));
    // One look-up in the positions' key per runner, never a scan of the positions.
    const runnersSeen = this.stmt(
      `SELECT event, count(*) AS runners FROM runners r
       WHERE EXISTS (SELECT 1 FROM positions p WHERE p.event = r.event AND p.runner = r.id) GROUP BY event ORDER BY event`,
    ).all() as Array<{ event: string; runners: number }>;
    const deviceKeys = (
      this.stmt('SELECT device_key_hash AS hash, event, id FROM runners WHERE device_key_hash IS NOT NULL ORDER BY event, id').all() as Array<{
        hash: string;
        event: string;
        id: string;
      }>
    ).map((r) => ({ hash: r.hash, event: r.event, runnerId: r.id }));
    return { events, links, runnersSeen, deviceKeys };
  }

  loadRoom(event: string, opts: { cheersKept: number; samplesKept: number }): RoomRecord | null {
    const row = this.stmt('SELECT * FROM events WHERE id = ?').get(event) as Row | undefined;
    if (!row) return null;
    const moods = new Map<string, { value: number; t: number }>();
    for (const m of this.stmt(
      `SELECT runner, value, t FROM (
         SELECT runner, value, t, row_number() OVER (PARTITION BY runner ORDER BY t DESC, rowid DESC) AS rn
         FROM moods WHERE event = ?) WHERE rn = 1`,
    ).all(event) as Array<{ runner: string; value: number; t: number }>) {
      moods.set(m.runner, m);
    }
    const cheers = new Map<string, Cheer[]>();
    for (const c of this.stmt(
      `SELECT runner, sender, text, t FROM (
         SELECT runner, sender, text, t, rowid AS r, row_number() OVER (PARTITION BY runner ORDER BY t DESC, rowid DESC) AS rn
         FROM cheers WHERE event = ?) WHERE rn <= ? ORDER BY t, r`,
    ).all(event, opts.cheersKept) as Array<{ runner: string; sender: string; text: string; t: number }>) {
      const list = cheers.get(c.runner) ?? [];
      list.push({ from: c.sender, text: c.text, t: c.t });
      cheers.set(c.runner, list);
    }
    const checkpoints = new Map<string, { through: number; state: string }>();
    for (const c of this.stmt('SELECT runner, through, state FROM checkpoints WHERE event = ?').all(event) as Array<{
      runner: string;
      through: number;
      state: string;
    }>) {
      checkpoints.set(c.runner, { through: c.through, state: c.state });
    }
    const avatars = new Map<string, number>();
    for (const a of this.stmt('SELECT runner, updated_at FROM avatars WHERE event = ?').all(event) as Array<{ runner: string; updated_at: number }>) {
      avatars.set(a.runner, a.updated_at);
    }
    const runners: RoomRunner[] = (this.stmt('SELECT * FROM runners WHERE event = ? ORDER BY joined_at, id').all(event) as Row[]).map((r) => {
      const rec = runnerRecord(r);
      const mood = moods.get(rec.id);
      return {
        ...rec,
        mood: mood?.value ?? null,
        moodAt: mood?.t ?? null,
        cheers: cheers.get(rec.id) ?? [],
        checkpoint: checkpoints.get(rec.id) ?? null,
        avatarAt: avatars.get(rec.id) ?? null,
      };
    });
    const alerts = (this.stmt(`${ALERT_SELECT} WHERE event = ? AND acked_at IS NULL ORDER BY raised_at, id`).all(event) as Row[]).map(alertRecord);
    const samples = (
      this.stmt(`SELECT t, mean, count FROM (SELECT t, mean, count, rowid AS r FROM samples WHERE event = ? ORDER BY t DESC, rowid DESC LIMIT ?) ORDER BY t, r`).all(
        event,
        opts.samplesKept,
      ) as HappinessSample[]
    ).map((s) => ({ t: s.t, mean: s.mean, count: s.count }));
    const links = (this.stmt('SELECT * FROM share_links WHERE event = ? ORDER BY created_at').all(event) as Row[]).map(linkRecord);
    const max = this.stmt(
      `SELECT max(coalesce((SELECT max(arrival) FROM positions WHERE event = ?), 0),
                  coalesce((SELECT max(arrival) FROM skipped_seqs WHERE event = ?), 0)) AS m`,
    ).get(event, event) as { m: number };
    const course = this.stmt('SELECT course FROM courses WHERE event = ?').get(event) as { course: string } | undefined;
    const timingPoints = (this.stmt('SELECT * FROM timing_points WHERE event = ? ORDER BY at, created_at, id').all(event) as Row[]).map(timingPointRecord);
    const trackers = (this.stmt('SELECT * FROM trackers WHERE event = ? ORDER BY added_at, id').all(event) as Row[]).map(trackerRecord);
    const controls = (this.stmt('SELECT * FROM controls WHERE event = ? ORDER BY updated_at, kind, id').all(event) as Row[]).map(controlRecord);
    return {
      event: eventRecord(row),
      runners,
      links,
      samples,
      alerts,
      maxArrival: max.m,
      course: course ? (JSON.parse(course.course) as CompactCourse) : null,
      timingPoints,
      trackers,
      controls,
    };
  }

  replay(event: string, after: number, limit: number): Arrival[] {
    const rows = this.stmt(
      `SELECT 'position' AS kind, arrival, runner, seq, lat, lon, t, acc, alt, spd, hdg, bat FROM positions WHERE event = ? AND arrival > ?
       UNION ALL
       SELECT 'skip', arrival, runner, seq, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM skipped_seqs WHERE event = ? AND arrival > ?
       ORDER BY arrival LIMIT ?`,
    ).all(event, after, event, after, limit) as Row[];
    return rows.map((r): Arrival =>
      r.kind === 'skip'
        ? { kind: 'skip', arrival: r.arrival as number, runnerId: r.runner as string, seq: r.seq as number }
        : {
            kind: 'position',
            arrival: r.arrival as number,
            runnerId: r.runner as string,
            pos: {
              seq: r.seq as number,
              lat: r.lat as number,
              lon: r.lon as number,
              t: r.t as number,
              acc: r.acc as number,
              alt: r.alt as number | null,
              spd: r.spd as number | null,
              hdg: r.hdg as number | null,
              bat: r.bat as number | null,
            },
          },
    );
  }

  skipped(event: string, runnerId: string): number[] {
    return this.stmt('SELECT seq FROM skipped_seqs WHERE event = ? AND runner = ? ORDER BY seq').pluck().all(event, runnerId) as number[];
  }

  runnerByDeviceKey(hash: string): { event: string; runnerId: string } | null {
    const r = this.stmt('SELECT event, id FROM runners WHERE device_key_hash = ?').get(hash) as { event: string; id: string } | undefined;
    return r ? { event: r.event, runnerId: r.id } : null;
  }

  timingPointByKey(hash: string): { event: string; pointId: string } | null {
    const r = this.stmt('SELECT event, id FROM timing_points WHERE key_hash = ?').get(hash) as { event: string; id: string } | undefined;
    return r ? { event: r.event, pointId: r.id } : null;
  }

  passings(event: string, after: number, limit: number): PassingArrival[] {
    const rows = this.stmt('SELECT * FROM passings WHERE event = ? AND arrival > ? ORDER BY arrival LIMIT ?').all(event, after, limit) as Row[];
    return rows.map((r) => ({ arrival: r.arrival as number, passing: passingRecord(r) }));
  }

  liveTrackers(): Array<{ event: string; tracker: TrackerRecord }> {
    const rows = this.stmt(
      "SELECT k.* FROM trackers k JOIN events e ON e.id = k.event WHERE e.status = 'live' ORDER BY k.event, k.added_at, k.id",
    ).all() as Row[];
    return rows.map((r) => ({ event: r.event as string, tracker: trackerRecord(r) }));
  }

  private trackRows(event: string, runnerId: string, after: TrackCursor | null, limit: number, range: { from?: number; to?: number } = {}) {
    const from = range.from ?? -8.64e15;
    const to = range.to ?? 8.64e15;
    return (
      after
        ? this.stmt(`${POSITION_SELECT} WHERE event = ? AND runner = ? AND (t, seq) > (?, ?) AND t >= ? AND t <= ? ORDER BY t, seq LIMIT ?`)
            .raw()
            .all(event, runnerId, after.t, after.seq, from, to, limit)
        : this.stmt(`${POSITION_SELECT} WHERE event = ? AND runner = ? AND t >= ? AND t <= ? ORDER BY t, seq LIMIT ?`)
            .raw()
            .all(event, runnerId, from, to, limit)
    ) as Array<[number, number, number, number, number, number | null, number | null, number | null, number | null]>;
  }

  /** A page written out as text here, in the storage thread, so the server's event loop only sends it. */
  trackText(event: string, runnerId: string, after: TrackCursor | null, limit: number, format: TrackFormat): TrackText {
    const rows = this.trackRows(event, runnerId, after, limit);
    const parts = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [seq, lat, lon, t, acc, alt, spd, hdg, bat] = rows[i]!;
      const p: StoredPosition = { seq, lat, lon, t, acc, alt, spd, hdg, bat };
      parts[i] = format === 'json' ? positionJson(p) : gpxPoint(p);
    }
    const last = rows[rows.length - 1];
    return { text: parts.join(format === 'json' ? ',\n' : ''), count: rows.length, last: last ? { t: last[3], seq: last[0] } : null };
  }

  /** A page of a track, packed as POSITION_COLUMNS per row with NaN for null: cheap to move between threads. */
  trackPagePacked(
    event: string,
    runnerId: string,
    after: TrackCursor | null,
    limit: number,
    range: { from?: number; to?: number } = {},
  ): Float64Array {
    const rows = this.trackRows(event, runnerId, after, limit, range);
    const width = POSITION_COLUMNS.length;
    const out = new Float64Array(rows.length * width);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      for (let j = 0; j < width; j++) out[i * width + j] = row[j] ?? NaN;
    }
    return out;
  }

  runners(event: string): RunnerRecord[] {
    return (this.stmt('SELECT * FROM runners WHERE event = ? ORDER BY joined_at, id').all(event) as Row[]).map(runnerRecord);
  }

  moods(event: string, runnerId: string): Array<{ value: number; t: number }> {
    return this.stmt('SELECT value, t FROM moods WHERE event = ? AND runner = ? ORDER BY t, rowid').all(event, runnerId) as Array<{
      value: number;
      t: number;
    }>;
  }

  cheers(event: string, runnerId: string): Cheer[] {
    return this.stmt('SELECT sender AS "from", text, t FROM cheers WHERE event = ? AND runner = ? ORDER BY t, rowid').all(
      event,
      runnerId,
    ) as Cheer[];
  }

  alerts(event: string): Alert[] {
    return (this.stmt(`${ALERT_SELECT} WHERE event = ? ORDER BY raised_at, id`).all(event) as Row[]).map(alertRecord);
  }

  avatar(event: string, runnerId: string): AvatarRecord | null {
    const r = this.stmt('SELECT name, mime, data, updated_at FROM avatars WHERE event = ? AND runner = ?').get(event, runnerId) as Row | undefined;
    return r ? { name: (r.name as string | null) ?? null, mime: r.mime as AvatarRecord['mime'], data: r.data as string, updatedAt: r.updated_at as number } : null;
  }

  samples(event: string, after: number, limit: number): HappinessSample[] {
    return (this.stmt('SELECT t, mean, count FROM samples WHERE event = ? AND t > ? ORDER BY t, rowid LIMIT ?').all(event, after, limit) as HappinessSample[]).map(
      (s) => ({ t: s.t, mean: s.mean, count: s.count }),
    );
  }

  inactiveEvents(before: number, opts: { liveOnly?: boolean } = {}): string[] {
    return this.stmt(
      `SELECT id FROM events WHERE created_at < ? AND last_activity < ? ${opts.liveOnly ? "AND status = 'live'" : ''} ORDER BY created_at`,
    )
      .pluck()
      .all(before, before) as string[];
  }

  countPositions(event?: string): number {
    const row = event
      ? this.stmt('SELECT COUNT(*) AS n FROM positions WHERE event = ?').get(event)
      : this.stmt('SELECT COUNT(*) AS n FROM positions').get();
    return (row as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}

export function unpackPositions(packed: Float64Array): StoredPosition[] {
  const width = POSITION_COLUMNS.length;
  const out: StoredPosition[] = new Array(packed.length / width);
  const orNull = (v: number) => (Number.isNaN(v) ? null : v);
  for (let i = 0; i < out.length; i++) {
    const o = i * width;
    out[i] = {
      seq: packed[o]!,
      lat: packed[o + 1]!,
      lon: packed[o + 2]!,
      t: packed[o + 3]!,
      acc: packed[o + 4]!,
      alt: orNull(packed[o + 5]!),
      spd: orNull(packed[o + 6]!),
      hdg: orNull(packed[o + 7]!),
      bat: orNull(packed[o + 8]!),
    };
  }
  return out;
}
