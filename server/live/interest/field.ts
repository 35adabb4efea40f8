/**
 * An event's field as this instance's spectators see it: every visible runner by a small index (given here,
 * in the order runners appear), their latest position in world pixels (lib/tiles.ts), a byte of state and a
 * colour; the summary stream over all of them, and per tile level in use, which runner is in which tile
 * and one stream per tile somebody looks at. Built from a dump of the room and kept up by its updates, the
 * same on the instance that owns the event and on those that relay it, so indices never cross instances.
 *
 * Frames are built once per stream per tick (or once per tile per update for a view that starts looking at
 * a tile) and shared by everyone who watches it: cost grows with tiles and runners, not with spectators.
 */
import { colorNumber, Flag, flagsOf, FrameKind, FrameWriter, MARKER_KINDS, quantise, SUMMARY_LEVEL, writeEntry, writeHeader } from '../../../lib/live-codec';
import type { RunnerInfo } from '../../../lib/protocol';
import { MAX_VIEW_TILES, tileIndex, tileKey, tileOfKey, tileShift, WORLD_BITS, worldX, worldY } from '../../../lib/tiles';
import type { FieldDump, FieldRunner } from '../../room/picture';
import type { Delta } from '../../room/state';
import { PositionStream } from './stream';

/** Precision of the whole-field frame after a snapshot: 64 world pixels, under ten metres. */
export const FIELD_SHIFT = 6;
/** Precision of the summary stream: 1024 world pixels, about 150 m at the equator (less toward the poles). */
export const SUMMARY_SHIFT = 10;

export interface FieldBudget {
  /** Bytes a second of the summary stream. */
  summary: number;
  /** Bytes a second of one tile's stream. */
  tile: number;
}

/**
 * How a spectator's byte budget (bytes a second) is shared: a quarter to the summary, 70 % among the most
 * tiles a view covers (MAX_VIEW_TILES), and the rest left for runners followed, news and happiness.
 */
export function fieldBudget(bytesPerSecond: number): FieldBudget {
  return { summary: Math.round(bytesPerSecond / 4), tile: Math.round((bytesPerSecond * 0.7) / MAX_VIEW_TILES) };
}

/** The default budget: 16 KB a second. */
export const DEFAULT_FIELD_BUDGET = fieldBudget(16 * 1024);

export interface StreamFrame {
  /** 'summary', or the tile's key (lib/tiles.ts tileKey). */
  key: 'summary' | number;
  bytes: Uint8Array;
}

let generations = 0;

/** Which runner is in which tile of one level, and the streams of the tiles somebody watches. */
class Level {
  tile: Float64Array;
  /** Position at this level's precision when last compared: a change of it is news for the tile's stream. */
  qx: Int32Array;
  qy: Int32Array;
  readonly members = new Map<number, Set<number>>();
  readonly streams = new Map<number, PositionStream>();
  readonly watchers = new Map<number, number>();
  readonly shift: number;
  readonly snapshots = new Map<number, { seq: number; bytes: Uint8Array }>();

  constructor(
    readonly level: number,
    capacity: number,
  ) {
    this.shift = tileShift(level);
    this.tile = new Float64Array(capacity).fill(-1);
    this.qx = new Int32Array(capacity);
    this.qy = new Int32Array(capacity);
  }

