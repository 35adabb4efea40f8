/**
 * Rows of the storage tables as records. Both engines name their columns alike; what differs is how a
 * column holds JSON (SQLite keeps text, PostgreSQL jsonb) and a boolean (SQLite 0/1), which `fromJson`
 * and `truthy` take care of.
 */
import { type Alert, DEFAULT_RACE, type EventStatus, type RaceInfo, type ShareLink } from '../../lib/protocol';
import type { Entry } from '../../lib/entries/entry';
import type { ControlKind, ControlRecord, EventRecord, RunnerRecord, StoredPassing, StoredPosition, TimingPointRecord, TrackerKind, TrackerRecord } from './store';

export type Row = Record<string, unknown>;

/** A JSON column as stored: text to parse in SQLite, already a value in PostgreSQL. */
const fromJson = <T>(v: unknown): T | null => (v === null || v === undefined ? null : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const truthy = (v: unknown) => v === true || v === 1;

export function eventRecord(r: Row): EventRecord {
  const viewCodeHash = (r.view_code_hash as string | null) ?? null;
  return {
    info: {
      id: r.id as string,
      name: r.name as string,
      createdAt: r.created_at as number,
      status: r.status as EventStatus,
      protected: viewCodeHash !== null,
      race: fromJson<RaceInfo>(r.race) ?? DEFAULT_RACE,
    },
    organiserHash: r.organiser_hash as string,
    viewCodeHash,
    quotas: fromJson<EventRecord['quotas']>(r.quotas) ?? {},
  };
}

export function runnerRecord(r: Row): RunnerRecord {
  return {
    id: r.id as string,
    event: r.event as string,
    name: r.name as string,
    color: r.color as string,
    // SQLite keeps an unclaimed entry's missing token as ''.
    tokenHash: (r.token_hash as string | null) || null,
    deviceKeyHash: (r.device_key_hash as string | null) ?? null,
    joinedAt: r.joined_at as number,
    stopped: truthy(r.stopped),
    bib: (r.bib as string | null) ?? null,
    entry: fromJson<Entry>(r.entry),
  };
}

export function timingPointRecord(r: Row): TimingPointRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    at: r.at as number,
    keyHash: r.key_hash as string,
    timeZone: r.time_zone as string,
    createdAt: r.created_at as number,
  };
}

export function passingRecord(r: Row): StoredPassing {
  return {
    point: r.point as string,
    chip: r.chip as string,
    t: r.t as number,
    loop: (r.loop as string | null) ?? null,
    lap: (r.lap as number | null) ?? null,
    battery: (r.battery as number | null) ?? null,
    rewind: truthy(r.rewind),
    receivedAt: r.received_at as number,
  };
}

export function controlRecord(r: Row): ControlRecord {
  return {
    kind: r.kind as ControlKind,
    id: r.id as string,
    runnerId: (r.runner as string | null) ?? null,
    body: r.body as string,
    updatedAt: Number(r.updated_at),
  };
}

export function trackerRecord(r: Row): TrackerRecord {
  return {
    id: r.id as string,
    runnerId: r.runner as string,
    kind: r.kind as TrackerKind,
    feed: r.feed as string,
    password: (r.password as string | null) ?? null,
    addedAt: r.added_at as number,
    polledAt: (r.polled_at as number | null) ?? null,
    lastT: (r.last_t as number | null) ?? null,
    error: (r.error as string | null) ?? null,
  };
}

export function linkRecord(r: Row): ShareLink {
  return {
    id: r.id as string,
    token: r.token as string,
    label: r.label as string,
    runners: fromJson<string[]>(r.runners),
    createdAt: r.created_at as number,
    expiresAt: (r.expires_at as number | null) ?? null,
    revokedAt: (r.revoked_at as number | null) ?? null,
  };
}

export function alertRecord(r: Row): Alert {
  return {
    id: r.id as string,
    runnerId: r.runner as string,
    name: r.name as string,
    kind: r.kind as Alert['kind'],
    raisedAt: r.raised_at as number,
    at: r.lat === null ? null : { lat: r.lat as number, lon: r.lon as number, t: r.t as number, acc: r.acc as number },
    source: r.source as string,
    ackedAt: (r.acked_at as number | null) ?? null,
  };
}

export function storedPosition(r: Row): StoredPosition {
  return {
    seq: r.seq as number,
    lat: r.lat as number,
    lon: r.lon as number,
    t: r.t as number,
    acc: r.acc as number,
    alt: (r.alt as number | null) ?? null,
    spd: (r.spd as number | null) ?? null,
    hdg: (r.hdg as number | null) ?? null,
    bat: (r.bat as number | null) ?? null,
  };
}
