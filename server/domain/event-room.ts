/**
 * One event's live state and the rules that change it: runners, their sequence numbers and display trails,
 * happiness, share links and the organiser's decisions. Pure: it never touches a socket, a file or a timer,
 * and it does not know who is connected; commands return Effects (domain/effects.ts), time comes from the
 * injected clock. Nothing changes before the write a command asks for has committed.
 */
import { randomBytes } from 'node:crypto';
import {
  type Alert,
  AppRefusal,
  type Cheer,
  DEFAULT_RACE,
  ErrorCode,
  type EventInfo,
  type HappinessSample,
  LIMITS,
  type PositionMessage,
  type RaceInfo,
  type RunnerInfo,
  type RunnerSnapshot,
  type ServerMessage,
  type ShareLink,
  shareLinkState,
  type TrackPoint,
} from '../../lib/protocol';
import type { Checkpoint } from '../../lib/course/checkpoints';
import type { Course } from '../../lib/course/course';
import { retime } from '../../lib/course/race';
import type { Entrant } from '../../lib/course/standings';
import type { DistanceUnit } from '../../lib/course/units';
import type { Credentials } from '../credentials';
import type { Arrival, AvatarRecord, EventQuotas, EventRecord, RoomRecord, RunnerRecord, StoredPosition, WriteOp } from '../storage/store';
import { type Delivery, type Effects, nothing, refuse, reply } from './effects';
import { RaceCourse, type RunnerRaceDetail, sameView } from './race-course';
import { sample, SAMPLES_KEPT, thin } from './happiness';
import { effectiveQuotas, fixAllowance, fixRetryAfterMs } from './quotas';
import { CHEERS_KEPT, INGEST_SEQ_BASE, isBrowserSeq, RunnerTrack } from './runner-track';

export interface RoomTimings {
  /** A runner with nothing heard for this long is shown idle. */
  idleAfterMs: number;
  /** A runner with nothing heard for this long is shown offline. */
  offlineAfterMs: number;
  /** Happiness counts runners whose latest fix or mood is younger than this. */
  activeWindowMs: number;
}

export const DEFAULT_TIMINGS: RoomTimings = {
  idleAfterMs: 30_000,
  offlineAfterMs: 5 * 60_000,
  activeWindowMs: 5 * 60_000,
};

export interface RoomDeps {
  now: () => number;
  credentials: Credentials;
  timings: RoomTimings;
}

/** What one tick changed, for everyone who follows the whole event; fan-out filters it for narrower choices. */
export interface Delta {
  seq: number;
  now: number;
  runners: RunnerInfo[];
  points: Record<string, TrackPoint[]>;
  distance: Record<string, number>;
  removed: string[];
}

export type SnapshotMessage = Extract<ServerMessage, { type: 'snapshot' }>;

export interface RunnerSummary extends RunnerInfo {
  points: number;
  distance: number;
  movingMs: number;
  joinedAt: number;
  /** The latest fix with everything stored about it. */
  latest: StoredPosition | null;
  /** The runner's open alert, if any. */
  alert: Alert | null;
}

/** A fix from a tracking app before it is numbered: lat/lon degrees, t ms, acc m, alt m, spd m/s, hdg degrees, bat %. */
export type AppFix = Omit<StoredPosition, 'seq'>;

/** What one request from a tracking app brought, decoded and range-checked by the ingest layer. */
export interface AppReport {
  /** The app as people know it ("Traccar Client"): alerts say where they came from. */
  app: string;
  /** Fixes in the order the app sent them. */
  fixes: AppFix[];
  /** Fixes the ingest layer could not take already (unreadable, out of range, marked as no fix). */
  refused: AppRefusal[];
  /** The app raised an alarm (SOS) with this request. */
  sos: boolean;
}

export interface IngestOutcome {
  stored: number;
  /** Fixes this runner had already (resends). */
  duplicates: number;
  /** Everything refused for good, per reason, the ingest layer's refusals included. */
  refused: Partial<Record<AppRefusal, number>>;
  /** Some fixes were over the fix quota and not kept: the app should send them again after this long. */
  retryAfterMs: number | null;
  /** The runner's open alert when the request raised one (or one was open already). */
  alert: Alert | null;
}

const FINISHED = { code: ErrorCode.EventFinished, status: 403 } as const;
const NO_COURSE = { code: 'no_course', status: 409, message: 'This event has no course yet: upload one first.' } as const;
/** The race order is worked out at most this often. */
const STANDINGS_EVERY_MS = 1000;
const UNKNOWN_KEY = {
  code: 'unknown_key',
  status: 404,
  message: 'unknown device key: it was revoked or replaced; copy the current one from the runner page',
} as const;

/** Where an alert puts the runner. */
const spot = (p: StoredPosition | null): Alert['at'] => (p ? { lat: p.lat, lon: p.lon, t: p.t, acc: p.acc } : null);

export class EventRoom {
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

  private readonly dirty = new Set<string>();
  private readonly pendingPoints = new Map<string, TrackPoint[]>();
  private readonly removed = new Set<string>();
  private readonly reservedIds = new Set<string>();
  private visibleCount = 0;
  private trailBudget: number;
  private cheerTokens: number;
  private cheerRefill: number;
  private snapshotCache: { seq: number; msg: SnapshotMessage } | null = null;
  private readonly lapsed = new Set<string>();
  /** Per restored runner, the arrival its checkpoint is good to; runners without one are rebuilt from their track. */
  private readonly restoredThrough = new Map<string, number>();
  private readonly toRebuild: string[] = [];
  /** The course runners are matched to; null without one. */
  course: RaceCourse | null = null;
  /** Some runner's race moved on since standings were last worked out, and when that was. */
  private raceMoved = false;
  private standingsAt = 0;

