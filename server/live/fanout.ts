/**
 * Who watches what, and one update frame per tick for each distinct choice. Spectators who follow the whole
 * event share one group; those limited to some runners (a share link, a third-party client) share a group per
 * distinct choice. Each group's frame is serialised once and the same bytes go to every member.
 *
 * A member that stops reading is skipped (never buffered without bound) and, once it reads again, gets a
 * fresh snapshot instead of what it missed; one that keeps asking while far behind is let go.
 *
 * Where the updates come from is the event's Feed: the room itself on the instance that owns the event, or
 * the owner's updates relayed over the backplane on any other. Bringing a member up to date (when it starts
 * watching, after it was skipped, after the feed lost track) is the same everywhere: a snapshot as of some
 * offset, then the feed's updates after that offset.
 */
import { CloseCode, type RunnerInfo, type ServerMessage, type TrackPoint } from '../../lib/protocol';
import type { Delta, SnapshotMessage } from '../room/state';
import { type Peer, type SharedFrame, sharedFrame } from './peer';

export interface Member {
  readonly id: number;
  readonly peer: Peer;
}

export interface Watch {
  event: string;
  /** Runners this member sees; null for all. */
  only: ReadonlySet<string> | null;
  via: 'public' | 'code' | 'link' | 'organiser';
  linkId?: string;
}

/** Where an event's updates come from, and the picture a member starts from. */
export interface Feed {
  /** The live state the offsets count in. */
  readonly epoch: string;
  /** The picture for members who see `only`: at once (the room), later (from the owner), or null when it cannot be had now. */
  snapshot(only: ReadonlySet<string> | null): SnapshotMessage | null | Promise<SnapshotMessage | null>;
  /** The updates after offset `seq`, oldest first; null when they are not all at hand any more. */
  since(seq: number): readonly Delta[] | null;
}

interface Group {
  only: ReadonlySet<string> | null;
  members: Map<number, MemberState>;
  /** Offset of the last update sent to this group. */
  prev: number;
}

interface MemberState {
  member: Member;
  watch: Watch;
  /** Missed updates (its buffer was full, or the feed lost track): bring it up to date before anything else. */
  stale: boolean;
  /** Its snapshot is on the way: live updates wait, the catch-up brings them. */
  waiting: boolean;
}

const groupKey = (only: ReadonlySet<string> | null) => (only ? [...only].sort().join(',') : '*');

export class Fanout {
  private readonly events = new Map<string, Map<string, Group>>();
  private readonly byMember = new Map<number, Map<string, { key: string }>>();
  private readonly snapshotFrames = new WeakMap<SnapshotMessage, SharedFrame>();

  constructor(
    private readonly maxBuffered = 1024 * 1024,
    private readonly feedOf: (event: string) => Feed | undefined = () => undefined,
  ) {}

  /** Start (or restart, with a fresh choice) watching, and bring the member up to date. */
  watch(member: Member, watch: Watch): void {
    this.unwatch(member.id, watch.event);
    const key = groupKey(watch.only);
    let groups = this.events.get(watch.event);
    if (!groups) {
      groups = new Map();
      this.events.set(watch.event, groups);
    }
    let group = groups.get(key);
    if (!group) {
      group = { only: watch.only, members: new Map(), prev: 0 };
      groups.set(key, group);
    }
    const state: MemberState = { member, watch, stale: true, waiting: false };
    group.members.set(member.id, state);
    let mine = this.byMember.get(member.id);
    if (!mine) {
      mine = new Map();
      this.byMember.set(member.id, mine);
    }
    mine.set(watch.event, { key });
    this.catchUp(watch.event, group, state);
  }

  unwatch(memberId: number, event: string): void {
    const mine = this.byMember.get(memberId);
    const entry = mine?.get(event);
    if (!mine || !entry) return;
    mine.delete(event);
    if (mine.size === 0) this.byMember.delete(memberId);
    const groups = this.events.get(event);
    const group = groups?.get(entry.key);
    group?.members.delete(memberId);
    if (group && group.members.size === 0) groups!.delete(entry.key);
    if (groups && groups.size === 0) this.events.delete(event);
  }

  /** Stop everything this member watches. */
  leave(memberId: number): void {
    for (const event of [...(this.byMember.get(memberId)?.keys() ?? [])]) this.unwatch(memberId, event);
  }

  /** What this member watches of `event`, if anything. */
  watching(memberId: number, event: string): Watch | null {
    return this.find(memberId, event)?.watch ?? null;
  }

  /** Everyone watching `event`, with what they watch. */
  *watchers(event: string): Iterable<{ member: Member; watch: Watch }> {
    for (const g of this.events.get(event)?.values() ?? []) for (const m of g.members.values()) yield m;
  }

  count(event?: string): number {
    let n = 0;
    const lists = event ? [this.events.get(event)] : [...this.events.values()];
    for (const groups of lists) for (const g of groups?.values() ?? []) n += g.members.size;
    return n;
  }

  hasWatchers(event: string): boolean {
    return this.events.has(event);
  }

  /** Events anyone here watches. */
  watchedEvents(): IterableIterator<string> {
    return this.events.keys();
  }

  /** A snapshot's bytes, serialised once however many receive it. */
  snapshotFrame(msg: SnapshotMessage): SharedFrame {
    let frame = this.snapshotFrames.get(msg);
    if (!frame) {
      frame = sharedFrame(msg);
      this.snapshotFrames.set(msg, frame);
    }
    return frame;
  }

