/**
 * QR codes as images, made once per text: a pure SVG drawing of the code's modules (no canvas, nothing
 * asynchronous), kept for the texts shown lately so a page that renders again, or opens the same code again,
 * draws it from memory.
 */
import QRCode from 'qrcode';

/** Modules of quiet zone around the code: one is enough for phone cameras, as the codes drawn before had. */
const MARGIN = 1;

/** The modules of `text`'s QR code: `size` × `size`, dark where `dark(row, col)`. */
export interface QrMatrix {
  size: number;
  dark(row: number, col: number): boolean;
}

function qrMatrix(text: string): QrMatrix {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  return { size: modules.size, dark: (row, col) => modules.get(row, col) === 1 };
}

/** An SVG image (as a data: URL) of a QR matrix: one path, a run of dark modules per segment. */
export function qrSvg(m: QrMatrix): string {
  const side = m.size + 2 * MARGIN;
  const runs: string[] = [];
  for (let row = 0; row < m.size; row++) {
    for (let col = 0; col < m.size; ) {
      if (!m.dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < m.size && m.dark(row, col)) col++;
      runs.push(`M${start + MARGIN} ${row + MARGIN}h${col - start}v1h${start - col}z`);
    }
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${runs.join('')}"/></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** QR images by text, each made once while it is among the `capacity` used last. */
export class QrImages {
  private readonly made = new Map<string, string>();

  constructor(
    private readonly matrix: (text: string) => QrMatrix = qrMatrix,
    private readonly capacity = 32,
  ) {}

  get(text: string): string {
    let image = this.made.get(text);
    if (image !== undefined) {
      // Used again: it becomes the newest.
      this.made.delete(text);
    } else {
      image = qrSvg(this.matrix(text));
      if (this.made.size >= this.capacity) this.made.delete(this.made.keys().next().value!);
    }
    this.made.set(text, image);
    return image;
  }
}

export const qrImages = new QrImages();
