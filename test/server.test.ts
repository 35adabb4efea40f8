/** Integration: a real server on loopback, real WebSockets, a real SQLite file. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CloseCode, ErrorCode, LIMITS, type TrackPoint } from '../lib/protocol';
import { startSimulation } from '../server/simulator';
import { fix, joinAsRunner, startTestServer, TestClient, type TestServer, makeEvent, snapshotTrail } from './helpers';

describe('live path over real sockets', () => {
  let srv: TestServer;
  let eventId: string;

  before(async () => {
    srv = await startTestServer();
    eventId = (await makeEvent(srv, 'Sunday 10k')).event.id;
  });
  after(() => srv.dispose());

  test('a runner joins with a server-issued id and token, and each position is acknowledged', async () => {
    const { client, runnerId, token } = await joinAsRunner(srv.wsUrl, eventId);
    assert.match(runnerId, /^[A-Za-z0-9_-]{6,}$/);
    assert.ok(token.length >= 22, 'token carries at least 128 bits');
    const now = Date.now();
    for (let seq = 1; seq <= 3; seq++) client.send(fix(seq, now + seq));
    const acks: number[] = [];
    while (!acks.includes(3)) acks.push((await client.next('ack')).seq);
    assert.deepEqual(acks.at(-1), 3);
    client.close();
  });

  test('a spectator sees a runner appear and move, with every point in order', async () => {
    const spectator = await TestClient.connect(srv.wsUrl);
    spectator.send({ type: 'subscribe', event: eventId });
    const snap = await spectator.next('snapshot');
    assert.equal(snap.event.id, eventId);

    const { client, runnerId } = await joinAsRunner(srv.wsUrl, eventId, 'Bashir', '#00aa00');
    const now = Date.now();
    for (let seq = 1; seq <= 10; seq++) client.send(fix(seq, now + seq * 10));
    const points: TrackPoint[] = [];
    while (points.length < 10) {
      const update = await spectator.next('update');
      const info = update.runners.find((r) => r.id === runnerId);
      if (info) assert.equal(info.name, 'Bashir');
      points.push(...(update.points[runnerId] ?? []));
    }
    assert.deepEqual(
      points.map((p) => p[2]),
      Array.from({ length: 10 }, (_, i) => now + (i + 1) * 10),
    );
    client.close();
    spectator.close();
  });

  test('a malformed frame gets an error and changes nothing; the connection keeps working', async () => {
    const c = await TestClient.connect(srv.wsUrl);
    const before = { events: srv.live.stats().events, runners: srv.live.stats().runners };
    c.sendRaw('{not json');
    assert.equal((await c.next('error')).code, ErrorCode.BadJson);
    c.send({ type: 'teleport' });
    assert.equal((await c.next('error')).code, ErrorCode.UnknownType);
    c.send({ type: 'join', event: eventId, name: '   ', color: '#123456' });
    assert.equal((await c.next('error')).code, ErrorCode.BadMessage);
    c.send({ type: 'pos', seq: 1, lat: 91, lon: 0, t: Date.now(), acc: 5 });
    assert.equal((await c.next('error')).code, ErrorCode.BadPosition);
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    assert.equal((await c.next('error')).code, ErrorCode.BinaryFrame);
    assert.deepEqual({ events: srv.live.stats().events, runners: srv.live.stats().runners }, before);
    c.send({ type: 'subscribe', event: eventId });
    await c.next('snapshot');
    c.close();
  });

  test('a refused fix is answered with its seq and later fixes are still acknowledged past it', async () => {
    const { client } = await joinAsRunner(srv.wsUrl, eventId, 'Gap');
    const now = Date.now();
    client.send(fix(1, now));
    assert.equal((await client.next('ack')).seq, 1);
    client.send({ ...fix(2, now + 1), lat: 91 });
    const err = await client.next('error');
    assert.deepEqual([err.code, err.ref, err.seq], [ErrorCode.BadPosition, 'pos', 2]);
    assert.equal((await client.next('ack')).seq, 2);
    client.send(fix(3, now + 2));
    assert.equal((await client.next('ack')).seq, 3);
    client.close();
  });

  test('positions before joining are refused', async () => {
    const c = await TestClient.connect(srv.wsUrl);
    c.send(fix(1, Date.now()));
    const err = await c.next('error');
    assert.equal(err.code, ErrorCode.NotJoined);
    c.close();
  });

  test('an oversized frame closes the socket with 1009 and the server stays up', async () => {
    const c = await TestClient.connect(srv.wsUrl);
    c.sendRaw(JSON.stringify({ type: 'cheer', text: 'x'.repeat(LIMITS.maxFrameBytes + 10) }));
    assert.equal((await c.waitClose()).code, CloseCode.TooBig);
    const ok = await TestClient.connect(srv.wsUrl);
    ok.close();
  });

  test('a cheer sent by a spectator reaches the runner, and the spectator is told it was sent', async () => {
    const { client: runner, runnerId } = await joinAsRunner(srv.wsUrl, eventId, 'Chen');
    runner.send(fix(1, Date.now()));
    await runner.next('ack');
    const spectator = await TestClient.connect(srv.wsUrl);
    spectator.send({ type: 'cheer', event: eventId, runnerId, text: '  Go Chen!\u0007 ', from: 'Mum' });
    const cheer = await runner.next('cheer');
    assert.equal(cheer.cheer.text, 'Go Chen!');
    assert.equal(cheer.cheer.from, 'Mum');
    const cheered = await spectator.next('cheered');
    assert.equal(cheered.runnerId, runnerId);
    assert.equal(cheered.online, true, 'the runner is connected to see it');
    spectator.send({ type: 'cheer', event: eventId, runnerId: 'nobody00', text: 'hi' });
    assert.equal((await spectator.next('error')).code, ErrorCode.NoSuchRunner);
    runner.close();
    spectator.close();
  });

  test('a runner who reconnects with its token continues the same track, and sees its cheers', async () => {
    const { client, runnerId, token } = await joinAsRunner(srv.wsUrl, eventId, 'Dara');
    client.send(fix(1, Date.now()));
    await client.next('ack');
    client.close();
    const again = await TestClient.connect(srv.wsUrl);
    again.send({ type: 'resume', event: eventId, runnerId, token });
    const joined = await again.next('joined');
    assert.equal(joined.runnerId, runnerId);
    assert.equal(joined.lastSeq, 1);
    assert.equal(joined.token, undefined, 'the token is never sent again');
    again.close();
  });

  test('the HTTP API lists and creates events and refuses bad input clearly', async () => {
    const created = await fetch(`${srv.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Parkrun — Été 2026!' }),
    });
    assert.equal(created.status, 201);
    const { event } = (await created.json()) as { event: { id: string } };
    assert.equal(event.id, 'parkrun-ete-2026');
    const list = (await (await fetch(`${srv.url}/api/events`)).json()) as { events: Array<{ id: string }> };
    assert.ok(list.events.some((e) => e.id === event.id));

    const bad = await fetch(`${srv.url}/api/events`, { method: 'POST', body: '{"name": ""}' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /must not be empty/);
    const notJson = await fetch(`${srv.url}/api/events`, { method: 'POST', body: 'name=x' });
    assert.equal(notJson.status, 400);
    const huge = await fetch(`${srv.url}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(10_000) }) });
    assert.equal(huge.status, 413);
    assert.equal((await fetch(`${srv.url}/api/events/nope`)).status, 404);
    assert.equal((await fetch(`${srv.url}/api/events/%E0`)).status, 400);
    assert.equal((await fetch(`${srv.url}/api/events/${event.id}`, { method: 'DELETE' })).status, 405);
    const nameless = await fetch(`${srv.url}/api/events`, { method: 'POST', body: '{}' });
    assert.match(((await nameless.json()) as { error: { message: string } }).error.message, /Give the event a name/);
  });
});

describe('happiness', () => {
  test('samples reach subscribers every interval, and a late spectator gets the history', async () => {
    const srv = await startTestServer({ HAPPINESS_INTERVAL_MS: '100' });
    try {
      const eventId = (await makeEvent(srv, 'Mood run')).event.id;
      const early = await TestClient.connect(srv.wsUrl);
      early.send({ type: 'subscribe', event: eventId });
      await early.next('snapshot');
      const empty = await early.next('happiness');
      assert.deepEqual([empty.sample.mean, empty.sample.count], [null, 0]);

      const a = await joinAsRunner(srv.wsUrl, eventId, 'A');
      const b = await joinAsRunner(srv.wsUrl, eventId, 'B');
      a.client.send({ type: 'mood', value: 9 });
      b.client.send({ type: 'mood', value: 6 });
      const sample = await early.until(
        (m): m is Extract<typeof m, { type: 'happiness' }> => m.type === 'happiness' && m.sample.count === 2,
      );
      assert.equal(sample.sample.mean, 7.5);

      const late = await TestClient.connect(srv.wsUrl);
      late.send({ type: 'subscribe', event: eventId });
      const snap = await late.next('snapshot');
      assert.ok(snap.happiness.length >= 2);
      assert.ok(snap.happiness.some((s) => s.mean === 7.5));
      for (const c of [early, late, a.client, b.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });
});

describe('storage and shutdown', () => {
  test('closing the server closes sockets with 1001; a restart on the same data keeps every acknowledged point', async () => {
    const srv = await startTestServer();
    const eventId = (await makeEvent(srv, 'Restart run')).event.id;
    const { client, runnerId, token } = await joinAsRunner(srv.wsUrl, eventId);
    const t0 = Date.now();
    for (let seq = 1; seq <= 20; seq++) client.send(fix(seq, t0 + seq));
    while ((await client.next('ack')).seq < 20);
    const closing = client.waitClose();
    await srv.close();
    assert.equal((await closing).code, CloseCode.GoingAway);

    const again = await startTestServer({}, {}, srv.dataDir);
    try {
      const spectator = await TestClient.connect(again.wsUrl);
      spectator.send({ type: 'subscribe', event: eventId });
      const snap = await spectator.next('snapshot');
      const runner = snap.runners.find((r) => r.id === runnerId);
      assert.equal(runner?.points, 20);
      assert.equal(snapshotTrail(runner).length, 20);
      const c = await TestClient.connect(again.wsUrl);
      c.send({ type: 'resume', event: eventId, runnerId, token });
      assert.equal((await c.next('joined')).lastSeq, 20);
      // Resending an acknowledged point is acknowledged again and not stored twice.
      c.send(fix(20, t0 + 20));
      assert.equal((await c.next('ack')).seq, 20);
      assert.equal(again.live.stats().runners, 1);
      for (const x of [spectator, c]) x.close();
    } finally {
      await again.dispose();
    }
  });
});

describe('simulator', () => {
  test('simulated runners join over the public protocol and spectators see them move', async () => {
    const srv = await startTestServer();
    const eventId = (await makeEvent(srv, 'Sim')).event.id;
    const sim = startSimulation({ url: srv.wsUrl, event: eventId, runners: 4, intervalMs: 50 });
    try {
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: eventId });
      await spectator.next('snapshot');
      const seen = new Map<string, number>();
      while (seen.size < 4 || [...seen.values()].some((n) => n < 3)) {
        const u = await spectator.next('update');
        for (const [id, pts] of Object.entries(u.points)) seen.set(id, (seen.get(id) ?? 0) + pts.length);
      }
      assert.equal(seen.size, 4);
      spectator.close();
    } finally {
      sim.stop();
      await srv.dispose();
    }
  });
});
