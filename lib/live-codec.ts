/**
 * The compact live encoding (protocol version 3): binary frames that carry where runners are, a few bytes a
 * runner, for spectators who say what they look at (docs/protocol.md, "Interest"). JSON stays for everything
 * else; these frames carry only positions and a byte of state, by the runner's index in the event's field
 * (an index the snapshot and `who` answers name).
 *
 *   byte 0      frame kind: 1 the whole field (after a snapshot), 2 some runners' positions (a tick of one
 *               stream, or a tile's picture when a view starts looking at it)
 *   byte 1      codec version (1)
 *   varint      field generation: frames of another generation belong to an older picture
 *   varint      seq: the offset of the update the positions are as of
 *   byte        stream level: 255 for the field summary, else the tile level, then varint column, row
 *   byte        shift: positions are world pixels (lib/tiles.ts) with this many low bits left out
 *   varint ×2   origin x, y in those units; each runner's position is a zig-zag varint from it
 *   varint      count, then per runner, by ascending index:
 *                 varint index step (index − previous index − 1; the first is the index itself)
 *                 zig-zag varint dx, dy; byte flags; three bytes of colour when the flags say so
 *
 * Varints are little-endian base-128 (7 bits a byte, the high bit set on all but the last); zig-zag maps
 * 0, −1, 1, −2 … to 0, 1, 2, 3 …. A position decodes to the middle of its step.
 */
import type { RunnerStatus } from './protocol';

export const CODEC_VERSION = 1;

export const FrameKind = {
  Field: 1,
  Positions: 2,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** The stream level of the field summary (a stream over the whole field rather than a tile). */
export const SUMMARY_LEVEL = 255;

/** What a runner's byte of state says. */
export const Flag = {
  /** Bits 0–1: status, as STATUS_CODES. */
  Status: 0b11,
  /** Bits 2–3: how the position is known, as MARKER_KINDS. */
  Kind: 0b1100,
  /** An alarm (SOS) of this runner is open. */
  Alert: 1 << 4,
  /** Finished the race. */
  Finished: 1 << 5,
  /** Removed from the event: forget them. */
  Gone: 1 << 6,
  /** Three bytes of colour (#rrggbb) follow. */
  Color: 1 << 7,
} as const;

export const STATUS_CODES: readonly RunnerStatus[] = ['active', 'idle', 'offline', 'stopped'];

/**
 * How a marker's position is known: a fix (gps), predicted between timing mats, or a ghost (not heard for
 * longer than its source's normal interval, drawn where it probably is, with a band).
 */
export type MarkerKind = 'gps' | 'predicted' | 'ghost';
export const MARKER_KINDS: readonly MarkerKind[] = ['gps', 'predicted', 'ghost'];

export function flagsOf(status: RunnerStatus, kind: MarkerKind = 'gps', extra = 0): number {
  return (STATUS_CODES.indexOf(status) & Flag.Status) | ((MARKER_KINDS.indexOf(kind) << 2) & Flag.Kind) | extra;
}

export const statusOf = (flags: number): RunnerStatus => STATUS_CODES[flags & Flag.Status]!;
export const kindOf = (flags: number): MarkerKind => MARKER_KINDS[(flags & Flag.Kind) >> 2] ?? 'gps';

export interface FrameHeader {
  kind: FrameKind;
  gen: number;
  seq: number;
  /** SUMMARY_LEVEL, or the tile's level. */
  level: number;
  tileX: number;
  tileY: number;
  shift: number;
  originX: number;
  originY: number;
}

/** Writes varints into a growing byte array. */
export class FrameWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
  }

  /** A whole number ≥ 0 below 2^53, seven bits a byte (arithmetic: shifts stop at 32 bits). */
  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  zigzag(v: number): void {
    this.varint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Starts a frame; entries follow with `entry`, in ascending index order. */
export function writeHeader(w: FrameWriter, h: FrameHeader, count: number): void {
  w.byte(h.kind);
  w.byte(CODEC_VERSION);
  w.varint(h.gen);
  w.varint(h.seq);
  w.byte(h.level);
  if (h.level !== SUMMARY_LEVEL) {
    w.varint(h.tileX);
    w.varint(h.tileY);
  }
  w.byte(h.shift);
  w.varint(h.originX);
  w.varint(h.originY);
  w.varint(count);
}

/** One runner: `qx`, `qy` in the frame's units (world pixels shifted right), `prev` the index before (−1 first). */
export function writeEntry(w: FrameWriter, h: FrameHeader, prev: number, n: number, qx: number, qy: number, flags: number, color: number): void {
  w.varint(n - prev - 1);
  w.zigzag(qx - h.originX);
  w.zigzag(qy - h.originY);
  w.byte(flags);
  if (flags & Flag.Color) {
    w.byte(color >> 16);
    w.byte(color >> 8);
    w.byte(color);
  }
}

/** A runner's position in a frame's units: world pixels with `shift` low bits left out. */
export const quantise = (v: number, shift: number): number => Math.floor(v / 2 ** shift);

export class FrameError extends Error {}

export interface DecodedFrame extends FrameHeader {
  /** Where the frame ends in the bytes read (the next frame of the message starts there). */
  end: number;
  /** Per runner: index, world pixel x and y (the middle of the frame's step), flags, colour (−1: none sent). */
  n: Uint32Array;
  x: Float64Array;
  y: Float64Array;
  flags: Uint8Array;
  color: Int32Array;
}

/** Reads a message of one or more frames one after another (a tick's summary and tiles travel together). */
export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const out: DecodedFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const frame = decodeFrame(bytes, at);
    out.push(frame);
    at = frame.end;
  }
  return out;
}

