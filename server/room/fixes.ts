/**
 * Fixes from the runner's page: numbered by the phone, checked against the clock and the event's allowance,
 * made durable, then acknowledged and drawn. A fix that can never be taken is settled for good (stored as a
 * skip), so the acknowledgement moves past it and the phone's outbox lets it go.
 */
import { ErrorCode, LIMITS, type PositionMessage } from '../../lib/protocol';
import type { StoredPosition, WriteOp } from '../storage/store';
import { type Delivery, type Effects, refuse, reply } from './effects';
import { isBrowserSeq, type RunnerTrack } from './runner-track';
import type { Room } from './state';

export function position(room: Room, runnerId: string, msg: PositionMessage): Effects {
  const r = room.runners.get(runnerId);
  if (!r) return { send: [reply(room.removedError())], write: [] };
  if (room.info.status === 'finished') {
    return refusePosition(room, runnerId, msg.seq, 'This event has finished; positions are no longer taken.', ErrorCode.EventFinished);
  }
  const now = room.now();
  if (msg.t > now + LIMITS.maxFutureMs) {
    return refusePosition(room, runnerId, msg.seq, 'Fix time is more than 5 minutes in the future: set the phone clock automatically.');
  }
  if (msg.t < now - LIMITS.maxPastMs) return refusePosition(room, runnerId, msg.seq, 'Fix is more than 7 days old and is not taken.');
  // Duplicates are acknowledged again: the first ack may have been lost with the connection.
  if (r.settled(msg.seq)) return { send: [reply({ type: 'ack', seq: r.contiguous })], write: [] };
  if (r.inflight.has(msg.seq)) return { send: [], write: [], commit: () => ({ send: [reply({ type: 'ack', seq: r.contiguous })] }) };
  const quota = room.fixQuota(r, now);
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
  return store(room, r, pos, now, () => [reply({ type: 'ack', seq: r.contiguous })]);
}

/** Write a fix, then put it in the live picture (only if it was new) and say what to answer. */
function store(room: Room, r: RunnerTrack, pos: StoredPosition, now: number, answer: () => Delivery[]): Effects {
  r.inflight.add(pos.seq);
  const write: WriteOp[] = [{ op: 'position', event: room.id, runnerId: r.id, pos }];
  const restart = r.record.stopped;
  if (restart) write.push({ op: 'runner', runner: { ...r.record, stopped: false } });
  return {
    send: [],
    write,
    commit: (arrivals) => {
      r.inflight.delete(pos.seq);
      if (room.runners.get(r.id) !== r) return { send: answer() };
      if (isBrowserSeq(pos.seq)) r.settle(pos.seq);
      if (restart) {
        r.record = { ...r.record, stopped: false };
        room.markDirty(r);
      }
      const arrival = arrivals[0] ?? null;
      if (arrival !== null) room.applyFix(r, pos, now, arrival);
      return { send: answer() };
    },
    abort: () => r.inflight.delete(pos.seq),
  };
}

/**
 * Refuse a fix for good. Its sequence number is settled (and stored as such), so the acknowledgement can
 * move past it and the runner's outbox drops it instead of resending it for ever.
 */
export function refusePosition(
  room: Room,
  runnerId: string | null,
  seq: number | undefined,
  message: string,
  code: ErrorCode = ErrorCode.BadPosition,
): Effects {
  const error: Delivery = reply({ type: 'error', code, message, ref: 'pos', ...(seq !== undefined ? { seq } : {}) });
  const r = runnerId ? room.runners.get(runnerId) : undefined;
  if (!r || seq === undefined || !isBrowserSeq(seq)) return { send: [error], write: [] };
  const ack = () => [reply({ type: 'ack', seq: r.contiguous })];
  if (r.settled(seq) || r.inflight.has(seq)) return { send: [error], write: [], commit: () => ({ send: ack() }) };
  r.inflight.add(seq);
  return {
    send: [error],
    write: [{ op: 'skip', event: room.id, runnerId: r.id, seq }],
    commit: (arrivals) => {
      r.inflight.delete(seq);
      r.settle(seq);
      if (arrivals[0] != null) room.appliedArrival = Math.max(room.appliedArrival, arrivals[0]);
      return { send: ack() };
    },
    abort: () => r.inflight.delete(seq),
  };
}
