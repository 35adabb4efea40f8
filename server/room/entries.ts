/**
 * The start list: entries imported or added by the organiser (each one a runner, listed before any phone or
 * mat places them), edited, and claimed from a phone by bib with the entry's claim code. A bib belongs to one
 * runner: joining with a taken bib is refused, never a second runner with it.
 */
import { bibKey } from '../../lib/course/search';
import { type Entry, chipKey, ClaimCodeSchema, entryName, type EntryFields, fromStartList } from '../../lib/entries/entry';
import { ageGroupOf } from '../../lib/entries/age-group';
import { ErrorCode } from '../../lib/protocol';
import type { RunnerRecord, WriteOp } from '../storage/store';
import { type Effects, nothing, refuse, reply } from './effects';
import { RunnerTrack } from './runner-track';
import type { Room } from './state';

/** Why one entry of a list cannot be taken, by its place in the list (from 0). */
export interface EntryProblem {
  index: number;
  bib: string;
  message: string;
}

export interface ImportOutcome {
  created: number;
  updated: number;
  /** When some entries cannot be taken, none is: the list is saved whole or not at all. */
  problems: EntryProblem[];
}

/** An entry as the organiser sees it (claim code included). */
export interface EntryView {
  runnerId: string;
  bib: string;
  name: string;
  entry: Entry;
  /** A phone has claimed it. */
  claimed: boolean;
  /** A fix, a mat or a satellite has placed the runner. */
  seen: boolean;
}

/** Colours start-list runners start with; spectators' pages give near neighbours distinct ones anyway. */
const PALETTE = ['#1f78b4', '#33a02c', '#e31a1c', '#ff7f00', '#6a3d9a', '#b15928', '#a6cee3', '#fb9a99'];

/** Problems of a list against itself and the event: bibs and chips must each be one runner's. */
export function checkEntries(room: Room, list: readonly EntryFields[], editing: string | null = null): EntryProblem[] {
  const problems: EntryProblem[] = [];
  const bibs = new Map<string, number>();
  const chips = new Map<string, number>();
  list.forEach((e, index) => {
    const problem = (message: string) => problems.push({ index, bib: e.bib, message });
    const key = bibKey(e.bib);
    if (bibs.has(key)) problem(`bib ${e.bib} is in the list twice (entry ${bibs.get(key)! + 1}): give each runner their own`);
    else bibs.set(key, index);
    const holder = room.runnerByBib(e.bib);
    if (editing !== null && holder && holder.id !== editing) problem(`bib ${e.bib} is ${holder.record.name}'s already`);
    else if (editing === null && holder && !fromStartList(holder.record.entry)) {
      problem(`bib ${e.bib} belongs to ${holder.record.name}, who joined by phone: change their bib or this entry's`);
    }
    if (e.chip) {
      const chip = chipKey(e.chip);
      if (chips.has(chip)) problem(`chip ${e.chip} is in the list twice (entry ${chips.get(chip)! + 1}): give each runner their own`);
      else chips.set(chip, index);
      const owner = room.runnerByChip(e.chip);
      const target = editing !== null ? room.runners.get(editing) : holder;
      // Another runner's chip, unless that runner's entry is in this list too (it changes with it).
      const moving = editing === null && owner?.record.bib != null && list.some((x) => bibKey(x.bib) === bibKey(owner.record.bib!));
      if (owner && owner !== target && !moving) problem(`chip ${e.chip} is bib ${owner.record.bib ?? '?'}'s (${owner.record.name})`);
    }
  });
  return problems;
}

/**
 * Entries from a start list: a bib already on the list updates its entry (its claim code and claim stay),
 * a new bib adds a runner. All or nothing: any problem and nothing is saved (`problems` says why).
 */
