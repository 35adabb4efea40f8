/**
 * One event's live state: runners with their sequence numbers and display trails, share links, open alerts,
 * happiness, the course, and what changed since the last update. The rules that change it live beside it,
 * one file per concern (runners.ts, fixes.ts, tracking-apps.ts, …); they import this state and lib/, never
 * each other. Pure: nothing here touches a socket, a file or a timer, and time comes from the injected clock.
 */
import { randomBytes } from 'node:crypto';
import {
  type Alert,
  DEFAULT_RACE,
  ErrorCode,
  type EventInfo,
  type HappinessSample,
  LIMITS,
  type RaceInfo,
  type RunnerInfo,
  type ServerMessage,
  type ShareLink,
  type TrackPoint,
} from '../../lib/protocol';
import type { SourceKind } from '../../lib/course/estimate';
import { applyMat } from '../../lib/course/mats';
import type { Entrant } from '../../lib/course/standings';
import { groupPlaces } from '../../lib/course/results';
import type { EventQuotas, EventRecord, RoomRecord, RunnerRecord, StoredPassing, StoredPosition, TimingPointRecord, TrackerRecord } from '../storage/store';
import { type Effects, type Refusal } from './effects';
import { SAMPLES_KEPT } from './happiness';
import { effectiveQuotas, fixAllowance, fixRetryAfterMs } from './quotas';
import { RaceCourse, sameView } from './race-course';
import { ChipBook } from './chip-book';
import { RaceControl } from './control-state';
import type { RoomDeps } from './deps';
import { RunnerLookups } from './runner-lookups';
import { isBrowserSeq, RunnerTrack } from './runner-track';

/** What one tick changed, for everyone who follows the whole event; fan-out filters it for narrower choices. */
export interface Delta {
  seq: number;
  now: number;
  runners: RunnerInfo[];
  points: Record<string, TrackPoint[]>;
  distance: Record<string, number>;
  removed: string[];
  /**
   * Where the estimator puts runners no fresh fix places (chip-only between mats: predicted; silent for
   * longer than their source's interval: ghost), [lat, lon, kind], every few seconds: the field draws them
   * there. Not part of any JSON frame.
   */
  placed?: Record<string, Placement>;
}

/** An estimated place: latitude, longitude, and 1 predicted or 2 ghost (lib/live-codec.ts MARKER_KINDS). */
export type Placement = [lat: number, lon: number, kind: 1 | 2];

export type SnapshotMessage = Extract<ServerMessage, { type: 'snapshot' }>;

/** The race order is worked out at most this often, and for a big field once per this many ms a runner (30,000: every 3 s). */
const STANDINGS_EVERY_MS = 1000;
const STANDINGS_MS_PER_RUNNER = 0.1;

export class Room {
  info: EventInfo;
  organiserHash: string;
  viewCodeHash: string | null;
  quotaOverrides: Partial<EventQuotas>;
  readonly epoch = randomBytes(6).toString('base64url');
  /** Bumped by every change made durable: with the epoch, names what an export of now would hold. */
  changes = 0;
  /** Offset of the latest update. */
  seq = 0;
  readonly runners = new Map<string, RunnerTrack>();
  readonly links = new Map<string, ShareLink>();
  /** Alerts nobody acknowledged yet, by id, in the order they were raised. */
  readonly alerts = new Map<string, Alert>();
  happiness: HappinessSample[];
  /** Highest arrival this room has applied: its checkpoints are good up to here. */
  appliedArrival: number;
  /** Server time of the latest join, fix, mood or cheer: archiving judges by it. */
  lastActivity: number;
  /** The course runners are matched to; null without one. */
  course: RaceCourse | null = null;
  readonly timingPoints = new Map<string, TimingPointRecord>();
  /** Activity per timing point and chips no entry carries. */
  readonly chips = new ChipBook();
  readonly trackers = new Map<string, TrackerRecord>();
  /** Race control's marks, thresholds and messages (verdicts are on each runner). */
  readonly control: RaceControl;
  /** Runners whose entry a phone is claiming right now (the claim is being written). */
  readonly claiming = new Set<string>();
  /** Bib keys of joins being written: a second join with the same bib meanwhile is refused. */
  readonly pendingBibs = new Set<string>();
  private readonly lookups = new RunnerLookups(this.runners);

