/**
 * What every request needs before any room is loaded: which events exist (name, status, hashes, limits),
 * how many runners each has, which share-link token opens which event, and whose each device key is. Small,
 * kept in memory, read from the store at start-up and kept in step with every committed change.
 */
import { type EventInfo, eventShownToAnyone, type ShareLink, shareLinkState, type ShareLinkState } from '../../lib/protocol';
import { slugify } from '../../lib/slug';
import type { EventRecord, StoredIndex } from '../storage/store';

/** How many runners an event has on the map, and how many of them are sending now. */
export interface FieldCounts {
  runners: number;
  active: number;
}

/** Counts of the runners a room has: those on the map, and those of them sending now. */
export function fieldCounts(runners: Iterable<{ visible: boolean; status: string }>): FieldCounts {
  let seen = 0;
  let active = 0;
  for (const r of runners) {
    if (!r.visible) continue;
    seen++;
    if (r.status === 'active') active++;
  }
  return { runners: seen, active };
}

export interface ListedEvent extends EventInfo {
  /** Runners with a fix, for public events; null for protected ones. */
  runners: number | null;
  active: number | null;
}

export interface KeyOwner {
  event: string;
  runnerId: string;
}

export class EventIndex {
  private readonly events = new Map<string, EventRecord>();
  private readonly links = new Map<string, { event: string; link: ShareLink }>();
  private readonly counts = new Map<string, FieldCounts>();
  /** Device keys by hash. May hold a key revoked elsewhere a moment ago: the room has the last word. */
  private readonly keys = new Map<string, KeyOwner>();
  /** Ids handed out to events whose creation is still being written. */
  private readonly reserved = new Set<string>();

  load(data: StoredIndex): void {
    for (const e of data.events) this.events.set(e.info.id, e);
    for (const l of data.links) this.links.set(l.link.token, l);
    // A room that is loaded knows better (it counts who is sending now): keep what it said.
    for (const c of data.runnersSeen) if (!this.counts.has(c.event)) this.counts.set(c.event, { runners: c.runners, active: 0 });
    for (const k of data.deviceKeys) this.keys.set(k.hash, { event: k.event, runnerId: k.runnerId });
  }

  get(id: string): EventRecord | undefined {
    return this.events.get(id);
  }

  info(id: string): EventInfo | undefined {
    return this.events.get(id)?.info;
  }

  has(id: string): boolean {
    return this.events.has(id);
  }

  put(record: EventRecord): void {
    this.events.set(record.info.id, record);
  }

  delete(id: string): void {
    this.events.delete(id);
    this.counts.delete(id);
    for (const [token, l] of this.links) if (l.event === id) this.links.delete(token);
    for (const [hash, k] of this.keys) if (k.event === id) this.keys.delete(hash);
  }

  /** The event's counts changed (a loaded room says so); false when they are what the index had. */
  setCounts(id: string, counts: FieldCounts): boolean {
    const known = this.counts.get(id);
    if (!this.events.has(id) || (known?.runners === counts.runners && known.active === counts.active)) return false;
    this.counts.set(id, counts);
    return true;
  }

  /** Whose device key this is (by its hash), as far as this index knows. */
  deviceKey(hash: string): KeyOwner | undefined {
    return this.keys.get(hash);
  }

  putDeviceKey(hash: string, owner: KeyOwner): void {
    this.keys.set(hash, owner);
  }

  /** The key was revoked or replaced, or its runner removed. */
  dropDeviceKey(hash: string): void {
    this.keys.delete(hash);
  }

  putLink(event: string, link: ShareLink): void {
    this.links.set(link.token, { event, link });
  }

  /** An id for a new event from its name, unique among events and creations under way; release it if unused. */
  reserveId(name: string): string {
    const base = slugify(name);
    let id = base;
    for (let n = 2; this.events.has(id) || this.reserved.has(id); n++) id = `${base}-${n}`;
    this.reserved.add(id);
    return id;
  }

  release(id: string): void {
    this.reserved.delete(id);
  }

  /** An event's share link by its id (not its token), whatever its state. */
  linkById(event: string, id: string): ShareLink | undefined {
    for (const l of this.links.values()) if (l.event === event && l.link.id === id) return l.link;
    return undefined;
  }

  /** What a share link's token opens, and whether it still does. */
  resolveLink(token: string, now = Date.now()): { event: EventInfo; link: ShareLink; state: ShareLinkState } | null {
    const found = this.links.get(token);
    const ev = found && this.events.get(found.event);
    if (!found || !ev) return null;
    return { event: ev.info, link: found.link, state: shareLinkState(found.link, now) };
  }

  /**
   * Every event, newest first, as anyone may see it: public events with their counts, whether or not their
   * room is loaded; protected ones with their name and status only.
   */
  list(): ListedEvent[] {
    return [...this.events.values()]
      .map(({ info }): ListedEvent => {
        if (info.protected) return { ...eventShownToAnyone(info), runners: null, active: null };
        const c = this.counts.get(info.id);
        return { ...info, runners: c?.runners ?? 0, active: c?.active ?? 0 };
      })
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  get size(): number {
    return this.events.size;
  }

  ids(): string[] {
    return [...this.events.keys()];
  }
}
