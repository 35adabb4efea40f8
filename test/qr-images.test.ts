/** Unit: QR codes as images, made once per text and drawn module for module. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import QRCode from 'qrcode';
import { type QrMatrix, QrImages, qrSvg } from '../client/qr-images';

/** The dark modules an SVG image draws, read back from its path (one "M x y h w v1 h-w z" run each). */
function darkModules(image: string): Set<string> {
  const svg = decodeURIComponent(image.replace(/^data:image\/svg\+xml,/, ''));
  const d = /<path fill="#000" d="([^"]*)"/.exec(svg)![1]!;
  const dark = new Set<string>();
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const [x, y, w] = [Number(m[1]) - 1, Number(m[2]) - 1, Number(m[3])];
    for (let col = x; col < x + w; col++) dark.add(`${y},${col}`);
  }
  return dark;
}

describe('QR images', () => {
  test('the image draws exactly the dark modules of the code, inside a one-module quiet zone', () => {
    const text = 'http://192.168.1.20:3000/ingest/osmand?id=abcdefghijklmnop&lat={0}&lon={1}';
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const expected = new Set<string>();
    for (let row = 0; row < modules.size; row++) for (let col = 0; col < modules.size; col++) if (modules.get(row, col)) expected.add(`${row},${col}`);
    const image = new QrImages().get(text);
    assert.deepEqual(darkModules(image), expected);
    assert.match(decodeURIComponent(image), new RegExp(`viewBox="0 0 ${modules.size + 2} ${modules.size + 2}"`));
  });

  test('a code is made once per text, however often a page asks for it', () => {
    const made: string[] = [];
    const matrix = (text: string): QrMatrix => {
      made.push(text);
      return { size: 3, dark: (row, col) => (row + col + text.length) % 2 === 0 };
    };
    const images = new QrImages(matrix);
    const first = images.get('a');
    for (let i = 0; i < 100; i++) assert.equal(images.get('a'), first);
    images.get('bb');
    assert.deepEqual(made, ['a', 'bb']);
  });

  test('only the texts used last are kept', () => {
    const made: string[] = [];
    const images = new QrImages((text) => {
      made.push(text);
      return { size: 1, dark: () => true };
    }, 2);
    images.get('a');
    images.get('b');
    images.get('a');
    images.get('c');
    images.get('a');
    images.get('b');
    assert.deepEqual(made, ['a', 'b', 'c', 'b'], 'b was the least recently used when c came');
  });

  test('an all-light matrix draws an empty path', () => {
    assert.deepEqual(darkModules(qrSvg({ size: 4, dark: () => false })), new Set());
  });
});
