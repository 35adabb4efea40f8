/**
 * Who watches what, and one update frame per tick for each distinct choice. Spectators who follow the whole
 * event share one group; those limited to some runners (a share link, a third-party client) share a group per
 * distinct choice. Each group's frame is serialised once and the same bytes go to every member.
 *
 * Spectators who say what they look at (`interest`, protocol 3) share a group per set of runners they follow
 * in detail (JSON updates of those runners alone), and the event's field (interest/views.ts): every runner
 * by index, as compact binary frames per stream (the summary, a tile at a level) and one message per tick
 * per set of tiles looked at.
 *
 * A member that stops reading is skipped (never buffered without bound) and, once it reads again, gets a
 * fresh snapshot instead of what it missed; one that keeps asking while far behind is let go.
 *
 * Where the updates come from is the event's Feed: the room itself on the instance that owns the event, or
 * the owner's updates relayed over the backplane on any other. Bringing a member up to date (when it starts
 * watching, after it was skipped, after the feed lost track) is the same everywhere: a snapshot as of some
 * offset, then the feed's updates after that offset.
 */
import { CloseCode, type ServerMessage } from '../../lib/protocol';
import { alertsFor, seesAlertsOf, seesNoAlerts } from '../../lib/control/audience';
import type { ViewBounds } from '../../lib/tiles';
import type { Feed } from '../backplane/ports';
import type { Delta, SnapshotMessage } from '../room/state';
import { DEFAULT_FIELD_BUDGET, type Field, type FieldBudget } from './interest/field';
import { FieldViews, type Viewer } from './interest/views';
import { type Peer, type SharedFrame, sharedFrame } from './peer';
import { frameFor } from './update-frames';

export type { Feed };

export interface Member {
  readonly id: number;
  readonly peer: Peer;
}

/** What a spectator looks at: runners followed in detail, and the part of the map in view (null: none yet). */
export interface Interest {
  follow: ReadonlySet<string>;
  view: ViewBounds | null;
}

export interface Watch {
  event: string;
  /** Runners this member sees; null for all. */
  only: ReadonlySet<string> | null;
  via: 'public' | 'code' | 'link' | 'organiser';
  linkId?: string;
  /** The member says what it looks at (only when it may see every runner). */
  interest?: Interest;
}

interface Group {
  /** Runners whose updates go to this group: everyone (null), a choice, or the runners followed in detail. */
  only: ReadonlySet<string> | null;
  /** Members see the whole field (and every runner's alerts) whatever `only` is. */
  interest: boolean;
  members: Map<number, MemberState>;
  /** Offset of the last update sent to this group. */
  prev: number;
}

interface MemberState {
  member: Member;
  watch: Watch;
  group: Group;
  /** Missed updates (its buffer was full, or the feed lost track): bring it up to date before anything else. */
  stale: boolean;
  /** Its snapshot is on the way: live updates wait, the catch-up brings them. */
  waiting: boolean;
  /** Only the followed runners changed: the next catch-up is their snapshot, without the whole field again. */
  followOnly: boolean;
  viewer: Viewer;
}

interface EventWatchers {
  groups: Map<string, Group>;
  /** The field of members who say what they look at; null while there are none. */
  views: FieldViews | null;
}

const sorted = (ids: ReadonlySet<string>) => [...ids].sort().join(',');
const groupKey = (w: Watch) => (w.interest ? `i:${sorted(w.interest.follow)}` : w.only ? sorted(w.only) : '*');

export class Fanout {
  private readonly events = new Map<string, EventWatchers>();
  private readonly byMember = new Map<number, Map<string, MemberState>>();
  private readonly snapshotFrames = new WeakMap<SnapshotMessage, SharedFrame>();
  /** Each shared snapshot once without its alerts, for everyone who may not see them (serialised once too). */
  private readonly withoutAlerts = new WeakMap<SnapshotMessage, SnapshotMessage>();
  private readonly interestFrames = new WeakMap<SnapshotMessage, { gen: number; frame: SharedFrame }>();

  constructor(
    private readonly maxBuffered = 1024 * 1024,
    private readonly feedOf: (event: string) => Feed | undefined = () => undefined,
    private readonly budget: FieldBudget = DEFAULT_FIELD_BUDGET,
  ) {}

  /** Start (or restart, with a fresh choice) watching, and bring the member up to date. */
  watch(member: Member, watch: Watch): void {
    this.unwatch(member.id, watch.event);
    let ev = this.events.get(watch.event);
    if (!ev) this.events.set(watch.event, (ev = { groups: new Map(), views: null }));
    const group = this.groupFor(ev, watch);
    const state: MemberState = { member, watch, group, stale: true, waiting: false, followOnly: false, viewer: null as unknown as Viewer };
    state.viewer = this.viewerOf(state);
    group.members.set(member.id, state);
    let mine = this.byMember.get(member.id);
    if (!mine) this.byMember.set(member.id, (mine = new Map()));
    mine.set(watch.event, state);
    if (watch.interest) (ev.views ??= new FieldViews(this.budget)).place(state.viewer, watch.interest.view);
    this.catchUp(watch.event, state);
  }

