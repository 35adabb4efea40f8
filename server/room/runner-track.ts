/**
 * One runner's live state in a room: identity, sequence bookkeeping (what is durable, what is being written),
 * the latest fix, exact totals kept as fixes arrive, and a bounded display trail. It never holds the full
 * track: that stays in the store. `checkpoint()` and `RunnerTrack.restore` carry it across restarts.
 */
import type { SourceKind } from '../../lib/course/estimate';
import { fromStartList, publicEntry } from '../../lib/entries/entry';
import { distanceM } from '../../lib/geo';
import { decodeTrail } from '../../lib/polyline';
import { type AppRefusal, LIMITS, type Cheer, type RunnerInfo, type RunnerRaceInfo, type RunnerStatus, type TrackPoint } from '../../lib/protocol';
import { MIN_STEP_M } from '../../lib/track';
import type { RoomRunner, RunnerRecord, StoredPosition } from '../storage/store';
import type { RunnerRace } from '../../lib/course/race';
import type { Verdict } from '../../lib/control/schemas';
import { DisplayTrail } from './display-trail';
import type { RaceCourse } from './race-course';

/** Tracking-app fixes are numbered from here, apart from the browser's: the number is this plus the fix time. */
export const INGEST_SEQ_BASE = LIMITS.maxSeq + 1;
export const CHEERS_KEPT = 20;

/** Steps slower than this, or spread over more than `MOVING_GAP_MS`, are not counted as moving time. */
const MOVING_MIN_SPEED = 0.3;
const MOVING_GAP_MS = 5 * 60_000;
/** A runner whose fixes stay within this of one place (GPS wanders a few metres) has not moved … */
const STILL_RADIUS_M = 25;
/** … and reads as still once that has lasted this long: lib/control/status.ts says "Stopped" later, at the caller's threshold. */
const STILL_AFTER_MS = 60_000;

interface Checkpoint {
  /** 1: the race inside; 2: the race after a line break, as text of its own (read when first needed). */
  v: 1 | 2;
  contiguous: number;
  ahead: number[];
  last: StoredPosition | null;
  points: number;
  lastHeard: number;
  distance: number;
  movingMs: number;
  anchor: TrackPoint | null;
  trail: string;
  /** Tracking-app fixes refused, per reason (checkpoints before these were counted have none). */
  refused?: Partial<Record<AppRefusal, number>>;
  /** The runner's race on course `courseVersion` (checkpoints before courses have neither). */
  race?: RunnerRace | null;
  courseVersion?: number | null;
  /** The first fix of the runner's current stay in one place. */
  still?: TrackPoint | null;
}

export const isBrowserSeq = (seq: number) => seq <= LIMITS.maxSeq;

/** Numbers in a checkpoint's race as precise as they matter: clock times to the millisecond, the rest to six digits. */
function roundForCheckpoint(_key: string, v: unknown): unknown {
  if (typeof v !== 'number' || Number.isInteger(v) || !Number.isFinite(v)) return v;
  return Math.abs(v) >= 1e11 ? Math.round(v) : Number(v.toPrecision(6));
}