  constructor(
    record: RoomRecord,
    private readonly deps: RoomDeps,
  ) {
    this.info = record.event.info;
    this.organiserHash = record.event.organiserHash;
    this.viewCodeHash = record.event.viewCodeHash;
    this.quotaOverrides = record.event.quotas;
    this.happiness = record.samples.slice(-SAMPLES_KEPT);
    this.appliedArrival = record.maxArrival;
    for (const l of record.links) this.links.set(l.id, l);
    for (const a of record.alerts) this.alerts.set(a.id, a);
    this.trailBudget = LIMITS.trailMaxPoints;
    const race = this.race;
    if (record.course && race.course) this.course = RaceCourse.fromStored(record.course, race.course, race.startsAt);
    for (const r of record.runners) {
      this.runners.set(r.id, RunnerTrack.restore(r, this.trailBudget));
      if (r.checkpoint) this.restoredThrough.set(r.id, r.checkpoint.through);
      else this.toRebuild.push(r.id);
    }
    const now = deps.now();
    this.lastActivity = Math.max(record.event.info.createdAt, ...[...this.runners.values()].map((r) => r.lastHeard));
    this.cheerTokens = this.quotas.cheersPerMinute;
    this.cheerRefill = now;
    this.recount();
  }

  get version(): string {
    return `${this.epoch}.${this.changes}`;
  }

  get quotas(): EventQuotas {
    return effectiveQuotas(this.quotaOverrides);
  }

  get id(): string {
    return this.info.id;
  }

  get race(): RaceInfo {
    return this.info.race ?? DEFAULT_RACE;
  }

  eventRecord(): EventRecord {
    return { info: this.info, organiserHash: this.organiserHash, viewCodeHash: this.viewCodeHash, quotas: this.quotaOverrides };
  }

  // ---------- coming back after a restart ----------

  /** Runners whose checkpoint is missing: rebuild them from their stored track (`rebuild`, then `rebuilt`). */
  runnersToRebuild(): readonly string[] {
    return this.toRebuild;
  }

  /** Feed a runner's stored fixes in time order. */
  rebuild(runnerId: string, page: readonly StoredPosition[]): void {
    const r = this.runners.get(runnerId);
    if (!r) return;
    for (const p of page) {
      if (isBrowserSeq(p.seq)) r.settle(p.seq);
      r.applyFix(p, p.t, this.course);
    }
  }

  rebuilt(runnerId: string, skipped: readonly number[]): void {
    const r = this.runners.get(runnerId);
    if (!r) return;
    for (const s of skipped) r.settle(s);
  }

  /** The arrival after which checkpoints leave things out (replay from there); null when none does. */
  replayFrom(): number | null {
    let from: number | null = null;
    for (const through of this.restoredThrough.values()) if (through < this.appliedArrival) from = Math.min(from ?? through, through);
    return from;
  }

  /** Apply what arrived after a runner's checkpoint; rebuilt runners have it all already. */
  replay(a: Arrival): void {
    const through = this.restoredThrough.get(a.runnerId);
    if (through === undefined || a.arrival <= through) return;
    const r = this.runners.get(a.runnerId);
    if (!r) return;
    r.unsaved = true;
    if (a.kind === 'skip') {
      r.settle(a.seq);
      return;
    }
    if (isBrowserSeq(a.pos.seq)) r.settle(a.pos.seq);
    r.applyFix(a.pos, a.pos.t, this.course);
  }

  /** After restoring: statuses by the time now, counts and budgets. */
  restored(): void {
    for (const r of this.runners.values()) {
      this.finishRestore(r);
      r.frame();
    }
    this.raceMoved = this.course !== null;
    this.updateStandings(this.deps.now());
    this.restoredThrough.clear();
    this.toRebuild.length = 0;
    this.recount();
  }

  private finishRestore(r: RunnerTrack): void {
    // Without arrival times, the latest fix is the best guess of when the runner was last heard.
    r.lastHeard = Math.max(r.lastHeard, r.last?.t ?? 0);
    r.status = this.statusOf(r, this.deps.now());
  }

  // ---------- runners ----------

  join(name: string, color: string, bib: string | null = null): Effects<{ runnerId: string }> {
    if (this.info.status === 'finished') {
      return refuse({ ...FINISHED, message: 'This event has finished; it no longer takes runners.' }, 'join');
    }
    if (this.runners.size + this.reservedIds.size >= this.quotas.maxRunners) {
      return refuse(
        { code: ErrorCode.QuotaExceeded, status: 429, message: `This event takes at most ${this.quotas.maxRunners} runners: ask the organiser.` },
        'join',
      );
    }
    const { credentials } = this.deps;
    let id = credentials.newRunnerId();
    while (this.runners.has(id) || this.reservedIds.has(id)) id = credentials.newRunnerId();
    this.reservedIds.add(id);
    const token = credentials.newToken();
    const now = this.deps.now();
    const record: RunnerRecord = {
      id,
      event: this.id,
      name,
      color,
      tokenHash: credentials.hash(token),
      deviceKeyHash: null,
      joinedAt: now,
      stopped: false,
      bib,
    };
    return {
      send: [],
      write: [{ op: 'runner', runner: record }],
      commit: () => {
        this.reservedIds.delete(id);
        const r = new RunnerTrack(record, this.trailBudget);
        r.lastHeard = now;
        this.runners.set(id, r);
        this.lastActivity = Math.max(this.lastActivity, now);
        return { send: [reply(this.joinedMsg(r, token))], sessions: [{ bind: id }], result: { runnerId: id } };
      },
      abort: () => this.reservedIds.delete(id),
    };
  }