export function importEntries(room: Room, given: readonly EntryFields[]): Effects<ImportOutcome> {
  const list = given.map((e) => withAgeGroup(e, room.now()));
  if (room.info.status === 'finished') {
    return refuse({ code: ErrorCode.EventFinished, status: 403, message: 'This event has finished; its start list stays as it was.' });
  }
  const problems = checkEntries(room, list);
  if (problems.length) return nothing({ created: 0, updated: 0, problems });
  const now = room.now();
  const records: RunnerRecord[] = [];
  const fresh = new Set<string>();
  for (const e of list) {
    const existing = room.runnerByBib(e.bib);
    const { bib, ...fields } = e;
    if (existing && fromStartList(existing.record.entry)) {
      records.push({ ...existing.record, name: entryName(e), bib, entry: { ...fields, claimCode: existing.record.entry.claimCode } });
      continue;
    }
    let id = room.deps.secrets.newRunnerId();
    while (room.runners.has(id) || room.reservedIds.has(id) || fresh.has(id)) id = room.deps.secrets.newRunnerId();
    fresh.add(id);
    records.push({
      id,
      event: room.id,
      name: entryName(e),
      color: PALETTE[(room.runners.size + fresh.size) % PALETTE.length]!,
      tokenHash: null,
      deviceKeyHash: null,
      joinedAt: now,
      stopped: false,
      bib,
      entry: { ...fields, claimCode: room.deps.secrets.newClaimCode() },
    });
  }
  if (room.runners.size + room.reservedIds.size + fresh.size > room.quotas.maxRunners) {
    return refuse({
      code: ErrorCode.QuotaExceeded,
      status: 429,
      message: `This event takes at most ${room.quotas.maxRunners} runners and the list adds ${fresh.size}: raise the runner limit first.`,
    });
  }
  for (const id of fresh) room.reservedIds.add(id);
  const release = () => {
    for (const id of fresh) room.reservedIds.delete(id);
  };
  return {
    send: [],
    write: records.map((runner): WriteOp => ({ op: 'runner', runner })),
    commit: () => {
      release();
      for (const record of records) {
        const r = room.runners.get(record.id);
        if (r) r.record = { ...r.record, name: record.name, bib: record.bib, entry: record.entry };
        else if (fresh.has(record.id)) room.runners.set(record.id, new RunnerTrack(record, room.trailBudget));
        const track = room.runners.get(record.id);
        if (track) room.dirty.add(track.id);
      }
      afterEntriesChanged(room);
      return { send: [], result: { created: fresh.size, updated: records.length - fresh.size, problems: [] } };
    },
    abort: release,
  };
}

/** The organiser corrects one entry (bib, name, chip …); its claim code and claim stay. */
export function editEntry(room: Room, runnerId: string, given: EntryFields): Effects<ImportOutcome | null> {
  const fields = withAgeGroup(given, room.now());
  const r = room.runners.get(runnerId);
  if (!r || !fromStartList(r.record.entry)) return nothing(null);
  const problems = checkEntries(room, [fields], runnerId);
  if (problems.length) return nothing({ created: 0, updated: 0, problems });
  const { bib, ...rest } = fields;
  const record: RunnerRecord = { ...r.record, name: entryName(fields), bib, entry: { ...rest, claimCode: r.record.entry.claimCode } };
  return {
    send: [],
    write: [{ op: 'runner', runner: record }],
    commit: () => {
      const now = room.runners.get(runnerId);
      if (now) {
        now.record = { ...now.record, name: record.name, bib, entry: record.entry };
        room.dirty.add(runnerId);
      }
      afterEntriesChanged(room);
      return { send: [], result: { created: 0, updated: 1, problems: [] } };
    },
  };
}

/**
 * A new claim code for an entry (the printed one was lost, or a phone claimed it that should not have): the
 * phone that claimed it is let go, and the runner claims it again with the new code. The code is answered.
 */
export function newClaimCode(room: Room, runnerId: string): Effects<string | null> {
  const r = room.runners.get(runnerId);
  if (!r || !fromStartList(r.record.entry)) return nothing(null);
  const code = room.deps.secrets.newClaimCode();
  const entry: Entry = { ...r.record.entry, claimCode: code };
  return {
    send: [],
    write: [
      { op: 'runner', runner: { ...r.record, entry } },
      { op: 'runnerToken', event: room.id, runnerId, tokenHash: null },
    ],
    commit: () => {
      const claimed = r.record.tokenHash !== null;
      r.record = { ...r.record, entry, tokenHash: null };
      const message = 'The organiser gave this entry a new claim code: enter it with your bib to carry on.';
      return claimed
        ? // As a refused resume: the phone forgets the old token and joins again, and is asked for the new code.
          { send: [{ to: { runner: runnerId }, msg: { type: 'error', code: ErrorCode.BadToken, message, ref: 'resume' } }], sessions: [{ unbindRunner: runnerId }], result: code }
        : { send: [], result: code };
    },
  };
}

