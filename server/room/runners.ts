/**
 * A runner's life in the event: joining (an id and a token the server picks), coming back with the token,
 * happiness, stopping on purpose, and being removed with every trace. Nothing changes before its write commits.
 */
import { bibKey } from '../../lib/course/search';
import { ErrorCode, type ServerMessage } from '../../lib/protocol';
import { ageGroupOf } from '../../lib/entries/age-group';
import { type Entry, type JoinDetails, saysAnything } from '../../lib/entries/entry';
import type { RunnerRecord } from '../storage/store';
import { type Effects, nothing, refuse, reply } from './effects';
import { afterEntriesChanged } from './entries';
import { RunnerTrack } from './runner-track';
import type { Room } from './state';

export function join(room: Room, name: string, color: string, bib: string | null = null, details: JoinDetails | null = null): Effects<{ runnerId: string }> {
  if (room.info.status === 'finished') {
    return refuse({ code: ErrorCode.EventFinished, status: 403, message: 'This event has finished; it no longer takes runners.' }, 'join');
  }
  if (room.runners.size + room.reservedIds.size >= room.quotas.maxRunners) {
    return refuse(
      { code: ErrorCode.QuotaExceeded, status: 429, message: `This event takes at most ${room.quotas.maxRunners} runners: ask the organiser.` },
      'join',
    );
  }
  // The caller made sure nobody has the bib (commands.ts); nobody may take it while this join is written either.
  const pendingBib = bib ? bibKey(bib) : null;
  if (pendingBib !== null && room.pendingBibs.has(pendingBib)) {
    return refuse({ code: ErrorCode.BibTaken, status: 409, message: `Bib ${bib} belongs to another runner: check the number on your bib, or leave it empty and tell the organiser.` }, 'join');
  }
  const { secrets } = room.deps;
  let id = secrets.newRunnerId();
  while (room.runners.has(id) || room.reservedIds.has(id)) id = secrets.newRunnerId();
  room.reservedIds.add(id);
  if (pendingBib !== null) room.pendingBibs.add(pendingBib);
  const release = () => {
    room.reservedIds.delete(id);
    if (pendingBib !== null) room.pendingBibs.delete(pendingBib);
  };
  const token = secrets.newToken();
  const now = room.now();
  const record: RunnerRecord = {
    id,
    event: room.id,
    name,
    color,
    tokenHash: secrets.hash(token),
    deviceKeyHash: null,
    joinedAt: now,
    stopped: false,
    bib,
    entry: saysAnything(details) ? walkInEntry(room, name, details) : null,
  };
  return {
    send: [],
    write: [{ op: 'runner', runner: record }],
    commit: () => {
      release();
      const r = new RunnerTrack(record, room.trailBudget);
      r.lastHeard = now;
      room.runners.set(id, r);
      if (record.entry) afterEntriesChanged(room);
      else if (bib) room.reindex();
      room.lastActivity = Math.max(room.lastActivity, now);
      return { send: [reply(joinedMsg(room, r, token))], sessions: [{ bind: id }], result: { runnerId: id } };
    },
    abort: release,
  };
}

/** A runner's own details as their entry: in no wave, with no chip, their age group from the birth year. */
function walkInEntry(room: Room, name: string, d: JoinDetails): Entry {
  const raceYear = new Date(room.now()).getUTCFullYear();
  return {
    firstName: null,
    lastName: name,
    sex: d.sex,
    birthYear: d.birthYear,
    ageGroup: ageGroupOf({ sex: d.sex, birthYear: d.birthYear, ageGroup: null }, raceYear),
    category: d.category,
    club: d.club,
    wave: null,
    chip: null,
    claimCode: room.deps.secrets.newClaimCode(),
    walkIn: true,
  };
}