export class RunnerTrack {
  /** Highest n such that 1..n are all durable (stored or refused for good). */
  contiguous = 0;
  /** Durable sequence numbers above `contiguous`. */
  readonly ahead = new Set<number>();
  /** Sequence numbers being written now. */
  readonly inflight = new Set<number>();
  /** The latest fix by time. */
  last: StoredPosition | null = null;
  /** Fixes stored. */
  points = 0;
  /** Server time anything was last heard from this runner: status is judged by it, not by the phone's clock. */
  lastHeard: number;
  status: RunnerStatus = 'active';
  mood: number | null = null;
  moodAt: number | null = null;
  cheers: Cheer[] = [];
  distance = 0;
  movingMs = 0;
  /** The last fix counted into `distance`: a move counts once it is MIN_STEP_M from here. */
  private anchor: TrackPoint | null = null;
  readonly trail: DisplayTrail;
  /** The latest fix, distance and count as the last update told spectators: snapshots show these. */
  framed: { last: StoredPosition | null; distance: number; points: number } = { last: null, distance: 0, points: 0 };
  /** Sessions bound to this runner right now (their phone is connected). */
  connected = 0;
  /** Changed since the last checkpoint. */
  unsaved = true;
  /** Tracking-app fixes refused so far, per reason: the runner page shows them by the device key. */
  refused: Partial<Record<AppRefusal, number>> = {};
  /** When the tracking app last sent a picture; null without one. */
  avatarAt: number | null = null;
  /** Their race on the event's course (null without a course), and what spectators were last told of it. */
  private raceState: RunnerRace | null = null;
  /** The race as a checkpoint held it, not read yet: a room of thousands loads without reading every race. */
  private raceText: string | null = null;
  raceVersion: number | null = null;
  raceView: RunnerRaceInfo | undefined;
  /** DNF, DSQ or DNS, given by the runner or the organiser (a race-control record; null for none). */
  verdict: Verdict | null = null;
  /** The first fix of the runner's current stay in one place (within STILL_RADIUS_M). */
  private stillAt: TrackPoint | null = null;
  /** The timing mats that saw this runner's chip (not checkpointed: a room reads its passings when it loads). */
  mats: Array<{ point: string; t: number }> = [];

  constructor(
    public record: RunnerRecord,
    trailBudget: number,
  ) {
    this.lastHeard = record.joinedAt;
    this.status = record.stopped ? 'stopped' : 'active';
    this.trail = new DisplayTrail(trailBudget);
  }

  get id(): string {
    return this.record.id;
  }

  get race(): RunnerRace | null {
    if (this.raceText !== null) {
      this.raceState = this.raceText === 'null' ? null : (JSON.parse(this.raceText) as RunnerRace);
      this.raceText = null;
    }
    return this.raceState;
  }

  set race(race: RunnerRace | null) {
    this.raceText = null;
    this.raceState = race;
  }

  /** Whether spectators see this runner: from their first fix on, or from the start list before any. */
  get visible(): boolean {
    return this.last !== null || fromStartList(this.record.entry);
  }

  /** What spectators have been told is now what there is. */
  frame(): void {
    this.framed = { last: this.last, distance: this.distance, points: this.points };
  }

  /** Whether `seq` is durable already. */
  settled(seq: number): boolean {
    return seq <= this.contiguous || this.ahead.has(seq);
  }

  settle(seq: number): void {
    if (!isBrowserSeq(seq) || seq <= this.contiguous) return;
    this.unsaved = true;
    if (seq !== this.contiguous + 1) {
      this.ahead.add(seq);
      return;
    }
    this.contiguous = seq;
    while (this.ahead.delete(this.contiguous + 1)) this.contiguous++;
  }

  /**
   * A durable fix joins the live picture. Totals move on only with fixes later than the latest one: a late
   * fix fills in a stretch already counted, so it is drawn but not counted again.
   */
  applyFix(p: StoredPosition, heardAt: number, course: RaceCourse | null, src: SourceKind = 'gps'): TrackPoint | null {
    if (course) {
      if (this.raceVersion !== course.version || !this.race) this.startRace(course);
      this.race = course.step(this.race!, p, src, course.gunOf(this.record.entry?.wave)).race;
    }
    this.points++;
    this.lastHeard = Math.max(this.lastHeard, heardAt);
    this.unsaved = true;
    const point: TrackPoint = [p.lat, p.lon, p.t];
    const latest = !this.last || p.t > this.last.t;
    if (latest) {
      this.last = p;
      this.count(point);
      const at = this.stillAt;
      if (!at || distanceM(at[0], at[1], p.lat, p.lon) > STILL_RADIUS_M) this.stillAt = point;
    }
    return this.trail.insert(p.lat, p.lon, p.t) ? point : null;
  }

  /** A new course (or none): the race starts again from the next fix. */
  startRace(course: RaceCourse | null): void {
    this.race = course ? course.fresh() : null;
    this.raceVersion = course?.version ?? null;
    this.raceView = undefined;
    this.unsaved = true;
  }