  private groupFor(ev: EventWatchers, watch: Watch): Group {
    const key = groupKey(watch);
    let group = ev.groups.get(key);
    if (!group) {
      group = { only: watch.interest ? watch.interest.follow : watch.only, interest: !!watch.interest, members: new Map(), prev: 0 };
      ev.groups.set(key, group);
    }
    return group;
  }

  private viewerOf(state: MemberState): Viewer {
    return {
      id: state.member.id,
      live: () => !state.stale && !state.waiting,
      send: (frame) => {
        if (state.member.peer.bufferedAmount > this.maxBuffered) {
          state.stale = true;
          return false;
        }
        state.member.peer.sendShared(frame);
        return true;
      },
    };
  }

  unwatch(memberId: number, event: string): void {
    const mine = this.byMember.get(memberId);
    const state = mine?.get(event);
    if (!mine || !state) return;
    mine.delete(event);
    if (mine.size === 0) this.byMember.delete(memberId);
    const ev = this.events.get(event)!;
    this.leaveGroup(ev, state);
    if (ev.views) {
      ev.views.leave(memberId);
      if (ev.views.size === 0) ev.views = null;
    }
    if (ev.groups.size === 0) this.events.delete(event);
  }

  private leaveGroup(ev: EventWatchers, state: MemberState): void {
    const group = state.group;
    group.members.delete(state.member.id);
    if (group.members.size === 0) for (const [key, g] of ev.groups) if (g === group) ev.groups.delete(key);
  }

  /**
   * A member that says what it looks at changed it: a new view brings the pictures of the tiles it now covers,
   * other runners followed bring their snapshot (without the field again). False when it watches no field.
   */
  refocus(memberId: number, event: string, interest: Interest): boolean {
    const state = this.find(memberId, event);
    const ev = this.events.get(event);
    if (!state?.watch.interest || !ev?.views) return false;
    const follows = sorted(state.watch.interest.follow) !== sorted(interest.follow);
    state.watch = { ...state.watch, interest };
    const added = ev.views.place(state.viewer, interest.view);
    const field = ev.views.field;
    if (field && state.viewer.live()) {
      for (const key of added) {
        const frame = ev.views.tileFrame(field, key);
        if (frame) state.viewer.send(frame);
      }
    }
    if (follows) {
      this.leaveGroup(ev, state);
      state.group = this.groupFor(ev, state.watch);
      state.group.members.set(memberId, state);
      // A member already behind still needs everything; one up to date needs only the new runners.
      if (!state.stale) state.followOnly = true;
      state.stale = true;
      state.waiting = false;
      this.catchUp(event, state);
    }
    return true;
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
    for (const g of this.events.get(event)?.groups.values() ?? []) for (const m of g.members.values()) yield m;
  }

  count(event?: string): number {
    let n = 0;
    const lists = event ? [this.events.get(event)] : [...this.events.values()];
    for (const ev of lists) for (const g of ev?.groups.values() ?? []) n += g.members.size;
    return n;
  }

  hasWatchers(event: string): boolean {
    return this.events.has(event);
  }

  /** Events anyone here watches. */
  watchedEvents(): IterableIterator<string> {
    return this.events.keys();
  }