  resume(runnerId: string, token: string, name?: string, color?: string): Effects {
    const r = this.runners.get(runnerId);
    // One answer for an unknown id and a wrong token, so ids cannot be probed.
    if (!r || !this.deps.credentials.verify(token, r.record.tokenHash)) {
      return refuse({ code: ErrorCode.BadToken, status: 403, message: 'Unknown runner or wrong token: join again as a new runner.' }, 'resume');
    }
    const renamed = (name && name !== r.record.name) || (color && color !== r.record.color);
    const record = renamed ? { ...r.record, name: name ?? r.record.name, color: color ?? r.record.color } : r.record;
    return {
      send: [],
      // Answered after whatever is being written, so `lastSeq` counts fixes that were on their way.
      write: renamed ? [{ op: 'runner', runner: record }] : [],
      commit: () => {
        const current = this.runners.get(runnerId);
        if (!current) return { send: [reply(this.removedError())] };
        if (renamed) {
          current.record = { ...current.record, name: record.name, color: record.color };
          this.markDirty(current);
        }
        return { send: [reply(this.joinedMsg(current))], sessions: [{ bind: runnerId }] };
      },
    };
  }

  private joinedMsg(r: RunnerTrack, token?: string): ServerMessage {
    return {
      type: 'joined',
      event: this.id,
      runnerId: r.id,
      ...(token ? { token } : {}),
      name: r.record.name,
      color: r.record.color,
      lastSeq: r.contiguous,
      cheers: r.cheers,
    };
  }

  private removedError(): ServerMessage {
    return { type: 'error', code: ErrorCode.RunnerRemoved, message: 'This runner and their track were removed from the event.' };
  }

  /** A fix from the runner's page. */
  position(runnerId: string, msg: PositionMessage): Effects {
    const r = this.runners.get(runnerId);
    if (!r) return { send: [reply(this.removedError())], write: [] };
    if (this.info.status === 'finished') {
      return this.refusePosition(runnerId, msg.seq, 'This event has finished; positions are no longer taken.', ErrorCode.EventFinished);
    }
    const now = this.deps.now();
    if (msg.t > now + LIMITS.maxFutureMs) {
      return this.refusePosition(runnerId, msg.seq, 'Fix time is more than 5 minutes in the future: set the phone clock automatically.');
    }
    if (msg.t < now - LIMITS.maxPastMs) return this.refusePosition(runnerId, msg.seq, 'Fix is more than 7 days old and is not taken.');
    // Duplicates are acknowledged again: the first ack may have been lost with the connection.
    if (r.settled(msg.seq)) return { send: [reply({ type: 'ack', seq: r.contiguous })], write: [] };
    if (r.inflight.has(msg.seq)) return { send: [], write: [], commit: () => ({ send: [reply({ type: 'ack', seq: r.contiguous })] }) };
    const quota = this.fixQuota(r, now);
    if (quota) return refuse(quota, 'pos');
    const pos: StoredPosition = {
      seq: msg.seq,
      lat: msg.lat,
      lon: msg.lon,
      t: msg.t,
      acc: msg.acc,
      alt: msg.alt ?? null,
      spd: msg.spd ?? null,
      hdg: msg.hdg ?? null,
      bat: null,
    };
    return this.store(r, pos, now, () => [reply({ type: 'ack', seq: r.contiguous })]);
  }

  /** Write a fix, then put it in the live picture (only if it was new) and say what to answer. */
  private store<R>(r: RunnerTrack, pos: StoredPosition, now: number, answer: () => Delivery[], result?: R): Effects<R> {
    r.inflight.add(pos.seq);
    const write: WriteOp[] = [{ op: 'position', event: this.id, runnerId: r.id, pos }];
    const restart = r.record.stopped;
    if (restart) write.push({ op: 'runner', runner: { ...r.record, stopped: false } });
    return {
      send: [],
      write,
      commit: (arrivals) => {
        r.inflight.delete(pos.seq);
        const current = this.runners.get(r.id);
        if (current !== r) return { send: answer(), result };
        if (isBrowserSeq(pos.seq)) r.settle(pos.seq);
        if (restart) {
          r.record = { ...r.record, stopped: false };
          this.markDirty(r);
        }
        const arrival = arrivals[0] ?? null;
        if (arrival !== null) this.applyFix(r, pos, now, arrival);
        return { send: answer(), result };
      },
      abort: () => r.inflight.delete(pos.seq),
    };
  }

  private applyFix(r: RunnerTrack, pos: StoredPosition, now: number, arrival: number): void {
    const wasVisible = r.visible;
    const point = r.applyFix(pos, now, this.info.status === 'live' ? this.course : null);
    if (this.course) this.raceMoved = true;
    this.appliedArrival = Math.max(this.appliedArrival, arrival);
    this.lastActivity = Math.max(this.lastActivity, now);
    if (!wasVisible) this.recount();
    if (point) {
      const pending = this.pendingPoints.get(r.id);
      if (pending) pending.push(point);
      else this.pendingPoints.set(r.id, [point]);
    }
    this.refreshStatus(r, now);
    // A runner's first fix makes them visible: spectators get their whole info then.
    if (!wasVisible) this.dirty.add(r.id);
  }

