/**
 * What a late spectator sees of the race (bench/race.ts): the snapshot over the WebSocket, and the spectator
 * page in Chromium with the CPU slowed 4× (a mid-range phone's speed at a desktop's size).
 */
import { chromium } from '@playwright/test';
import { WebSocket } from 'ws';
import { decodeFrames, FrameKind } from '../../lib/live-codec';
import type { View } from '../../lib/protocol';
import { chromiumArgs } from '../../playwright.config';
import { marathon } from './field';

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const pct = (sorted: number[], p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!) : null);

/** The map's view of the whole course at the zoom the page fits it (a desktop window). */
export function courseView(): View {
  const b = marathon().bounds;
  return { west: b.west, south: b.south, east: b.east, north: b.north, zoom: 12 };
}

export interface SnapshotProbe {
  ms: number;
  json: number;
  field: number;
  fieldMs: number | null;
  count: number;
}

/** A late spectator: subscribe, time the snapshot (and with interest, the field frame), count its bytes. */
export function spectate(wsUrl: string, event: string, interest: boolean): Promise<SnapshotProbe> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no snapshot within two minutes'));
    }, 120_000);
    ws.once('close', () => clearTimeout(timer));
    let asked = 0;
    let json = 0;
    let ms = 0;
    ws.on('message', (d: Buffer, binary) => {
      if (!binary && d.subarray(0, 20).toString().includes('"hello"')) {
        asked = performance.now();
        ws.send(JSON.stringify({ type: 'subscribe', event, ...(interest ? { interest: { follow: [], view: courseView() } } : {}) }));
      } else if (!binary && d.subarray(0, 24).toString().includes('"snapshot"')) {
        json = d.length;
        ms = performance.now() - asked;
        if (!interest) {
          ws.close();
          resolve({ ms: Math.round(ms), json, field: 0, fieldMs: null, count: (d.toString().match(/"trail":/g) ?? []).length });
        }
      } else if (binary && json) {
        const [f] = decodeFrames(d);
        if (f?.kind !== FrameKind.Field) return;
        ws.close();
        resolve({ ms: Math.round(ms), json, field: d.length, fieldMs: Math.round(performance.now() - asked), count: f.n.length });
      }
    });
    ws.once('error', reject);
  });
}

export interface PageProbe {
  drawMs: number;
  heapMb: number;
  fps: number;
  frameP95Ms: number;
  jsKb: number;
  htmlKb: number;
}

/** The spectator page at 1440×900 with the CPU slowed 4×: the field's arrival to every runner drawn, heap, and dragging. */
export async function spectatorPage(base: string, event: string, count: number): Promise<PageProbe> {
  const b = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  try {
    const context = await b.newContext({ viewport: { width: 1440, height: 900 } });
    await context.route((url) => !url.toString().startsWith(base), (route) => route.abort());
    // Plain text: the page's own WebSocket, wrapped to note when the field frame arrives.
    await context.addInitScript(`(() => {
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url, protocols) {
          super(url, protocols);
          this.addEventListener('message', (e) => {
            if (window.__fieldAt === undefined && typeof e.data !== 'string' && new Uint8Array(e.data)[0] === 1) window.__fieldAt = performance.now();
          });
        }
      };
    })()`);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    // Bytes as transferred (compressed, with headers).
    let jsBytes = 0;
    let htmlBytes = 0;
    page.on('requestfinished', (req) => {
      const type = req.resourceType();
      void req.sizes().then(
        (sizes) => {
          const size = sizes.responseBodySize + sizes.responseHeadersSize;
          if (type === 'script') jsBytes += size;
          else if (type === 'document') htmlBytes += size;
        },
        () => {},
      );
    });
    await page.goto(`${base}/e/${event}`);
    const drawnAt = (await page.evaluate(`new Promise((resolve) => {
      const check = () => {
        const c = document.querySelector('canvas.runner-canvas');
        if (c && Number(c.dataset.drawn || 0) >= ${count}) resolve(performance.now()); else requestAnimationFrame(check);
      };
      check();
    })`)) as number;
    const fieldAt = (await page.evaluate('window.__fieldAt')) as number;
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    // Dragging the map about for three seconds: frame times while it moves.
    const box = (await page.locator('.leaflet-container').boundingBox())!;
    const frames = page.evaluate(`new Promise((resolve) => {
      const times = [];
      let last = performance.now();
      const end = last + 3000;
      const step = (t) => { times.push(t - last); last = t; if (t < end) requestAnimationFrame(step); else resolve(times); };
      requestAnimationFrame(step);
    })`) as Promise<number[]>;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let k = 0; k < 90; k++) await page.mouse.move(cx + Math.sin(k / 8) * 250, cy + Math.cos(k / 8) * 150, { steps: 1 });
    await page.mouse.up();
    const times = (await frames).slice(1).sort((a, c) => a - c);
    const fps = times.length / (times.reduce((a, t) => a + t, 0) / 1000);
    return {
      drawMs: Math.round(drawnAt - fieldAt),
      heapMb: mb(heap.usedSize),
      fps: Math.round(fps * 10) / 10,
      frameP95Ms: pct(times, 95) ?? 0,
      jsKb: kb(jsBytes),
      htmlKb: kb(htmlBytes),
    };
  } finally {
    await b.close();
  }
}
