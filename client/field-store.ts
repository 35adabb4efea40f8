/**
 * Every runner of the field in the browser, by index: where they are (world pixels, lib/tiles.ts), a byte of
 * state, a colour, and who they are once known. Kept in typed arrays and changed in place (30,000 runners
 * in a few hundred kilobytes, no object per runner); the map layer reads it directly and hears of changes
 * through `subscribe`, once per batch of frames. React never holds it.
 *
 * It is filled from the server's binary frames (a subscription with interest), or from runners the page
 * holds whole (a share link's few runners, a replay's moment), with indices given here.
 */
import { colorHex, colorNumber, type DecodedFrame, decodeFrames, Flag, flagsOf, FrameKind } from '../lib/live-codec';
import type { RunnerInfo } from '../lib/protocol';
import { worldX, worldY } from '../lib/tiles';
import { displayColorsInOrder } from './colors';

/** What the page knows of a runner besides their place: from `who`, an update, or the list. */
export type KnownRunner = Pick<RunnerInfo, 'id' | 'name' | 'color' | 'status' | 'bib' | 'race'>;

const NO_COLOR = 0x5c6670;

export class FieldStore {
  /** The field generation these positions belong to (the server's; 0 while filled from runners held whole). */
  gen = -1;
  /** Highest index + 1. */
  count = 0;
  x = new Float64Array(0);
  y = new Float64Array(0);
  flags = new Uint8Array(0);
  color = new Int32Array(0);
  /** Whether index n has a position. */
  placed = new Uint8Array(0);
  /** How precise each position is: the frame's shift (world pixel bits left out) it came with. */
  shift = new Uint8Array(0);
  /** Bumped by every change: the layer redraws when it moved on. */
  version = 0;
  /** Runners with a place now. */
  placedTotal = 0;
  /** Colours as drawn: each runner's pick while nobody earlier holds it (client/colors.ts), by index. */
  private display = new Int32Array(0);
  private displayFor = -1;
  private colorsChanged = 0;
  /** Bumped when who stands at an index is learnt or forgotten. */
  private whoChanged = 0;
  /** Who runners are, by index, once known. */
  readonly known = new Map<number, KnownRunner>();
  private readonly byId = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  private room(n: number): void {
    if (n < this.x.length) return;
    const size = Math.max(64, 2 ** Math.ceil(Math.log2(n + 1)));
    const grow = <T extends Float64Array | Uint8Array | Int32Array>(a: T): T => {
      const next = new (a.constructor as new (k: number) => T)(size);
      next.set(a);
      return next;
    };
    this.x = grow(this.x);
    this.y = grow(this.y);
    this.flags = grow(this.flags);
    this.color = grow(this.color);
    this.placed = grow(this.placed);
    this.shift = grow(this.shift);
  }

  private reset(gen: number): void {
    this.gen = gen;
    this.count = 0;
    this.placed.fill(0);
    this.placedTotal = 0;
    this.known.clear();
    this.byId.clear();
    this.whoChanged++;
  }

  /**
   * A binary message from the server: a field frame of a new generation starts the picture again; position
   * frames of the current generation move runners. Answers whether anything was taken.
   */
  applyBinary(bytes: Uint8Array): boolean {
    let frames: DecodedFrame[];
    try {
      frames = decodeFrames(bytes);
    } catch {
      return false;
    }
    let took = false;
    for (const f of frames) {
      if (f.kind === FrameKind.Field) {
        if (f.gen !== this.gen) this.reset(f.gen);
      } else if (f.gen !== this.gen) continue;
      for (let k = 0; k < f.n.length; k++) this.put(f.n[k]!, f.x[k]!, f.y[k]!, f.flags[k]!, f.color[k]!, f.shift);
      took = true;
    }
    if (took) this.changed();
    return took;
  }

