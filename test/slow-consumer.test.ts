/**
 * Slow consumers: a spectator whose socket stops reading must not make the server buffer without bound, must
 * not slow anyone else down, and must get a fresh snapshot once it reads again.
 *
 * The server runs in this process, so its memory is this process's memory; it is sampled after a full GC
 * (run with --expose-gc). Spectators keep their picture with the page's own reducer (client/event-view.ts),
 * and also count every point they receive, so a point delivered twice is seen even where the picture would
 * hide it.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { emptyEventView, type EventView, reduceEventView } from '../client/event-view';
import { decodeTrail } from '../lib/polyline';
import type { ServerMessage } from '../lib/protocol';
import { joinAsRunner, makeEvent, publishTick, startTestServer, type TestServer } from './helpers';
import { requireGc, settledMemory } from './support/memory';
import { sleep, waitFor } from './support/wait';

const MiB = 1024 * 1024;
const fmt = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

/** Memory this process holds after full collections: JS heap plus Buffers and other external memory. */
async function held(gc: () => void) {
  const m = await settledMemory(gc, (u) => u.heapUsed + u.external);
  return { held: m.heapUsed + m.external, heap: m.heapUsed, external: m.external, rss: m.rss };
}

async function until(what: string, check: () => boolean, timeout: number): Promise<void> {
  await waitFor(check, { what, timeout, interval: 20 });
}

/** The server's side of the spectators watching `event`: the most it has queued for one of them. */
function mostQueued(srv: TestServer, event: string): number {
  let most = 0;
  for (const { member } of srv.live.fanout.watchers(event)) most = Math.max(most, member.peer.bufferedAmount);
  return most;
}

/** Past this much queued for a spectator the server skips its updates (the Fanout default). */
const SKIP_PAST = MiB;

/** A spectator holding the picture the page would, per event, and every point time it was sent since its last snapshot. */
class Spectator {
  readonly ws: WebSocket;
  bytes = 0;
  readonly views = new Map<string, EventView>();
  readonly snapshots: Array<{ bytesBefore: number; msg: Extract<ServerMessage, { type: 'snapshot' }> }> = [];
  /** Per runner, the fix times received since that runner's event's last snapshot (snapshot ones included). */
  readonly seen = new Map<string, number[]>();
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
      for (const r of msg.runners) this.seen.set(r.id, decodeTrail(r.trail).map((p) => Math.round(p[2] / 1000)));
      this.views.set(msg.event.id, reduceEventView(emptyEventView, msg));
    } else if (msg.type === 'update') {
      const view = this.views.get(msg.event);
      if (!view) {
        this.oddities.push(`update before snapshot for ${msg.event}`);
        return;
      }
      const next = reduceEventView(view, msg);
      if (next.resync !== view.resync) this.oddities.push(`gap in ${msg.event}: prev ${msg.prev} after ${view.seq}`);
      this.views.set(msg.event, next);
      for (const [id, pts] of Object.entries(msg.points)) {
        const seen = this.seen.get(id) ?? [];
        seen.push(...pts.map((p) => Math.round(p[2] / 1000)));
        this.seen.set(id, seen);
      }
    } else if (msg.type !== 'happiness' && msg.type !== 'event') {
      this.oddities.push(JSON.stringify(msg).slice(0, 200));
    }
  }

  /** Fix times (s) held for a runner, in order. */
  times(event: string, runnerId: string): number[] {
    return (this.views.get(event)?.runners[runnerId]?.track ?? []).map((p) => Math.round(p[2] / 1000));
  }

  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }
}

type Runner = Awaited<ReturnType<typeof joinAsRunner>> & { seq: number; event: string; acked: number; errors: ServerMessage[] };
const timers = new Set<NodeJS.Timeout>();
const stopAll = () => {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
};

/** Fixes a second apart, starting an hour ago, so none is in the future however many are sent. */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3600_000;
const fixAt = (seq: number, lane: number) => ({ type: 'pos' as const, seq, lat: 51.5 + seq * 0.00005, lon: -0.12 + lane * 0.001, t: T0 + seq * 1000, acc: 5 });
/** The fix times (s) a runner has sent, as a spectator should hold them. */
const truth = (r: Runner) => Array.from({ length: r.seq }, (_, i) => Math.round((T0 + (i + 1) * 1000) / 1000));

