/**
 * How each write op lands in SQLite, one writer per op, inside the batch's transaction. Positions and skips
 * take the next arrival number when they are new (a resend finds its row and takes none).
 */
import type Database from 'better-sqlite3';
import { DEFAULT_RACE } from '../../../lib/protocol';
import type { WriteOp } from '../store';
import { EVENT_TABLES, RUNNER_TABLES } from '../tables';

export interface Writing {
  stmt(sql: string): Database.Statement;
  /** The next arrival number to hand out. */
  arrivals: { next: number };
  /** The event had activity at time `t` (archiving judges by it). */
  touch(event: string, t: number): void;
}

type OpOf<K extends WriteOp['op']> = Extract<WriteOp, { op: K }>;

/** A new row takes the next arrival number; a row that was there already takes none. */
const arrival = (w: Writing, changes: number) => (changes === 1 ? w.arrivals.next++ : null);

/** Each op's writer; the arrival it took, or null. */
export const WRITERS: { readonly [K in WriteOp['op']]: (w: Writing, op: OpOf<K>) => number | null } = {
  event(w, op) {
    const { info } = op.record;
    w.stmt(
      `INSERT INTO events (id, name, created_at, status, organiser_hash, view_code_hash, quotas, race)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
         organiser_hash = excluded.organiser_hash, view_code_hash = excluded.view_code_hash, quotas = excluded.quotas,
         race = excluded.race`,
    ).run(
      info.id,
      info.name,
      info.createdAt,
      info.status,
      op.record.organiserHash,
      op.record.viewCodeHash,
      JSON.stringify(op.record.quotas),
      JSON.stringify(info.race ?? DEFAULT_RACE),
    );
    return null;
  },
  deleteEvent(w, op) {
    for (const table of EVENT_TABLES) w.stmt(`DELETE FROM ${table} WHERE event = ?`).run(op.event);
    w.stmt('DELETE FROM events WHERE id = ?').run(op.event);
    return null;
  },
  runner(w, op) {
    const r = op.runner;
    w.stmt(
      `INSERT INTO runners (event, id, name, color, token_hash, device_key_hash, joined_at, stopped, bib, entry)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, id) DO UPDATE SET name = excluded.name, color = excluded.color, stopped = excluded.stopped,
         device_key_hash = excluded.device_key_hash, bib = excluded.bib, entry = excluded.entry`,
    ).run(
      r.event,
      r.id,
      r.name,
      r.color,
      // An entry no phone has claimed has no token: '' (the column is NOT NULL in SQLite).
      r.tokenHash ?? '',
      r.deviceKeyHash,
      r.joinedAt,
      r.stopped ? 1 : 0,
      r.bib ?? null,
      r.entry ? JSON.stringify(r.entry) : null,
    );
    return null;
  },
  runnerToken(w, op) {
    w.stmt('UPDATE runners SET token_hash = ? WHERE event = ? AND id = ?').run(op.tokenHash ?? '', op.event, op.runnerId);
    return null;
  },
  deleteRunner(w, op) {
    for (const table of RUNNER_TABLES) w.stmt(`DELETE FROM ${table} WHERE event = ? AND runner = ?`).run(op.event, op.runnerId);
    w.stmt('DELETE FROM runners WHERE event = ? AND id = ?').run(op.event, op.runnerId);
    return null;
  },
  link(w, op) {
    const l = op.link;
    // Link tokens are kept as they are: the organiser must be able to copy a link again later.
    w.stmt(
      `INSERT INTO share_links (id, event, token, label, runners, created_at, expires_at, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
    ).run(l.id, op.event, l.token, l.label, l.runners ? JSON.stringify(l.runners) : null, l.createdAt, l.expiresAt, l.revokedAt);
    return null;
  },
  position(w, op) {
    const p = op.pos;
    const changes = w
      .stmt(
        `INSERT OR IGNORE INTO positions (event, runner, seq, lat, lon, t, acc, alt, spd, hdg, bat, arrival)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(op.event, op.runnerId, p.seq, p.lat, p.lon, p.t, p.acc, p.alt, p.spd, p.hdg, p.bat, w.arrivals.next).changes;
    w.touch(op.event, p.t);
    return arrival(w, changes);
  },
  skip(w, op) {
    const changes = w
      .stmt('INSERT OR IGNORE INTO skipped_seqs (event, runner, seq, arrival) VALUES (?, ?, ?, ?)')
      .run(op.event, op.runnerId, op.seq, w.arrivals.next).changes;
    return arrival(w, changes);
  },
  mood(w, op) {
    w.stmt('INSERT INTO moods (event, runner, value, t) VALUES (?, ?, ?, ?)').run(op.event, op.runnerId, op.value, op.t);
    w.touch(op.event, op.t);
    return null;
  },
  sample(w, op) {
    w.stmt('INSERT INTO samples (event, t, mean, count) VALUES (?, ?, ?, ?)').run(op.event, op.sample.t, op.sample.mean, op.sample.count);
    return null;
  },
  cheer(w, op) {
    w.stmt('INSERT INTO cheers (event, runner, sender, text, t) VALUES (?, ?, ?, ?, ?)').run(op.event, op.runnerId, op.cheer.from, op.cheer.text, op.cheer.t);
    w.touch(op.event, op.cheer.t);
    return null;
  },
  alert(w, op) {
    const a = op.alert;
    w.stmt(
      `INSERT INTO alerts (event, id, runner, name, kind, raised_at, lat, lon, t, acc, source, acked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, id) DO UPDATE SET acked_at = excluded.acked_at`,
    ).run(op.event, a.id, a.runnerId, a.name, a.kind, a.raisedAt, a.at?.lat ?? null, a.at?.lon ?? null, a.at?.t ?? null, a.at?.acc ?? null, a.source, a.ackedAt);
    w.touch(op.event, a.raisedAt);
    return null;
  },
  avatar(w, op) {
    const v = op.avatar;
    w.stmt(
      `INSERT INTO avatars (event, runner, name, mime, data, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, runner) DO UPDATE SET name = excluded.name, mime = excluded.mime, data = excluded.data, updated_at = excluded.updated_at`,
    ).run(op.event, op.runnerId, v.name, v.mime, v.data, v.updatedAt);
    return null;
  },
  course(w, op) {
    if (op.course === null) w.stmt('DELETE FROM courses WHERE event = ?').run(op.event);
    else {
      w.stmt(
        `INSERT INTO courses (event, course, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (event) DO UPDATE SET course = excluded.course, updated_at = excluded.updated_at`,
      ).run(op.event, JSON.stringify(op.course), op.updatedAt);
    }
    return null;
  },
  timingPoint(w, op) {
    const p = op.point;
    w.stmt(
      `INSERT INTO timing_points (event, id, name, at, key_hash, time_zone, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, id) DO UPDATE SET name = excluded.name, at = excluded.at, key_hash = excluded.key_hash, time_zone = excluded.time_zone`,
    ).run(op.event, p.id, p.name, p.at, p.keyHash, p.timeZone, p.createdAt);
    return null;
  },
  deleteTimingPoint(w, op) {
    w.stmt('DELETE FROM timing_points WHERE event = ? AND id = ?').run(op.event, op.pointId);
    return null;
  },
  passing(w, op) {
    const p = op.passing;
    const changes = w
      .stmt(
        `INSERT OR IGNORE INTO passings (event, point, chip, t, loop, lap, battery, rewind, received_at, arrival)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(op.event, p.point, p.chip, p.t, p.loop, p.lap, p.battery, p.rewind ? 1 : 0, p.receivedAt, w.arrivals.next).changes;
    w.touch(op.event, p.receivedAt);
    return arrival(w, changes);
  },
  tracker(w, op) {
    const k = op.tracker;
    w.stmt(
      `INSERT INTO trackers (event, id, runner, kind, feed, password, added_at, polled_at, last_t, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, id) DO UPDATE SET feed = excluded.feed, password = excluded.password, polled_at = excluded.polled_at,
         last_t = excluded.last_t, error = excluded.error`,
    ).run(op.event, k.id, k.runnerId, k.kind, k.feed, k.password, k.addedAt, k.polledAt, k.lastT, k.error);
    return null;
  },
  control(w, op) {
    const c = op.control;
    w.stmt(
      `INSERT INTO controls (event, kind, id, runner, body, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (event, kind, id) DO UPDATE SET runner = excluded.runner, body = excluded.body, updated_at = excluded.updated_at`,
    ).run(op.event, c.kind, c.id, c.runnerId, c.body, c.updatedAt);
    return null;
  },
  deleteControl(w, op) {
    w.stmt('DELETE FROM controls WHERE event = ? AND kind = ? AND id = ?').run(op.event, op.kind, op.id);
    return null;
  },
  deleteTracker(w, op) {
    w.stmt('DELETE FROM trackers WHERE event = ? AND id = ?').run(op.event, op.trackerId);
    return null;
  },
  checkpoint(w, op) {
    w.stmt(
      `INSERT INTO checkpoints (event, runner, through, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (event, runner) DO UPDATE SET through = excluded.through, state = excluded.state`,
    ).run(op.event, op.runnerId, op.through, op.state);
    return null;
  },
};

/** Write one op with its writer. */
export function writeOp(w: Writing, op: WriteOp): number | null {
  // The table is keyed by `op`, so the writer found takes exactly this op.
  return (WRITERS[op.op] as (w: Writing, op: WriteOp) => number | null)(w, op);
}
