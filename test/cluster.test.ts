/**
 * Several instances as real processes on a real PostgreSQL and a real Redis: a runner on one instance and
 * spectators on the others see one trail; the owner of an event is killed mid-race and its events move; Redis
 * is restarted mid-race and everything resumes. Runners are the phones' own RunnerSession (outbox, resend,
 * backoff); spectators are the browser's reducer over the reconnecting LiveSocket, subscribing again
 * whenever the picture says it missed something.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { emptyEventView, type EventView, reduceEventView } from '../client/event-view';
import { LiveSocket, type SocketLike } from '../client/live-socket';
import { MemoryStorage } from '../client/outbox';
import { RunnerSession } from '../client/runner-session';
import type { ServerMessage } from '../lib/protocol';
import { createDatabase, type Database, type Instance, type Redis, startInstance, startRedis } from './support/cluster';
import { killAll } from './support/processes';
import { sleep, waitFor } from './support/wait';

process.env.LOG_LEVEL = 'silent';

/** A spectator page's picture of one event, over a socket that reconnects (to the next URL each time). */
class Spectator {
  view: EventView = emptyEventView;
  resyncs = 0;
  snapshots = 0;
  /** Points received in updates per runner: each must come once. */
  readonly seen = new Map<string, number[]>();
  readonly socket: LiveSocket;
  private attempt = 0;

  constructor(
    urls: () => string[],
    readonly event: string,
  ) {
    this.socket = new LiveSocket({
      url: 'ws://unused/ws',
      createSocket: () => {
        const list = urls();
        return new WebSocket(list[this.attempt++ % list.length]!) as unknown as SocketLike;
      },
      onOpen: () => this.subscribe(),
      onMessage: (m) => this.on(m),
    });
  }

  private subscribe(): void {
    this.socket.send({ type: 'subscribe', event: this.event });
  }

  private on(m: ServerMessage): void {
    if (m.type === 'snapshot') {
      this.snapshots++;
      this.seen.clear();
    }
    if (m.type === 'update' && m.epoch === this.view.epoch && m.prev <= this.view.seq && m.seq > this.view.seq) {
      for (const [id, pts] of Object.entries(m.points)) {
        const list = this.seen.get(id) ?? [];
        for (const p of pts) list.push(p[2]);
        this.seen.set(id, list);
      }
    }
    const before = this.view.resync;
    this.view = reduceEventView(this.view, m);
    if (this.view.resync !== before) {
      this.resyncs++;
      this.subscribe();
    }
  }

  /** Each runner's trail as times (whole seconds, as snapshots carry them). */
  trails(): Map<string, number[]> {
    return new Map(Object.values(this.view.runners).map((r) => [r.id, r.track.map((p) => Math.round(p[2] / 1000))]));
  }

  close(): void {
    this.socket.close();
  }
}

function runner(urls: () => string[], event: string, name: string): RunnerSession {
  let attempt = 0;
  return new RunnerSession({
    url: 'ws://unused/ws',
    event,
    name,
    color: '#336699',
    storage: new MemoryStorage(),
    createSocket: () => {
      const list = urls();
      return new WebSocket(list[attempt++ % list.length]!) as unknown as SocketLike;
    },
  });
}

async function createEvent(instance: Instance, name: string): Promise<string> {
  const res = await fetch(`${instance.url}/api/events`, { method: 'POST', body: JSON.stringify({ name }) });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { event: { id: string } }).event.id;
}

/** Stored fixes per runner: count and distinct sequence numbers, and their times in seconds. */
async function stored(db: Database, event: string): Promise<Map<string, { count: number; distinct: number; times: number[] }>> {
  const { rows } = await db.pool.query<{ runner: string; count: string; distinct: string; times: string[] }>(
    `SELECT runner, count(*) AS count, count(DISTINCT seq) AS distinct, array_agg(round(t / 1000.0)::bigint ORDER BY t) AS times
       FROM positions WHERE event = $1 GROUP BY runner`,
    [event],
  );
  return new Map(rows.map((r) => [r.runner, { count: Number(r.count), distinct: Number(r.distinct), times: r.times.map(Number) }]));
}

/** A fix a second apart in time (made-up times, in the recent past), so each is one distinct point of the trail. */
const T0 = Date.now() - 30 * 60_000;
function record(s: RunnerSession, step: number, i: number): void {
  s.record({ lat: 51.5 + step * 0.0001, lon: -0.12 + i * 0.001, t: T0 + step * 1000, acc: 5 });
}

