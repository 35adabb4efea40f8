/**
 * A load process of the race benchmark (bench/race.ts forks several: one process may hold at most 20,000
 * sockets on these machines). It plays a share of the field and some spectators, as real clients would:
 *
 * - runners with a tracking app post over keep-alive HTTP: one fix at a time (Traccar's OsmAnd protocol), or
 *   batches of `batch` fixes (Overland) when they report every second;
 * - runners on the runner page hold a WebSocket, resume with their token, send `pos` and count acks;
 * - spectators: the page's subscription with interest at the course's view, one following a runner, the
 *   whole-event subscription (protocol 2, for comparison), and light pages reading their cards every 15 s.
 *
 * Commands and reports go over IPC; everything counted since the last `reset`.
 */
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { decodeFrames } from '../../lib/live-codec';
import type { View } from '../../lib/protocol';
import { marathon, positionOf } from './field';

export interface LoadRunner {
  i: number;
  id: string;
  token: string;
  key: string | null;
  seq: number;
}

export interface LoadConfig {
  base: string;
  event: string;
  gun: number;
  runners: LoadRunner[];
  spectators: { interest: number; classic: number; lite: number; follow: string | null; view: View };
  /** Local addresses to spread sockets over (many sockets to one port). */
  sources: string[];
}

export type LoadCommand =
  /** The process's share and spectators (too large for the command line). */
  | { type: 'config'; config: LoadConfig }
  | { type: 'open' }
  | { type: 'send'; intervalMs: number; batch: number }
  | { type: 'stop' }
  /** The whole-event subscribers leave (they were there to measure protocol 2's bytes). */
  | { type: 'drop-classic' }
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'close' };

export interface LoadReport {
  wsRunners: number;
  appRunners: number;
  failedOpens: number;
  /** The first refusal of a runner page's resume, if any. */
  joinError?: string;
  sent: number;
  acked: number;
  appRequests: number;
  appFailed: number;
  /** Fix sent to its acknowledgement (WebSocket) or answer (HTTP), ms. */
  ackLatencies: number[];
  /** A followed runner's fix to the follower's update, ms. */
  followLatencies: number[];
  /** Bytes received per spectator kind (WebSocket payload with framing, or HTTP body with headers). */
  bytes: { interest: number; classic: number; lite: number; follow: number; classicUpdates: number };
  /** What those bytes carried: positions decoded from binary frames, fixes in JSON updates. */
  entries: { interest: number; classic: number };
  cpuSeconds: number;
  seconds: number;
}

let cfg!: LoadConfig;
const course = marathon();
const agent = new Agent({ keepAlive: true, maxSockets: 96 });
let url!: URL;
let wsUrl = '';
const sockets = new Map<string, WebSocket>();
let report: LoadReport = blank();
let since = performance.now();
/** The runners' beat (stopped between phases); spectators' reads go on. */
let beat: NodeJS.Timeout | null = null;
const reads: NodeJS.Timeout[] = [];
const classics: WebSocket[] = [];

function blank(): LoadReport {
  return {
    wsRunners: sockets?.size ?? 0,
    appRunners: cfg?.runners.filter((r) => r.key).length ?? 0,
    failedOpens: 0,
    sent: 0,
    acked: 0,
    appRequests: 0,
    appFailed: 0,
    ackLatencies: [],
    followLatencies: [],
    bytes: { interest: 0, classic: 0, lite: 0, follow: 0, classicUpdates: 0 },
    entries: { interest: 0, classic: 0 },
    cpuSeconds: 0,
    seconds: 0,
  };
}

const framed = (n: number) => n + (n < 126 ? 2 : n < 65536 ? 4 : 10);
const source = (i: number) => cfg.sources[i % cfg.sources.length];
/** Latency samples kept: one in `every`, so a long 1 Hz phase does not fill the memory. */
const sample = (list: number[], v: number, every = 20) => {
  if (Math.random() * every < 1) list.push(v);
};

function open(i: number, onMessage: (data: Buffer, binary: boolean, ws: WebSocket) => void): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, localAddress: source(i), handshakeTimeout: 60_000, maxPayload: 256 * 1024 * 1024 });
    ws.on('message', (d: Buffer, binary) => onMessage(d, binary, ws));
    ws.once('open', () => resolve(ws));
    ws.once('error', () => {
      report.failedOpens++;
      resolve(null);
    });
  });
}

