/**
 * How one `append` batch becomes a few statements of one transaction: each run of consecutive ops of the
 * same kind is one multi-row statement over arrays (`INSERT … SELECT * FROM unnest($1::text[], …)`), so the
 * statement text is fixed whatever the batch size (prepared once per connection, no parameter limit).
 * Runs keep the batch's order, which is what makes a `deleteRunner` after positions delete them.
 * Pure: builds statements and reads their results, never touches a connection.
 */
import { DEFAULT_RACE } from '../../../lib/protocol';
import type { WriteOp } from '../store';
import { EVENT_TABLES, RUNNER_TABLES } from '../tables';

export interface Statement {
  /** Prepared-statement name: the text behind one name never changes. */
  name: string;
  text: string;
  values: unknown[];
}

/** An insert of positions, skips or passings, whose RETURNING rows say which ops were new and their arrivals. */
interface NumberedStatement extends Statement {
  /** Per row sent: its key and the index of its op in the batch. */
  rows: Array<{ key: string; op: number }>;
}

export interface AppendPlan {
  /** Locks the events this batch writes (see EVENT_LOCK_NAMESPACE). */
  lock: Statement;
  steps: Array<Statement | NumberedStatement>;
  /** Raises each touched event's last_activity; runs after the steps, like SQLite's. */
  activity: Statement | null;
  /** One per op, filled in by `collect` as numbered steps return. */
  arrivals: Array<number | null>;
}

/**
 * Advisory locks `(namespace, hashtext(event))`, one per event a batch writes, all taken first in one
 * fixed order and held until commit. Arrivals are drawn after the lock, so for one event they increase in
 * commit order even if two instances append to it at once (as they may for a moment when an event changes
 * owner, or when a runner's instance is not the owner's); and two batches never wait on each other's
 * rows in opposite orders (no deadlock).
 */
export const EVENT_LOCK_NAMESPACE = 0x54524b53;

type Kind = WriteOp['op'];
type OpOf<K extends Kind> = Extract<WriteOp, { op: K }>;

/** A statement over arrays: its text, and the element type of each array parameter in order. */
interface ArrayStatement {
  text: string;
  types: string[];
}

/** `INSERT INTO table (…) SELECT * FROM unnest($1::type[], …) <tail>` for columns "name type, …". */
function unnestInsert(table: string, spec: string, tail = ''): ArrayStatement {
  const c = spec.split(',').map((col) => col.trim().split(' ') as [name: string, type: string]);
  const arrays = c.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  return {
    text: `INSERT INTO ${table} (${c.map(([name]) => name).join(', ')}) SELECT * FROM unnest(${arrays}) ${tail}`.trim(),
    types: c.map(([, type]) => type),
  };
}

interface RowKind<K extends Kind> {
  statement: ArrayStatement;
  row(op: OpOf<K>): unknown[];
  /**
   * Upserts: what makes two ops the same row. Such a pair never goes into one statement (PostgreSQL refuses
   * to update a row twice in one command); the second starts the next statement, as if written after it.
   */
  key?(op: OpOf<K>): string;
}

const keyOf = (...parts: Array<string | number>) => parts.join('\u0000');