  private count(p: TrackPoint): void {
    const a = this.anchor;
    if (!a) {
      this.anchor = p;
      return;
    }
    const step = distanceM(a[0], a[1], p[0], p[1]);
    if (step < MIN_STEP_M) return;
    this.distance += step;
    const dt = p[2] - a[2];
    if (dt > 0 && dt <= MOVING_GAP_MS && step / (dt / 1000) >= MOVING_MIN_SPEED) this.movingMs += dt;
    this.anchor = p;
  }

  /** Since when the runner has not moved, once that is STILL_AFTER_MS or more (by their fixes' times). */
  stillSince(): number | undefined {
    const at = this.stillAt;
    return at && this.last && this.last.t - at[2] >= STILL_AFTER_MS ? at[2] : undefined;
  }

  info(): RunnerInfo {
    const r = this.record;
    const info: RunnerInfo = { id: r.id, name: r.name, color: r.color, status: this.status, lastSeen: this.framed.last?.t ?? null, mood: this.mood };
    if (this.mood !== null && this.moodAt !== null) info.moodAt = this.moodAt;
    if (this.avatarAt !== null) info.avatar = this.avatarAt;
    if (r.bib) info.bib = r.bib;
    if (r.entry) info.entry = publicEntry(r.entry);
    if (this.raceView) info.race = this.raceView;
    const still = this.stillSince();
    if (still !== undefined) info.still = still;
    if (this.verdict) info.verdict = this.verdict;
    return info;
  }

  /** Count tracking-app fixes refused for `reason`. */
  refuse(reason: AppRefusal, n = 1): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + n;
    this.unsaved = true;
  }

  /** The runner for a checkpoint: a line of what every load needs, then the race (on a line of its own). */
  checkpoint(): string {
    const c: Checkpoint = {
      v: 2,
      contiguous: this.contiguous,
      ahead: [...this.ahead],
      last: this.last,
      points: this.points,
      lastHeard: this.lastHeard,
      distance: this.distance,
      movingMs: this.movingMs,
      anchor: this.anchor,
      trail: this.trail.encode(Number.MAX_SAFE_INTEGER),
      refused: this.refused,
      courseVersion: this.raceVersion,
      still: this.stillAt,
    };
    this.unsaved = false;
    // A race never read since the last load is written back as it was read.
    const race = this.raceText ?? JSON.stringify(this.raceState, roundForCheckpoint);
    return `${JSON.stringify(c)}\n${race}`;
  }

  /** A runner as stored; with a checkpoint the runner is whole, else the caller rebuilds it from its track. */
  static restore(r: RoomRunner, trailBudget: number): RunnerTrack {
    const { mood, moodAt, cheers, checkpoint, avatarAt, ...record } = r;
    const track = new RunnerTrack(record, trailBudget);
    track.avatarAt = avatarAt;
    track.mood = mood;
    track.moodAt = moodAt;
    track.cheers = cheers.slice(-CHEERS_KEPT);
    track.lastHeard = Math.max(record.joinedAt, moodAt ?? 0);
    if (checkpoint) {
      // JSON never holds a raw line break: the first one ends the part every load needs.
      const split = checkpoint.state.indexOf('\n');
      const c = JSON.parse(split < 0 ? checkpoint.state : checkpoint.state.slice(0, split)) as Checkpoint;
      track.contiguous = c.contiguous;
      for (const s of c.ahead) track.ahead.add(s);
      track.last = c.last;
      track.points = c.points;
      track.lastHeard = Math.max(track.lastHeard, c.lastHeard);
      track.distance = c.distance;
      track.movingMs = c.movingMs;
      track.anchor = c.anchor;
      track.stillAt = c.still ?? null;
      track.trail.load(decodeTrail(c.trail));
      track.refused = { ...c.refused };
      if (split < 0) track.race = c.race ?? null;
      else track.raceText = checkpoint.state.slice(split + 1);
      track.raceVersion = c.courseVersion ?? null;
      track.unsaved = false;
    }
    return track;
  }
}