/** Runner-page runners: connect and resume, in batches. */
async function openRunners(): Promise<void> {
  const ws = cfg.runners.filter((r) => !r.key);
  const sent = new Map<string, Map<number, number>>();
  for (let k = 0; k < ws.length; k += 200) {
    await Promise.all(
      ws.slice(k, k + 200).map(async (r) => {
        const inflight = new Map<number, number>();
        sent.set(r.id, inflight);
        let resolved: (ok: boolean) => void;
        const joined = new Promise<boolean>((res) => (resolved = res));
        const s = await open(r.i, (d, _binary, socket) => {
          const text = d.toString();
          if (text.startsWith('{"type":"ack"')) {
            const seq = Number(/"seq":(\d+)/.exec(text)?.[1]);
            report.acked++;
            const at = inflight.get(seq);
            if (at !== undefined) {
              sample(report.ackLatencies, performance.now() - at);
              inflight.delete(seq);
            }
          } else if (text.startsWith('{"type":"joined"')) resolved(true);
          else if (text.startsWith('{"type":"hello"')) socket.send(JSON.stringify({ type: 'resume', event: cfg.event, runnerId: r.id, token: r.token }));
          else if (text.startsWith('{"type":"error"') && !sockets.has(r.id)) {
            // Refused before joining: counted, and the first reason kept for the report.
            report.joinError ??= text.slice(0, 300);
            resolved(false);
          }
        });
        if (!s) return;
        const timer = setTimeout(() => resolved(false), 120_000);
        const ok = await joined;
        clearTimeout(timer);
        if (!ok) {
          report.failedOpens++;
          s.terminate();
          return;
        }
        sockets.set(r.id, s);
        (s as WebSocket & { inflight?: Map<number, number> }).inflight = inflight;
      }),
    );
  }
}

