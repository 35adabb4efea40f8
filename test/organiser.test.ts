/** Organiser rights, view codes, removal, and the connection policies, over real HTTP and WebSockets. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { CloseCode, ErrorCode, LIMITS } from '../lib/protocol';
import { fix, joinAsRunner, startTestServer, TestClient, makeEvent } from './helpers';
import { waitFor } from './support/wait';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('organiser rights', () => {
  test('ending an event stops sharing, tells everyone, and keeps the map viewable', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Finish line');
      const runner = await joinAsRunner(srv.wsUrl, event.id);
      runner.client.send(fix(1, Date.now()));
      await runner.client.next('ack');
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id });
      await spectator.next('snapshot');

      const res = await fetch(`${srv.url}/api/events/${event.id}/finish`, { method: 'POST', headers: auth(organiserToken) });
      assert.equal(res.status, 200);
      assert.equal((await spectator.next('event')).event.status, 'finished');
      assert.equal((await runner.client.next('event')).event.status, 'finished');

      runner.client.send(fix(2, Date.now()));
      assert.equal((await runner.client.next('error')).code, ErrorCode.EventFinished);
      assert.equal((await runner.client.next('ack')).seq, 2, 'the refused fix is settled so the outbox lets go');
      const late = await TestClient.connect(srv.wsUrl);
      late.send({ type: 'join', event: event.id, name: 'Late', color: '#123456' });
      assert.equal((await late.next('error')).code, ErrorCode.EventFinished);
      late.send({ type: 'subscribe', event: event.id });
      const snap = await late.next('snapshot');
      assert.equal(snap.event.status, 'finished');
      assert.equal(snap.runners[0]!.points, 1);
      for (const c of [runner.client, spectator, late]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a view code protects an event: spectators are dropped, then need the code; a wrong code is refused clearly', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Private run');
      const runner = await joinAsRunner(srv.wsUrl, event.id, 'Pia');
      const watcher = await TestClient.connect(srv.wsUrl);
      watcher.send({ type: 'subscribe', event: event.id });
      await watcher.next('snapshot');

      const tooShort = await fetch(`${srv.url}/api/events/${event.id}/view-code`, {
        method: 'PUT',
        headers: auth(organiserToken),
        body: JSON.stringify({ code: 'abc' }),
      });
      assert.equal(tooShort.status, 400);
      const set = await fetch(`${srv.url}/api/events/${event.id}/view-code`, {
        method: 'PUT',
        headers: auth(organiserToken),
        body: JSON.stringify({ code: 'blue-heron' }),
      });
      assert.equal(set.status, 200);
      assert.equal((await watcher.next('error')).code, ErrorCode.ViewCodeRequired);

      const s = await TestClient.connect(srv.wsUrl);
      s.send({ type: 'subscribe', event: event.id });
      assert.equal((await s.next('error')).code, ErrorCode.ViewCodeRequired);
      s.send({ type: 'subscribe', event: event.id, code: 'red-heron' });
      assert.equal((await s.next('error')).code, ErrorCode.BadViewCode);
      s.send({ type: 'cheer', event: event.id, runnerId: runner.runnerId, text: 'hi' });
      assert.equal((await s.next('error')).code, ErrorCode.ViewCodeRequired, 'no cheering without the code');
      s.send({ type: 'subscribe', event: event.id, code: 'blue-heron' });
      assert.equal((await s.next('snapshot')).event.protected, true);

      // The HTTP reads follow the same rule, and protected events are never open to other origins.
      const api = `${srv.url}/api/events/${event.id}`;
      assert.equal((await fetch(api)).status, 403);
      assert.equal((await fetch(`${api}?code=nope-nope`)).status, 403);
      const ok = await fetch(`${api}?code=blue-heron`);
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), null);
      for (const headers of [{ 'x-view-code': 'blue-heron' }, auth(organiserToken)]) {
        const exported = await fetch(`${api}/export.json`, { headers });
        assert.equal(exported.status, 200);
        assert.equal(((await exported.json()) as { event: { id: string } }).event.id, event.id);
      }

      const lift = await fetch(`${srv.url}/api/events/${event.id}/view-code`, {
        method: 'PUT',
        headers: auth(organiserToken),
        body: JSON.stringify({ code: null }),
      });
      assert.equal(lift.status, 200);
      assert.equal((await fetch(api)).headers.get('access-control-allow-origin'), '*');
      for (const c of [runner.client, watcher, s]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('the organiser removes a runner: spectators drop them, their data is deleted, their token stops working', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Removal');
      const runner = await joinAsRunner(srv.wsUrl, event.id, 'Spam');
      runner.client.send(fix(1, Date.now()));
      await runner.client.next('ack');
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id });
      await spectator.next('snapshot');

      const res = await fetch(`${srv.url}/api/events/${event.id}/runners/${runner.runnerId}`, {
        method: 'DELETE',
        headers: auth(organiserToken),
      });
      assert.equal(res.status, 204);
      const update = await spectator.until((m) => m.type === 'update' && !!m.removed);
      assert.deepEqual(update.type === 'update' && update.removed, [runner.runnerId]);
      assert.equal((await runner.client.next('error')).code, ErrorCode.RunnerRemoved);
      assert.equal(await srv.live.store.countPositions(event.id), 0);
      runner.client.send(fix(2, Date.now()));
      assert.equal((await runner.client.next('error')).code, ErrorCode.NotJoined);

      const again = await TestClient.connect(srv.wsUrl);
      again.send({ type: 'resume', event: event.id, runnerId: runner.runnerId, token: runner.token });
      assert.equal((await again.next('error')).code, ErrorCode.BadToken);
      for (const c of [runner.client, spectator, again]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a runner deletes their own track with their own token', async () => {
    const srv = await startTestServer();
    try {
      const { event } = await makeEvent(srv, 'Mine');
      const runner = await joinAsRunner(srv.wsUrl, event.id, 'Me');
      runner.client.send(fix(1, Date.now()));
      await runner.client.next('ack');
      const res = await fetch(`${srv.url}/api/events/${event.id}/runners/${runner.runnerId}`, {
        method: 'DELETE',
        headers: auth(runner.token),
      });
      assert.equal(res.status, 204);
      assert.equal(srv.live.stats().runners, 0);
      runner.client.close();
    } finally {
      await srv.dispose();
    }
  });

  test('creating an event returns its organiser token and links once', async () => {
    const srv = await startTestServer({ EVENTS_PER_HOUR_PER_IP: '2' });
    try {
      const create = () => fetch(`${srv.url}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'Quick' }) });
      const res = await create();
      const body = (await res.json()) as { organiserToken: string; links: { organiser: string } };
      assert.ok(body.organiserToken.length >= 22);
      assert.ok(body.links.organiser.endsWith(`#token=${body.organiserToken}`));
      assert.equal((await create()).status, 201);
      const third = await create();
      assert.equal(third.status, 429, 'one address cannot create events without end');
      assert.ok(third.headers.get('retry-after'));
    } finally {
      await srv.dispose();
    }
  });
});

describe('connection policies', () => {
  function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on('open', () => {
        resolve(101);
        ws.close();
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
  }

  test('WebSocket upgrades from a foreign origin are refused; the own origin and non-browser clients are let in', async () => {
    const srv = await startTestServer();
    try {
      const host = new URL(srv.url).host;
      assert.equal(await upgrade(srv.wsUrl, { origin: 'https://evil.example' }), 403);
      assert.equal(await upgrade(srv.wsUrl, { origin: `http://${host}` }), 101);
      assert.equal(await upgrade(srv.wsUrl), 101);
    } finally {
      await srv.dispose();
    }
    const listed = await startTestServer({ ALLOWED_ORIGINS: 'https://race.example, https://club.example' });
    try {
      assert.equal(await upgrade(listed.wsUrl, { origin: 'https://club.example' }), 101);
      assert.equal(await upgrade(listed.wsUrl, { origin: 'https://evil.example' }), 403);
    } finally {
      await listed.dispose();
    }
  });

  test('one address cannot hold more connections than the limit; a closed one frees its slot', async () => {
    const srv = await startTestServer({ MAX_CONNECTIONS_PER_IP: '3' });
    try {
      const open = await Promise.all([1, 2, 3].map(() => TestClient.connect(srv.wsUrl)));
      assert.equal(await upgrade(srv.wsUrl), 429);
      open[0]!.close();
      await open[0]!.waitClose();
      // The server hears of the close a moment after the client: a refused try changes nothing, so try until taken.
      const next = await waitFor(() => TestClient.connect(srv.wsUrl).catch(() => null), { what: 'the freed slot to be taken' });
      for (const c of [...open.slice(1), next]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a flood past the message budget is refused with rate_limited and then closed with 1008', async () => {
    const srv = await startTestServer();
    try {
      const c = await TestClient.connect(srv.wsUrl);
      const frame = JSON.stringify({ type: 'unsubscribe', event: 'x' });
      // Well past both budgets, so the close comes even if some refills happen while the frames are read.
      const total = LIMITS.rateBurst + 2 * LIMITS.rateStrikes + 200;
      for (let i = 0; i < total; i++) c.sendRaw(frame);
      const closed = await c.waitClose(10_000);
      assert.equal(closed.code, CloseCode.Policy);
      const limited = c.received.filter((m) => m.type === 'error' && m.code === ErrorCode.RateLimited).length;
      assert.ok(limited > 0, 'refusals before the close');
      // Others are unaffected.
      const other = await TestClient.connect(srv.wsUrl);
      other.close();
    } finally {
      await srv.dispose();
    }
  });
});

describe('HTTP headers', () => {
  test('public reads are open to any origin; writes are same-origin only', async () => {
    const srv = await startTestServer();
    try {
      const list = await fetch(`${srv.url}/api/events`);
      assert.equal(list.headers.get('access-control-allow-origin'), '*');
      const pre = await fetch(`${srv.url}/api/events`, { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET');
      const post = await fetch(`${srv.url}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'CORS' }) });
      assert.equal(post.headers.get('access-control-allow-origin'), null);
    } finally {
      await srv.dispose();
    }
  });
});
