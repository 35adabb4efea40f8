/**
 * The spectators of one event who say what they look at: the field they share (built when the first of them
 * comes, dropped when the last goes or the feed starts again), and their views. Members whose views cover
 * the same tiles share one view group, and each tick a group gets one binary message: the summary's frame
 * and its tiles' frames, each built once for everyone, put together once for the group. So a tick costs one
 * write per spectator, however many tiles it looks at, and what is built grows with tiles, not spectators.
 */
import { type ViewBounds, viewTileKeys } from '../../../lib/tiles';
import type { FieldDump } from '../../room/picture';
import type { Delta } from '../../room/state';
import { binaryFrame, type SharedFrame } from '../peer';
import { Field, type FieldBudget, type StreamFrame } from './field';

/** A spectator as the views see it: where its frames go, and whether it may have them now. */
export interface Viewer {
  readonly id: number;
  /** Whether it is up to date (not waiting for a snapshot, not skipped): only then do live frames go to it. */
  live(): boolean;
  /** Send a frame; false when the spectator cannot take more now (it will be brought up to date later). */
  send(frame: SharedFrame): boolean;
}

interface ViewGroup {
  tiles: readonly number[];
  members: Map<number, Viewer>;
}

const NO_TILES: readonly number[] = [];

export class FieldViews {
  field: Field | null = null;
  private loading: Promise<Field | null> | null = null;
  private readonly groups = new Map<string, ViewGroup>();
  private readonly groupOf = new Map<number, string>();
  private readonly fieldFrames = new WeakMap<Uint8Array, SharedFrame>();
  private readonly tileFrames = new WeakMap<Uint8Array, SharedFrame>();

  constructor(private readonly budget: FieldBudget) {}

  get size(): number {
    return this.groupOf.size;
  }

  /**
   * The field, as of the feed's latest update: at once, later (a dump asked of the event's owner), or null when
   * it cannot be had now. `dump` is the feed's picture; `since` its updates after an offset.
   */
  ensure(epoch: string, dump: () => FieldDump | null | Promise<FieldDump | null>, since: (seq: number) => readonly Delta[] | null): Field | null | Promise<Field | null> {
    if (this.field && this.field.epoch !== epoch) this.reset();
    if (this.field) return this.field;
    if (this.loading) return this.loading;
    const build = (d: FieldDump | null): Field | null => {
      if (!d || d.epoch !== epoch) return null;
      const later = since(d.seq);
      if (!later) return null;
      const field = new Field(d, this.budget);
      for (const delta of later) field.apply(delta);
      // Views already placed watch their tiles in the new field.
      for (const g of this.groups.values()) for (const key of g.tiles) for (let i = 0; i < g.members.size; i++) field.watchTile(key);
      this.field = field;
      return field;
    };
    const got = dump();
    if (!(got instanceof Promise)) return build(got);
    // A reset meanwhile (a new epoch) makes this answer stale: the field it would build is not kept.
    const loading: Promise<Field | null> = got
      .then(
        (d) => (this.loading === loading ? build(d) : this.field),
        () => null,
      )
      .finally(() => {
        if (this.loading === loading) this.loading = null;
      });
    this.loading = loading;
    return loading;
  }

  /** The feed started again (or the event went): the next field is built afresh, with new indices. */
  reset(): void {
    this.field = null;
    this.loading = null;
  }

  /** Place a spectator's view (null: none yet); answers the tiles it newly covers. */
  place(viewer: Viewer, view: ViewBounds | null): number[] {
    const tiles = view ? viewTileKeys(view) : NO_TILES;
    const key = tiles.join(',');
    const before = this.groupOf.get(viewer.id);
    if (before === key) return [];
    const old = before !== undefined ? this.groups.get(before) : undefined;
    this.leaveGroup(viewer.id);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { tiles, members: new Map() }));
    group.members.set(viewer.id, viewer);
    this.groupOf.set(viewer.id, key);
    for (const t of tiles) this.field?.watchTile(t);
    const had = new Set(old?.tiles ?? NO_TILES);
    return tiles.filter((t) => !had.has(t));
  }

  leave(viewerId: number): void {
    this.leaveGroup(viewerId);
  }

  private leaveGroup(viewerId: number): void {
    const key = this.groupOf.get(viewerId);
    if (key === undefined) return;
    this.groupOf.delete(viewerId);
    const group = this.groups.get(key)!;
    group.members.delete(viewerId);
    for (const t of group.tiles) this.field?.unwatchTile(t);
    if (group.members.size === 0) this.groups.delete(key);
  }

  /** The tiles a spectator's view covers now. */
  tilesOf(viewerId: number): readonly number[] {
    const key = this.groupOf.get(viewerId);
    return key === undefined ? NO_TILES : (this.groups.get(key)?.tiles ?? NO_TILES);
  }

  /** The whole field as a shared frame (after a snapshot). */
  fieldFrame(field: Field): SharedFrame {
    const bytes = field.fieldFrame();
    let frame = this.fieldFrames.get(bytes);
    if (!frame) this.fieldFrames.set(bytes, (frame = binaryFrame(bytes)));
    return frame;
  }

  /** A tile's picture as a shared frame, when it adds to the field frame. */
  tileFrame(field: Field, key: number): SharedFrame | null {
    const bytes = field.tileFrame(key);
    if (!bytes) return null;
    let frame = this.tileFrames.get(bytes);
    if (!frame) this.tileFrames.set(bytes, (frame = binaryFrame(bytes)));
    return frame;
  }

  /** One update: the field moves on, and each view group gets this tick's frames of what it looks at. */
  publish(delta: Delta): void {
    const field = this.field;
    if (!field) return;
    field.apply(delta);
    if (this.groups.size === 0) return;
    const frames = new Map<StreamFrame['key'], Uint8Array>();
    for (const f of field.emit(delta.now)) frames.set(f.key, f.bytes);
    if (frames.size === 0) return;
    const summary = frames.get('summary');
    for (const group of this.groups.values()) {
      const parts: Uint8Array[] = summary ? [summary] : [];
      for (const t of group.tiles) {
        const bytes = frames.get(t);
        if (bytes) parts.push(bytes);
      }
      if (parts.length === 0) continue;
      const frame = binaryFrame(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      for (const viewer of group.members.values()) if (viewer.live()) viewer.send(frame);
    }
  }
}