  private put(n: number, x: number, y: number, flags: number, color: number, shift = 0): void {
    this.room(n);
    if (n >= this.count) this.count = n + 1;
    if (flags & Flag.Gone) {
      if (this.placed[n]) this.placedTotal--;
      this.placed[n] = 0;
      const id = this.known.get(n)?.id;
      if (id !== undefined) {
        this.byId.delete(id);
        this.whoChanged++;
      }
      this.known.delete(n);
      return;
    }
    // A coarser frame (the summary, a tile seen from far) says nothing new while the runner is in the same
    // step of it as the finer position held: keep that one.
    const step = 2 ** shift;
    const same = this.placed[n] && this.shift[n]! < shift && Math.floor(this.x[n]! / step) === Math.floor(x / step) && Math.floor(this.y[n]! / step) === Math.floor(y / step);
    if (!same) {
      this.x[n] = x;
      this.y[n] = y;
      this.shift[n] = shift;
    }
    this.flags[n] = flags & ~Flag.Color;
    const before = this.color[n];
    if (color >= 0) this.color[n] = color;
    else if (!this.placed[n]) this.color[n] = NO_COLOR;
    if (!this.placed[n] || before !== this.color[n]) this.colorsChanged++;
    if (!this.placed[n]) this.placedTotal++;
    this.placed[n] = 1;
  }

  /** Who some runners are (a `who` answer of this generation, or infos the page got otherwise). */
  learn(gen: number, runners: ReadonlyArray<KnownRunner & { n: number }>): void {
    if (gen !== this.gen || runners.length === 0) return;
    for (const r of runners) {
      const { n, ...info } = r;
      this.known.set(n, info);
      this.byId.set(info.id, n);
    }
    this.whoChanged++;
    this.changed();
  }

  /** A known runner's info changed (an update of a followed runner). */
  refresh(info: KnownRunner): void {
    const n = this.byId.get(info.id);
    if (n === undefined) return;
    this.known.set(n, info);
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /**
   * Fill from runners held whole (a share link's, a replay's moment): indices given here in the order given,
   * kept for runners seen before so the layer's picture stays steady.
   */
  setRunners(runners: ReadonlyArray<KnownRunner & { last: readonly [number, number, number] | null }>): void {
    if (this.gen !== 0) this.reset(0);
    const present = new Set<number>();
    for (const r of runners) {
      if (!r.last) continue;
      let n = this.byId.get(r.id);
      if (n === undefined) {
        n = this.count;
        this.byId.set(r.id, n);
      }
      const { last, ...info } = r;
      this.known.set(n, info);
      this.put(n, worldX(last[1]), worldY(last[0]), flagsOf(r.status, 'gps', r.race?.state === 'finished' ? Flag.Finished : 0), colorNumber(r.color));
      present.add(n);
    }
    for (let n = 0; n < this.count; n++) {
      if (this.placed[n] && !present.has(n)) {
        this.placed[n] = 0;
        this.placedTotal--;
      }
    }
    this.changed();
  }

  /** The colour runner `n` is drawn in. */
  displayColor(n: number): number {
    if (this.displayFor !== this.colorsChanged) {
      const picks: string[] = [];
      const order: number[] = [];
      for (let i = 0; i < this.count; i++) {
        if (!this.placed[i]) continue;
        picks.push(colorHex(this.color[i]!));
        order.push(i);
      }
      const shown = displayColorsInOrder(picks);
      if (this.display.length < this.x.length) this.display = new Int32Array(this.x.length);
      order.forEach((i, k) => (this.display[i] = colorNumber(shown[k]!)));
      this.displayFor = this.colorsChanged;
    }
    return this.placed[n] ? this.display[n]! : NO_COLOR;
  }

  /** Moves on whenever `displayColorOf` may answer differently for some id: a page's colour map follows it. */
  get colorsVersion(): number {
    return this.colorsChanged + this.whoChanged;
  }

  /** The colour a known runner is drawn in, by id. */
  displayColorOf(id: string): string | undefined {
    const n = this.byId.get(id);
    return n === undefined || !this.placed[n] ? undefined : colorHex(this.displayColor(n));
  }

  /** How many runners have a place. */
  placedCount(): number {
    return this.placedTotal;
  }
}