  /**
   * Refuse a fix for good. Its sequence number is settled (and stored as such), so the acknowledgement can
   * move past it and the runner's outbox drops it instead of resending it for ever.
   */
  refusePosition(runnerId: string | null, seq: number | undefined, message: string, code: ErrorCode = ErrorCode.BadPosition): Effects {
    const error: Delivery = reply({ type: 'error', code, message, ref: 'pos', ...(seq !== undefined ? { seq } : {}) });
    const r = runnerId ? this.runners.get(runnerId) : undefined;
    if (!r || seq === undefined || !isBrowserSeq(seq)) return { send: [error], write: [] };
    const ack = () => [reply({ type: 'ack', seq: r.contiguous })];
    if (r.settled(seq) || r.inflight.has(seq)) return { send: [error], write: [], commit: () => ({ send: ack() }) };
    r.inflight.add(seq);
    return {
      send: [error],
      write: [{ op: 'skip', event: this.id, runnerId: r.id, seq }],
      commit: (arrivals) => {
        r.inflight.delete(seq);
        r.settle(seq);
        if (arrivals[0] != null) this.appliedArrival = Math.max(this.appliedArrival, arrivals[0]);
        return { send: ack() };
      },
      abort: () => r.inflight.delete(seq),
    };
  }

  private fixQuota(r: RunnerTrack, now: number, pending = 0) {
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

  /**
   * What one request from a tracking app brought (Traccar Client, OsmAnd, OwnTracks, Overland, GPSLogger),
   * sent with the runner's device key. Apps have no sequence numbers: a fix is numbered INGEST_SEQ_BASE + its
   * time, so an app that sends the same fix again (it does, after any failure) finds it kept once.
   *
   * A fix that can never be taken (too old, too far ahead, after the event finished, or refused by the ingest
   * layer already) is counted against the runner, not answered as an error: apps resend the head of their
   * queue until it is accepted, so an error would hold back everything after it. Only the fix quota makes
   * the app send again later (`retryAfterMs`); the fixes under it are kept meanwhile.
   */
  ingest(runnerId: string, keyHash: string, report: AppReport): Effects<IngestOutcome> {
    const r = this.runners.get(runnerId);
    if (!r || r.record.deviceKeyHash !== keyHash) return refuse(UNKNOWN_KEY);
    const now = this.deps.now();
    const refused: AppRefusal[] = [...report.refused];
    const positions: StoredPosition[] = [];
    const taken = new Set<number>();
    let duplicates = 0;
    let retryAfterMs: number | null = null;
    /** Where an alarm puts the runner: the newest fix of this request that could be taken. */
    let at: StoredPosition | null = null;
    const finished = this.info.status === 'finished';
    for (const fix of report.fixes) {
      if (fix.t > now + LIMITS.maxFutureMs) refused.push(AppRefusal.InFuture);
      else if (fix.t < now - LIMITS.maxPastMs) refused.push(AppRefusal.TooOld);
      else {
        const pos: StoredPosition = { ...fix, seq: INGEST_SEQ_BASE + Math.round(fix.t) };
        if (!at || pos.t >= at.t) at = pos;
        if (finished) {
          refused.push(AppRefusal.EventFinished);
          continue;
        }
        if (r.inflight.has(pos.seq) || taken.has(pos.seq)) {
          duplicates++;
          continue;
        }
        // An alarm's own fix is kept whatever the quota: it may be the last one there is.
        const quota = report.sos ? null : this.fixQuota(r, now, positions.length);
        if (quota) {
          retryAfterMs = Math.max(retryAfterMs ?? 0, quota.retryAfterMs);
          continue;
        }
        positions.push(pos);
        taken.add(pos.seq);
      }
    }
    const open = report.sos ? this.openAlertOf(runnerId) : null;
    const alert: Alert | null =
      report.sos && !open
        ? {
            id: this.deps.credentials.newRunnerId(),
            runnerId,
            name: r.record.name,
            kind: 'sos',
            raisedAt: now,
            at: spot(at ?? r.last),
            source: report.app,
            ackedAt: null,
          }
        : null;

    const write: WriteOp[] = positions.map((pos) => ({ op: 'position', event: this.id, runnerId, pos }));
    const restart = positions.length > 0 && r.record.stopped;
    if (restart) write.push({ op: 'runner', runner: { ...r.record, stopped: false } });
    if (alert) write.push({ op: 'alert', event: this.id, alert });
    for (const p of positions) r.inflight.add(p.seq);
    const release = () => {
      for (const p of positions) r.inflight.delete(p.seq);
    };
    return {
      send: [],
      write,
      commit: (arrivals) => {
        release();
        const counts: Partial<Record<AppRefusal, number>> = {};
        for (const reason of refused) counts[reason] = (counts[reason] ?? 0) + 1;
        const outcome: IngestOutcome = { stored: 0, duplicates, refused: counts, retryAfterMs, alert: alert ?? open };
        const current = this.runners.get(runnerId);
        if (current !== r) return { send: [], result: outcome };
        for (const [reason, n] of Object.entries(counts) as Array<[AppRefusal, number]>) r.refuse(reason, n);
        if (restart) {
          r.record = { ...r.record, stopped: false };
          this.markDirty(r);
        }
        positions.forEach((pos, i) => {
          const arrival = arrivals[i] ?? null;
          if (arrival === null) outcome.duplicates++;
          else {
            outcome.stored++;
            this.applyFix(r, pos, now, arrival);
          }
        });
        const send: Delivery[] = [];
        if (report.sos) this.heard(r, now);
        if (alert) {
          this.alerts.set(alert.id, alert);
          this.snapshotCache = null;
          this.lastActivity = Math.max(this.lastActivity, now);
          send.push({ to: { watchers: runnerId }, msg: { type: 'alert', event: this.id, alert } });
        }
        return { send, result: outcome };
      },
      abort: release,
    };
  }

  /**
   * A tracking app says it is alive without a position (Traccar Client's heartbeat while the phone is still):
   * the runner counts as heard from, so they stay active rather than turning idle.
   */
  heartbeat(runnerId: string, keyHash: string): Effects<'heard'> {
    const r = this.runners.get(runnerId);
    if (!r || r.record.deviceKeyHash !== keyHash) return refuse(UNKNOWN_KEY);
    const now = this.deps.now();
    return {
      send: [],
      write: [],
      commit: () => {
        if (this.runners.get(runnerId) === r) this.heard(r, now);
        return { send: [], result: 'heard' };
      },
    };
  }

  private heard(r: RunnerTrack, now: number): void {
    if (now <= r.lastHeard) return;
    r.lastHeard = now;
    r.unsaved = true;
    this.refreshStatus(r, now);
  }

  /** The picture a runner's tracking app sent (an OwnTracks card), replacing the last one. */
  setAvatar(runnerId: string, keyHash: string, avatar: Omit<AvatarRecord, 'updatedAt'>): Effects<number> {
    const r = this.runners.get(runnerId);
    if (!r || r.record.deviceKeyHash !== keyHash) return refuse(UNKNOWN_KEY);
    // Strictly increasing: the version in the picture's address must change with the picture.
    const updatedAt = Math.max(this.deps.now(), (r.avatarAt ?? 0) + 1);
    return {
      send: [],
      write: [{ op: 'avatar', event: this.id, runnerId, avatar: { ...avatar, updatedAt } }],
      commit: () => {
        if (this.runners.get(runnerId) === r) {
          r.avatarAt = Math.max(r.avatarAt ?? 0, updatedAt);
          this.markDirty(r);
        }
        return { send: [], result: updatedAt };
      },
    };
  }

  /** Tracking-app fixes refused for this runner so far, per reason. */
  refusedFixes(runnerId: string): Partial<Record<AppRefusal, number>> | null {
    const r = this.runners.get(runnerId);
    return r ? { ...r.refused } : null;
  }

  mood(runnerId: string, value: number): Effects {
    const r = this.runners.get(runnerId);
    if (!r) return { send: [reply(this.removedError())], write: [] };
    const now = this.deps.now();
    return {
      send: [],
      write: [{ op: 'mood', event: this.id, runnerId, value, t: now }],
      commit: () => {
        r.mood = value;
        r.moodAt = now;
        r.lastHeard = Math.max(r.lastHeard, now);
        this.lastActivity = Math.max(this.lastActivity, now);
        this.markDirty(r);
        return { send: [] };
      },
    };
  }

  /** The runner stopped sharing on purpose. */
  stop(runnerId: string): Effects {
    const r = this.runners.get(runnerId);
    if (!r) return { send: [reply(this.removedError())], write: [] };
    if (r.record.stopped) return nothing();
    const record = { ...r.record, stopped: true };
    return {
      send: [],
      write: [{ op: 'runner', runner: record }],
      commit: () => {
        r.record = { ...r.record, stopped: true };
        r.status = 'stopped';
        this.markDirty(r);
        return { send: [] };
      },
    };
  }

  /** A spectator's cheer; `seen` limits whom the sender may cheer (a share link's runners), null for all. */
  cheer(runnerId: string, text: string, from: string | undefined, seen: ReadonlySet<string> | null): Effects {
    const r = this.runners.get(runnerId);
    if (!r || !r.visible || (seen && !seen.has(runnerId))) {
      return refuse({ code: ErrorCode.NoSuchRunner, status: 404, message: 'That runner is not in this event.' }, 'cheer');
    }
    const now = this.deps.now();
    this.cheerTokens = Math.min(this.quotas.cheersPerMinute, this.cheerTokens + ((now - this.cheerRefill) / 60_000) * this.quotas.cheersPerMinute);
    this.cheerRefill = now;
    if (this.cheerTokens < 1) {
      return refuse(
        {
          code: ErrorCode.QuotaExceeded,
          status: 429,
          message: 'So many cheers right now that this one has to wait: send it again in a moment.',
          retryAfterMs: Math.ceil(((1 - this.cheerTokens) * 60_000) / this.quotas.cheersPerMinute),
        },
        'cheer',
      );
    }
    this.cheerTokens -= 1;
    const cheer: Cheer = { from: from ?? 'A spectator', text, t: now };
    return {
      send: [],
      write: [{ op: 'cheer', event: this.id, runnerId, cheer }],
      commit: () => {
        r.cheers.push(cheer);
        if (r.cheers.length > CHEERS_KEPT) r.cheers.shift();
        this.lastActivity = Math.max(this.lastActivity, now);
        return {
          send: [
            { to: { runner: runnerId }, msg: { type: 'cheer', cheer } },
            reply({ type: 'cheered', runnerId, online: r.connected > 0 }),
          ],
        };
      },
    };
  }

  /** A session bound to this runner came or went. */
  runnerConnected(runnerId: string, delta: 1 | -1): void {
    const r = this.runners.get(runnerId);
    if (r) r.connected = Math.max(0, r.connected + delta);
  }

  // ---------- the organiser ----------

  finish(): Effects<EventInfo> {
    if (this.info.status === 'finished') return nothing(this.info);
    const info: EventInfo = { ...this.info, status: 'finished' };
    return this.changeEvent({ ...this.eventRecord(), info }, () => [{ to: { event: true }, msg: { type: 'event', event: this.info } }]);
  }

  /** Protect the event (a view code's hash) or lift protection (null). */
  setViewCode(hash: string | null): Effects<EventInfo> {
    const info: EventInfo = { ...this.info, protected: hash !== null };
    const effects = this.changeEvent({ ...this.eventRecord(), info, viewCodeHash: hash }, () => [
      { to: { event: true }, msg: { type: 'event', event: this.info } },
    ]);
    const commit = effects.commit!;
    return { ...effects, commit: (a) => ({ ...commit(a), sessions: hash !== null ? [{ recheckAccess: true }] : [] }) };
  }

  setQuotas(overrides: Partial<EventQuotas>): Effects<EventQuotas> {
    const merged = { ...this.quotaOverrides, ...overrides };
    const effects = this.changeEvent({ ...this.eventRecord(), quotas: merged }, () => []);
    const commit = effects.commit!;
    return { send: [], write: effects.write, commit: (a) => ({ send: commit(a).send, result: this.quotas }) };
  }

  private changeEvent(record: EventRecord, news: () => Delivery[]): Effects<EventInfo> {
    return {
      send: [],
      write: [{ op: 'event', record }],
      commit: () => {
        this.info = record.info;
        this.viewCodeHash = record.viewCodeHash;
        this.quotaOverrides = record.quotas;
        this.snapshotCache = null;
        return { send: news(), result: this.info };
      },
    };
  }

  /** Remove a runner and every trace of them (organiser's decision, or the runner's own). */
  removeRunner(runnerId: string): Effects<boolean> {
    if (!this.runners.has(runnerId)) return nothing(false);
    return {
      send: [],
      write: [{ op: 'deleteRunner', event: this.id, runnerId }],
      commit: () => {
        const r = this.runners.get(runnerId);
        if (!r) return { send: [], result: true };
        this.runners.delete(runnerId);
        this.pendingPoints.delete(runnerId);
        this.dirty.delete(runnerId);
        for (const a of [...this.alerts.values()]) if (a.runnerId === runnerId) this.alerts.delete(a.id);
        this.snapshotCache = null;
        if (r.visible) {
          this.removed.add(runnerId);
          this.recount();
        }
        return { send: [{ to: { runner: runnerId }, msg: this.removedError() }], sessions: [{ unbindRunner: runnerId }], result: true };
      },
    };
  }

  createLink(opts: { label: string; runners: string[] | null; expiresAt: number | null }): Effects<ShareLink> {
    if (opts.runners?.some((id) => !this.runners.has(id))) {
      return refuse({ code: 'bad_link', status: 400, message: 'Every runner of the link must be in this event.' });
    }
    const link: ShareLink = {
      id: this.deps.credentials.newRunnerId(),
      token: this.deps.credentials.newToken(),
      label: opts.label,
      runners: opts.runners,
      createdAt: this.deps.now(),
      expiresAt: opts.expiresAt,
      revokedAt: null,
    };
    return {
      send: [],
      write: [{ op: 'link', event: this.id, link }],
      commit: () => {
        this.links.set(link.id, link);
        return { send: [], result: link };
      },
    };
  }

  /** Withdraw a link: whoever watches through it is told and receives nothing more. */
  revokeLink(linkId: string): Effects<ShareLink | null> {
    const link = this.links.get(linkId);
    if (!link) return nothing(null);
    if (link.revokedAt !== null) return nothing(link);
    const revoked = { ...link, revokedAt: this.deps.now() };
    return {
      send: [],
      write: [{ op: 'link', event: this.id, link: revoked }],
      commit: () => {
        this.links.set(linkId, revoked);
        return { send: [], sessions: [{ dropLink: linkId, reason: 'revoked' }], result: revoked };
      },
    };
  }

  listLinks(): ShareLink[] {
    return [...this.links.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** A new device key for a runner's tracking app; the old one stops working. The key is returned here only. */
  issueDeviceKey(runnerId: string): Effects<string | null> {
    const r = this.runners.get(runnerId);
    if (!r) return nothing(null);
    const key = this.deps.credentials.newToken();
    return this.changeRunner(r, { deviceKeyHash: this.deps.credentials.hash(key) }, key);
  }

  revokeDeviceKey(runnerId: string): Effects<boolean> {
    const r = this.runners.get(runnerId);
    if (!r?.record.deviceKeyHash) return nothing(false);
    return this.changeRunner(r, { deviceKeyHash: null }, true);
  }

  private changeRunner<R>(r: RunnerTrack, patch: Partial<RunnerRecord>, result: R): Effects<R> {
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

  verifyOrganiser(token: string): boolean {
    return this.organiserHash !== '' && this.deps.credentials.verify(token, this.organiserHash);
  }

  verifyRunner(runnerId: string, token: string): boolean {
    const r = this.runners.get(runnerId);
    return !!r && this.deps.credentials.verify(token, r.record.tokenHash);
  }

  /** The organiser has seen an alert: it closes, for everyone who saw it. Null when no such alert is open. */
  acknowledgeAlert(alertId: string): Effects<Alert | null> {
    const open = this.alerts.get(alertId);
    if (!open) return nothing(null);
    const acked: Alert = { ...open, ackedAt: this.deps.now() };
    return {
      send: [],
      write: [{ op: 'alert', event: this.id, alert: acked }],
      commit: () => {
        // Acknowledged twice at once: the first to commit tells everyone.
        if (!this.alerts.delete(alertId)) return { send: [], result: acked };
        this.snapshotCache = null;
        return { send: [{ to: { watchers: open.runnerId }, msg: { type: 'alert', event: this.id, alert: acked } }], result: acked };
      },
    };
  }

  /** The runner's open alert, if any: a runner has at most one (a second alarm while it is open adds nothing). */
  openAlertOf(runnerId: string): Alert | null {
    for (const a of this.alerts.values()) if (a.runnerId === runnerId) return a;
    return null;
  }

  // ---------- time ----------

  /** Everything since the last tick as one update, or null when nothing changed; and links that lapsed. */
  tick(): { delta: Delta | null; lapsedLinks: string[] } {
    const now = this.deps.now();
    for (const r of this.runners.values()) this.refreshStatus(r, now);
    if (now - this.standingsAt >= STANDINGS_EVERY_MS) this.updateStandings(now);
    const lapsedLinks: string[] = [];
    for (const l of this.links.values()) {
      if (l.expiresAt !== null && l.revokedAt === null && l.expiresAt <= now && !this.lapsed.has(l.id)) {
        this.lapsed.add(l.id);
        lapsedLinks.push(l.id);
      }
    }
    if (this.dirty.size === 0 && this.pendingPoints.size === 0 && this.removed.size === 0) return { delta: null, lapsedLinks };
    const runners: RunnerInfo[] = [];
    for (const id of this.dirty) {
      const r = this.runners.get(id);
      if (r?.visible) runners.push(r.info());
    }
    const points: Record<string, TrackPoint[]> = {};
    const distance: Record<string, number> = {};
    for (const [id, pts] of this.pendingPoints) {
      const r = this.runners.get(id);
      if (!r) continue;
      points[id] = pts;
      distance[id] = Math.round(r.distance * 10) / 10;
      r.frame();
    }
    const delta: Delta = { seq: ++this.seq, now, runners, points, distance, removed: [...this.removed] };
    this.dirty.clear();
    this.pendingPoints.clear();
    this.removed.clear();
    this.snapshotCache = null;
    return { delta, lapsedLinks };
  }

  /**
   * The race order, worked out again when some runner moved on (at most every STANDINGS_EVERY_MS: a sort
   * of the field, not something to do per fix). Runners whose view changed go out with the next update.
   */
  private updateStandings(now: number): void {
    if (!this.raceMoved) return;
    this.raceMoved = false;
    this.standingsAt = now;
    const course = this.course;
    if (!course) return;
    const entrants: Entrant[] = [];
    for (const r of this.runners.values()) {
      if (!r.visible) continue;
      if (!r.race || r.raceVersion !== course.version) r.startRace(course);
      entrants.push({ id: r.id, name: r.record.name, bib: r.record.bib, race: r.race! });
    }
    for (const standing of course.standings(entrants)) {
      const r = this.runners.get(standing.id)!;
      const view = course.view(standing, r.race!);
      if (sameView(r.raceView, view)) continue;
      r.raceView = view;
      this.dirty.add(r.id);
    }
  }

  // ---------- the race ----------

  /**
   * A new course (parsed and checked by the caller), or none. Every runner's race starts again from their
   * next fix: timings against another line would mean nothing.
   */
  setCourse(course: Course | null): Effects<RaceInfo> {
    const next = course ? new RaceCourse(course, Math.max(this.deps.now(), (this.course?.version ?? 0) + 1), this.race.startsAt) : null;
    const race: RaceInfo = { ...this.race, course: next?.info() ?? null };
    const effects = this.changeRace(race, next, [{ op: 'course', event: this.id, course: next?.compact() ?? null, updatedAt: this.deps.now() }]);
    return effects;
  }

  /** Checkpoints, checked by the caller against the course's length. Passings are worked out again for them. */
  setCheckpoints(checkpoints: Checkpoint[]): Effects<RaceInfo> {
    const current = this.course;
    if (!current) return refuse(NO_COURSE, 'checkpoints');
    const next = current.with({ checkpoints });
    return this.changeRace({ ...this.race, course: next.info() }, next, [], (r) => {
      if (r.race && r.raceVersion === current.version) r.race = retime(current.points, next.points, r.race);
    });
  }

  /** The start time (null: none) and the event's unit. */
  setRaceSettings(changes: { startsAt?: number | null; unit?: DistanceUnit }): Effects<RaceInfo> {
    const race: RaceInfo = { ...this.race, ...changes };
    const next = this.course && changes.startsAt !== undefined ? this.course.with({ startsAt: changes.startsAt }) : this.course;
    return this.changeRace(race, next, []);
  }

  private changeRace(race: RaceInfo, next: RaceCourse | null, extra: WriteOp[], each?: (r: RunnerTrack) => void): Effects<RaceInfo> {
    if (this.info.status === 'finished' && next !== this.course) {
      return refuse({ ...FINISHED, message: 'This event has finished; its course and checkpoints stay as they were.' });
    }
    const record: EventRecord = { ...this.eventRecord(), info: { ...this.info, race } };
    return {
      send: [],
      write: [...extra, { op: 'event', record }],
      commit: () => {
        const previous = this.course;
        this.info = record.info;
        this.course = next;
        for (const r of this.runners.values()) {
          if (each) each(r);
          // Same line: keep the race. Another line (or none): start again.
          if (next?.version !== previous?.version) r.startRace(next);
          else if (next) r.raceView = undefined;
          r.unsaved = true;
          if (r.visible) this.dirty.add(r.id);
        }
        this.raceMoved = next !== null;
        this.updateStandings(this.deps.now());
        this.snapshotCache = null;
        return { send: [{ to: { event: true }, msg: { type: 'event', event: this.info } }], result: race };
      },
    };
  }

  /** The race number of a runner (null: none), set or corrected by the organiser. */
  setBib(runnerId: string, bib: string | null): Effects<boolean> {
    const r = this.runners.get(runnerId);
    if (!r) return nothing(false);
    const effects = this.changeRunner(r, { bib }, true);
    const commit = effects.commit!;
    return {
      ...effects,
      commit: (a) => {
        const applied = commit(a);
        if (r.visible) this.dirty.add(r.id);
        this.raceMoved = this.course !== null;
        this.snapshotCache = null;
        return applied;
      },
    };
  }

  /** One runner's splits and predictions; null without a course or such a runner. */
  raceDetail(runnerId: string, unit: DistanceUnit): RunnerRaceDetail | null {
    const r = this.runners.get(runnerId);
    if (!this.course || !r?.visible || !r.race || !r.raceView) return null;
    return this.course.detail(r.raceView, r.race, unit);
  }

  /** This interval's happiness sample, kept and then sent to spectators. */
  sampleHappiness(): Effects<HappinessSample> | null {
    if (this.info.status !== 'live') return null;
    const s = sample(this.runners.values(), this.deps.now(), this.deps.timings.activeWindowMs);
    return {
      send: [],
      write: [{ op: 'sample', event: this.id, sample: s }],
      commit: () => {
        this.happiness.push(s);
        if (this.happiness.length > SAMPLES_KEPT) this.happiness.splice(0, this.happiness.length - SAMPLES_KEPT);
        this.snapshotCache = null;
        return { send: [{ to: { event: true }, msg: { type: 'happiness', event: this.id, sample: s } }], result: s };
      },
    };
  }

  /** Whether the event is live with no join, fix, mood or cheer for `afterMs`. */
  inactiveFor(afterMs: number): boolean {
    return this.info.status === 'live' && this.deps.now() - this.lastActivity >= afterMs;
  }

  /** Checkpoints of every runner that changed since the last ones. */
  checkpoints(): WriteOp[] {
    const ops: WriteOp[] = [];
    for (const r of this.runners.values()) {
      if (!r.unsaved) continue;
      ops.push({ op: 'checkpoint', event: this.id, runnerId: r.id, through: this.appliedArrival, state: r.checkpoint() });
    }
    return ops;
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

  private statusOf(r: RunnerTrack, now: number) {
    if (r.record.stopped) return 'stopped' as const;
    const age = now - r.lastHeard;
    if (age >= this.deps.timings.offlineAfterMs) return 'offline' as const;
    if (age >= this.deps.timings.idleAfterMs) return 'idle' as const;
    return 'active' as const;
  }

  private refreshStatus(r: RunnerTrack, now: number): void {
    const status = this.statusOf(r, now);
    if (status !== r.status) {
      r.status = status;
      this.markDirty(r);
    }
  }

  private markDirty(r: RunnerTrack): void {
    if (r.visible) this.dirty.add(r.id);
  }

  /** Share the snapshot budget among the runners spectators see. */
  private recount(): void {
    let n = 0;
    for (const r of this.runners.values()) if (r.visible) n++;
    this.visibleCount = n;
    const budget = Math.max(LIMITS.trailMinPoints, Math.min(LIMITS.trailMaxPoints, Math.floor(LIMITS.snapshotPoints / Math.max(1, n))));
    // Budgets only shrink in steps, so a field that grows by one runner does not thin every trail each time.
    if (budget < this.trailBudget * 0.8 || budget > this.trailBudget * 1.25) {
      this.trailBudget = budget;
      for (const r of this.runners.values()) r.trail.setBudget(budget);
    }
  }

  // ---------- what spectators and the API read ----------

  /**
   * What a new subscriber gets: every visible runner (or those in `only`) with their display trail, and the
   * happiness so far. The whole-event snapshot is built once per update and shared.
   */
  snapshot(only: ReadonlySet<string> | null): SnapshotMessage {
    if (!only && this.snapshotCache?.seq === this.seq) return this.snapshotCache.msg;
    const runners: RunnerSnapshot[] = [];
    const budget = Math.max(LIMITS.trailMinPoints, Math.min(LIMITS.trailMaxPoints, Math.floor(LIMITS.snapshotPoints / Math.max(1, only ? only.size : this.visibleCount))));
    for (const r of this.runners.values()) {
      // As of the last update: what arrived since comes with the next one, so nothing is sent twice.
      const last = r.framed.last;
      if (!last || (only && !only.has(r.id))) continue;
      const pending = this.pendingPoints.get(r.id);
      runners.push({
        ...r.info(),
        trail: r.trail.encode(budget, pending ? new Set(pending.map((p) => p[2])) : undefined),
        last: [last.lat, last.lon, last.t],
        distance: Math.round(r.framed.distance * 10) / 10,
        points: r.framed.points,
      });
    }
    const msg: SnapshotMessage = {
      type: 'snapshot',
      event: this.info,
      epoch: this.epoch,
      seq: this.seq,
      runners,
      happiness: thin(this.happiness),
      alerts: [...this.alerts.values()].filter((a) => !only || only.has(a.runnerId)),
      now: this.deps.now(),
    };
    if (!only) this.snapshotCache = { seq: this.seq, msg };
    return msg;
  }

  /** Runner summaries; runners without a fix yet only when `all` (the organiser sees them). */
  summaries(all: boolean, only: ReadonlySet<string> | null = null): RunnerSummary[] {
    const out: RunnerSummary[] = [];
    for (const r of this.runners.values()) {
      if ((!all && !r.visible) || (only && !only.has(r.id))) continue;
      out.push(this.summaryOf(r));
    }
    return out;
  }

  summary(runnerId: string): RunnerSummary | null {
    const r = this.runners.get(runnerId);
    return r ? this.summaryOf(r) : null;
  }

  private summaryOf(r: RunnerTrack): RunnerSummary {
    return {
      ...r.info(),
      points: r.points,
      distance: Math.round(r.distance * 10) / 10,
      movingMs: r.movingMs,
      joinedAt: r.record.joinedAt,
      latest: r.last,
      alert: this.openAlertOf(r.id),
    };
  }

  /** Runners that may be followed or cheered, for access checks: those spectators see. */
  hasVisibleRunner(runnerId: string): boolean {
    return !!this.runners.get(runnerId)?.visible;
  }

  linkState(linkId: string) {
    const l = this.links.get(linkId);
    return l ? shareLinkState(l, this.deps.now()) : null;
  }
}
