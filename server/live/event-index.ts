/**
 * What every request needs before any room is loaded: which events exist (name, status, hashes, limits) and
 * which share-link token opens which event. Small, kept in memory, read from the store at start-up and kept
 * in step with every committed change.
 */
import { type EventInfo, type ShareLink, shareLinkState, type ShareLinkState } from '../../lib/protocol';
import { slugify } from '../../lib/slug';
import type { EventRecord } from '../storage/store';

export interface ListedEvent extends EventInfo {
  /** Runners with a fix, for public events; null for protected ones. */
  runners: number | null;
  active: number | null;
}

export class EventIndex {
  private readonly events = new Map<string, EventRecord>();
  private readonly links = new Map<string, { event: string; link: ShareLink }>();
  /** Ids handed out to events whose creation is still being written. */
  private readonly reserved = new Set<string>();

  load(data: { events: EventRecord[]; links: Array<{ event: string; link: ShareLink }> }): void {
    for (const e of data.events) this.events.set(e.info.id, e);
    for (const l of data.links) this.links.set(l.link.token, l);
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
    for (const [token, l] of this.links) if (l.event === id) this.links.delete(token);
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

  /** What a share link's token opens, and whether it still does. */
  resolveLink(token: string, now = Date.now()): { event: EventInfo; link: ShareLink; state: ShareLinkState } | null {
    const found = this.links.get(token);
    const ev = found && this.events.get(found.event);
    if (!found || !ev) return null;
    return { event: ev.info, link: found.link, state: shareLinkState(found.link, now) };
  }

  /** Every event, newest first; `counts` gives runner counts for loaded rooms. */
  list(counts: (id: string) => { runners: number; active: number } | null): ListedEvent[] {
    return [...this.events.values()]
      .map(({ info }) => {
        const c = info.protected ? null : counts(info.id);
        return { ...info, runners: info.protected ? null : (c?.runners ?? null), active: info.protected ? null : (c?.active ?? null) };
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