export function resume(room: Room, runnerId: string, token: string, name?: string, color?: string): Effects {
  const r = room.runners.get(runnerId);
  // One answer for an unknown id and a wrong token, so ids cannot be probed.
  if (!r || r.record.tokenHash === null || !room.deps.secrets.verify(token, r.record.tokenHash)) {
    return refuse({ code: ErrorCode.BadToken, status: 403, message: 'Unknown runner or wrong token: join again as a new runner.' }, 'resume');
  }
  const renamed = (name && name !== r.record.name) || (color && color !== r.record.color);
  const record = renamed ? { ...r.record, name: name ?? r.record.name, color: color ?? r.record.color } : r.record;
  return {
    send: [],
    // Answered after whatever is being written, so `lastSeq` counts fixes that were on their way.
    write: renamed ? [{ op: 'runner', runner: record }] : [],
    commit: () => {
      const current = room.runners.get(runnerId);
      if (!current) return { send: [reply(room.removedError())] };
      if (renamed) {
        current.record = { ...current.record, name: record.name, color: record.color };
        room.markDirty(current);
      }
      return { send: [reply(joinedMsg(room, current))], sessions: [{ bind: runnerId }] };
    },
  };
}

function joinedMsg(room: Room, r: RunnerTrack, token?: string): ServerMessage {
  return {
    type: 'joined',
    event: room.id,
    runnerId: r.id,
    ...(token ? { token } : {}),
    name: r.record.name,
    color: r.record.color,
    lastSeq: r.contiguous,
    cheers: r.cheers,
  };
}

export function mood(room: Room, runnerId: string, value: number): Effects {
  const r = room.runners.get(runnerId);
  if (!r) return { send: [reply(room.removedError())], write: [] };
  const now = room.now();
  // A phone says its mood again on every reconnect: the same mood is nothing new (the console keeps its
  // acknowledgement of a low one), only a sign of life.
  if (r.mood === value) {
    return {
      send: [],
      write: [],
      commit: () => {
        r.lastHeard = Math.max(r.lastHeard, now);
        room.lastActivity = Math.max(room.lastActivity, now);
        return { send: [] };
      },
    };
  }
  return {
    send: [],
    write: [{ op: 'mood', event: room.id, runnerId, value, t: now }],
    commit: () => {
      r.mood = value;
      r.moodAt = now;
      r.lastHeard = Math.max(r.lastHeard, now);
      room.lastActivity = Math.max(room.lastActivity, now);
      room.markDirty(r);
      return { send: [] };
    },
  };
}

/** The runner stopped sharing on purpose. */
export function stop(room: Room, runnerId: string): Effects {
  const r = room.runners.get(runnerId);
  if (!r) return { send: [reply(room.removedError())], write: [] };
  if (r.record.stopped) return nothing();
  const record = { ...r.record, stopped: true };
  return {
    send: [],
    write: [{ op: 'runner', runner: record }],
    commit: () => {
      r.record = { ...r.record, stopped: true };
      r.status = 'stopped';
      room.markDirty(r);
      return { send: [] };
    },
  };
}

/** Remove a runner and every trace of them (organiser's decision, or the runner's own). */
export function removeRunner(room: Room, runnerId: string): Effects<boolean> {
  if (!room.runners.has(runnerId)) return nothing(false);
  return {
    send: [],
    write: [{ op: 'deleteRunner', event: room.id, runnerId }],
    commit: () => {
      const r = room.runners.get(runnerId);
      if (!r) return { send: [], result: true };
      room.runners.delete(runnerId);
      room.reindex();
      room.pendingPoints.delete(runnerId);
      room.dirty.delete(runnerId);
      for (const a of [...room.alerts.values()]) if (a.runnerId === runnerId) room.alerts.delete(a.id);
      for (const k of [...room.trackers.values()]) if (k.runnerId === runnerId) room.trackers.delete(k.id);
      room.snapshotCache = null;
      if (r.visible) {
        room.removed.add(runnerId);
        room.recount();
      }
      return { send: [{ to: { runner: runnerId }, msg: room.removedError() }], sessions: [{ unbindRunner: runnerId }], result: true };
    },
  };
}

/** Whether `token` is the runner's own. */
export function verifyRunner(room: Room, runnerId: string, token: string): boolean {
  const r = room.runners.get(runnerId);
  return !!r && r.record.tokenHash !== null && room.deps.secrets.verify(token, r.record.tokenHash);
}