  private find(memberId: number, event: string): MemberState | undefined {
    const entry = this.byMember.get(memberId)?.get(event);
    return entry ? this.events.get(event)?.get(entry.key)?.members.get(memberId) : undefined;
  }

  /**
   * The feed lost track of `event` (another owner, a gap): everyone watching it starts again from a snapshot;
   * with `staleOnly`, only those still waiting for one try again.
   */
  resync(event: string, opts: { staleOnly?: boolean } = {}): void {
    for (const group of this.events.get(event)?.values() ?? []) {
      if (!opts.staleOnly) group.prev = 0;
      for (const state of group.members.values()) {
        if (opts.staleOnly && (!state.stale || state.waiting)) continue;
        state.stale = true;
        state.waiting = false;
        this.catchUp(event, group, state);
      }
    }
  }

  /**
   * A snapshot, then the feed's updates after it. A member too far behind waits until it reads again; the
   * snapshot may come later (from the owner), and a member that left meanwhile gets nothing.
   */
  private catchUp(event: string, group: Group, state: MemberState): void {
    const feed = this.feedOf(event);
    if (!feed || state.waiting) return;
    const { peer } = state.member;
    if (peer.bufferedAmount > this.maxBuffered) {
      if (peer.bufferedAmount > this.maxBuffered * 4) peer.close(CloseCode.TooSlow, 'not reading');
      return;
    }
    const got = feed.snapshot(group.only);
    if (!(got instanceof Promise)) return this.deliver(event, group, state, feed, got);
    state.waiting = true;
    void got.then(
      (snap) => {
        if (!state.waiting || this.find(state.member.id, event) !== state) return;
        state.waiting = false;
        const now = this.feedOf(event);
        if (now) this.deliver(event, group, state, now, snap);
      },
      () => {
        state.waiting = false;
      },
    );
  }

  private deliver(event: string, group: Group, state: MemberState, feed: Feed, snap: SnapshotMessage | null): void {
    const later = snap && snap.epoch === feed.epoch ? feed.since(snap.seq) : null;
    // Not to be had now: the next update tries again.
    if (!snap || !later) return;
    state.stale = false;
    state.member.peer.sendShared(this.snapshotFrame(snap));
    let prev = snap.seq;
    for (const d of later) {
      const msg = frameFor(event, feed.epoch, d, group.only, prev);
      if (!msg) continue;
      prev = d.seq;
      state.member.peer.sendShared(sharedFrame(msg));
    }
    group.prev = Math.max(group.prev, prev);
  }

  /** Send one tick's update of `event` to everyone watching it. */
  publish(event: string, epoch: string, delta: Delta): void {
    const groups = this.events.get(event);
    if (!groups) return;
    for (const group of groups.values()) {
      const msg = frameFor(event, epoch, delta, group.only, group.prev);
      if (msg) group.prev = delta.seq;
      let frame: SharedFrame | null = null;
      for (const state of group.members.values()) {
        if (state.waiting) continue;
        const { peer } = state.member;
        if (peer.bufferedAmount > this.maxBuffered) {
          state.stale = true;
          continue;
        }
        // A fresh snapshot holds this update too (or is followed by it).
        if (state.stale) this.catchUp(event, group, state);
        else if (msg) peer.sendShared((frame ??= sharedFrame(msg)));
      }
    }
  }

  /**
   * One message to every member watching `event` (event news, happiness), serialised once; with `runnerId`,
   * only to those whose choice of runners includes that one.
   */
  broadcast(event: string, msg: ServerMessage, skip?: ReadonlySet<number>, runnerId?: string): void {
    const groups = this.events.get(event);
    if (!groups) return;
    const frame = sharedFrame(msg);
    for (const g of groups.values()) {
      if (runnerId !== undefined && g.only && !g.only.has(runnerId)) continue;
      for (const state of g.members.values()) {
        if (skip?.has(state.member.id)) continue;
        if (state.member.peer.bufferedAmount > this.maxBuffered) {
          state.stale = true;
          continue;
        }
        state.member.peer.sendShared(frame);
      }
    }
  }
}

/** The update for a group: the whole delta, or the part about its runners (null when that is nothing). */
function frameFor(event: string, epoch: string, d: Delta, only: ReadonlySet<string> | null, prev: number): ServerMessage | null {
  const base = { type: 'update' as const, event, epoch, seq: d.seq, prev, now: d.now };
  if (!only) {
    return { ...base, runners: d.runners, points: d.points, distance: d.distance, ...(d.removed.length ? { removed: d.removed } : {}) };
  }
  const runners: RunnerInfo[] = d.runners.filter((r) => only.has(r.id));
  const points: Record<string, TrackPoint[]> = {};
  const distance: Record<string, number> = {};
  let any = runners.length > 0;
  for (const id of Object.keys(d.points)) {
    if (!only.has(id)) continue;
    points[id] = d.points[id]!;
    if (d.distance[id] !== undefined) distance[id] = d.distance[id]!;
    any = true;
  }
  const removed = d.removed.filter((id) => only.has(id));
  if (!any && removed.length === 0) return null;
  return { ...base, runners, points, distance, ...(removed.length ? { removed } : {}) };
}
