/**
 * Markers put straight into a canvas's pixels: each look drawn once into a small sprite, then copied
 * (blended at its soft edge) into one buffer that goes to the canvas in one putImageData. Tens of thousands
 * of markers cost a few million pixel writes, where as many drawImage calls cost far more on a phone (or a
 * browser without a GPU), which draws each call on its own.
 */

/** A marker's look as pixels: RGBA bytes read as 32-bit words (little-endian: 0xAABBGGRR). */
export interface Sprite {
  width: number;
  height: number;
  pixels: Uint32Array;
}

export function spriteOf(canvas: HTMLCanvasElement): Sprite {
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  return { width: canvas.width, height: canvas.height, pixels: new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4) };
}

/** A frame's pixels, reused from draw to draw while the canvas keeps its size. */
export class PixelBuffer {
  readonly image: ImageData;
  readonly pixels: Uint32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.image = new ImageData(width, height);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  clear(): void {
    this.pixels.fill(0);
  }

  /** Copy `s` with its top-left corner at (x, y) (device pixels), over what is there. */
  stamp(s: Sprite, x: number, y: number): void {
    const bw = this.width;
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(bw, x + s.width);
    const y1 = Math.min(this.height, y + s.height);
    const px = this.pixels;
    const sp = s.pixels;
    for (let row = y0; row < y1; row++) {
      let src = (row - y) * s.width + (x0 - x);
      let dst = row * bw + x0;
      for (let col = x0; col < x1; col++, src++, dst++) {
        const p = sp[src]!;
        const a = p >>> 24;
        if (a === 0) continue;
        const q = px[dst]!;
        if (a === 255 || q === 0) {
          px[dst] = p;
          continue;
        }
        // Source over: the colours mixed by the sprite's alpha; the result at least as opaque as either.
        const qa = q >>> 24;
        const k = a / 255;
        const j = 1 - k;
        const r = (p & 255) * k + (q & 255) * j;
        const g = ((p >>> 8) & 255) * k + ((q >>> 8) & 255) * j;
        const b = ((p >>> 16) & 255) * k + ((q >>> 16) & 255) * j;
        const outA = a + qa * j;
        px[dst] = ((outA & 255) << 24) | ((b & 255) << 16) | ((g & 255) << 8) | (r & 255);
      }
    }
  }
}