  /** The field this instance keeps for `event`'s spectators, if any (who asks by index). */
  field(event: string): Field | null {
    return this.events.get(event)?.views?.field ?? null;
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

  /** A snapshot for members of the field: it names the field's generation and size; serialised once per field. */
  private interestFrame(msg: SnapshotMessage, field: Field): SharedFrame {
    const kept = this.interestFrames.get(msg);
    if (kept?.gen === field.gen) return kept.frame;
    const runners = msg.runners.map((r) => {
      const n = field.indexOf(r.id);
      return n === undefined ? r : { ...r, n };
    });
    const frame = sharedFrame({ ...msg, runners, field: { gen: field.gen, count: field.count } });
    this.interestFrames.set(msg, { gen: field.gen, frame });
    return frame;
  }

  private find(memberId: number, event: string): MemberState | undefined {
    return this.byMember.get(memberId)?.get(event);
  }

  /**
   * The feed lost track of `event` (another owner, a gap): everyone watching it starts again from a snapshot;
   * with `staleOnly`, only those still waiting for one try again.
   */
  resync(event: string, opts: { staleOnly?: boolean } = {}): void {
    const ev = this.events.get(event);
    if (!ev) return;
    if (!opts.staleOnly) ev.views?.reset();
    for (const group of ev.groups.values()) {
      if (!opts.staleOnly) group.prev = 0;
      for (const state of group.members.values()) {
        if (opts.staleOnly && (!state.stale || state.waiting)) continue;
        state.stale = true;
        state.waiting = false;
        if (!opts.staleOnly) state.followOnly = false;
        this.catchUp(event, state);
      }
    }
  }

  /**
   * A snapshot (and for members of the field, the field as of now), then the feed's updates after it. A member
   * too far behind waits until it reads again; the snapshot may come later (from the owner), and a member that
   * left or changed its choice meanwhile gets nothing of it.
   */
  private catchUp(event: string, state: MemberState): void {
    const feed = this.feedOf(event);
    if (!feed || state.waiting) return;
    const { peer } = state.member;
    if (peer.bufferedAmount > this.maxBuffered) {
      if (peer.bufferedAmount > this.maxBuffered * 4) peer.close(CloseCode.TooSlow, 'not reading');
      return;
    }
    const group = state.group;
    const views = this.events.get(event)?.views;
    const snap = feed.snapshot(group.only, group.interest ? { allAlerts: true } : undefined);
    const field = group.interest && views ? views.ensure(feed.epoch, () => feed.field(), (seq) => feed.since(seq)) : null;
    if (!(snap instanceof Promise) && !(field instanceof Promise)) return this.deliver(event, state, feed, snap, field);
    state.waiting = true;
    void Promise.all([snap, field]).then(
      ([s, f]) => {
        if (!state.waiting || this.find(state.member.id, event) !== state || state.group !== group) return;
        state.waiting = false;
        const now = this.feedOf(event);
        if (now) this.deliver(event, state, now, s, f);
      },
      () => {
        state.waiting = false;
      },
    );
  }

  /** The snapshot as this member may see it: open alerts only for the organiser and a family link. */
  private forAudience(snap: SnapshotMessage, watch: Watch): SnapshotMessage {
    if (snap.alerts.length === 0 || watch.via === 'organiser') return snap;
    if (seesNoAlerts(watch)) {
      let bare = this.withoutAlerts.get(snap);
      if (!bare) this.withoutAlerts.set(snap, (bare = { ...snap, alerts: [] }));
      return bare;
    }
    const alerts = alertsFor(watch, snap.alerts);
    return alerts.length === snap.alerts.length ? snap : { ...snap, alerts };
  }

  private deliver(event: string, state: MemberState, feed: Feed, snap: SnapshotMessage | null, field: Field | null): void {
    const group = state.group;
    const later = snap && snap.epoch === feed.epoch ? feed.since(snap.seq) : null;
    // Not to be had now: the next update tries again.
    if (!snap || !later || (group.interest && (!field || field.epoch !== feed.epoch))) return;
    const { peer } = state.member;
    state.stale = false;
    snap = this.forAudience(snap, state.watch);
    if (group.interest) {
      const views = this.events.get(event)!.views!;
      peer.sendShared(this.interestFrame(snap, field!));
      if (!state.followOnly) {
        peer.sendShared(views.fieldFrame(field!));
        for (const key of views.tilesOf(state.member.id)) {
          const frame = views.tileFrame(field!, key);
          if (frame) peer.sendShared(frame);
        }
      }
      state.followOnly = false;
    } else peer.sendShared(this.snapshotFrame(snap));
    let prev = snap.seq;
    for (const d of later) {
      const msg = frameFor(event, feed.epoch, d, group.only, prev);
      if (!msg) continue;
      prev = d.seq;
      peer.sendShared(sharedFrame(msg));
    }
    group.prev = Math.max(group.prev, prev);
  }

  /** Send one tick's update of `event` to everyone watching it. */
  publish(event: string, epoch: string, delta: Delta): void {
    const ev = this.events.get(event);
    if (!ev) return;
    for (const group of ev.groups.values()) {
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
        if (state.stale) this.catchUp(event, state);
        else if (msg) peer.sendShared((frame ??= sharedFrame(msg)));
      }
    }
    const views = ev.views;
    if (views?.field) {
      if (views.field.epoch === epoch) views.publish(delta);
      else views.reset();
    }
  }

  /**
   * One message to every member watching `event` (event news, happiness), serialised once; with `runnerId`,
   * only to those whose choice of runners includes that one.
   */
  broadcast(event: string, msg: ServerMessage, skip?: ReadonlySet<number>, runnerId?: string, audience?: 'organisers'): void {
    const ev = this.events.get(event);
    if (!ev) return;
    const frame = sharedFrame(msg);
    for (const g of ev.groups.values()) {
      if (runnerId !== undefined && !g.interest && g.only && !g.only.has(runnerId)) continue;
      for (const state of g.members.values()) {
        if (skip?.has(state.member.id)) continue;
        // An SOS goes to the organiser and the runner's family link only (lib/control/audience.ts).
        if (msg.type === 'alert' && !seesAlertsOf(state.watch, msg.alert.runnerId)) continue;
        if (audience === 'organisers' && state.watch.via !== 'organiser') continue;
        if (state.member.peer.bufferedAmount > this.maxBuffered) {
          state.stale = true;
          continue;
        }
        state.member.peer.sendShared(frame);
      }
    }
  }
}