const ROWS: { [K in Exclude<Kind, 'position' | 'skip' | 'passing' | 'deleteEvent' | 'deleteRunner' | 'deleteTimingPoint' | 'deleteTracker' | 'deleteControl'>]: RowKind<K> } = {
  event: {
    statement: unnestInsert(
      'events',
      'id text, name text, created_at bigint, status text, organiser_hash text, view_code_hash text, quotas jsonb, race jsonb',
      `ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
         organiser_hash = excluded.organiser_hash, view_code_hash = excluded.view_code_hash, quotas = excluded.quotas,
         race = excluded.race`,
    ),
    row: ({ record: r }) => [
      r.info.id,
      r.info.name,
      r.info.createdAt,
      r.info.status,
      r.organiserHash,
      r.viewCodeHash,
      JSON.stringify(r.quotas ?? {}),
      JSON.stringify(r.info.race ?? DEFAULT_RACE),
    ],
    key: (op) => op.record.info.id,
  },
  runner: {
    statement: unnestInsert(
      'runners',
      'event text, id text, name text, color text, token_hash text, device_key_hash text, joined_at bigint, stopped boolean, bib text, entry jsonb',
      `ON CONFLICT (event, id) DO UPDATE SET name = excluded.name, color = excluded.color, stopped = excluded.stopped,
         device_key_hash = excluded.device_key_hash, bib = excluded.bib, entry = excluded.entry`,
    ),
    row: ({ runner: r }) => [r.event, r.id, r.name, r.color, r.tokenHash, r.deviceKeyHash, r.joinedAt, r.stopped, r.bib ?? null, r.entry ? JSON.stringify(r.entry) : null],
    key: (op) => keyOf(op.runner.event, op.runner.id),
  },
  link: {
    // Link tokens are kept as they are: the organiser must be able to copy a link again later.
    statement: unnestInsert(
      'share_links',
      'id text, event text, token text, label text, runners jsonb, created_at bigint, expires_at bigint, revoked_at bigint',
      'ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at',
    ),
    row: ({ event, link: l }) => [
      l.id,
      event,
      l.token,
      l.label,
      l.runners ? JSON.stringify(l.runners) : null,
      l.createdAt,
      l.expiresAt,
      l.revokedAt,
    ],
    key: (op) => op.link.id,
  },
  runnerToken: {
    statement: {
      types: ['text', 'text', 'text'],
      text: 'UPDATE runners x SET token_hash = g.token_hash FROM unnest($1::text[], $2::text[], $3::text[]) AS g(event, id, token_hash) WHERE x.event = g.event AND x.id = g.id',
    },
    row: (op) => [op.event, op.runnerId, op.tokenHash],
    key: (op) => keyOf(op.event, op.runnerId),
  },
  checkpoint: {
    statement: unnestInsert(
      'checkpoints',
      'event text, runner text, through bigint, state text',
      'ON CONFLICT (event, runner) DO UPDATE SET through = excluded.through, state = excluded.state',
    ),
    row: (op) => [op.event, op.runnerId, op.through, op.state],
    key: (op) => keyOf(op.event, op.runnerId),
  },
  mood: {
    statement: unnestInsert('moods', 'event text, runner text, value integer, t bigint'),
    row: (op) => [op.event, op.runnerId, op.value, op.t],
  },
  sample: {
    statement: unnestInsert('samples', 'event text, t bigint, mean float8, count integer'),
    row: ({ event, sample: s }) => [event, s.t, s.mean, s.count],
  },
  cheer: {
    statement: unnestInsert('cheers', 'event text, runner text, sender text, text text, t bigint'),
    row: ({ event, runnerId, cheer: c }) => [event, runnerId, c.from, c.text, c.t],
  },
  alert: {
    statement: unnestInsert(
      'alerts',
      'event text, id text, runner text, name text, kind text, raised_at bigint, lat float8, lon float8, t bigint, acc float8, source text, acked_at bigint',
      'ON CONFLICT (event, id) DO UPDATE SET acked_at = excluded.acked_at',
    ),
    row: ({ event, alert: a }) => [event, a.id, a.runnerId, a.name, a.kind, a.raisedAt, a.at?.lat ?? null, a.at?.lon ?? null, a.at?.t ?? null, a.at?.acc ?? null, a.source, a.ackedAt],
    key: (op) => keyOf(op.event, op.alert.id),
  },
  avatar: {
    statement: unnestInsert(
      'avatars',
      'event text, runner text, name text, mime text, data text, updated_at bigint',
      'ON CONFLICT (event, runner) DO UPDATE SET name = excluded.name, mime = excluded.mime, data = excluded.data, updated_at = excluded.updated_at',
    ),
    row: ({ event, runnerId, avatar: v }) => [event, runnerId, v.name, v.mime, v.data, v.updatedAt],
    key: (op) => keyOf(op.event, op.runnerId),
  },
  timingPoint: {
    statement: unnestInsert(
      'timing_points',
      'event text, id text, name text, at float8, key_hash text, time_zone text, created_at bigint',
      'ON CONFLICT (event, id) DO UPDATE SET name = excluded.name, at = excluded.at, key_hash = excluded.key_hash, time_zone = excluded.time_zone',
    ),
    row: ({ event, point: p }) => [event, p.id, p.name, p.at, p.keyHash, p.timeZone, p.createdAt],
    key: (op) => keyOf(op.event, op.point.id),
  },
  tracker: {
    statement: unnestInsert(
      'trackers',
      'event text, id text, runner text, kind text, feed text, password text, added_at bigint, polled_at bigint, last_t bigint, error text',
      `ON CONFLICT (event, id) DO UPDATE SET feed = excluded.feed, password = excluded.password, polled_at = excluded.polled_at,
         last_t = excluded.last_t, error = excluded.error`,
    ),
    row: ({ event, tracker: k }) => [event, k.id, k.runnerId, k.kind, k.feed, k.password, k.addedAt, k.polledAt, k.lastT, k.error],
    key: (op) => keyOf(op.event, op.tracker.id),
  },
  control: {
    statement: unnestInsert(
      'controls',
      'event text, kind text, id text, runner text, body text, updated_at bigint',
      'ON CONFLICT (event, kind, id) DO UPDATE SET runner = excluded.runner, body = excluded.body, updated_at = excluded.updated_at',
    ),
    row: ({ event, control: c }) => [event, c.kind, c.id, c.runnerId, c.body, c.updatedAt],
    key: (op) => keyOf(op.event, op.control.kind, op.control.id),
  },
  course: {
    // A removed course is kept as null: one upsert whatever the change.
    statement: unnestInsert(
      'courses',
      'event text, course jsonb, updated_at bigint',
      'ON CONFLICT (event) DO UPDATE SET course = excluded.course, updated_at = excluded.updated_at',
    ),
    row: ({ event, course, updatedAt }) => [event, course === null ? null : JSON.stringify(course), updatedAt],
    key: (op) => op.event,
  },
};

