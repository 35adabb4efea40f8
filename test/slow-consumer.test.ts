/**
 * Slow consumers: a spectator whose socket stops reading must not make the server buffer without bound, must
 * not slow anyone else down, and must get a fresh snapshot once it reads again.
 *
 * The server runs in this process, so its memory is this process's memory; it is sampled after a full GC
 * (run with --expose-gc). Volume: position frames are fixed in shape and extra fields are stripped, so long
 * runner frames do not make long update frames. Runners that deliver each pair of fixes out of order (as the
 * outbox does when it resends after a reconnect) do: each such update carries their whole trail again.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import type { ServerMessage, TrackPoint } from '../lib/protocol';
import { fix, joinAsRunner, startTestServer, type TestServer } from './helpers';

const MiB = 1024 * 1024;
const fmt = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function requireGc(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    throw new Error(
      'global.gc is missing: this test measures memory and must run with --expose-gc ' +
        '(node --expose-gc --import tsx --test test/slow-consumer.test.ts)',
    );
  }
  return gc;
}

/**
 * Memory this process holds after full collections: JS heap plus Buffers and other external memory.
 * Freed external memory is accounted a little after the collection, hence the pause between two.
 */
async function held(gc: () => void) {
  gc();
  await sleep(20);
  gc();
  const m = process.memoryUsage();
  return { held: m.heapUsed + m.external, heap: m.heapUsed, external: m.external, rss: m.rss };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A spectator that keeps the map the way the page does: snapshots replace, updates append or replace trails. */
class Spectator {
  readonly ws: WebSocket;
  bytes = 0;
  /** Each snapshot received, with the bytes received before it. */
  readonly snapshots: Array<{ bytesBefore: number; msg: Extract<ServerMessage, { type: 'snapshot' }> }> = [];
  readonly tracks = new Map<string, TrackPoint[]>();
  /** Points that arrived in update.points only, per runner. */
  readonly appended = new Map<string, TrackPoint[]>();
  readonly oddities: string[] = [];

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('error', () => {});
  }

  static async connect(url: string, events: string[]): Promise<Spectator> {
    const s = new Spectator(url);
    await new Promise<void>((resolve, reject) => {
      s.ws.on('message', (data: Buffer) => {
        s.bytes += data.length;
        const msg = JSON.parse(data.toString()) as ServerMessage;
        if (msg.type === 'hello') resolve();
        else s.apply(msg, data.length);
      });
      s.ws.once('close', () => reject(new Error('closed before hello')));
    });
    for (const event of events) s.ws.send(JSON.stringify({ type: 'subscribe', event }));
    await until('the first snapshots', () => s.snapshots.length >= events.length, 10_000);
    return s;
  }

  private apply(msg: ServerMessage, size: number): void {
    if (msg.type === 'snapshot') {
      this.snapshots.push({ bytesBefore: this.bytes - size, msg });
      for (const r of msg.runners) this.tracks.set(r.id, r.track.slice());
    } else if (msg.type === 'update') {
      for (const [id, track] of Object.entries(msg.tracks ?? {})) this.tracks.set(id, track.slice());
      for (const [id, pts] of Object.entries(msg.points)) {
        this.tracks.set(id, [...(this.tracks.get(id) ?? []), ...pts]);
        this.appended.set(id, [...(this.appended.get(id) ?? []), ...pts]);
      }
      for (const id of msg.removed ?? []) this.oddities.push(`removed ${id}`);
    } else if (msg.type !== 'happiness' && msg.type !== 'event') {
      this.oddities.push(JSON.stringify(msg).slice(0, 200));
    }
  }

  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }
}

type Runner = Awaited<ReturnType<typeof joinAsRunner>> & { seq: number; outOfOrder: boolean; timer?: NodeJS.Timeout };
/** Every sending timer, so a failed test stops them all. */
const timers = new Set<NodeJS.Timeout>();
const stopAll = () => {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
};

/** The points a runner has sent, as a spectator should hold them. */
const truth = (r: Runner, t0: number): TrackPoint[] =>
  Array.from({ length: r.seq }, (_, i) => {
    const f = fix(i + 1, t0 + i + 1);
    return [f.lat, f.lon, f.t];
  });

/**
 * Keep a runner sending within its budget: two fixes every `everyMs` (in order, or each pair swapped), or one.
 * `phaseMs` staggers runners so that sends spread over the tick. Stops by itself at `maxSeq`, under the
 * snapshot's point limit so snapshots stay whole.
 */
function drive(r: Runner, t0: number, everyMs: number, perStep: 1 | 2, maxSeq: number, phaseMs = 0): void {
  const step = () => {
    r.client.received.length = 0;
    if (r.seq + perStep > maxSeq) return;
    const s = r.seq;
    const seqs = perStep === 1 ? [s + 1] : r.outOfOrder ? [s + 2, s + 1] : [s + 1, s + 2];
    for (const q of seqs) r.client.send(fix(q, t0 + q));
    r.seq += perStep;
  };
  const start = setTimeout(() => {
    timers.delete(start);
    r.timer = setInterval(step, everyMs);
    timers.add(r.timer);
  }, phaseMs);
  timers.add(start);
}