/** Reads the frame at `start`; throws FrameError for anything cut short or of another codec version. */
export function decodeFrame(bytes: Uint8Array, start = 0): DecodedFrame {
  let i = start;
  const byte = () => {
    if (i >= bytes.length) throw new FrameError('frame cut short');
    return bytes[i++]!;
  };
  const varint = () => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new FrameError('varint too long');
    }
  };
  const zigzag = () => {
    const v = varint();
    return v % 2 ? -(v + 1) / 2 : v / 2;
  };
  const kind = byte();
  if (kind !== FrameKind.Field && kind !== FrameKind.Positions) throw new FrameError(`unknown frame kind ${kind}`);
  if (byte() !== CODEC_VERSION) throw new FrameError('unknown codec version');
  const gen = varint();
  const seq = varint();
  const level = byte();
  const tileX = level === SUMMARY_LEVEL ? 0 : varint();
  const tileY = level === SUMMARY_LEVEL ? 0 : varint();
  const shift = byte();
  const originX = varint();
  const originY = varint();
  const count = varint();
  if (count > bytes.length) throw new FrameError('count larger than the frame');
  const out: DecodedFrame = {
    kind,
    gen,
    seq,
    level,
    tileX,
    tileY,
    shift,
    originX,
    originY,
    n: new Uint32Array(count),
    x: new Float64Array(count),
    y: new Float64Array(count),
    flags: new Uint8Array(count),
    color: new Int32Array(count),
    end: 0,
  };
  const step = 2 ** shift;
  const half = step / 2;
  let prev = -1;
  for (let k = 0; k < count; k++) {
    const n = prev + 1 + varint();
    out.n[k] = n;
    out.x[k] = (originX + zigzag()) * step + half;
    out.y[k] = (originY + zigzag()) * step + half;
    const flags = byte();
    out.flags[k] = flags;
    out.color[k] = flags & Flag.Color ? (byte() << 16) | (byte() << 8) | byte() : -1;
    prev = n;
  }
  out.end = i;
  return out;
}

export function colorNumber(hex: string): number {
  const v = Number.parseInt(hex.slice(1), 16);
  return Number.isFinite(v) ? v & 0xffffff : 0;
}

export function colorHex(v: number): string {
  return `#${v.toString(16).padStart(6, '0')}`;
}