function spectators(): void {
  const { view, follow } = cfg.spectators;
  // Each subscribes on the server's hello, which may come in the same read as the upgrade's answer.
  const hello = (d: Buffer, binary: boolean) => !binary && d.subarray(0, 16).toString().startsWith('{"type":"hello"');
  for (let k = 0; k < cfg.spectators.interest; k++) {
    void open(k, (d, binary, ws) => {
      if (hello(d, binary)) ws.send(JSON.stringify({ type: 'subscribe', event: cfg.event, interest: { follow: [], view } }));
      report.bytes.interest += framed(d.length);
      if (binary) for (const f of decodeFrames(d)) report.entries.interest += f.n.length;
    });
  }
  for (let k = 0; k < cfg.spectators.classic; k++) {
    void open(k, (d, binary, ws) => {
      if (hello(d, binary)) ws.send(JSON.stringify({ type: 'subscribe', event: cfg.event }));
      report.bytes.classic += framed(d.length);
      const text = d.toString();
      // Bytes per fix from updates alone: a subscriber that falls behind is sent whole snapshots instead.
      if (!text.startsWith('{"type":"update"')) return;
      report.bytes.classicUpdates += framed(d.length);
      report.entries.classic += (text.match(/\],\[|\[\[/g) ?? []).length;
    }).then((s) => s && classics.push(s));
  }
  if (follow) {
    void open(0, (d, binary, ws) => {
      if (hello(d, binary)) ws.send(JSON.stringify({ type: 'subscribe', event: cfg.event, interest: { follow: [follow], view } }));
      report.bytes.follow += framed(d.length);
      if (binary) return;
      const text = d.toString();
      if (!text.startsWith('{"type":"update"')) return;
      const now = Date.now();
      for (const m of text.matchAll(/,(\d{13})\]/g)) report.followLatencies.push(now - Number(m[1]));
    });
  }
  // Light pages: the cards of one runner, read every 15 s with the ETag they were given.
  for (let k = 0; k < cfg.spectators.lite; k++) {
    let etag = '';
    const read = () => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/e/${cfg.event}/lite?runner=${follow}&part=cards`, agent, headers: etag ? { 'if-none-match': etag, 'accept-encoding': 'gzip' } : { 'accept-encoding': 'gzip' } },
        (res) => {
          let head = 17;
          for (const [h, v] of Object.entries(res.headers)) head += h.length + String(v).length + 4;
          report.bytes.lite += head;
          etag = res.headers.etag ?? etag;
          res.on('data', (c: Buffer) => (report.bytes.lite += c.length));
          res.resume();
        },
      );
      req.on('error', () => {});
      req.end();
    };
    const start = setTimeout(() => {
      read();
      reads.push(setInterval(read, 15_000));
    }, (k * 15_000) / Math.max(1, cfg.spectators.lite));
    reads.push(start);
  }
}

/** Each runner reports on its own beat, spread evenly over the interval. */
function send(intervalMs: number, batch: number): void {
  const gun = cfg.gun;
  const all = cfg.runners;
  const period = (r: LoadRunner) => (r.key && batch > 1 ? intervalMs * batch : intervalMs);
  const due = all.map((r, k) => performance.now() + (k / all.length) * period(r));
  beat = setInterval(() => {
    const now = performance.now();
    for (let k = 0; k < all.length; k++) {
      if (due[k]! > now) continue;
      const r = all[k]!;
      due[k]! += period(r);
      if (r.key) app(r, intervalMs, batch, gun);
      else {
        const s = sockets.get(r.id);
        if (!s || s.readyState !== WebSocket.OPEN) continue;
        const t = Date.now();
        const p = positionOf(course, r.i, (t - gun) / 1000);
        r.seq++;
        (s as WebSocket & { inflight?: Map<number, number> }).inflight?.set(r.seq, performance.now());
        s.send(`{"type":"pos","seq":${r.seq},"lat":${p.lat.toFixed(6)},"lon":${p.lon.toFixed(6)},"t":${t},"acc":5}`);
        report.sent++;
      }
    }
  }, 10);
}

function app(r: LoadRunner, intervalMs: number, batch: number, gun: number): void {
  const t0 = Date.now();
  const fixes = Array.from({ length: batch }, (_, k) => {
    const t = t0 - (batch - 1 - k) * intervalMs;
    return { t, ...positionOf(course, r.i, (t - gun) / 1000) };
  });
  let path: string;
  let body: string | null = null;
  const headers: Record<string, string> = {};
  if (batch === 1) {
    const f = fixes[0]!;
    path = `/ingest/osmand?id=${r.key}&lat=${f.lat.toFixed(6)}&lon=${f.lon.toFixed(6)}&timestamp=${f.t}&accuracy=5`;
  } else {
    path = '/ingest/overland';
    headers.authorization = `Bearer ${r.key}`;
    headers['content-type'] = 'application/json';
    body = JSON.stringify({
      locations: fixes.map((f) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [Number(f.lon.toFixed(6)), Number(f.lat.toFixed(6))] }, properties: { timestamp: new Date(f.t).toISOString(), horizontal_accuracy: 5 } })),
    });
  }
  const started = performance.now();
  report.sent += batch;
  report.appRequests++;
  const req = request({ host: url.hostname, port: url.port, path, method: body ? 'POST' : 'GET', agent, headers }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) {
        report.acked += batch;
        sample(report.ackLatencies, performance.now() - started);
      } else report.appFailed++;
    });
  });
  req.on('error', () => report.appFailed++);
  req.end(body ?? undefined);
}

process.on('message', (cmd: LoadCommand) => {
  switch (cmd.type) {
    case 'config':
      cfg = cmd.config;
      url = new URL(cfg.base);
      wsUrl = `${cfg.base.replace(/^http/, 'ws')}/ws`;
      report = blank();
      return;
    case 'open':
      void openRunners().then(() => {
        spectators();
        process.send!({ type: 'opened', ws: sockets.size, failed: report.failedOpens, error: report.joinError ?? null });
      });
      return;
    case 'send':
      send(cmd.intervalMs, cmd.batch);
      return;
    case 'stop':
      if (beat) clearInterval(beat);
      beat = null;
      return;
    case 'drop-classic':
      for (const c of classics.splice(0)) c.close();
      return;
    case 'reset':
      report = blank();
      since = performance.now();
      report.wsRunners = sockets.size;
      return;
    case 'report': {
      const usage = process.cpuUsage();
      report.cpuSeconds = (usage.user + usage.system) / 1e6;
      report.seconds = (performance.now() - since) / 1000;
      process.send!({ type: 'report', report });
      return;
    }
    case 'close':
      for (const t of reads) clearInterval(t);
      for (const s of sockets.values()) s.terminate();
      process.exit(0);
  }
});