async function stopAndSettle(runners: Runner[]): Promise<void> {
  stopAll();
  for (const r of runners) {
    if (r.seq > 0) await r.client.until((m) => m.type === 'ack' && m.seq === r.seq, 20_000);
    const errors = r.client.received.filter((m) => m.type === 'error');
    assert.deepEqual(errors, [], 'runners stay within their budget and get no errors');
  }
}

async function runners(srv: TestServer, eventId: string, n: number, outOfOrder: boolean, prefix: string): Promise<Runner[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => ({ ...(await joinAsRunner(srv.wsUrl, eventId, `${prefix} ${i + 1}`)), seq: 0, outOfOrder })),
  );
}

test('a spectator that stops reading never makes the server buffer without bound, and other spectators are unaffected', async (t) => {
  const gc = requireGc();
  const started = Date.now();
  // A long heartbeat: the paused spectator must be left to the slow-consumer rule, not cut off for missing pongs.
  const srv = await startTestServer({ TICK_MS: '20' }, { heartbeatMs: 600_000 });
  try {
    const eventId = srv.core.createEvent('Slow consumer').event.id;
    const fast = await Spectator.connect(srv.wsUrl, [eventId]);
    const slow = await Spectator.connect(srv.wsUrl, [eventId]);
    const steady = (await runners(srv, eventId, 1, false, 'Steady'))[0]!;
    const resenders = await runners(srv, eventId, 8, true, 'Resender');
    const all = [steady, ...resenders];
    const t0 = Date.now();
    const MAX_SEQ = 1900;
    all.forEach((r, i) => drive(r, t0, 25, 2, MAX_SEQ, i * 3)); // 80 fixes a second each: inside the budget of 100

    await sleep(500);
    slow.socket.pause();
    const pausedAt = Date.now();
    const fastBytesAtPause = fast.bytes;
    const slowBytesAtPause = slow.bytes;
    const base = await held(gc);

    // Load: until the fast spectator has had 40 MiB since the pause (bounded in time and in points).
    const samples: Array<Awaited<ReturnType<typeof held>>> = [];
    const LOAD_BYTES = 40 * MiB;
    while (fast.bytes - fastBytesAtPause < LOAD_BYTES && Date.now() - pausedAt < 20_000 && steady.seq < MAX_SEQ - 300) {
      await sleep(500);
      samples.push(await held(gc));
    }
    const loadMs = Date.now() - pausedAt;
    const fastDuringPause = fast.bytes - fastBytesAtPause;
    const peak = samples.reduce((a, s) => (s.held > a.held ? s : a), base);
    const growth = peak.held - base.held;
    const seqAtResume = steady.seq;
    assert.equal(slow.bytes, slowBytesAtPause, 'the paused spectator read nothing');

    // Read again: the backlog drains, then a fresh snapshot replaces what was skipped.
    slow.socket.resume();
    const resumedAt = Date.now();
    await until('a fresh snapshot for the slow spectator', () => slow.snapshots.length >= 2, 15_000);
    const resyncMs = Date.now() - resumedAt;
    const resync = slow.snapshots[1]!;
    const backlog = resync.bytesBefore - slowBytesAtPause;
    await stopAndSettle(all);
    const settle = () =>
      all.every((r) => {
        const want = JSON.stringify(truth(r, t0));
        return JSON.stringify(fast.tracks.get(r.runnerId)) === want && JSON.stringify(slow.tracks.get(r.runnerId)) === want;
      });
    await until('both spectators to hold every point', settle, 15_000).catch(() => {});

    t.diagnostic(`load: 1 in-order + ${resenders.length} out-of-order runners at 80 fixes/s for ${loadMs} ms; fast spectator got ${fmt(fastDuringPause)} while the other was paused`);
    t.diagnostic(`memory held (heap+external, after GC): base ${fmt(base.held)}, peak ${fmt(peak.held)}, growth ${fmt(growth)}; heap ${fmt(base.heap)} -> ${fmt(peak.heap)}, external ${fmt(base.external)} -> ${fmt(peak.external)}, rss ${fmt(base.rss)} -> ${fmt(peak.rss)}`);
    t.diagnostic(`slow spectator after resume: backlog ${fmt(backlog)} (socket buffers + server queue), then a fresh snapshot after ${resyncMs} ms; points per runner ${steady.seq}; total ${Date.now() - started} ms`);

    // Bounded: what the server held for the paused spectator is far below what it would have had to keep.
    assert.ok(fastDuringPause >= 32 * MiB, `the load was too light to tell (${fmt(fastDuringPause)})`);
    assert.ok(growth < 16 * MiB, `memory grew by ${fmt(growth)} while a spectator was paused`);
    assert.ok(backlog < 16 * MiB, `the slow spectator was sent ${fmt(backlog)} before its resync`);

    // The fast spectator was never treated as slow and saw every point exactly once, in order.
    assert.equal(fast.snapshots.length, 1, 'the fast spectator never needed a resync');
    assert.deepEqual(fast.oddities, []);
    assert.deepEqual(fast.appended.get(steady.runnerId), truth(steady, t0), 'the in-order runner: every point once, in order');
    for (const r of all) assert.deepEqual(fast.tracks.get(r.runnerId), truth(r, t0), `fast spectator holds ${r.client === steady.client ? 'the steady runner' : 'a resender'}'s whole trail`);

    // The slow spectator's fresh snapshot holds every point up to then, and it ends up with everything.
    const inSnapshot = resync.msg.runners.find((r) => r.id === steady.runnerId)!.track;
    assert.ok(inSnapshot.length >= seqAtResume, `the resync snapshot has ${inSnapshot.length} of at least ${seqAtResume} points`);
    assert.deepEqual(inSnapshot, truth(steady, t0).slice(0, inSnapshot.length), 'the resync snapshot holds the points in order');
    assert.deepEqual(slow.oddities, []);
    for (const r of all) assert.deepEqual(slow.tracks.get(r.runnerId), truth(r, t0), 'slow spectator ends with the whole trail');

    fast.ws.close();
    slow.ws.close();
    for (const r of all) r.client.close();
  } finally {
    stopAll();
    await srv.dispose();
  }
});