/** Fixes and refused sequence numbers: kept once per (event, runner, seq); new ones return their arrival. */
const NUMBERED = {
  position: {
    statement: unnestInsert(
      'positions',
      'event text, runner text, seq bigint, lat float8, lon float8, t bigint, acc float8, alt float8, spd float8, hdg float8, bat float8',
      'ON CONFLICT (event, runner, seq) DO NOTHING RETURNING event, runner, seq, arrival',
    ),
    row: ({ event, runnerId, pos: p }: OpOf<'position'>) => [event, runnerId, p.seq, p.lat, p.lon, p.t, p.acc, p.alt, p.spd, p.hdg, p.bat],
  },
  skip: {
    statement: unnestInsert('skipped_seqs', 'event text, runner text, seq bigint', 'ON CONFLICT (event, runner, seq) DO NOTHING RETURNING event, runner, seq, arrival'),
    row: ({ event, runnerId, seq }: OpOf<'skip'>) => [event, runnerId, seq],
  },
  // Returned in the same shape as the others: "point/chip" as the runner (neither has a slash), the time as the seq.
  passing: {
    statement: unnestInsert(
      'passings',
      'event text, point text, chip text, t bigint, loop text, lap integer, battery float8, rewind boolean, received_at bigint',
      "ON CONFLICT (event, point, chip, t) DO NOTHING RETURNING event, point || '/' || chip AS runner, t AS seq, arrival",
    ),
    row: ({ event, passing: p }: OpOf<'passing'>) => [event, p.point, p.chip, p.t, p.loop, p.lap, p.battery, p.rewind, p.receivedAt],
  },
};

/** The key a numbered op is returned under. */
function numberedKey(o: OpOf<'position' | 'skip' | 'passing'>): string {
  if (o.op === 'passing') return keyOf(o.event, `${o.passing.point}/${o.passing.chip}`, o.passing.t);
  return keyOf(o.event, o.runnerId, o.op === 'position' ? o.pos.seq : o.seq);
}

