/**
 * The organiser's decisions about the event as a whole (ending it, a view code, its limits) and the
 * event's happiness, sampled every interval.
 */
import type { EventInfo, HappinessSample } from '../../lib/protocol';
import type { EventQuotas, EventRecord } from '../storage/store';
import { type Delivery, type Effects, nothing } from './effects';
import { sample, SAMPLES_KEPT } from './happiness';
import type { Room } from './state';

export function finish(room: Room): Effects<EventInfo> {
  if (room.info.status === 'finished') return nothing(room.info);
  const info: EventInfo = { ...room.info, status: 'finished' };
  return changeEvent(room, { ...room.eventRecord(), info }, () => [{ to: { event: true }, msg: { type: 'event', event: room.info } }]);
}

/** Protect the event (a view code's hash) or lift protection (null). */
export function setViewCode(room: Room, hash: string | null): Effects<EventInfo> {
  const info: EventInfo = { ...room.info, protected: hash !== null };
  const effects = changeEvent(room, { ...room.eventRecord(), info, viewCodeHash: hash }, () => [
    { to: { event: true }, msg: { type: 'event', event: room.info } },
  ]);
  const commit = effects.commit!;
  return { ...effects, commit: (a) => ({ ...commit(a), sessions: hash !== null ? [{ recheckAccess: true }] : [] }) };
}

export function setQuotas(room: Room, overrides: Partial<EventQuotas>): Effects<EventQuotas> {
  const merged = { ...room.quotaOverrides, ...overrides };
  const effects = changeEvent(room, { ...room.eventRecord(), quotas: merged }, () => []);
  const commit = effects.commit!;
  return { send: [], write: effects.write, commit: (a) => ({ send: commit(a).send, result: room.quotas }) };
}

function changeEvent(room: Room, record: EventRecord, news: () => Delivery[]): Effects<EventInfo> {
  return {
    send: [],
    write: [{ op: 'event', record }],
    commit: () => {
      room.info = record.info;
      room.viewCodeHash = record.viewCodeHash;
      room.quotaOverrides = record.quotas;
      room.snapshotCache = null;
      return { send: news(), result: room.info };
    },
  };
}

export function verifyOrganiser(room: Room, token: string): boolean {
  return room.organiserHash !== '' && room.deps.secrets.verify(token, room.organiserHash);
}

/** This interval's happiness sample, kept and then sent to spectators; null once the event has finished. */
export function sampleHappiness(room: Room): Effects<HappinessSample> | null {
  if (room.info.status !== 'live') return null;
  const s = sample(room.runners.values(), room.now(), room.deps.timings.activeWindowMs);
  return {
    send: [],
    write: [{ op: 'sample', event: room.id, sample: s }],
    commit: () => {
      room.happiness.push(s);
      if (room.happiness.length > SAMPLES_KEPT) room.happiness.splice(0, room.happiness.length - SAMPLES_KEPT);
      room.snapshotCache = null;
      return { send: [{ to: { event: true }, msg: { type: 'happiness', event: room.id, sample: s } }], result: s };
    },
  };
}