/**
 * Keep a runner busy, inside its message budget and the event's limits: a fix every `fixEvery` steps of
 * `everyMs`, up to `maxSeq`, and a changed mood every step (each change puts the runner's info in the next
 * update, which is what makes updates large here).
 */
function drive(r: Runner, lane: number, everyMs: number, fixEvery: number, maxSeq: number, phaseMs = 0): void {
  let steps = 0;
  const step = () => {
    r.client.received.length = 0;
    if (r.seq >= maxSeq) return;
    r.client.send({ type: 'mood', value: steps % 2 ? 7 : 8 });
    if (steps++ % fixEvery === 0) r.client.send(fixAt(++r.seq, lane));
  };
  // Runners start out of step with one another (a phase, not a wait).
  const start = setTimeout(() => {
    timers.delete(start);
    const timer = setInterval(step, everyMs);
    timers.add(timer);
  }, phaseMs);
  timers.add(start);
}

async function stopAndSettle(runners: Runner[]): Promise<void> {
  stopAll();
  await until('every fix acknowledged', () => runners.every((r) => r.acked === r.seq), 30_000);
  for (const r of runners) assert.deepEqual(r.errors, [], 'runners stay within their budget and get no errors');
}

async function runners(srv: TestServer, event: string, n: number, prefix: string): Promise<Runner[]> {
  const out: Runner[] = [];
  // A few at a time: joins pay a larger part of the message budget, and the address may create 60 an hour.
  for (let i = 0; i < n; i++) {
    const r: Runner = { ...(await joinAsRunner(srv.wsUrl, event, `${prefix} ${i + 1}`)), seq: 0, event, acked: 0, errors: [] };
    r.client.ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as ServerMessage;
      if (msg.type === 'ack') r.acked = Math.max(r.acked, msg.seq);
      else if (msg.type === 'error') r.errors.push(msg);
    });
    out.push(r);
  }
  return out;
}

