/**
 * Nothing is kept for connections that are gone: after thousands of connect/subscribe/disconnect cycles,
 * ended every way a client can end (clean close, TCP drop, before the snapshot, mid-handshake), the live
 * counts return to zero, the per-address limiter has every slot back and the heap returns near its baseline;
 * and a client that stops answering pings is terminated and its subscription freed.
 *
 * Needs a garbage collector it can call: run with `node --expose-gc --import tsx --test test/cleanup.test.ts`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { fix, joinAsRunner, startTestServer, TestClient, type TestServer, makeEvent } from './helpers';
import { requireGc, settledMemory } from './support/memory';
import { waitFor, within } from './support/wait';

const CYCLES = 10_000;
const WARMUP_CYCLES = 500;
const CONCURRENCY = 50;
const MAX_PER_IP = 100;
const HEAP_GROWTH_LIMIT = 16 * 1024 * 1024;

const MiB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function settledHeap(gc: () => void): Promise<number> {
  return (await settledMemory(gc, (m) => m.heapUsed)).heapUsed;
}

async function until(what: string, check: () => boolean, timeout: number): Promise<void> {
  await waitFor(check, { what, timeout, interval: 20 });
}

const zero = (srv: TestServer) => {
  const s = srv.live.stats();
  return s.connections === 0 && s.subscriptions === 0 && s.peers === 0;
};

const ENDINGS = [
  'close',
  'terminate',
  'close-before-snapshot',
  'terminate-before-snapshot',
  'unsubscribe-then-close',
  'abort-handshake',
] as const;
type Ending = (typeof ENDINGS)[number];

/** A raw upgrade request. */
function upgradeRequest(port: number): string {
  return (
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}

/**
 * One cycle. Resolves 'refused' when the server answered 429: a slot freed by a socket this process has just
 * closed can take a moment to reach the server's limiter, so the caller tries again.
 */
function cycle(srv: TestServer, eventId: string, ending: Ending, timeoutMs = 15_000): Promise<'done' | 'refused'> {
  if (ending === 'abort-handshake') {
    // The whole upgrade request, then the TCP connection is dropped before the answer is read.
    return new Promise((resolve, reject) => {
      const s = connect(srv.port, '127.0.0.1');
      const timer = setTimeout(() => reject(new Error('abort-handshake cycle stuck')), timeoutMs);
      s.on('error', () => {});
      s.on('connect', () => {
        s.write(upgradeRequest(srv.port));
        setImmediate(() => s.destroy());
      });
      s.on('close', () => {
        clearTimeout(timer);
        resolve('done');
      });
    });
  }
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(srv.wsUrl);
    let refused = false;
    let failure: Error | null = null;
    const timer = setTimeout(() => {
      failure = new Error(`${ending} cycle stuck`);
      ws.terminate();
    }, timeoutMs);
    ws.on('error', (err) => {
      if (/Unexpected server response: 429/.test(err.message)) refused = true;
      else failure ??= err;
    });
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { type: string };
      if (m.type === 'hello') {
        ws.send(JSON.stringify({ type: 'subscribe', event: eventId }));
        if (ending === 'close-before-snapshot') ws.close();
        if (ending === 'terminate-before-snapshot') ws.terminate();
      } else if (m.type === 'snapshot') {
        if (ending === 'close') ws.close();
        if (ending === 'terminate') ws.terminate();
        if (ending === 'unsubscribe-then-close') {
          ws.send(JSON.stringify({ type: 'unsubscribe', event: eventId }));
          ws.close();
        }
      }
    });
    ws.on('close', () => {
      clearTimeout(timer);
      if (failure && !refused) reject(failure);
      else resolve(refused ? 'refused' : 'done');
    });
  });
}