  /** Runners whose info changed since the last update. */
  readonly dirty = new Set<string>();
  /** Trail points since the last update, per runner. */
  readonly pendingPoints = new Map<string, TrackPoint[]>();
  /** Runners removed since the last update. */
  readonly removed = new Set<string>();
  /** Ids of runners whose join is being written. */
  readonly reservedIds = new Set<string>();
  /** Share links whose expiry was announced already. */
  readonly lapsed = new Set<string>();
  /** Per restored runner, the arrival its checkpoint is good to; runners without one are rebuilt from their track. */
  readonly restoredThrough = new Map<string, number>();
  readonly toRebuild: string[] = [];
  visibleCount = 0;
  trailBudget: number = LIMITS.trailMaxPoints;
  cheerTokens: number;
  cheerRefill: number;
  /** The whole-event snapshot of update `seq`, shared by everyone who asks for it before the next. */
  snapshotCache: { seq: number; msg: SnapshotMessage } | null = null;
  /** Some runner's race moved on since standings were last worked out, and when that was. */
  raceMoved = false;
  standingsAt = 0;
  /** When runners the estimator places were last placed (picture.ts placements). */
  placedAt = 0;

  constructor(
    record: RoomRecord,
    readonly deps: RoomDeps,
  ) {
    this.info = record.event.info;
    this.organiserHash = record.event.organiserHash;
    this.viewCodeHash = record.event.viewCodeHash;
    this.quotaOverrides = record.event.quotas;
    this.happiness = record.samples.slice(-SAMPLES_KEPT);
    this.appliedArrival = record.maxArrival;
    for (const l of record.links) this.links.set(l.id, l);
    for (const a of record.alerts) this.alerts.set(a.id, a);
    const race = this.race;
    if (record.course && race.course) this.course = RaceCourse.fromStored(record.course, race.course, race);
    for (const p of record.timingPoints) this.timingPoints.set(p.id, p);
    for (const k of record.trackers) this.trackers.set(k.id, k);
    for (const r of record.runners) {
      this.runners.set(r.id, RunnerTrack.restore(r, this.trailBudget));
      if (r.checkpoint) this.restoredThrough.set(r.id, r.checkpoint.through);
      else this.toRebuild.push(r.id);
    }
    this.control = RaceControl.load(record.controls, (id, v) => {
      const r = this.runners.get(id);
      if (r) r.verdict = v;
    });
    this.lastActivity = record.event.info.createdAt;
    for (const r of this.runners.values()) if (r.lastHeard > this.lastActivity) this.lastActivity = r.lastHeard;
    this.cheerTokens = this.quotas.cheersPerMinute;
    this.cheerRefill = deps.now();
    this.recount();
  }

  get id(): string {
    return this.info.id;
  }

  get version(): string {
    return `${this.epoch}.${this.changes}`;
  }

  get quotas(): EventQuotas {
    return effectiveQuotas(this.quotaOverrides);
  }

  get race(): RaceInfo {
    return this.info.race ?? DEFAULT_RACE;
  }

  now(): number {
    return this.deps.now();
  }

  eventRecord(): EventRecord {
    return { info: this.info, organiserHash: this.organiserHash, viewCodeHash: this.viewCodeHash, quotas: this.quotaOverrides };
  }

  /** Whether a runner changed since the last checkpoint. */
  get unsaved(): boolean {
    for (const r of this.runners.values()) if (r.unsaved) return true;
    return false;
  }

  /** Whether anything is being written for this room. */
  get busy(): boolean {
    if (this.reservedIds.size) return true;
    for (const r of this.runners.values()) if (r.inflight.size) return true;
    return false;
  }

  /** Whether the event is live with no join, fix, mood or cheer for `afterMs`. */
  inactiveFor(afterMs: number): boolean {
    return this.info.status === 'live' && this.now() - this.lastActivity >= afterMs;
  }

  /** The runner's open alert, if any: a runner has at most one (a second alarm while it is open adds nothing). */
  openAlertOf(runnerId: string): Alert | null {
    for (const a of this.alerts.values()) if (a.runnerId === runnerId) return a;
    return null;
  }

  /** The runner with this bib ("007" and "7" are one bib), if any. */
  runnerByBib(bib: string): RunnerTrack | undefined {
    return this.lookups.byBib(bib);
  }

