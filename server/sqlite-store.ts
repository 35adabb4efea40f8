/** The embedded default store: one SQLite file under DATA_DIR. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStatus } from '../lib/protocol';
import type { Cheer, HappinessSample, ShareLink } from '../lib/protocol';
import type { EventExport, RestoredRunner, RestoredState, Store, StoredPosition, StoreOp } from './store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  organiser_hash TEXT NOT NULL DEFAULT '',
  view_code_hash TEXT
);
CREATE TABLE IF NOT EXISTS runners (
  event TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  color TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  device_key_hash TEXT,
  joined_at INTEGER NOT NULL,
  stopped INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (event, id)
);
CREATE TABLE IF NOT EXISTS positions (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  seq INTEGER NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  t INTEGER NOT NULL,
  acc REAL NOT NULL,
  alt REAL,
  spd REAL,
  hdg REAL,
  bat REAL,
  PRIMARY KEY (event, runner, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS skipped_seqs (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (event, runner, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS share_links (
  id TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  token TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  runners TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS moods (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  value INTEGER NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS moods_by_runner ON moods (event, runner, t);
CREATE TABLE IF NOT EXISTS samples (
  event TEXT NOT NULL,
  t INTEGER NOT NULL,
  mean REAL,
  count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_by_event ON samples (event, t);
CREATE TABLE IF NOT EXISTS cheers (
  event TEXT NOT NULL,
  runner TEXT NOT NULL,
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  t INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cheers_by_runner ON cheers (event, runner, t);
`;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly applyBatch: (ops: readonly StoreOp[]) => void;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is on disk before the runner is acknowledged, even if the machine loses power.
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.migrate();

    const putEvent = this.db.prepare(
      `INSERT INTO events (id, name, created_at, status, organiser_hash, view_code_hash)
       VALUES (@id, @name, @createdAt, @status, @organiserHash, @viewCodeHash)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
         organiser_hash = excluded.organiser_hash, view_code_hash = excluded.view_code_hash`,
    );
    const deleteRunner = ['positions', 'skipped_seqs', 'moods', 'cheers'].map((table) =>
      this.db.prepare(`DELETE FROM ${table} WHERE event = ? AND runner = ?`),
    );
    deleteRunner.push(this.db.prepare(`DELETE FROM runners WHERE event = ? AND id = ?`));
    const putRunner = this.db.prepare(
      `INSERT INTO runners (event, id, name, color, token_hash, device_key_hash, joined_at, stopped)
       VALUES (@event, @id, @name, @color, @tokenHash, @deviceKeyHash, @joinedAt, @stopped)
       ON CONFLICT (event, id) DO UPDATE SET name = excluded.name, color = excluded.color, stopped = excluded.stopped,
         device_key_hash = excluded.device_key_hash`,
    );
    const putPosition = this.db.prepare(
      `INSERT OR IGNORE INTO positions (event, runner, seq, lat, lon, t, acc, alt, spd, hdg, bat)
       VALUES (@event, @runnerId, @seq, @lat, @lon, @t, @acc, @alt, @spd, @hdg, @bat)`,
    );
    const putSkip = this.db.prepare(`INSERT OR IGNORE INTO skipped_seqs (event, runner, seq) VALUES (?, ?, ?)`);
    // Link tokens are kept as they are: the organiser must be able to copy a link again later.
    const putLink = this.db.prepare(
      `INSERT INTO share_links (id, event, token, label, runners, created_at, expires_at, revoked_at)
       VALUES (@id, @event, @token, @label, @runners, @createdAt, @expiresAt, @revokedAt)
       ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
    );
    const putMood = this.db.prepare(`INSERT INTO moods (event, runner, value, t) VALUES (@event, @runnerId, @value, @t)`);
    const putSample = this.db.prepare(`INSERT INTO samples (event, t, mean, count) VALUES (?, ?, ?, ?)`);
    const putCheer = this.db.prepare(`INSERT INTO cheers (event, runner, sender, text, t) VALUES (?, ?, ?, ?, ?)`);

    this.applyBatch = this.db.transaction((ops: readonly StoreOp[]) => {
      for (const op of ops) {
        switch (op.op) {
          case 'event':
            putEvent.run({
              id: op.event.id,
              name: op.event.name,
              createdAt: op.event.createdAt,
              status: op.event.status,
              organiserHash: op.organiserHash,
              viewCodeHash: op.viewCodeHash,
            });
            break;
          case 'link':
            putLink.run({ ...op.link, event: op.event, runners: op.link.runners ? JSON.stringify(op.link.runners) : null });
            break;
          case 'deleteRunner':
            for (const stmt of deleteRunner) stmt.run(op.event, op.runnerId);
            break;
          case 'runner':
            putRunner.run({ ...op.runner, stopped: op.runner.stopped ? 1 : 0 });
            break;
          case 'position':
            putPosition.run(op);
            break;
          case 'skip':
            putSkip.run(op.event, op.runnerId, op.seq);
            break;
          case 'mood':
            putMood.run(op);
            break;
          case 'sample':
            putSample.run(op.event, op.sample.t, op.sample.mean, op.sample.count);
            break;
          case 'cheer':
            putCheer.run(op.event, op.runnerId, op.cheer.from, op.cheer.text, op.cheer.t);
            break;
        }
      }
    });
  }

  /** Columns added since the first schema, for databases made by earlier versions. */
  private migrate(): void {
    const added: Array<[table: string, column: string, type: string]> = [
      ['events', 'organiser_hash', "TEXT NOT NULL DEFAULT ''"],
      ['events', 'view_code_hash', 'TEXT'],
      ['runners', 'device_key_hash', 'TEXT'],
      ['positions', 'bat', 'REAL'],
    ];
    for (const [table, column, type] of added) {
      const has = (this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some((c) => c.name === column);
      if (!has) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }

  write(ops: readonly StoreOp[]): void {
    if (ops.length) this.applyBatch(ops);
  }

  load(): RestoredState {
    const events = (
      this.db
        .prepare(
          `SELECT id, name, created_at AS createdAt, status, organiser_hash AS organiserHash, view_code_hash AS viewCodeHash
           FROM events ORDER BY created_at`,
        )
        .all() as Array<{ id: string; name: string; createdAt: number; status: EventStatus; organiserHash: string; viewCodeHash: string | null }>
    ).map(({ organiserHash, viewCodeHash, ...info }) => ({
      event: { ...info, protected: viewCodeHash !== null },
      organiserHash,
      viewCodeHash,
    }));
    const runnerRows = this.db
      .prepare(
        `SELECT event, id, name, color, token_hash AS tokenHash, device_key_hash AS deviceKeyHash, joined_at AS joinedAt, stopped
         FROM runners ORDER BY joined_at`,
      )
      .all() as Array<
      Omit<RestoredRunner, 'stopped' | 'mood' | 'moodAt' | 'cheers' | 'positions' | 'skipped'> & { stopped: number }
    >;
    const positions = this.db.prepare(
      `SELECT seq, lat, lon, t, acc, alt, spd, hdg, bat FROM positions WHERE event = ? AND runner = ? ORDER BY seq`,
    );
    const skipped = this.db.prepare(`SELECT seq FROM skipped_seqs WHERE event = ? AND runner = ? ORDER BY seq`).pluck();
    const lastMood = this.db.prepare(
      `SELECT value, t FROM moods WHERE event = ? AND runner = ? ORDER BY t DESC, rowid DESC LIMIT 1`,
    );
    const cheers = this.db.prepare(
      `SELECT sender AS "from", text, t FROM (
         SELECT sender, text, t, rowid FROM cheers WHERE event = ? AND runner = ? ORDER BY t DESC, rowid DESC LIMIT 20
       ) ORDER BY t, rowid`,
    );
    const runners: RestoredRunner[] = runnerRows.map((r) => {
      const mood = lastMood.get(r.event, r.id) as { value: number; t: number } | undefined;
      return {
        ...r,
        stopped: r.stopped === 1,
        mood: mood?.value ?? null,
        moodAt: mood?.t ?? null,
        cheers: cheers.all(r.event, r.id) as RestoredRunner['cheers'],
        positions: positions.all(r.event, r.id) as RestoredRunner['positions'],
        skipped: skipped.all(r.event, r.id) as number[],
      };
    });
    const samples = (
      this.db.prepare(`SELECT event, t, mean, count FROM samples ORDER BY t`).all() as Array<{
        event: string;
        t: number;
        mean: number | null;
        count: number;
      }>
    ).map(({ event, ...sample }) => ({ event, sample }));
    const links = (
      this.db
        .prepare(
          `SELECT id, event, token, label, runners, created_at AS createdAt, expires_at AS expiresAt, revoked_at AS revokedAt
           FROM share_links ORDER BY created_at`,
        )
        .all() as Array<Omit<ShareLink, 'runners'> & { event: string; runners: string | null }>
    ).map(({ event, runners, ...link }) => ({ event, link: { ...link, runners: runners ? (JSON.parse(runners) as string[]) : null } }));
    return { events, runners, samples, links };
  }

  track(event: string, runnerId: string): StoredPosition[] {
    return this.db
      .prepare(`SELECT seq, lat, lon, t, acc, alt, spd, hdg, bat FROM positions WHERE event = ? AND runner = ? ORDER BY t, seq`)
      .all(event, runnerId) as StoredPosition[];
  }

  exportEvent(event: string): EventExport | null {
    const row = this.db
      .prepare(`SELECT id, name, created_at AS createdAt, status, view_code_hash IS NOT NULL AS protected FROM events WHERE id = ?`)
      .get(event) as (Omit<EventExport['event'], 'protected'> & { protected: number }) | undefined;
    if (!row) return null;
    const info = { ...row, protected: row.protected === 1 };
    const runners = this.db
      .prepare(`SELECT id, name, color, joined_at AS joinedAt FROM runners WHERE event = ? ORDER BY joined_at`)
      .all(event) as Array<{ id: string; name: string; color: string; joinedAt: number }>;
    const moods = this.db.prepare(`SELECT value, t FROM moods WHERE event = ? AND runner = ? ORDER BY t, rowid`);
    const cheers = this.db.prepare(`SELECT sender AS "from", text, t FROM cheers WHERE event = ? AND runner = ? ORDER BY t, rowid`);
    return {
      event: info,
      runners: runners.map((r) => ({
        ...r,
        positions: this.track(event, r.id),
        moods: moods.all(event, r.id) as Array<{ value: number; t: number }>,
        cheers: cheers.all(event, r.id) as Cheer[],
      })),
      happiness: this.db
        .prepare(`SELECT t, mean, count FROM samples WHERE event = ? ORDER BY t`)
        .all(event) as HappinessSample[],
    };
  }

  inactiveEvents(before: number): string[] {
    return this.db
      .prepare(
        `SELECT id FROM events e WHERE created_at < @before
           AND NOT EXISTS (SELECT 1 FROM positions p WHERE p.event = e.id AND p.t >= @before)
           AND NOT EXISTS (SELECT 1 FROM moods m WHERE m.event = e.id AND m.t >= @before)
           AND NOT EXISTS (SELECT 1 FROM cheers c WHERE c.event = e.id AND c.t >= @before)`,
      )
      .pluck()
      .all({ before }) as string[];
  }

  deleteEvent(event: string): void {
    this.db.transaction(() => {
      for (const table of ['positions', 'skipped_seqs', 'moods', 'samples', 'cheers', 'runners', 'share_links']) {
        this.db.prepare(`DELETE FROM ${table} WHERE event = ?`).run(event);
      }
      this.db.prepare(`DELETE FROM events WHERE id = ?`).run(event);
    })();
  }

  countPositions(event?: string): number {
    const row = event
      ? this.db.prepare(`SELECT COUNT(*) AS n FROM positions WHERE event = ?`).get(event)
      : this.db.prepare(`SELECT COUNT(*) AS n FROM positions`).get();
    return (row as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