/**
 * A phone joins with the bib of runner `r`: it becomes that runner when `r` is a start-list entry nobody has
 * claimed and `code` is its claim code. Every other case is refused with what to do; the runner page asks
 * for the code when told it is needed.
 */
export function claimEntry(room: Room, r: RunnerTrack, code: string | undefined, color: string): Effects<{ runnerId: string }> {
  const bib = r.record.bib ?? '';
  if (room.info.status === 'finished') {
    return refuse({ code: ErrorCode.EventFinished, status: 403, message: 'This event has finished; it no longer takes runners.' }, 'join');
  }
  if (!fromStartList(r.record.entry)) {
    return refuse(
      { code: ErrorCode.BibTaken, status: 409, message: `Bib ${bib} belongs to another runner: check the number on your bib, or leave it empty and tell the organiser.` },
      'join',
    );
  }
  if (r.record.tokenHash !== null || room.claiming.has(r.id)) {
    return refuse(
      { code: ErrorCode.BibClaimed, status: 409, message: `Bib ${bib} was claimed on another phone already: ask the organiser for a new claim code.` },
      'join',
    );
  }
  if (!code) {
    return refuse(
      { code: ErrorCode.ClaimRequired, status: 403, message: `Bib ${bib} is on the start list: enter the claim code the organiser gave you with it.` },
      'join',
    );
  }
  const parsed = ClaimCodeSchema.safeParse(code);
  if (!parsed.success || parsed.data !== r.record.entry.claimCode) {
    return refuse(
      { code: ErrorCode.BadClaimCode, status: 403, message: `That is not the claim code of bib ${bib}: check it (8 letters and digits) or ask the organiser.` },
      'join',
    );
  }
  const token = room.deps.secrets.newToken();
  const tokenHash = room.deps.secrets.hash(token);
  const now = room.now();
  room.claiming.add(r.id);
  return {
    send: [],
    write: [
      { op: 'runner', runner: { ...r.record, color } },
      { op: 'runnerToken', event: room.id, runnerId: r.id, tokenHash },
    ],
    commit: () => {
      room.claiming.delete(r.id);
      if (room.runners.get(r.id) !== r) return { send: [reply(room.removedError())] };
      r.record = { ...r.record, color, tokenHash };
      r.lastHeard = Math.max(r.lastHeard, now);
      room.lastActivity = Math.max(room.lastActivity, now);
      room.dirty.add(r.id);
      const joined = { type: 'joined', event: room.id, runnerId: r.id, token, name: r.record.name, color, lastSeq: r.contiguous, cheers: r.cheers } as const;
      return { send: [reply(joined)], sessions: [{ bind: r.id }], result: { runnerId: r.id } };
    },
    abort: () => room.claiming.delete(r.id),
  };
}

/** Every start-list entry, in bib order, for the organiser. */
export function entryViews(room: Room): EntryView[] {
  const out: EntryView[] = [];
  for (const r of room.runners.values()) {
    const entry = r.record.entry;
    if (!fromStartList(entry)) continue;
    out.push({ runnerId: r.id, bib: r.record.bib ?? '', name: r.record.name, entry, claimed: r.record.tokenHash !== null, seen: r.last !== null || r.mats.length > 0 });
  }
  return out.sort((a, b) => a.bib.localeCompare(b.bib, 'en', { numeric: true }));
}

/** An entry with a birth year and no age group gets the group of its age in the race's year. */
function withAgeGroup(e: EntryFields, now: number): EntryFields {
  return e.ageGroup || e.birthYear === null ? e : { ...e, ageGroup: ageGroupOf(e, new Date(now).getUTCFullYear()) };
}

/** Bibs and chips moved: look-ups again, mats of chips new to an entry into its race, standings again. */
export function afterEntriesChanged(room: Room): void {
  room.reindex();
  room.adoptUnknownChips(room.now());
  room.snapshotCache = null;
  room.raceMoved = room.course !== null;
  room.recount();
}