test('after 10,000 connect/subscribe/disconnect cycles live connection and subscription counts return to zero and the heap returns near its baseline', async (t) => {
  const gc = requireGc('test/cleanup.test.ts');
  const started = Date.now();
  // Every cycle asks for a snapshot from the same address: allow that, to see the cycles rather than the limit.
  const srv = await startTestServer({ MAX_CONNECTIONS_PER_IP: String(MAX_PER_IP), SNAPSHOTS_PER_SECOND_PER_IP: '100000' });
  try {
    const eventId = (await makeEvent(srv, 'Leak check')).event.id;
    // A runner with a trail, so every snapshot carries something.
    const { client: runner } = await joinAsRunner(srv.wsUrl, eventId, 'Trail');
    const t0 = Date.now();
    for (let seq = 1; seq <= 200; seq++) runner.send(fix(seq, t0 + seq));
    await runner.until((m) => m.type === 'ack' && m.seq === 200, 10_000);
    runner.close();
    await until('the runner to disconnect', () => zero(srv), 10_000);

    const byEnding: Record<string, number> = {};
    let refusals = 0;
    const run = async (cycles: number) => {
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < cycles; i = next++) {
          const ending = ENDINGS[i % ENDINGS.length]!;
          // Refused (429) until the server has heard of a socket this process closed a moment ago.
          await waitFor(
            async () => {
              if ((await cycle(srv, eventId, ending)) === 'done') return true;
              refusals++;
              return false;
            },
            { timeout: 20_000, what: 'a free slot: refused for 20 s in a row, the per-address limiter is leaking slots' },
          );
          byEnding[ending] = (byEnding[ending] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      await until('connections and subscriptions to return to zero', () => zero(srv), 20_000);
    };

    // Warm up first (JIT, pools, SQLite statement caches), so the baseline is the steady state.
    await run(WARMUP_CYCLES);
    const heapBefore = await settledHeap(gc);
    for (const k of Object.keys(byEnding)) delete byEnding[k];
    refusals = 0;

    const cyclesStarted = Date.now();
    await run(CYCLES);
    const cyclesMs = Date.now() - cyclesStarted;
    const stats = srv.live.stats();
    const heapAfter = await settledHeap(gc);

    t.diagnostic(`cycles ${CYCLES} (${CONCURRENCY} at a time, after ${WARMUP_CYCLES} warm-up) by ending ${JSON.stringify(byEnding)}`);
    t.diagnostic(`429 answers retried ${refusals}; cycles took ${cyclesMs} ms`);
    t.diagnostic(`stats after ${JSON.stringify(stats)}`);
    t.diagnostic(`heap before ${MiB(heapBefore)}, after ${MiB(heapAfter)}, growth ${MiB(heapAfter - heapBefore)} (limit ${MiB(HEAP_GROWTH_LIMIT)})`);

    assert.equal(Object.values(byEnding).reduce((a, b) => a + b, 0), CYCLES);
    assert.equal(stats.connections, 0, 'no connection left');
    assert.equal(stats.subscriptions, 0, 'no subscription left');
    assert.equal(stats.peers, 0, 'no peer left');
    assert.equal(stats.events, 1);
    assert.equal(stats.runners, 1);
    assert.ok(heapAfter - heapBefore < HEAP_GROWTH_LIMIT, `heap grew by ${MiB(heapAfter - heapBefore)}`);

    // Every slot of the per-address limit is free again: exactly MAX_PER_IP sockets open at once, one more is refused.
    const full = await Promise.all(Array.from({ length: MAX_PER_IP }, () => TestClient.connect(srv.wsUrl)));
    const extra = new WebSocket(srv.wsUrl);
    const status = await new Promise<string>((resolve) => {
      extra.on('error', (err) => resolve(err.message));
      extra.on('open', () => resolve('open'));
    });
    assert.match(status, /429/, 'the connection past the limit is refused with 429');
    for (const c of full) c.close();
    await until('the full set to close', () => zero(srv), 20_000);
    t.diagnostic(`limiter: ${MAX_PER_IP} simultaneous connections accepted, one more refused (${status}); total ${Date.now() - started} ms`);
  } finally {
    await srv.dispose();
  }
});

/** A client frame: text, masked as RFC 6455 requires of clients, short payload only. */
function maskedText(s: string): Buffer {
  const payload = Buffer.from(s);
  assert.ok(payload.length < 126);
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

/** A raw TCP client that performs the upgrade and subscribes, and otherwise never reads or answers. */
async function silentSubscriber(srv: TestServer, eventId: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(srv.port, '127.0.0.1');
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${head.slice(0, 40)}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.once('connect', () => socket.write(upgradeRequest(srv.port)));
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
  socket.write(maskedText(JSON.stringify({ type: 'subscribe', event: eventId })));
  return { socket, closed };
}

test('a client that stops answering pings is terminated and its subscription freed', async (t) => {
  // Short, for a quick test, yet long enough that a busy machine does not hold up a pong past the next ping.
  const heartbeatMs = 250;
  const srv = await startTestServer({}, { heartbeatMs });
  try {
    const eventId = (await makeEvent(srv, 'Heartbeat')).event.id;
    const control = await TestClient.connect(srv.wsUrl);
    let pings = 0;
    control.ws.on('ping', () => pings++);
    control.send({ type: 'subscribe', event: eventId });
    await control.next('snapshot');

    // One raw socket that never reads again after the handshake, one ws client whose socket is paused.
    const silent = await silentSubscriber(srv, eventId);
    const paused = await TestClient.connect(srv.wsUrl);
    paused.send({ type: 'subscribe', event: eventId });
    await paused.next('snapshot');
    (paused.ws as unknown as { _socket: Socket })._socket.pause();
    await until('three subscriptions', () => srv.live.stats().subscriptions === 3, 5000);
    const silencedAt = Date.now();

    await until(
      'the silent clients to be terminated',
      () => {
        const s = srv.live.stats();
        return s.connections === 1 && s.subscriptions === 1 && s.peers === 1;
      },
      20 * heartbeatMs + 5000,
    );
    const terminatedAfter = Date.now() - silencedAt;

    // The server dropped the TCP connection: once the raw socket reads again it sees the end.
    silent.socket.resume();
    await within(silent.closed, { what: 'the server to close the raw socket' });

    // The client that answers pings stays, across many more heartbeats, and still gets answers.
    const pingsBefore = pings;
    await until('ten more heartbeats, or the live client to be dropped', () => pings >= pingsBefore + 10 || control.closed !== null, 20 * heartbeatMs + 5000);
    assert.equal(control.closed, null, 'the live client is still connected');
    assert.deepEqual(
      (({ connections, subscriptions, peers }) => ({ connections, subscriptions, peers }))(srv.live.stats()),
      { connections: 1, subscriptions: 1, peers: 1 },
    );
    control.send({ type: 'subscribe', event: eventId });
    await control.next('snapshot');

    t.diagnostic(`heartbeat ${heartbeatMs} ms: silent raw socket and paused ws client terminated within ${terminatedAfter} ms; live client kept through 10 more heartbeats`);
    control.close();
    paused.ws.terminate();
  } finally {
    await srv.dispose();
  }
});