test('a spectator that stops reading never makes the server buffer without bound, and other spectators are unaffected', async (t) => {
  const gc = requireGc('test/slow-consumer.test.ts');
  // A long heartbeat: the paused spectator must be left to the slow-consumer rule, not cut off for missing pongs.
  const srv = await startTestServer({ TICK_MS: '20', RUNNERS_PER_HOUR_PER_IP: '1000' }, { heartbeatMs: 600_000 });
  try {
    const eventId = (await makeEvent(srv, 'Slow consumer')).event.id;
    const fast = await Spectator.connect(srv.wsUrl, [eventId]);
    const slow = await Spectator.connect(srv.wsUrl, [eventId]);
    await srv.live.run(eventId, { do: 'setQuotas', quotas: { fixesPerRunnerPerHour: 36_000 } }, null);
    const all = await runners(srv, eventId, 100, 'Runner with a long name');
    // Room after the paused phase (it ends by MAX_SEQ - 100 at the latest): news goes on while the slow
    // spectator catches up, which is when it gets its fresh snapshot.
    const MAX_SEQ = 900;
    all.forEach((r, i) => drive(r, i, 25, 4, MAX_SEQ, (i * 7) % 25)); // 40 moods and 10 fixes a second each

    await until('the load to be flowing', () => all.every((r) => r.acked >= 2), 20_000);
    slow.socket.pause();
    const pausedAt = Date.now();
    const fastAtPause = fast.bytes;
    const slowAtPause = slow.bytes;
    const base = await held(gc);

    const samples: Array<Awaited<ReturnType<typeof held>>> = [];
    // Far more than the kernel's socket buffers and the server's queue can hold for the paused spectator
    // (a few MiB on loopback), so what it is sent later shows whether the server kept the rest.
    const LOAD = 10 * MiB;
    // Paused until the server has held back updates from the slow spectator (more than SKIP_PAST queued for
    // it, and an update went by since) and LOAD went to the other. A loaded machine gets there later, not
    // never: the runners keep sending until then (or until they run out of fixes, which the checks report).
    let fastBytesWhenFull: number | null = null;
    const heldBack = () => fastBytesWhenFull !== null && fast.bytes > fastBytesWhenFull;
    while (!(heldBack() && fast.bytes - fastAtPause >= LOAD) && all[0]!.seq < MAX_SEQ - 100) {
      // A sampling period; the loop ends on what was delivered.
      await sleep(500);
      samples.push(await held(gc));
      if (fastBytesWhenFull === null && mostQueued(srv, eventId) > SKIP_PAST) fastBytesWhenFull = fast.bytes;
    }
    assert.ok(heldBack(), `the load was too light to tell: the server never queued more than ${fmt(SKIP_PAST)} for the paused spectator`);
    const loadMs = Date.now() - pausedAt;
    const fastDuringPause = fast.bytes - fastAtPause;
    const peak = samples.reduce((a, s) => (s.held > a.held ? s : a), base);
    const growth = peak.held - base.held;
    assert.equal(slow.bytes, slowAtPause, 'the paused spectator read nothing');

    slow.socket.resume();
    const resumedAt = Date.now();
    await until('a fresh snapshot for the slow spectator', () => slow.snapshots.length >= 2, 60_000);
    const resyncMs = Date.now() - resumedAt;
    const backlog = slow.snapshots[1]!.bytesBefore - slowAtPause;
    await stopAndSettle(all);
    const holdsAll = (s: Spectator) => all.every((r) => JSON.stringify(s.times(eventId, r.runnerId)) === JSON.stringify(truth(r)));
    await until('both spectators to hold every point', () => holdsAll(fast) && holdsAll(slow), 15_000).catch(() => {});

    t.diagnostic(`load: ${all.length} runners at 10 fixes and 40 moods a second for ${loadMs} ms; the fast spectator got ${fmt(fastDuringPause)} while the other was paused`);
    t.diagnostic(`memory held (heap+external, after GC): base ${fmt(base.held)}, peak ${fmt(peak.held)}, growth ${fmt(growth)}; rss ${fmt(base.rss)} -> ${fmt(peak.rss)}`);
    t.diagnostic(`slow spectator after resume: backlog ${fmt(backlog)}, then a fresh snapshot after ${resyncMs} ms; points per runner ${all[0]!.seq}`);

    // Bounded: far more went by than the server kept for the paused spectator.
    // The paused spectator missed updates (it needed a resync) and was sent less than went by.
    assert.ok(fastDuringPause > backlog + MiB, `the load was too light to tell (${fmt(fastDuringPause)}, backlog ${fmt(backlog)})`);
    assert.ok(growth < 16 * MiB, `memory grew by ${fmt(growth)} while a spectator was paused`);
    assert.ok(backlog < 16 * MiB, `the slow spectator was sent ${fmt(backlog)} before its resync`);

    // The fast spectator was never treated as slow and got every point exactly once, in order.
    assert.equal(fast.snapshots.length, 1, 'the fast spectator never needed a resync');
    assert.deepEqual(fast.oddities, []);
    for (const r of all) {
      assert.deepEqual(fast.times(eventId, r.runnerId), truth(r));
      assert.deepEqual([...fast.seen.get(r.runnerId)!].sort((a, b) => a - b), truth(r), 'no point sent twice');
    }
    // The slow spectator's fresh snapshot and the updates after it add up to every point once.
    assert.deepEqual(slow.oddities, []);
    for (const r of all) {
      assert.deepEqual(slow.times(eventId, r.runnerId), truth(r), 'the slow spectator ends with the whole trail');
      assert.equal(new Set(slow.seen.get(r.runnerId)).size, slow.seen.get(r.runnerId)!.length, 'nothing twice after the resync');
    }
    fast.ws.close();
    slow.ws.close();
    for (const r of all) r.client.close();
  } finally {
    stopAll();
    await srv.dispose();
  }
});