  /** The start-list runner whose entry carries this chip, if any. */
  runnerByChip(chip: string): RunnerTrack | undefined {
    return this.lookups.byChip(chip);
  }

  /** A runner's bib or entry changed, or runners came or went: look-ups are built again when next needed. */
  reindex(): void {
    this.lookups.reindex();
  }

  /**
   * A durable passing joins the live picture: the runner's mats and race (mats win over GPS), or the
   * unknown chips when no entry carries it.
   */
  applyPassing(p: StoredPassing, now: number): void {
    this.chips.heard(p.point, p.receivedAt, 1);
    this.placePassing(p, now);
  }

  private placePassing(p: StoredPassing, now: number): void {
    const r = this.runnerByChip(p.chip);
    if (!r) return this.chips.unknownPassing(p);
    if (!r.mats.some((m) => m.point === p.point && m.t === p.t)) r.mats.push({ point: p.point, t: p.t });
    this.matsToRace(r, [{ point: p.point, t: p.t }]);
    this.heard(r, Math.min(now, Math.max(p.t, r.lastHeard)));
    this.lastActivity = Math.max(this.lastActivity, now);
    this.markDirty(r);
  }

  /** Chips that were unknown and that an entry carries now: their passings go to that runner (late, not lost). */
  adoptUnknownChips(now: number): void {
    for (const p of this.chips.takeKnown((chip) => this.runnerByChip(chip) !== undefined)) this.placePassing(p, now);
  }

  /** Where the event's timing points are along the course (metres). */
  matDistances(): number[] {
    return [...this.timingPoints.values()].map((p) => p.at);
  }

  /** Put mats into the runner's race on the current course (again after a new course: applying is idempotent). */
  matsToRace(r: RunnerTrack, mats: ReadonlyArray<{ point: string; t: number }> = r.mats): void {
    const course = this.course;
    if (!course || mats.length === 0) return;
    if (!r.race || r.raceVersion !== course.version) r.startRace(course);
    let race = r.race!;
    for (const m of mats) {
      const point = this.timingPoints.get(m.point);
      if (point) race = applyMat(course.course, course.points, race, { at: point.at, t: m.t }, course.gunOf(r.record.entry?.wave));
    }
    if (race !== r.race) {
      r.race = race;
      r.unsaved = true;
      this.raceMoved = true;
    }
  }

  /** A session bound to this runner came or went. */
  runnerConnected(runnerId: string, delta: 1 | -1): void {
    const r = this.runners.get(runnerId);
    if (r) r.connected = Math.max(0, r.connected + delta);
  }

  // ---------- changes every rule makes the same way ----------

  markDirty(r: RunnerTrack): void {
    if (r.visible) this.dirty.add(r.id);
  }

  statusOf(r: RunnerTrack, now: number) {
    if (r.record.stopped) return 'stopped' as const;
    const age = now - r.lastHeard;
    if (age >= this.deps.timings.offlineAfterMs) return 'offline' as const;
    if (age >= this.deps.timings.idleAfterMs) return 'idle' as const;
    return 'active' as const;
  }

  refreshStatus(r: RunnerTrack, now: number): void {
    const status = this.statusOf(r, now);
    if (status !== r.status) {
      r.status = status;
      this.markDirty(r);
    }
  }

  /** Something came from the runner without a position (a heartbeat, an alarm). */
  heard(r: RunnerTrack, now: number): void {
    if (now <= r.lastHeard) return;
    r.lastHeard = now;
    r.unsaved = true;
    this.refreshStatus(r, now);
  }

  /**
   * Where a fix came from, for the estimator's idea of when the runner is next heard from: a runner with a
   * satellite tracker gets all their non-browser fixes from it (an app beside one is not expected).
   */
  fixSource(runnerId: string, seq: number): SourceKind {
    if (isBrowserSeq(seq)) return 'gps';
    for (const k of this.trackers.values()) if (k.runnerId === runnerId) return 'sat';
    return 'gps';
  }

