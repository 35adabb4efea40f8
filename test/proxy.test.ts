/**
 * The round-robin proxy the cluster tests run behind (deploy/nginx/trackside.conf in Debian's nginx),
 * in front of two throwaway upstream servers: it alternates requests without stickiness, carries
 * WebSocket upgrades, streams Server-Sent Events as they are written, and sets X-Forwarded-For itself.
 */
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { type Proxy, startProxy } from './support/proxy';

interface Upstream {
  name: string;
  port: number;
  server: Server;
  /** Headers of the requests it got. */
  seen: IncomingMessage['headers'][];
}

/** Event streams the upstreams opened, in the order they did, to write to while a test reads the client's side. */
const streams: ServerResponse[] = [];

async function upstream(name: string): Promise<Upstream> {
  const seen: IncomingMessage['headers'][] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(`data: ${name} first\n\n`);
      streams.push(res);
      return;
    }
    res.end(JSON.stringify({ name, forwardedFor: req.headers['x-forwarded-for'] ?? null, host: req.headers.host }));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    seen.push(req.headers);
    if (req.url !== '/ws') return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m) => ws.send(`${name}:${m.toString()}`)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { name, port: (server.address() as AddressInfo).port, server, seen };
}

/** Write to a stream until it stops draining for a second (or `limit` bytes went); returns the bytes written. */
function flood(res: ServerResponse, limit: number): Promise<number> {
  const chunk = `data: ${'x'.repeat(64 * 1024 - 8)}\n\n`;
  let written = 0;
  return new Promise((resolve) => {
    const pump = () => {
      while (written < limit) {
        written += chunk.length;
        if (!res.write(chunk)) {
          // A window in which nothing drains: the reader stopped and every buffer on the way is full. Under
          // load the window only ends later, with more written if a proxy kept taking: the bound below holds.
          const stalled = setTimeout(() => {
            res.off('drain', pump);
            resolve(written);
          }, 1000);
          res.once('drain', () => {
            clearTimeout(stalled);
            pump();
          });
          return;
        }
      }
      resolve(written);
    };
    pump();
  });
}

describe('the round-robin proxy', () => {
  let a: Upstream;
  let b: Upstream;
  let proxy: Proxy;
  before(async () => {
    [a, b] = await Promise.all([upstream('a'), upstream('b')]);
    proxy = await startProxy([a.port, b.port]);
  });
  after(async () => {
    await proxy?.stop();
    streams.forEach((s) => s.end());
    for (const u of [a, b]) {
      u?.server.closeAllConnections();
      u?.server.close();
    }
  });

  test('sends requests from one client to the instances in turn, with no stickiness', async () => {
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push(((await (await fetch(`${proxy.url}/who`)).json()) as { name: string }).name);
    for (let i = 1; i < names.length; i++) assert.notEqual(names[i], names[i - 1], names.join(''));
    assert.equal(names.filter((n) => n === 'a').length, 3);
  });

  test('sets X-Forwarded-For to the client address, dropping what the client claimed, and keeps the Host with its port', async () => {
    const res = await fetch(`${proxy.url}/who`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const body = (await res.json()) as { forwardedFor: string; host: string };
    assert.equal(body.forwardedFor, '127.0.0.1');
    assert.equal(body.host, `127.0.0.1:${proxy.port}`);
  });

  test('carries WebSocket upgrades on /ws, each new connection to the next instance', async () => {
    const replies: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`, { headers: { origin: proxy.url } });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => ws.send(`hello ${i}`));
        ws.once('message', (m) => {
          replies.push(m.toString());
          resolve();
        });
        ws.once('error', reject);
      });
      ws.close();
    }
    assert.deepEqual(replies.map((r) => r.split(':')[1]), ['hello 0', 'hello 1']);
    assert.notEqual(replies[0]!.split(':')[0], replies[1]!.split(':')[0]);
    const upgrade = [...a.seen, ...b.seen].find((h) => h.upgrade === 'websocket')!;
    assert.equal(upgrade['x-forwarded-for'], '127.0.0.1');
  });

  test('streams Server-Sent Events on /api/stream as each is written, while the response stays open', { timeout: 20_000 }, async () => {
    const before = streams.length;
    const received: string[] = [];
    let waiting: (() => void) | null = null;
    const next = () => new Promise<void>((resolve) => (waiting = resolve));
    let first = next();
    const req = get(`${proxy.url}/api/stream`, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        received.push(...chunk.split('\n\n').filter(Boolean));
        waiting?.();
      });
    });
    // The first event arrives while the upstream holds the response open and writes nothing more.
    await first;
    const stream = streams[before]!;
    assert.ok(!stream.writableEnded);
    assert.match(received[0]!, /^data: [ab] first$/);
    first = next();
    stream.write('data: second\n\n');
    await first;
    assert.equal(received.at(-1), 'data: second');
    req.destroy();
  });

  test('passes back-pressure on /api/stream: a client that stops reading stalls the instance, not a buffer in the proxy', { timeout: 60_000 }, async () => {
    const before = streams.length;
    let arrived!: () => void;
    const opened = new Promise<void>((resolve) => (arrived = resolve));
    const req = get(`${proxy.url}/api/stream`, (res) => {
      res.once('data', () => {
        // A spectator whose connection stops reading: nothing more is taken off the socket.
        res.pause();
        arrived();
      });
    });
    await opened;
    const stream = streams[before]!;
    const limit = 128 * 2 ** 20;
    const written = await flood(stream, limit);
    req.destroy();
    // Socket buffers on the two hops hold a few MiB; a buffering proxy would take all of it (to disk).
    assert.ok(written < limit / 2, `${(written / 2 ** 20).toFixed(1)} MiB taken before the instance saw back-pressure`);
  });

  test("logs each request without a tracking app's device key: /ingest/ by its path alone, everything else whole", async () => {
    const key = 'K3yOfAdasPhoneNeverLogged0123456789';
    for (const path of [`/ingest/osmand?id=${key}&lat=51.5&lon=-0.1`, `/ingest/osmand-app/?id=${key}&lat=51.5`, `/ingest?id=${key}`, '/api/events/harbour-5k/runners/abc/track?after=17:3']) {
      await (await fetch(`${proxy.url}${path}`)).arrayBuffer();
    }
    // nginx writes a request's line once it is done with it: wait for the last one.
    let log = '';
    for (let i = 0; i < 200 && !log.includes('/track?after=17:3'); i++) {
      await new Promise((r) => setTimeout(r, 25));
      log = proxy.accessLog();
    }
    assert.match(log, /"GET \/api\/events\/harbour-5k\/runners\/abc\/track\?after=17:3 HTTP\/1\.1" 200 /, log);
    assert.match(log, /"GET \/ingest\/osmand HTTP\/1\.1" 200 /);
    assert.match(log, /"GET \/ingest\/osmand-app\/ HTTP\/1\.1" 200 /);
    assert.match(log, /"GET \/ingest HTTP\/1\.1" 200 /);
    assert.ok(!log.includes(key), log);
  });

  test('stops cleanly: nothing listens on its port any more', async () => {
    const own = await startProxy([a.port]);
    assert.equal((await fetch(`${own.url}/who`)).status, 200);
    await own.stop();
    await assert.rejects(fetch(`${own.url}/who`));
  });
});