function assertTrailsComplete(spectator: Spectator, expected: Map<string, { times: number[] }>, who: string): void {
  const trails = spectator.trails();
  for (const [runnerId, row] of expected) {
    assert.deepEqual(trails.get(runnerId), row.times, `${who}: runner ${runnerId}'s trail is every stored fix, once, in order`);
  }
  for (const [runnerId, times] of spectator.seen) {
    assert.equal(new Set(times).size, times.length, `${who}: no point of ${runnerId} came twice since the last snapshot`);
  }
}

/** Limits the tests below exhaust from an address of their own; the others stay well under them from 127.0.0.1. */
const LIMITED_CONNECTIONS = 24;
const LIMITED_CREATIONS = 8;
const OTHER_ADDRESS = '127.0.0.9';

/** POST an event from `localAddress`: the instances count creations per client address. */
function createFrom(instance: Instance, localAddress: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${instance.url}/api/events`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ name }));
  });
}

function connectFrom(instance: Instance, localAddress: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(instance.wsUrl, { localAddress });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

describe('several instances on PostgreSQL and Redis', { timeout: 180_000 }, () => {
  let db: Database;
  let redis: Redis;
  const instances: Instance[] = [];
  const env = () => ({
    DATABASE_URL: db.url,
    BACKPLANE_URL: redis.url,
    TEST_LEASE_TTL_MS: '2000',
    SNAPSHOTS_PER_SECOND_PER_IP: '1000',
    RUNNERS_PER_HOUR_PER_IP: '1000',
    MAX_CONNECTIONS_PER_IP: String(LIMITED_CONNECTIONS),
    EVENTS_PER_HOUR_PER_IP: String(LIMITED_CREATIONS),
  });
  const live = () => instances.filter((i) => i.child.exitCode === null && i.child.signalCode === null);

  before(async () => {
    [db, redis] = await Promise.all([createDatabase(), startRedis()]);
    // One first, so that migrations are done once; the others find the schema ready.
    instances.push(await startInstance('A', env()));
    instances.push(...(await Promise.all([startInstance('B', env()), startInstance('C', env())])));
  });

  after(async () => {
    await Promise.allSettled(instances.map((i) => i.kill('SIGKILL')));
    await Promise.allSettled([db?.drop(), redis?.stop()]);
    killAll();
  });

  test('a runner on A and spectators on B and C see the same trail, once, in order; a cheer from C reaches the phone on A', async () => {
    const [a, b, c] = instances as [Instance, Instance, Instance];
    const event = await createEvent(b, 'Three instances');
    assert.deepEqual((await b.health()).owned, [event], 'the instance that created the event owns it');
    const spectators = [new Spectator(() => [b.wsUrl], event), new Spectator(() => [c.wsUrl], event)];
    await waitFor(() => spectators.every((s) => s.snapshots > 0), { what: 'snapshots on B and C' });
    const phone = runner(() => [a.wsUrl], event, 'Ada');
    try {
      await waitFor(() => phone.snapshot.joined, { what: 'the runner on A to join' });
      for (let step = 1; step <= 60; step++) {
        record(phone, step, 0);
        // Pacing only: fixes spread over a second rather than in one burst; what follows holds at any pace.
        await sleep(15);
      }
      await waitFor(() => phone.snapshot.acked === 60, { timeout: 15_000, what: 'every fix acknowledged' });
      const rows = await stored(db, event);
      assert.equal(rows.get(phone.snapshot.runnerId!)?.count, 60);
      await waitFor(() => spectators.every((s) => s.trails().get(phone.snapshot.runnerId!)?.length === 60), { what: 'both trails to be complete' });
      spectators.forEach((s, i) => assertTrailsComplete(s, rows, ['B', 'C'][i]!));
      for (const s of spectators) assert.equal(s.resyncs, 0, 'nothing missed, nothing to resynchronise');

      // Deliveries to a runner's phones reach it on whichever instance it is.
      const cheering = new Spectator(() => [c.wsUrl], event);
      await waitFor(() => cheering.snapshots > 0, { what: 'a third spectator' });
      cheering.socket.send({ type: 'cheer', event, runnerId: phone.snapshot.runnerId!, text: 'Go Ada!' });
      await waitFor(() => phone.snapshot.cheers.some((ch) => ch.text === 'Go Ada!'), { what: 'the cheer on the phone' });
      cheering.close();
      const relayed = (await c.health()).backplane;
      assert.equal(relayed.relayed, 1, 'C relays the event');
    } finally {
      phone.close();
      for (const s of spectators) s.close();
    }
  });

  test('kill -9 of the owner mid-race: its event moves within 5 s, nothing acknowledged is lost or kept twice, trails complete', async () => {
    const [a, b, c] = instances as [Instance, Instance, Instance];
    const event = await createEvent(a, 'Owner dies');
    const urls = () => live().map((i) => i.wsUrl);
    const spectators = [new Spectator(() => [a.wsUrl, b.wsUrl], event), new Spectator(() => [b.wsUrl], event), new Spectator(() => [c.wsUrl], event)];
    const phones = [0, 1, 2, 3, 4, 5].map((i) => {
      // Two on each instance: those on A come back through B or C.
      const start = instances[i % 3]!;
      let first = true;
      return runner(() => (first ? ((first = false), [start.wsUrl]) : urls()), event, `R${i}`);
    });
    try {
      await waitFor(() => phones.every((p) => p.snapshot.joined) && spectators.every((s) => s.snapshots > 0), { timeout: 15_000, what: 'runners and spectators' });
      let step = 0;
      const sending = setInterval(() => {
        step++;
        phones.forEach((p, i) => record(p, step, i));
      }, 50);
      await waitFor(() => phones.every((p) => p.snapshot.acked >= 10), { timeout: 20_000, what: 'the race to be under way' });
      const ackedBefore = phones.map((p) => p.snapshot.acked);
      await a.kill('SIGKILL');
      const killedAt = Date.now();
      const mover = await waitFor(async () => {
        for (const i of [b, c]) if ((await i.health()).owned.includes(event)) return i;
        return null;
      }, { interval: 25, timeout: 30_000, what: 'another instance to own the event' });
      // How soon is the lease's business (2 s here, then a runner's next command): printed below, not bounded,
      // as a busy machine stretches it.
      const movedInMs = Date.now() - killedAt;
      // The race goes on after the move: every phone (those on A through B or C) has fixes taken since acknowledged.
      const takenAtMove = phones.map((p) => p.snapshot.taken);
      await waitFor(() => phones.every((p, i) => p.snapshot.acked > takenAtMove[i]!), { timeout: 30_000, what: 'fixes taken after the move to be acknowledged' });
      clearInterval(sending);
      await waitFor(() => phones.every((p) => p.snapshot.joined && p.snapshot.pending === 0), { timeout: 30_000, what: 'every outbox to drain' });

      const rows = await stored(db, event);
      phones.forEach((p, i) => {
        const row = rows.get(p.snapshot.runnerId!)!;
        assert.ok(row.distinct >= ackedBefore[i]!, 'what was acknowledged before the kill is stored');
        assert.equal(row.count, p.snapshot.sent, `runner ${i}: every fix sent is stored`);
        assert.equal(row.count, row.distinct, `runner ${i}: none twice`);
        assert.equal(p.snapshot.acked, p.snapshot.sent, `runner ${i}: every fix acknowledged`);
      });
      await waitFor(() => spectators.every((s) => [...rows].every(([id, row]) => s.trails().get(id)?.length === row.times.length)), { timeout: 15_000, what: 'spectators to catch up' });
      spectators.forEach((s, i) => assertTrailsComplete(s, rows, `spectator ${i}`));
      const sent = phones.reduce((n, p) => n + p.snapshot.sent, 0);
      console.log(`# moved to ${mover.name} in ${movedInMs} ms; ${sent} fixes sent and stored once; spectator resyncs ${spectators.map((s) => s.resyncs).join(', ')}`);
    } finally {
      for (const p of phones) p.close();
      for (const s of spectators) s.close();
    }
  });

  test('Redis restarted empty mid-race: instances reconnect and resynchronise by themselves, nothing acknowledged is lost', async () => {
    const [b, c] = live() as [Instance, Instance];
    const event = await createEvent(b, 'Redis restarts');
    const spectators = [new Spectator(() => [b.wsUrl], event), new Spectator(() => [c.wsUrl], event)];
    // Runners on the instance that does not own the event: everything they send crosses the backplane.
    const phones = [0, 1, 2].map((i) => runner(() => [c.wsUrl], event, `R${i}`));
    try {
      await waitFor(() => phones.every((p) => p.snapshot.joined) && spectators.every((s) => s.snapshots > 0), { timeout: 15_000, what: 'runners and spectators' });
      let step = 0;
      const sending = setInterval(() => {
        step++;
        phones.forEach((p, i) => record(p, step, i));
      }, 50);
      await waitFor(() => phones.every((p) => p.snapshot.acked >= 10), { timeout: 20_000, what: 'the race to be under way' });
      await redis.shutdown();
      await waitFor(async () => (await c.health()).degraded, { interval: 25, what: 'health to say the backplane is down' });
      const down = await c.health();
      assert.equal(down.backplane.state, 'down');
      assert.equal(down.ok, true, 'still serving: storage is fine');
      // The phones go on taking fixes while Redis is away.
      const takenAtOutage = phones.map((p) => p.snapshot.taken);
      await waitFor(() => phones.every((p, i) => p.snapshot.taken >= takenAtOutage[i]! + 10), { what: 'fixes taken while Redis is down' });
      await redis.start();
      await waitFor(async () => !(await b.health()).degraded && !(await c.health()).degraded, { timeout: 15_000, interval: 25, what: 'both instances back on Redis' });
      // And after it is back, until fixes taken since are acknowledged.
      const takenAtReturn = phones.map((p) => p.snapshot.taken);
      await waitFor(() => phones.every((p, i) => p.snapshot.acked > takenAtReturn[i]!), { timeout: 30_000, what: 'fixes taken after Redis came back to be acknowledged' });
      clearInterval(sending);
      await waitFor(() => phones.every((p) => p.snapshot.pending === 0), { timeout: 30_000, what: 'every outbox to drain' });
      const rows = await stored(db, event);
      phones.forEach((p, i) => {
        const row = rows.get(p.snapshot.runnerId!)!;
        assert.equal(row.count, p.snapshot.sent, `runner ${i}: every fix sent is stored`);
        assert.equal(row.count, row.distinct, `runner ${i}: none twice`);
      });
      await waitFor(() => spectators.every((s) => [...rows].every(([id, row]) => s.trails().get(id)?.length === row.times.length)), { timeout: 20_000, what: 'spectators to catch up' });
      spectators.forEach((s, i) => assertTrailsComplete(s, rows, ['B', 'C'][i]!));
      assert.deepEqual((await b.health()).owned.includes(event), true, 'the event stayed with its owner');
    } finally {
      for (const p of phones) p.close();
      for (const s of spectators) s.close();
    }
  });

  test('a Server-Sent Events post that reaches another instance is handed to the one holding the stream', async () => {
    const [b, c] = live() as [Instance, Instance];
    const event = await createEvent(b, 'Posts elsewhere');
    const res = await fetch(`${b.url}/api/stream`);
    const reader = res.body!.getReader();
    let text = '';
    const read = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      return pattern.exec(text)!;
    };
    const id = (await read(/event: stream\ndata: \{"id":"([^"]+)"\}/))[1]!;
    assert.equal(id.slice(0, b.id.length), b.id, 'the stream id starts with the name of the instance holding it');
    const post = await fetch(`${c.url}/api/stream/${id}`, { method: 'POST', body: JSON.stringify({ type: 'subscribe', event }) });
    assert.equal(post.status, 202);
    await read(new RegExp(`"type":"snapshot","event":\\{"id":"${event}"`));
    const unknown = await fetch(`${c.url}/api/stream/${b.id}${'x'.repeat(24)}`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404, 'a stream the holder does not know is gone, wherever the post lands');
    await reader.cancel();
  });

  test('connections per address and event creations per address are counted across the instances', async () => {
    const [b, c] = live() as [Instance, Instance];
    const open: WebSocket[] = [];
    try {
      for (let i = 0; i < LIMITED_CONNECTIONS; i++) {
        const got = await connectFrom(i % 2 ? c : b, OTHER_ADDRESS);
        assert.ok(got instanceof WebSocket, `connection ${i + 1} of ${LIMITED_CONNECTIONS} is taken`);
        open.push(got);
      }
      assert.equal(await connectFrom(b, OTHER_ADDRESS), 429, 'one more is refused on one instance');
      assert.equal(await connectFrom(c, OTHER_ADDRESS), 429, 'and on the other');
      const closing = open.shift()!;
      closing.close();
      await new Promise((r) => closing.once('close', r));
      const again = await waitFor(async () => {
        const got = await connectFrom(c, OTHER_ADDRESS);
        return got instanceof WebSocket ? got : null;
      }, { what: 'a connection to be free again' });
      open.push(again);
    } finally {
      for (const ws of open) ws.close();
    }
    const statuses: number[] = [];
    for (let i = 0; i <= LIMITED_CREATIONS; i++) statuses.push(await createFrom(i % 2 ? c : b, OTHER_ADDRESS, `Limited ${i}`));
    assert.deepEqual(statuses, [...Array(LIMITED_CREATIONS).fill(201), 429], 'the cluster takes as many as one instance would');
  });
});
