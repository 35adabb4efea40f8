/**
 * Timing points and the passings their decoders report. A point is a place on the course (start, a
 * checkpoint, the finish) with a key its decoder sends, kept as a hash like a device key and shown once.
 * Passings are kept once per point, chip and time (a decoder sends the same one again after any failure,
 * and all of them on a rewind), made durable before they are acknowledged, then put into the race of the
 * runner whose entry carries the chip, or counted as an unknown chip for the organiser.
 */
import type { DecoderPassing } from '../../lib/timing/decoder-line';
import { chipKey } from '../../lib/entries/entry';
import { ErrorCode, LIMITS, type RaceInfo, type TimingPointInfo } from '../../lib/protocol';
import type { EventRecord, StoredPassing, TimingPointRecord, WriteOp } from '../storage/store';
import { type Effects, nothing, type Refusal, refuse } from './effects';
import type { Room } from './state';

/** Timing points one event may have. */
export const MAX_TIMING_POINTS = 100;

export interface TimingPointInput {
  name: string;
  /** Metres from the start. */
  at: number;
  timeZone: string;
}

/** Why a passing was not kept. */
export type PassingRefusal = 'in_future' | 'too_old' | 'malformed';

export interface PassingOutcome {
  /** New passings made durable. */
  stored: number;
  /** Passings kept before (sent again). */
  duplicates: number;
  /** Of those stored, passings of chips no entry carries. */
  unknown: number;
  /** Passings refused for good, per reason. */
  refused: Partial<Record<PassingRefusal, number>>;
}

/** What the organiser sees of a point: where, its zone, and what its decoder has sent. */
export interface TimingPointView extends TimingPointInfo {
  timeZone: string;
  passings: number;
  heardAt: number | null;
}

export interface TimingView {
  points: TimingPointView[];
  /** Chips no entry carries, most passings first. */
  unknownChips: Array<{ chip: string; passings: number; lastT: number; points: string[] }>;
  unknownCount: number;
}

const UNKNOWN_KEY: Refusal = {
  code: ErrorCode.UnknownKey,
  status: 401,
  message: 'That is not the key of this timing point: copy it again from the organiser page, or issue a new one there.',
};

const NO_POINT: Refusal = { code: ErrorCode.NoSuchTimingPoint, status: 404, message: 'There is no such timing point in this event.' };

/** The points spectators and decoders' set-up see, by distance. */
function publicPoints(room: Room): TimingPointInfo[] {
  return [...room.timingPoints.values()].sort((a, b) => a.at - b.at || a.createdAt - b.createdAt).map(({ id, name, at }) => ({ id, name, at }));
}

/** Write the points (and the event, whose race lists them), then tell everyone the event changed. */
function changePoints<R>(room: Room, ops: WriteOp[], apply: () => void, result: () => R): Effects<R> {
  return {
    send: [],
    write: ops,
    commit: () => {
      apply();
      const race: RaceInfo = { ...room.race, timing: publicPoints(room) };
      room.info = { ...room.info, race };
      room.snapshotCache = null;
      return { send: [{ to: { event: true }, msg: { type: 'event', event: room.info } }], result: result() };
    },
  };
}

function eventOp(room: Room, points: TimingPointRecord[]): WriteOp {
  const timing = points.sort((a, b) => a.at - b.at || a.createdAt - b.createdAt).map(({ id, name, at }) => ({ id, name, at }));
  const record: EventRecord = { ...room.eventRecord(), info: { ...room.info, race: { ...room.race, timing } } };
  return { op: 'event', record };
}

/** A new timing point; its key is answered here only. */
export function addTimingPoint(room: Room, input: TimingPointInput): Effects<{ point: TimingPointInfo; key: string }> {
  if (room.timingPoints.size >= MAX_TIMING_POINTS) {
    return refuse({ code: ErrorCode.BadTimingPoint, status: 400, message: `An event has at most ${MAX_TIMING_POINTS} timing points.` });
  }
  const { secrets } = room.deps;
  let id = secrets.newRunnerId();
  while (room.timingPoints.has(id)) id = secrets.newRunnerId();
  const key = secrets.newToken();
  const point: TimingPointRecord = { id, ...input, keyHash: secrets.hash(key), createdAt: room.now() };
  return changePoints(
    room,
    [{ op: 'timingPoint', event: room.id, point }, eventOp(room, [...room.timingPoints.values(), point])],
    () => room.timingPoints.set(id, point),
    () => ({ point: { id, name: point.name, at: point.at }, key }),
  );
}

/**
 * Rename a point, change its zone, or move it while no passing has come to it (its passings are in runners'
 * races at its distance: a point that moved would leave them behind). Null for no such point.
 */
export function updateTimingPoint(room: Room, pointId: string, changes: Partial<TimingPointInput>): Effects<TimingPointInfo | null> {
  const current = room.timingPoints.get(pointId);
  if (!current) return nothing(null);
  if (changes.at !== undefined && changes.at !== current.at && room.chips.passingsAt(pointId) > 0) {
    return refuse({
      code: ErrorCode.BadTimingPoint,
      status: 400,
      message: 'This point has passings already, so it stays where it is: add a new point at the other distance instead.',
    });
  }
  const point: TimingPointRecord = { ...current, ...changes };
  const others = [...room.timingPoints.values()].filter((p) => p.id !== pointId);
  return changePoints(
    room,
    [{ op: 'timingPoint', event: room.id, point }, eventOp(room, [...others, point])],
    () => {
      room.timingPoints.set(pointId, point);
      // A point moved before any passing changes nobody's race; its future passings use the new distance.
    },
    () => ({ id: point.id, name: point.name, at: point.at }),
  );
}