// Removals: one statement per run, each table a data-modifying CTE. They all see the transaction as it
// was when the statement began, which includes the rows earlier statements of the batch wrote.
const DELETE_RUNNERS: ArrayStatement = {
  types: ['text', 'text'],
  text: `WITH gone AS (SELECT * FROM unnest($1::text[], $2::text[]) AS g(event, runner)),
  ${RUNNER_TABLES.map((t, i) => `d${i} AS (DELETE FROM ${t} x USING gone WHERE x.event = gone.event AND x.runner = gone.runner)`).join(',\n  ')}
DELETE FROM runners x USING gone WHERE x.event = gone.event AND x.id = gone.runner`,
};

const DELETE_TIMING_POINTS: ArrayStatement = {
  types: ['text', 'text'],
  text: 'DELETE FROM timing_points x USING unnest($1::text[], $2::text[]) AS g(event, id) WHERE x.event = g.event AND x.id = g.id',
};

const DELETE_TRACKERS: ArrayStatement = {
  types: ['text', 'text'],
  text: 'DELETE FROM trackers x USING unnest($1::text[], $2::text[]) AS g(event, id) WHERE x.event = g.event AND x.id = g.id',
};

const DELETE_CONTROLS: ArrayStatement = {
  types: ['text', 'text', 'text'],
  text: 'DELETE FROM controls x USING unnest($1::text[], $2::text[], $3::text[]) AS g(event, kind, id) WHERE x.event = g.event AND x.kind = g.kind AND x.id = g.id',
};

const DELETE_EVENTS: ArrayStatement = {
  types: ['text'],
  text: `WITH gone AS (SELECT unnest($1::text[]) AS event),
  ${EVENT_TABLES.map((t, i) => `d${i} AS (DELETE FROM ${t} x USING gone WHERE x.event = gone.event)`).join(',\n  ')}
DELETE FROM events x USING gone WHERE x.id = gone.event`,
};

const LOCK_EVENTS: ArrayStatement = {
  types: ['text'],
  text: `SELECT pg_advisory_xact_lock(${EVENT_LOCK_NAMESPACE}, h)
  FROM (SELECT DISTINCT hashtext(e) AS h FROM unnest($1::text[]) AS e ORDER BY h) AS locks`,
};

const RAISE_ACTIVITY: ArrayStatement = {
  types: ['text', 'bigint'],
  text: `UPDATE events e SET last_activity = a.t FROM unnest($1::text[], $2::bigint[]) AS a(id, t)
  WHERE e.id = a.id AND e.last_activity < a.t`,
};

const NUMERIC = new Set(['bigint', 'integer', 'float8', 'boolean']);

/**
 * One column as an array literal ('{1.5,NULL,2}', '{"a","b\\"c"}'): written here rather than by the
 * driver, which quotes and escapes every element, numbers too; this is the hot path of every batch.
 * Numbers print in JavaScript's shortest round-trip form, which PostgreSQL reads back to the same double.
 */
function arrayLiteral(values: readonly unknown[], type: string): string {
  const numeric = NUMERIC.has(type);
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') out += numeric ? String(v) : `"${String(v)}"`;
    else if (typeof v === 'string') out += numeric ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
    else throw new TypeError(`an array of ${type} holds a ${typeof v}`);
  }
  return `${out}}`;
}

/** Rows to one array literal per column, the shape unnest takes. */
function statement(name: string, s: ArrayStatement, rows: readonly unknown[][]): Statement {
  const values = s.types.map((type, c) => arrayLiteral(rows.map((row) => row[c]), type));
  return { name: `trackside_${name}`, text: s.text, values };
}