  grow(capacity: number): void {
    const tile = new Float64Array(capacity).fill(-1);
    tile.set(this.tile);
    this.tile = tile;
    this.qx = grown(this.qx, capacity);
    this.qy = grown(this.qy, capacity);
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(a: T, capacity: number): T {
  const next = new (a.constructor as new (n: number) => T)(capacity);
  next.set(a);
  return next;
}

export class Field {
  readonly gen = ++generations;
  readonly epoch: string;
  seq: number;
  readonly ids: string[] = [];
  private readonly byId = new Map<string, number>();
  private x = new Float64Array(64);
  private y = new Float64Array(64);
  private t = new Float64Array(64);
  private flags = new Uint8Array(64);
  private color = new Int32Array(64);
  private readonly sx: Int32Array[] = [new Int32Array(64), new Int32Array(64)];
  readonly summary: PositionStream;
  private readonly levels = new Map<number, Level>();
  private frame: { seq: number; bytes: Uint8Array } | null = null;

  constructor(
    dump: FieldDump,
    private readonly budget: FieldBudget,
  ) {
    this.epoch = dump.epoch;
    this.seq = dump.seq;
    const first = dump.runners[0];
    const origin = first ? [quantise(worldX(first.lon), SUMMARY_SHIFT), quantise(worldY(first.lat), SUMMARY_SHIFT)] : [0, 0];
    this.summary = new PositionStream({ level: SUMMARY_LEVEL, tileX: 0, tileY: 0, shift: SUMMARY_SHIFT, originX: origin[0]!, originY: origin[1]! }, budget.summary);
    for (const r of dump.runners) this.add(r);
  }

  get count(): number {
    return this.ids.length;
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  private add(r: FieldRunner): number {
    const n = this.ids.length;
    if (n === this.x.length) this.grow(n * 2);
    this.ids.push(r.id);
    this.byId.set(r.id, n);
    this.x[n] = worldX(r.lon);
    this.y[n] = worldY(r.lat);
    this.t[n] = r.t;
    this.flags[n] = flagsOf(r.status, MARKER_KINDS[r.kind ?? 0], (r.finished ? Flag.Finished : 0) | (r.alert ? Flag.Alert : 0));
    this.color[n] = colorNumber(r.color);
    this.sx[0]![n] = quantise(this.x[n], SUMMARY_SHIFT);
    this.sx[1]![n] = quantise(this.y[n], SUMMARY_SHIFT);
    for (const level of this.levels.values()) this.place(level, n, true);
    return n;
  }

  private grow(capacity: number): void {
    this.x = grown(this.x, capacity);
    this.y = grown(this.y, capacity);
    this.t = grown(this.t, capacity);
    this.flags = grown(this.flags, capacity);
    this.color = grown(this.color, capacity);
    this.sx[0] = grown(this.sx[0]!, capacity);
    this.sx[1] = grown(this.sx[1]!, capacity);
    for (const level of this.levels.values()) level.grow(capacity);
  }

  /** One update of the room: new positions, changed state, new and removed runners. */
  apply(d: Delta): void {
    this.seq = d.seq;
    const infos = new Map<string, RunnerInfo>();
    for (const info of d.runners) infos.set(info.id, info);
    for (const [id, points] of Object.entries(d.points)) {
      let latest = points[0];
      if (!latest) continue;
      for (const p of points) if (p[2] > latest[2]) latest = p;
      const known = this.byId.get(id);
      if (known === undefined) {
        const info = infos.get(id);
        const n = this.add({
          id,
          lat: latest[0],
          lon: latest[1],
          t: latest[2],
          status: info?.status ?? 'active',
          color: info?.color ?? '#5c6670',
          finished: info?.race?.state === 'finished',
          alert: false,
        });
        this.summary.mark(n);
        this.summary.colorDue.add(n);
        continue;
      }
      if (latest[2] >= this.t[known]!) this.move(known, worldX(latest[1]), worldY(latest[0]), latest[2]);
      // A fix: where they are is known again.
      if (this.flags[known]! & Flag.Kind) this.setFlags(known, this.flags[known]! & ~Flag.Kind);
    }
    for (const [id, [lat, lon, kind]] of Object.entries(d.placed ?? {})) {
      const info = infos.get(id);
      let n = this.byId.get(id);
      if (n === undefined) {
        n = this.add({ id, lat, lon, t: d.now, kind, status: info?.status ?? 'active', color: info?.color ?? '#5c6670', finished: false, alert: false });
        this.summary.mark(n);
        this.summary.colorDue.add(n);
        continue;
      }
      this.move(n, worldX(lon), worldY(lat), this.t[n]!);
      this.setFlags(n, (this.flags[n]! & ~Flag.Kind) | ((kind << 2) & Flag.Kind));
    }
    for (const info of d.runners) {
      const n = this.byId.get(info.id);
      if (n === undefined) continue;
      const flags = flagsOf(info.status, 'gps', (this.flags[n]! & (Flag.Alert | Flag.Kind)) | (info.race?.state === 'finished' ? Flag.Finished : 0));
      this.setFlags(n, flags);
      const color = colorNumber(info.color);
      if (color !== this.color[n]) {
        this.color[n] = color;
        for (const s of this.streamsOf(n)) {
          s.colorDue.add(n);
          s.mark(n);
        }
      }
    }
    for (const id of d.removed) {
      const n = this.byId.get(id);
      if (n !== undefined) this.remove(n);
    }
  }

  /** An alarm of this runner was raised or acknowledged. */
  setAlert(id: string, open: boolean): void {
    const n = this.byId.get(id);
    if (n !== undefined) this.setFlags(n, (this.flags[n]! & ~Flag.Alert) | (open ? Flag.Alert : 0));
  }

  private setFlags(n: number, flags: number): void {
    if (this.flags[n] === flags || this.flags[n]! & Flag.Gone) return;
    this.flags[n] = flags;
    for (const s of this.streamsOf(n)) s.mark(n);
  }

  private remove(n: number): void {
    this.flags[n] = Flag.Gone;
    for (const s of this.streamsOf(n)) s.mark(n);
    for (const level of this.levels.values()) {
      const key = level.tile[n]!;
      if (key >= 0) level.members.get(key)?.delete(n);
    }
  }

  /** Streams that carry runner `n`: the summary and the stream of their tile at each level watched. */
  private *streamsOf(n: number): Iterable<PositionStream> {
    yield this.summary;
    for (const level of this.levels.values()) {
      const s = level.streams.get(level.tile[n]!);
      if (s) yield s;
    }
  }

  private move(n: number, x: number, y: number, t: number): void {
    if (this.flags[n]! & Flag.Gone) return;
    this.x[n] = x;
    this.y[n] = y;
    this.t[n] = t;
    const qx = quantise(x, SUMMARY_SHIFT);
    const qy = quantise(y, SUMMARY_SHIFT);
    if (qx !== this.sx[0]![n] || qy !== this.sx[1]![n]) {
      this.sx[0]![n] = qx;
      this.sx[1]![n] = qy;
      this.summary.mark(n);
    }
    for (const level of this.levels.values()) this.place(level, n, false);
  }

  /** Put runner `n` in its tile of `level`; a move to another tile is news for both tiles' streams. */
  private place(level: Level, n: number, fresh: boolean): void {
    const L = level.level;
    const key = tileKey(L, tileIndex(this.x[n]!, L), tileIndex(this.y[n]!, L));
    const qx = quantise(this.x[n]!, level.shift);
    const qy = quantise(this.y[n]!, level.shift);
    const was = level.tile[n]!;
    if (key !== was) {
      if (was >= 0) {
        level.members.get(was)?.delete(n);
        // The tile it left says where it went, so watchers of that tile do not keep a runner who left.
        level.streams.get(was)?.mark(n);
      }
      let members = level.members.get(key);
      if (!members) level.members.set(key, (members = new Set()));
      members.add(n);
      level.tile[n] = key;
      const stream = level.streams.get(key);
      if (stream) {
        stream.mark(n);
        if (fresh) stream.colorDue.add(n);
      }
    } else if (qx !== level.qx[n] || qy !== level.qy[n]) level.streams.get(key)?.mark(n);
    level.qx[n] = qx;
    level.qy[n] = qy;
  }

  /** Start watching a tile (counted: each view that covers it watches it once). */
  watchTile(key: number): void {
    const { level: L } = tileOfKey(key);
    let level = this.levels.get(L);
    if (!level) {
      level = new Level(L, this.x.length);
      this.levels.set(L, level);
      for (let n = 0; n < this.ids.length; n++) if (!(this.flags[n]! & Flag.Gone)) this.place(level, n, true);
    }
    level.watchers.set(key, (level.watchers.get(key) ?? 0) + 1);
    if (!level.streams.has(key)) {
      const { x, y } = tileOfKey(key);
      const origin = (i: number) => quantise(i * 2 ** (WORLD_BITS - L), level.shift);
      level.streams.set(key, new PositionStream({ level: L, tileX: x, tileY: y, shift: level.shift, originX: origin(x), originY: origin(y) }, this.budget.tile));
    }
  }

  unwatchTile(key: number): void {
    const { level: L } = tileOfKey(key);
    const level = this.levels.get(L);
    const left = (level?.watchers.get(key) ?? 0) - 1;
    if (!level) return;
    if (left > 0) {
      level.watchers.set(key, left);
      return;
    }
    level.watchers.delete(key);
    level.streams.delete(key);
    level.snapshots.delete(key);
    // Nobody looks at this level any more: its index goes (built again, in one pass, when someone does).
    if (level.watchers.size === 0) this.levels.delete(L);
  }

  /** This tick's frames: the summary's and each watched tile's, for the runners that changed and fit. */
  emit(now: number): StreamFrame[] {
    const out: StreamFrame[] = [];
    const summary = this.encode(this.summary, now);
    if (summary) out.push({ key: 'summary', bytes: summary });
    for (const level of this.levels.values()) {
      for (const [key, stream] of level.streams) {
        const bytes = this.encode(stream, now);
        if (bytes) out.push({ key, bytes });
      }
    }
    return out;
  }

  private encode(stream: PositionStream, now: number): Uint8Array | null {
    const ns = stream.take(now);
    if (ns.length === 0) return null;
    const w = new FrameWriter(16 + ns.length * 8);
    const h = stream.frameHeader(this.gen, this.seq);
    writeHeader(w, h, ns.length);
    let prev = -1;
    for (const n of ns) {
      const color = stream.colorDue.delete(n) ? Flag.Color : 0;
      writeEntry(w, h, prev, n, quantise(this.x[n]!, h.shift), quantise(this.y[n]!, h.shift), this.flags[n]! | color, this.color[n]!);
      prev = n;
    }
    stream.charge(w.length, ns.length);
    return w.bytes();
  }

  /** Every runner as of now, each with its colour: what a spectator's picture starts from. Built once per update. */
  fieldFrame(): Uint8Array {
    if (this.frame?.seq === this.seq) return this.frame.bytes;
    const first = this.ids.length ? 0 : -1;
    const h = {
      kind: FrameKind.Field,
      gen: this.gen,
      seq: this.seq,
      level: SUMMARY_LEVEL,
      tileX: 0,
      tileY: 0,
      shift: FIELD_SHIFT,
      originX: first < 0 ? 0 : quantise(this.x[0]!, FIELD_SHIFT),
      originY: first < 0 ? 0 : quantise(this.y[0]!, FIELD_SHIFT),
    };
    const live: number[] = [];
    for (let n = 0; n < this.ids.length; n++) if (!(this.flags[n]! & Flag.Gone)) live.push(n);
    const w = new FrameWriter(32 + live.length * 10);
    writeHeader(w, h, live.length);
    let prev = -1;
    for (const n of live) {
      writeEntry(w, h, prev, n, quantise(this.x[n]!, FIELD_SHIFT), quantise(this.y[n]!, FIELD_SHIFT), this.flags[n]! | Flag.Color, this.color[n]!);
      prev = n;
    }
    this.frame = { seq: this.seq, bytes: w.bytes() };
    return this.frame.bytes;
  }

  /**
   * Every runner in a tile at the tile's precision (with colours), for a view that starts looking at it; null
   * when the whole-field frame is as precise already (tiles of lower levels add nothing to it).
   */
  tileFrame(key: number): Uint8Array | null {
    const { level: L } = tileOfKey(key);
    const level = this.levels.get(L);
    const stream = level?.streams.get(key);
    if (!level || !stream || level.shift >= FIELD_SHIFT) return null;
    const kept = level.snapshots.get(key);
    if (kept?.seq === this.seq) return kept.bytes;
    const ns = [...(level.members.get(key) ?? [])].sort((a, b) => a - b);
    const h = stream.frameHeader(this.gen, this.seq);
    const w = new FrameWriter(16 + ns.length * 10);
    writeHeader(w, h, ns.length);
    let prev = -1;
    for (const n of ns) {
      writeEntry(w, h, prev, n, quantise(this.x[n]!, h.shift), quantise(this.y[n]!, h.shift), this.flags[n]! | Flag.Color, this.color[n]!);
      prev = n;
    }
    level.snapshots.set(key, { seq: this.seq, bytes: w.bytes() });
    return w.bytes();
  }
}