/** A new key for a point (the old one stops working at once); answered here only. */
export function newTimingKey(room: Room, pointId: string): Effects<string | null> {
  const current = room.timingPoints.get(pointId);
  if (!current) return nothing(null);
  const key = room.deps.secrets.newToken();
  const point = { ...current, keyHash: room.deps.secrets.hash(key) };
  return {
    send: [],
    write: [{ op: 'timingPoint', event: room.id, point }],
    commit: () => {
      if (room.timingPoints.has(pointId)) room.timingPoints.set(pointId, point);
      return { send: [], result: key };
    },
  };
}

/** Remove a point: its decoder's key stops working; the passings it brought stay in the races and the store. */
export function removeTimingPoint(room: Room, pointId: string): Effects<boolean> {
  if (!room.timingPoints.has(pointId)) return nothing(false);
  const others = [...room.timingPoints.values()].filter((p) => p.id !== pointId);
  return changePoints(
    room,
    [{ op: 'deleteTimingPoint', event: room.id, pointId }, eventOp(room, others)],
    () => room.timingPoints.delete(pointId),
    () => true,
  );
}

/** Whether `keyHash` is the point's key. */
export function pointFor(room: Room, pointId: string, keyHash: string): TimingPointRecord | null {
  const point = room.timingPoints.get(pointId);
  return point && point.keyHash === keyHash ? point : null;
}

/**
 * What a point's decoder sent in one batch: passings (already read from JSON or decoder lines), lines that
 * could not be read (`malformed`), and whether it said it is alive. Each passing is checked against the
 * clock (a decoder's clock may be wrong: more than 5 minutes ahead, or a week old, is refused and counted),
 * kept once, and put into the races once durable.
 */
export function takePassings(
  room: Room,
  pointId: string,
  keyHash: string,
  batch: { passings: DecoderPassing[]; malformed: number },
): Effects<PassingOutcome> {
  const point = room.timingPoints.get(pointId);
  if (!point) return refuse(NO_POINT);
  if (point.keyHash !== keyHash) return refuse(UNKNOWN_KEY);
  const now = room.now();
  const refused: Partial<Record<PassingRefusal, number>> = {};
  const count = (reason: PassingRefusal, n = 1) => (refused[reason] = (refused[reason] ?? 0) + n);
  if (batch.malformed) count('malformed', batch.malformed);
  const fresh: StoredPassing[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const p of batch.passings) {
    if (p.t > now + LIMITS.maxFutureMs) count('in_future');
    else if (p.t < now - LIMITS.maxPastMs) count('too_old');
    else {
      const chip = chipKey(p.chip);
      const key = `${chip}\u0000${p.t}`;
      if (seen.has(key)) {
        duplicates++;
        continue;
      }
      seen.add(key);
      fresh.push({ point: pointId, chip, t: p.t, loop: p.loop, lap: p.lap, battery: p.battery, rewind: p.rewind, receivedAt: now });
    }
  }
  return {
    send: [],
    write: fresh.map((passing): WriteOp => ({ op: 'passing', event: room.id, passing })),
    commit: (arrivals) => {
      const outcome: PassingOutcome = { stored: 0, duplicates, unknown: 0, refused };
      room.chips.heard(pointId, now);
      fresh.forEach((passing, i) => {
        if (arrivals[i] == null) {
          outcome.duplicates++;
          return;
        }
        outcome.stored++;
        if (!room.runnerByChip(passing.chip)) outcome.unknown++;
        room.applyPassing(passing, now);
      });
      if (outcome.stored) room.snapshotCache = null;
      return { send: [], result: outcome };
    },
  };
}

/** A decoder said it is alive (`*`) or connected: the organiser sees when it was last heard. */
export function decoderHeard(room: Room, pointId: string, keyHash: string): Effects<'heard'> {
  if (!pointFor(room, pointId, keyHash)) return refuse(room.timingPoints.has(pointId) ? UNKNOWN_KEY : NO_POINT);
  const now = room.now();
  return {
    send: [],
    write: [],
    commit: () => {
      room.chips.heard(pointId, now);
      return { send: [], result: 'heard' };
    },
  };
}

/** The organiser's view: every point with its decoder's activity, and the unknown chips. */
export function timingView(room: Room, chipsShown = 200): TimingView {
  const points = [...room.timingPoints.values()]
    .sort((a, b) => a.at - b.at || a.createdAt - b.createdAt)
    .map((p) => ({ id: p.id, name: p.name, at: p.at, timeZone: p.timeZone, ...(room.chips.activity.get(p.id) ?? { passings: 0, heardAt: null }) }));
  const unknown = [...room.chips.unknown.entries()]
    .map(([chip, u]) => ({ chip, passings: u.passings, lastT: u.lastT, points: [...u.points] }))
    .sort((a, b) => b.passings - a.passings || b.lastT - a.lastT || (a.chip < b.chip ? -1 : 1));
  return { points, unknownChips: unknown.slice(0, chipsShown), unknownCount: unknown.length };
}