/** `alsoLock`: events to lock beside those the ops write (a fenced batch locks each event it is fenced on). */
export function planAppend(ops: readonly WriteOp[], alsoLock: Iterable<string> = []): AppendPlan {
  const steps: AppendPlan['steps'] = [];
  const activity = new Map<string, number>();
  const touch = (event: string, t: number) => activity.set(event, Math.max(activity.get(event) ?? -Infinity, t));
  const events = new Set<string>();
  for (const op of ops) events.add(op.op === 'event' ? op.record.info.id : op.op === 'runner' ? op.runner.event : op.event);
  for (const e of alsoLock) events.add(e);

  let i = 0;
  while (i < ops.length) {
    const kind = ops[i]!.op;
    let end = i;
    while (end < ops.length && ops[end]!.op === kind) end++;
    const run = ops.slice(i, end);
    if (kind === 'position' || kind === 'skip' || kind === 'passing') {
      const rows: unknown[][] = [];
      const sent: NumberedStatement['rows'] = [];
      const seen = new Set<string>();
      run.forEach((op, j) => {
        const o = op as OpOf<'position' | 'skip' | 'passing'>;
        if (o.op === 'position') touch(o.event, o.pos.t);
        if (o.op === 'passing') touch(o.event, o.passing.receivedAt);
        const key = numberedKey(o);
        // The first of a repeated key is the one kept; the rest are duplicates.
        if (seen.has(key)) return;
        seen.add(key);
        rows.push(o.op === 'position' ? NUMBERED.position.row(o) : o.op === 'skip' ? NUMBERED.skip.row(o) : NUMBERED.passing.row(o));
        sent.push({ key, op: i + j });
      });
      steps.push({ ...statement(kind, NUMBERED[kind].statement, rows), rows: sent });
    } else if (kind === 'deleteRunner') {
      steps.push(statement('delete_runners', DELETE_RUNNERS, run.map((op) => [(op as OpOf<'deleteRunner'>).event, (op as OpOf<'deleteRunner'>).runnerId])));
    } else if (kind === 'deleteEvent') {
      steps.push(statement('delete_events', DELETE_EVENTS, run.map((op) => [(op as OpOf<'deleteEvent'>).event])));
    } else if (kind === 'deleteTimingPoint') {
      steps.push(statement('delete_timing_points', DELETE_TIMING_POINTS, run.map((op) => [(op as OpOf<'deleteTimingPoint'>).event, (op as OpOf<'deleteTimingPoint'>).pointId])));
    } else if (kind === 'deleteControl') {
      const gone = run as Array<OpOf<'deleteControl'>>;
      steps.push(statement('delete_controls', DELETE_CONTROLS, gone.map((op) => [op.event, op.kind, op.id])));
    } else if (kind === 'deleteTracker') {
      steps.push(statement('delete_trackers', DELETE_TRACKERS, run.map((op) => [(op as OpOf<'deleteTracker'>).event, (op as OpOf<'deleteTracker'>).trackerId])));
    } else {
      const spec = ROWS[kind] as RowKind<typeof kind>;
      let rows: unknown[][] = [];
      let keys = new Set<string>();
      for (const op of run as Array<OpOf<typeof kind>>) {
        if (op.op === 'mood') touch(op.event, op.t);
        if (op.op === 'cheer') touch(op.event, op.cheer.t);
        if (op.op === 'alert') touch(op.event, op.alert.raisedAt);
        const key = spec.key?.(op);
        if (key !== undefined && keys.has(key)) {
          steps.push(statement(kind, spec.statement, rows));
          rows = [];
          keys = new Set();
        }
        if (key !== undefined) keys.add(key);
        rows.push(spec.row(op));
      }
      steps.push(statement(kind, spec.statement, rows));
    }
    i = end;
  }

  return {
    lock: statement('lock_events', LOCK_EVENTS, [...events].map((e) => [e])),
    steps,
    activity: activity.size
      ? statement('activity', RAISE_ACTIVITY, [...activity])
      : null,
    arrivals: new Array<number | null>(ops.length).fill(null),
  };
}

/** Record the arrivals a numbered step returned (rows of event, runner, seq, arrival) against its ops. */
export function collect(plan: AppendPlan, step: AppendPlan['steps'][number], returned: Array<{ event: string; runner: string; seq: number; arrival: number }>): void {
  if (!('rows' in step)) return;
  const arrivalOf = new Map(returned.map((r) => [keyOf(r.event, r.runner, r.seq), r.arrival]));
  for (const { key, op } of step.rows) plan.arrivals[op] = arrivalOf.get(key) ?? null;
}