  /** A durable fix joins the live picture: the runner's totals and race, the next update's points. */
  applyFix(r: RunnerTrack, pos: StoredPosition, now: number, arrival: number): void {
    const hadFix = r.last !== null;
    const wasStill = r.stillSince();
    const point = r.applyFix(pos, now, this.info.status === 'live' ? this.course : null, this.fixSource(r.id, pos.seq));
    if (this.course) this.raceMoved = true;
    this.appliedArrival = Math.max(this.appliedArrival, arrival);
    this.lastActivity = Math.max(this.lastActivity, now);
    if (!hadFix) this.recount();
    if (point) {
      const pending = this.pendingPoints.get(r.id);
      if (pending) pending.push(point);
      else this.pendingPoints.set(r.id, [point]);
    }
    this.refreshStatus(r, now);
    // A runner's first fix makes them visible (or puts a start-list runner on the map): whole info then;
    // one who stops, or moves again after a stop, is news too (lib/control/status.ts).
    if (!hadFix || r.stillSince() !== wasStill) this.dirty.add(r.id);
  }

  /** Share the snapshot budget among the runners spectators see with a trail. */
  recount(): void {
    let n = 0;
    for (const r of this.runners.values()) if (r.last !== null) n++;
    this.visibleCount = n;
    const budget = Math.max(LIMITS.trailMinPoints, Math.min(LIMITS.trailMaxPoints, Math.floor(LIMITS.snapshotPoints / Math.max(1, n))));
    // Budgets only shrink in steps, so a field that grows by one runner does not thin every trail each time.
    if (budget < this.trailBudget * 0.8 || budget > this.trailBudget * 1.25) {
      this.trailBudget = budget;
      for (const r of this.runners.values()) r.trail.setBudget(budget);
    }
  }

  /**
   * The race order, worked out again when some runner moved on (at most every STANDINGS_EVERY_MS unless
   * `force`d: a sort of the field, not something to do per fix). Runners whose view changed go out with the
   * next update.
   */
  updateStandings(now: number, force = false): void {
    const every = Math.max(STANDINGS_EVERY_MS, this.visibleCount * STANDINGS_MS_PER_RUNNER);
    if (!this.raceMoved || (!force && now - this.standingsAt < every)) return;
    this.raceMoved = false;
    this.standingsAt = now;
    const course = this.course;
    if (!course) return;
    const entrants: Entrant[] = [];
    for (const r of this.runners.values()) {
      if (!r.visible) continue;
      if (!r.race || r.raceVersion !== course.version) r.startRace(course);
      entrants.push({ id: r.id, name: r.record.name, bib: r.record.bib, race: r.race!, gun: course.gunOf(r.record.entry?.wave) });
    }
    const mats = this.matDistances();
    const standings = course.standings(entrants);
    const places = groupPlaces(standings, (s) => s.position !== null, (s) => this.runners.get(s.id)!.record.entry?.category ?? null);
    for (const [i, standing] of standings.entries()) {
      const r = this.runners.get(standing.id)!;
      const view = { ...course.view(standing, r.race!, mats), cat: places[i]! };
      if (sameView(r.raceView, view)) continue;
      r.raceView = view;
      this.dirty.add(r.id);
    }
  }

  /** Why this runner may store no more fixes now; null while under the event's allowance. */
  fixQuota(r: RunnerTrack, now: number, pending = 0): (Refusal & { retryAfterMs: number }) | null {
    const elapsed = now - r.record.joinedAt;
    const stored = r.points + r.inflight.size + pending;
    if (stored < fixAllowance(this.quotas, elapsed)) return null;
    return {
      code: ErrorCode.QuotaExceeded,
      status: 429,
      message: `This runner has stored as many fixes as the event allows for now (${this.quotas.fixesPerRunnerPerHour} an hour): they are kept on the phone and sent later.`,
      retryAfterMs: fixRetryAfterMs(this.quotas, stored, elapsed),
    };
  }

  /** Change a runner's stored record; the change is seen once it is durable. */
  patchRunner<R>(r: RunnerTrack, patch: Partial<RunnerRecord>, result: R): Effects<R> {
    const record = { ...r.record, ...patch };
    return {
      send: [],
      write: [{ op: 'runner', runner: record }],
      commit: () => {
        r.record = { ...r.record, ...patch };
        return { send: [], result };
      },
    };
  }

  /** The message a removed runner's phone gets for anything it sends. */
  removedError(): ServerMessage {
    return { type: 'error', code: ErrorCode.RunnerRemoved, message: 'This runner and their track were removed from the event.' };
  }
}