test('a spectator that stops reading but keeps subscribing is not buffered without bound', async (t) => {
  const gc = requireGc('test/slow-consumer.test.ts');
  const srv = await startTestServer({ TICK_MS: '20' }, { heartbeatMs: 600_000 });
  try {
    const eventId = (await makeEvent(srv, 'Big snapshot')).event.id;
    // 20 runners x 250 points: a snapshot of roughly 30 KB.
    const rs = await runners(srv, eventId, 20, 'Runner');
    await Promise.all(
      rs.map(async (r, lane) => {
        for (let q = 1; q <= 250; q++) r.client.send(fixAt(q, lane));
        r.seq = 250;
        await until('250 acknowledged', () => r.acked === 250, 20_000);
      }),
    );
    const reader = await Spectator.connect(srv.wsUrl, [eventId]);
    const snapshotBytes = reader.bytes;
    reader.socket.pause();
    const base = await held(gc);

    // 90 subscribe frames a second for 5 s, never reading an answer: most are refused for their cost.
    let peak = base;
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 45; i++) reader.ws.send(JSON.stringify({ type: 'subscribe', event: eventId }));
      // Pacing of the load; slower under load means less pressure, and the bound below still holds.
      await sleep(500);
      const m = await held(gc);
      if (m.held > peak.held) peak = m;
    }
    const growth = peak.held - base.held;
    t.diagnostic(`snapshot about ${fmt(snapshotBytes)}; 450 subscribe frames from a paused reader; memory held grew ${fmt(growth)}`);
    assert.ok(growth < 32 * MiB, `memory grew by ${fmt(growth)}: the server queues snapshots for a reader that has stopped`);
    reader.ws.terminate();
    for (const r of rs) r.client.close();
  } finally {
    stopAll();
    await srv.dispose();
  }
});

test('a slow spectator following two events gets every point exactly once after its resync', async (t) => {
  const srv = await startTestServer({ TICK_MS: '20', RUNNERS_PER_HOUR_PER_IP: '1000' }, { heartbeatMs: 600_000 });
  try {
    const a = (await makeEvent(srv, 'Event A')).event.id;
    const b = (await makeEvent(srv, 'Event B')).event.id;
    const slow = await Spectator.connect(srv.wsUrl, [a, b]);
    for (const e of [a, b]) await srv.live.run(e, { do: 'setQuotas', quotas: { fixesPerRunnerPerHour: 36_000 } }, null);
    const loud = await runners(srv, a, 100, 'Runner with a long name');
    const steady = (await runners(srv, b, 1, 'Steady'))[0]!;
    const all = [...loud, steady];
    // Every tick has news for event A, and event B has a fix in most ticks too.
    loud.forEach((r, i) => drive(r, i, 25, 4, 500, (i * 7) % 25));
    drive(steady, 0, 100, 1, 500);

    slow.socket.pause();
    const bytesAtPause = slow.bytes;
    // Paused until the server holds back updates of both events from it: more is queued for it than a
    // reader may have waiting (the server's 1 MiB default), and news of each event came after that.
    await until(`the server to queue more than ${fmt(SKIP_PAST)} for the paused spectator`, () => mostQueued(srv, a) > SKIP_PAST, 60_000);
    const ackedAtFull = [loud[0]!.acked, steady.acked];
    await until('news of both events since', () => loud[0]!.acked > ackedAtFull[0]! && steady.acked > ackedAtFull[1]!, 20_000);
    publishTick(srv);
    slow.socket.resume();
    await until('fresh snapshots of both events', () => slow.snapshots.length >= 4, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${slow.snapshots.length} snapshots, ${fmt(slow.bytes - bytesAtPause)} since the pause`);
    });
    // Updates of event B after its fresh snapshot, so that a point sent twice would show.
    const sinceResync = slow.seen.get(steady.runnerId)?.length ?? 0;
    await until('an update of event B after the resync', () => (slow.seen.get(steady.runnerId)?.length ?? 0) > sinceResync, 20_000);
    await stopAndSettle(all);
    await until('the slow spectator to hold event B', () => slow.times(b, steady.runnerId).length === steady.seq, 10_000).catch(() => {});

    const got = slow.seen.get(steady.runnerId) ?? [];
    const duplicates = got.length - new Set(got).size;
    t.diagnostic(`event B's runner sent ${steady.seq} points; the slow spectator got ${got.length} since its resync (${duplicates} twice) after ${slow.snapshots.length - 2} resync snapshots`);
    assert.equal(duplicates, 0, 'no point twice');
    assert.deepEqual(slow.times(b, steady.runnerId), truth(steady));
    assert.deepEqual(slow.oddities, []);
    slow.ws.close();
    for (const r of all) r.client.close();
  } finally {
    stopAll();
    await srv.dispose();
  }
});
