/**
 * Who watches what, and one update frame per tick for each distinct choice. Spectators who follow the whole
 * event share one group; those limited to some runners (a share link, a third-party client) share a group per
 * distinct choice. Each group's frame is serialised once and the same bytes go to every member.
 *
 * A member that stops reading is skipped (never buffered without bound) and, once it reads again, gets a
 * fresh snapshot instead of what it missed; one that keeps asking while far behind is let go.
 */
import { CloseCode, type RunnerInfo, type ServerMessage, type TrackPoint } from '../../lib/protocol';
import type { Delta, EventRoom, SnapshotMessage } from '../domain/event-room';
import { type Peer, type SharedFrame, sharedFrame } from '../transport/peer';

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

interface Group {
  only: ReadonlySet<string> | null;
  members: Map<number, MemberState>;
  /** Offset of the last update sent to this group. */
  prev: number;
}

interface MemberState {
  member: Member;
  watch: Watch;
  /** Missed updates while its buffer was full: send a snapshot before anything else. */
  stale: boolean;
}

const groupKey = (only: ReadonlySet<string> | null) => (only ? [...only].sort().join(',') : '*');

export class Fanout {
  private readonly events = new Map<string, Map<string, Group>>();
  private readonly byMember = new Map<number, Map<string, { key: string }>>();
  private readonly snapshotFrames = new WeakMap<SnapshotMessage, SharedFrame>();

  constructor(private readonly maxBuffered = 1024 * 1024) {}

  /** Start (or restart, with a fresh choice) watching; the caller sends the snapshot. */
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
    group.members.set(member.id, { member, watch, stale: false });
    let mine = this.byMember.get(member.id);
    if (!mine) {
      mine = new Map();
      this.byMember.set(member.id, mine);
    }
    mine.set(watch.event, { key });
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
    const entry = this.byMember.get(memberId)?.get(event);
    return entry ? (this.events.get(event)?.get(entry.key)?.members.get(memberId)?.watch ?? null) : null;
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

  /** A snapshot's bytes, serialised once however many receive it. */
  snapshotFrame(msg: SnapshotMessage): SharedFrame {
    let frame = this.snapshotFrames.get(msg);
    if (!frame) {
      frame = sharedFrame(msg);
      this.snapshotFrames.set(msg, frame);
    }
    return frame;
  }

  /** Send a snapshot to one member, unless it is so far behind that it should wait until it reads again. */
  sendSnapshot(member: Member, msg: SnapshotMessage): void {
    const state = this.find(member.id, msg.event.id);
    if (member.peer.bufferedAmount > this.maxBuffered) {
      if (state) state.stale = true;
      if (member.peer.bufferedAmount > this.maxBuffered * 4) member.peer.close(CloseCode.TooSlow, 'not reading');
      return;
    }
    member.peer.sendShared(this.snapshotFrame(msg));
  }

  private find(memberId: number, event: string): MemberState | undefined {
    const entry = this.byMember.get(memberId)?.get(event);
    return entry ? this.events.get(event)?.get(entry.key)?.members.get(memberId) : undefined;
  }

  /** Send one tick's update of `room` to everyone watching it. */
  publish(room: EventRoom, delta: Delta): void {
    const groups = this.events.get(room.id);
    if (!groups) return;
    for (const group of groups.values()) {
      const msg = frameFor(room, delta, group.only, group.prev);
      if (!msg) continue;
      group.prev = delta.seq;
      const frame = sharedFrame(msg);
      for (const state of group.members.values()) {
        const { peer } = state.member;
        if (peer.bufferedAmount > this.maxBuffered) {
          state.stale = true;
          continue;
        }
        if (state.stale) {
          // A fresh snapshot holds this update too.
          state.stale = false;
          peer.sendShared(this.snapshotFrame(room.snapshot(group.only)));
          continue;
        }
        peer.sendShared(frame);
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
function frameFor(room: EventRoom, d: Delta, only: ReadonlySet<string> | null, prev: number): ServerMessage | null {
  const base = { type: 'update' as const, event: room.id, epoch: room.epoch, seq: d.seq, prev, now: d.now };
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