// Found while writing the test above: replies sent to one connection (Core.sendTo) skip the maxBufferedBytes
// check that broadcasts make, so a reader that has stopped can still make the server queue without bound.
test('a spectator that stops reading but keeps subscribing is not buffered without bound', async (t) => {
  const gc = requireGc();
  const srv = await startTestServer({ TICK_MS: '20' }, { heartbeatMs: 600_000 });
  try {
    const eventId = srv.core.createEvent('Big snapshot').event.id;
    // 20 runners x 250 points: a snapshot of roughly 200 KB.
    const rs = await runners(srv, eventId, 20, false, 'Runner');
    const t0 = Date.now();
    await Promise.all(
      rs.map(async (r) => {
        for (let q = 1; q <= 250; q++) r.client.send(fix(q, t0 + q));
        r.seq = 250;
        await r.client.until((m) => m.type === 'ack' && m.seq === 250, 20_000);
      }),
    );
    const reader = await Spectator.connect(srv.wsUrl, [eventId]);
    const snapshotBytes = reader.bytes;
    reader.socket.pause();
    const base = await held(gc);

    // 90 subscribe frames a second (inside the budget of 100), for 5 s, never reading an answer.
    let peak = base;
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 45; i++) reader.ws.send(JSON.stringify({ type: 'subscribe', event: eventId }));
      await sleep(500);
      const m = await held(gc);
      if (m.held > peak.held) peak = m;
    }
    const growth = peak.held - base.held;
    t.diagnostic(`snapshot about ${fmt(snapshotBytes)}; 450 subscribe frames from a paused reader; memory held grew ${fmt(growth)} (heap ${fmt(base.heap)} -> ${fmt(peak.heap)}, rss ${fmt(base.rss)} -> ${fmt(peak.rss)})`);
    assert.ok(growth < 32 * MiB, `memory grew by ${fmt(growth)}: the server queues every snapshot for a reader that has stopped`);
    reader.ws.terminate();
    for (const r of rs) r.client.close();
  } finally {
    stopAll();
    await srv.dispose();
  }
});

// Found while writing the test above: Core.broadcast resynchronises a stale peer with snapshots of every event it
// follows, then still sends it the updates of the other events from the same tick, whose points the snapshots hold.
test('a slow spectator following two events gets every point exactly once after its resync', async (t) => {
  const srv = await startTestServer({ TICK_MS: '20' }, { heartbeatMs: 600_000 });
  try {
    const a = srv.core.createEvent('Event A').event.id;
    const b = srv.core.createEvent('Event B').event.id;
    const slow = await Spectator.connect(srv.wsUrl, [a, b]);
    const loud = await runners(srv, a, 8, true, 'Resender');
    const steady = (await runners(srv, b, 1, false, 'Steady'))[0]!;
    const all = [...loud, steady];
    const t0 = Date.now();
    // Staggered so that every tick has news for event A, and event B has a fix in every tick too.
    loud.forEach((r, i) => drive(r, t0, 25, 2, 1900, i * 3));
    drive(steady, t0, 12, 1, 1900);

    // Paused long enough to go well past the server's 1 MiB mark: the loud runners' updates grow with their
    // trails, and 8 s of them come to more than 20 MiB.
    slow.socket.pause();
    await sleep(8000);
    slow.socket.resume();
    await until('fresh snapshots of both events', () => slow.snapshots.length >= 4, 15_000);
    await sleep(300);
    await stopAndSettle(all);
    await sleep(300);

    const want = truth(steady, t0);
    const got = slow.tracks.get(steady.runnerId) ?? [];
    const times = got.map((p) => p[2]);
    const duplicates = times.length - new Set(times).size;
    t.diagnostic(`event B's runner sent ${want.length} points; the slow spectator holds ${got.length} (${duplicates} duplicates) after ${slow.snapshots.length - 2} resync snapshots`);
    assert.equal(duplicates, 0, 'no point twice');
    assert.deepEqual(got, want);
    slow.ws.close();
    for (const r of all) r.client.close();
  } finally {
    stopAll();
    await srv.dispose();
  }
});
