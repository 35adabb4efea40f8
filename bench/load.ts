/**
 * Load generator, run as a child of bench/run.ts (IPC). Opens spectator sockets (and, in the first
 * process, runner sockets), then on "start" sends one position per runner per second, spread evenly.
 * It does as little as it can per frame: most spectators only count positions in the raw bytes; one in
 * `sampleEvery` parses send times to measure latency.
 */
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { WebSocket } from 'ws';

export type ServerKind = 'trackside' | 'naive' | 'socketio' | 'batched';

export interface LoadConfig {
  kind: ServerKind;
  /** ws://…/ws, or http://… for socket.io */
  url: string;
  event: string;
  runners: number;
  spectators: number;
  sampleEvery: number;
  /** Local source addresses to spread sockets over, so 10,000 sockets do not run out of ports. */
  sourceAddresses: string[];
}

export interface LoadReport {
  sent: number;
  delivered: number;
  latencies: number[];
  failed: number;
  connected: number;
  cpuSeconds: number;
}

// Runners send latitudes 12.3…: the text "12.3" appears once per position in every server's frames.
const MARK = Buffer.from('12.3');
const SEND_TIME = /(?:"t":|,)(\d{13})(?=[\],}])/g;

function countMarks(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(MARK); i !== -1; i = buf.indexOf(MARK, i + 4)) n++;
  return n;
}

const cfg = JSON.parse(process.argv[2]!) as LoadConfig;
let counting = false;
let delivered = 0;
let sent = 0;
let failed = 0;
let connected = 0;
const latencies: number[] = [];
const sockets: Array<WebSocket | IoSocket> = [];

function source(i: number) {
  return cfg.sourceAddresses[i % cfg.sourceAddresses.length];
}

function onFrame(data: Buffer, sampled: boolean) {
  if (!counting) return;
  if (!sampled) {
    delivered += countMarks(data);
    return;
  }
  const now = Date.now();
  const text = data.toString();
  let n = 0;
  for (const m of text.matchAll(SEND_TIME)) {
    latencies.push(now - Number(m[1]));
    n++;
  }
  delivered += n;
}

function openWs(i: number, onOpen: (ws: WebSocket) => void, sampled: boolean): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(cfg.url, { perMessageDeflate: false, localAddress: source(i), handshakeTimeout: 30_000 });
    ws.once('open', () => {
      connected++;
      onOpen(ws);
      resolve(ws);
    });
    ws.on('message', (data: Buffer) => onFrame(data, sampled));
    ws.once('error', () => {
      failed++;
      resolve(null);
    });
  });
}

function openIo(i: number, sampled: boolean, spectator = true): Promise<IoSocket | null> {
  return new Promise((resolve) => {
    const socket = ioClient(cfg.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      timeout: 30_000,
      localAddress: source(i),
    } as Parameters<typeof ioClient>[1]);
    socket.once('connect', () => {
      connected++;
      if (spectator) socket.emit('subscribe', cfg.event);
      resolve(socket);
    });
    socket.on('pos', (p: { t: number }) => {
      if (!counting) return;
      delivered++;
      if (sampled) latencies.push(Date.now() - p.t);
    });
    socket.once('connect_error', () => {
      failed++;
      resolve(null);
    });
  });
}

async function inBatches<T>(n: number, size: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - start) }, (_, k) => open(start + k)))));
  }
  return out;
}

interface Runner {
  send: (seq: number, t: number, i: number) => void;
}

async function openRunners(): Promise<Runner[]> {
  if (cfg.kind === 'socketio') {
    const list = await inBatches(cfg.runners, 100, (i) => openIo(i, false, false));
    return list.flatMap((s) =>
      s ? [{ send: (seq: number, t: number, i: number) => s.emit('pos', cfg.event, { lat: 12.3 + i * 1e-6, lon: 45.6, t, seq }) }] : [],
    );
  }
  const list = await inBatches(cfg.runners, 100, (i) =>
    openWs(i, (ws) => ws.send(JSON.stringify({ type: 'join', event: cfg.event, name: `Runner ${i}`, color: '#336699' })), false).then(
      (ws) =>
        ws &&
        new Promise<WebSocket>((resolve) => {
          // Wait for the answer to join; Trackside issues the runner id there.
          const ready = (data: Buffer) => {
            if (data.toString().includes('"type":"joined"')) {
              ws.off('message', ready);
              resolve(ws);
            }
          };
          ws.on('message', ready);
        }),
    ),
  );
  return list.flatMap((ws) =>
    ws
      ? [
          {
            send: (seq: number, t: number, i: number) =>
              ws.send(`{"type":"pos","seq":${seq},"lat":${(12.3 + i * 1e-6).toFixed(6)},"lon":45.6,"t":${t},"acc":5}`),
          },
        ]
      : [],
  );
}

async function main() {
  const subscribe = JSON.stringify({ type: 'subscribe', event: cfg.event });
  const specs = await inBatches<WebSocket | IoSocket | null>(cfg.spectators, 250, (i) =>
    cfg.kind === 'socketio' ? openIo(i, i % cfg.sampleEvery === 0) : openWs(i, (ws) => ws.send(subscribe), i % cfg.sampleEvery === 0),
  );
  sockets.push(...specs.filter((s): s is WebSocket | IoSocket => s !== null));
  const runners = cfg.runners > 0 ? await openRunners() : [];
  process.send!({ type: 'ready', connected, failed });

  let timer: NodeJS.Timeout | null = null;
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'start') {
      counting = true;
      const startAt = Date.now();
      const next = runners.map((_, i) => startAt + (i * 1000) / Math.max(1, runners.length));
      const seq = runners.map(() => 0);
      timer = setInterval(() => {
        const now = Date.now();
        runners.forEach((r, i) => {
          while (next[i]! <= now) {
            seq[i]!++;
            r.send(seq[i]!, Date.now(), i);
            sent++;
            next[i]! += 1000;
          }
        });
      }, 5);
    } else if (msg.type === 'stop') {
      if (timer) clearInterval(timer);
    } else if (msg.type === 'report') {
      counting = false;
      const usage = process.cpuUsage();
      const report: LoadReport = {
        sent,
        delivered,
        latencies,
        failed,
        connected,
        cpuSeconds: (usage.user + usage.system) / 1e6,
      };
      process.send!({ type: 'report', report }, () => process.exit(0));
    }
  });
}

void main();
