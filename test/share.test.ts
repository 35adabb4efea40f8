/** Share links, the open read API and the Server-Sent Events fallback, over real HTTP and sockets. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, type ServerMessage } from '../lib/protocol';
import { fix, joinAsRunner, startTestServer, TestClient, type TestServer, makeEvent, publishTick } from './helpers';
import { waitFor } from './support/wait';

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

async function setup(env: Record<string, string> = {}) {
  const srv = await startTestServer(env);
  const { event, organiserToken } = await makeEvent(srv, 'Shared run');
  const ada = await joinAsRunner(srv.wsUrl, event.id, 'Ada');
  const bo = await joinAsRunner(srv.wsUrl, event.id, 'Bo');
  const now = Date.now();
  ada.client.send(fix(1, now));
  bo.client.send({ ...fix(1, now), lat: 52 });
  await ada.client.next('ack');
  await bo.client.next('ack');
  // Spectators who subscribe from here on find both first fixes in their snapshot, never in an update.
  publishTick(srv);
  const makeLink = async (body: object) => {
    const res = await fetch(`${srv.url}/api/events/${event.id}/links`, { method: 'POST', headers: auth(organiserToken), body: JSON.stringify(body) });
    assert.equal(res.status, 201);
    return ((await res.json()) as { link: { id: string; token: string } }).link;
  };
  return { srv, event, organiserToken, ada, bo, makeLink };
}

/** A minimal EventSource over fetch: yields each `data:` message, and named events as {event, data}. */
async function openStream(srv: TestServer) {
  const res = await fetch(`${srv.url}/api/stream`);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const queue: Array<{ event: string; data: string }> = [];
  const pump = async (): Promise<void> => {
    for (;;) {
      const i = buffer.indexOf('\n\n');
      if (i >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) queue.push({ event, data });
        continue;
      }
      if (queue.length) return;
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const next = async (pred: (e: { event: string; msg: ServerMessage | null }) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (queue.length) {
        const e = queue.shift()!;
        const msg = e.event === 'message' ? (JSON.parse(e.data) as ServerMessage) : null;
        if (pred({ event: e.event, msg })) return { event: e.event, msg, data: e.data };
      }
      if (Date.now() > deadline) throw new Error('stream: timed out');
      await pump();
    }
  };
  const first = await next((e) => e.event === 'stream');
  const id = (JSON.parse(first.data) as { id: string }).id;
  const post = (msg: object) =>
    fetch(`${srv.url}/api/stream/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
  return { id, next, post, cancel: () => reader.cancel() };
}

describe('share links', () => {
  test('a link limited to one runner shows only that runner, on every transport and in the read API', async () => {
    const { srv, event, ada, bo, makeLink } = await setup();
    try {
      const link = await makeLink({ label: 'Family of Ada', runners: [ada.runnerId] });
      const s = await TestClient.connect(srv.wsUrl);
      s.send({ type: 'subscribe', event: event.id, share: link.token });
      const snap = await s.next('snapshot');
      assert.deepEqual(
        snap.runners.map((r) => r.id),
        [ada.runnerId],
      );
      bo.client.send({ ...fix(2, Date.now()), lat: 52 });
      ada.client.send(fix(2, Date.now()));
      const u = await s.next('update');
      assert.deepEqual(Object.keys(u.points), [ada.runnerId]);
      s.send({ type: 'cheer', event: event.id, runnerId: bo.runnerId, text: 'hi' });
      assert.equal((await s.next('error')).code, ErrorCode.NoSuchRunner, 'the link does not reveal other runners');

      const api = (path: string) => fetch(`${srv.url}/api/events/${event.id}${path}${path.includes('?') ? '&' : '?'}share=${link.token}`);
      const snapshot = (await (await api('/snapshot')).json()) as { runners: Array<{ id: string }> };
      assert.deepEqual(
        snapshot.runners.map((r) => r.id),
        [ada.runnerId],
      );
      assert.equal((await api(`/runners/${bo.runnerId}`)).status, 404);
      const latest = (await (await api(`/runners/${ada.runnerId}`)).json()) as { latest: { lat: number } };
      assert.ok(latest.latest.lat > 51);
      const exported = (await (await api('/export.json')).json()) as { runners: unknown[] };
      assert.equal(exported.runners.length, 1);

      const stream = await openStream(srv);
      await stream.post({ type: 'subscribe', event: event.id, share: link.token });
      const viaSse = await stream.next((e) => e.msg?.type === 'snapshot');
      assert.deepEqual(
        (viaSse.msg as Extract<ServerMessage, { type: 'snapshot' }>).runners.map((r) => r.id),
        [ada.runnerId],
      );
      await stream.cancel();
      for (const c of [s, ada.client, bo.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a withdrawn link is told so and receives nothing more; the event history stays', async () => {
    const { srv, event, organiserToken, ada, bo, makeLink } = await setup();
    try {
      const link = await makeLink({});
      const s = await TestClient.connect(srv.wsUrl);
      s.send({ type: 'subscribe', event: event.id, share: link.token });
      assert.equal((await s.next('snapshot')).runners.length, 2);
      const del = await fetch(`${srv.url}/api/events/${event.id}/links/${link.id}`, { method: 'DELETE', headers: auth(organiserToken) });
      assert.equal(del.status, 204);
      assert.equal((await s.next('error')).code, ErrorCode.LinkRevoked);
      ada.client.send(fix(2, Date.now()));
      await ada.client.next('ack');
      // The fix goes out to whoever still watches, and whatever was sent to this viewer has arrived.
      publishTick(srv);
      await s.roundTrip();
      assert.equal(s.received.filter((m) => m.type === 'update').length, 0, 'no update after the withdrawal');
      s.send({ type: 'subscribe', event: event.id, share: link.token });
      assert.equal((await s.next('error')).code, ErrorCode.LinkRevoked);
      assert.equal((await fetch(`${srv.url}/api/events/${event.id}/snapshot?share=${link.token}`)).status, 410);
      const links = (await (await fetch(`${srv.url}/api/events/${event.id}/links`, { headers: auth(organiserToken) })).json()) as {
        links: Array<{ revokedAt: number | null }>;
      };
      assert.ok(links.links[0]!.revokedAt);
      assert.equal(await srv.live.store.countPositions(event.id), 3);
      for (const c of [s, ada.client, bo.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('an expiring link stops at its time, on the socket and in the API', async () => {
    const { srv, event, ada, bo, makeLink } = await setup();
    try {
      const link = await makeLink({ expiresAt: Date.now() + 400 });
      const s = await TestClient.connect(srv.wsUrl);
      s.send({ type: 'subscribe', event: event.id, share: link.token });
      await s.next('snapshot');
      assert.equal((await s.next('error', 3000)).code, ErrorCode.LinkExpired);
      assert.equal((await fetch(`${srv.url}/api/events/${event.id}?share=${link.token}`)).status, 410);
      for (const c of [s, ada.client, bo.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a link opens a protected event without the view code; only the organiser makes links', async () => {
    const { srv, event, organiserToken, ada, bo, makeLink } = await setup();
    try {
      await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth(organiserToken), body: '{"code":"secret-code"}' });
      const link = await makeLink({});
      const s = await TestClient.connect(srv.wsUrl);
      s.send({ type: 'subscribe', event: event.id, share: link.token });
      assert.equal((await s.next('snapshot')).runners.length, 2);
      const open = await fetch(`${srv.url}/api/events/${event.id}?share=${link.token}`);
      assert.equal(open.status, 200);
      assert.equal(open.headers.get('access-control-allow-origin'), null, 'never open to other origins when protected');
      // Subscribing again without the link is judged afresh: a wrong code leaves the viewer with nothing.
      s.send({ type: 'subscribe', event: event.id, code: 'wrong-code' });
      assert.equal((await s.next('error')).code, ErrorCode.BadViewCode);
      ada.client.send(fix(2, Date.now()));
      await ada.client.next('ack');
      publishTick(srv);
      await s.roundTrip();
      assert.equal(s.received.filter((m) => m.type === 'update').length, 0);
      // Setting a view code leaves link viewers watching: the link grants access by itself.
      const viewer = await TestClient.connect(srv.wsUrl);
      viewer.send({ type: 'subscribe', event: event.id, share: link.token });
      await viewer.next('snapshot');
      await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth(organiserToken), body: '{"code":"other-code"}' });
      bo.client.send({ ...fix(2, Date.now()), lat: 52 });
      await viewer.until((m) => m.type === 'update' && !!m.points[bo.runnerId]);
      assert.equal(viewer.received.filter((m) => m.type === 'error').length, 0);
      viewer.close();
      const forged = await fetch(`${srv.url}/api/events/${event.id}/links`, { method: 'POST', headers: auth(ada.token), body: '{}' });
      assert.equal(forged.status, 403);
      const badRunner = await fetch(`${srv.url}/api/events/${event.id}/links`, {
        method: 'POST',
        headers: auth(organiserToken),
        body: JSON.stringify({ runners: ['nobody00'] }),
      });
      assert.equal(badRunner.status, 400);
      for (const c of [s, ada.client, bo.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });
});

describe('open read API', () => {
  test('snapshot, runner, track and happiness of a public event, open to any origin', async () => {
    const { srv, event, ada, bo } = await setup({ HAPPINESS_INTERVAL_MS: '100' });
    try {
      ada.client.send({ type: 'mood', value: 7 });
      await waitFor(async () => (await srv.live.store.samples(event.id, 0, 1000)).some((s) => s.mean === 7), { what: "a happiness sample with Ada's mood" });
      const get = (path: string) => fetch(`${srv.url}/api/events/${event.id}${path}`);
      const snap = await get('/snapshot');
      assert.equal(snap.headers.get('access-control-allow-origin'), '*');
      assert.equal(((await snap.json()) as { runners: unknown[] }).runners.length, 2);
      const runner = (await (await get(`/runners/${ada.runnerId}`)).json()) as { runner: { name: string }; latest: { seq: number } };
      assert.equal(runner.runner.name, 'Ada');
      assert.equal(runner.latest.seq, 1);
      const track = (await (await get(`/runners/${ada.runnerId}/track`)).json()) as { points: unknown[] };
      assert.equal(track.points.length, 1);
      const happiness = (await (await get('/happiness')).json()) as { samples: Array<{ mean: number | null }> };
      assert.ok(happiness.samples.some((s) => s.mean === 7));
      for (const c of [ada.client, bo.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });
});

describe('Server-Sent Events fallback', () => {
  test('a spectator on SSE gets the snapshot and live updates, and can cheer over HTTP posts', async () => {
    const { srv, event, ada, bo } = await setup();
    try {
      const stream = await openStream(srv);
      await stream.next((e) => e.msg?.type === 'hello');
      assert.equal((await stream.post({ type: 'subscribe', event: event.id })).status, 202);
      await stream.next((e) => e.msg?.type === 'snapshot');
      ada.client.send(fix(2, Date.now()));
      const u = await stream.next((e) => e.msg?.type === 'update' && !!e.msg.points[ada.runnerId]);
      assert.ok(u.msg);
      await stream.post({ type: 'cheer', event: event.id, runnerId: ada.runnerId, text: 'Over SSE!' });
      assert.equal((await ada.client.next('cheer')).cheer.text, 'Over SSE!');
      await stream.next((e) => e.msg?.type === 'cheered');
      // Bad input gets the same answers as over WebSocket.
      await stream.post({ type: 'teleport' });
      const err = await stream.next((e) => e.msg?.type === 'error');
      assert.equal((err.msg as Extract<ServerMessage, { type: 'error' }>).code, ErrorCode.UnknownType);
      const huge = await fetch(`${srv.url}/api/stream/${stream.id}`, { method: 'POST', body: 'x'.repeat(20_000) });
      assert.equal(huge.status, 413);
      assert.equal((await fetch(`${srv.url}/api/stream/unknownstream`, { method: 'POST', body: '{}' })).status, 404);
      await stream.cancel();
      await waitFor(() => srv.live.stats().subscriptions === 0, { what: 'the closed stream to be noticed' });
      assert.equal(srv.live.stats().subscriptions, 0, 'a closed stream frees its subscription');
      for (const c of [ada.client, bo.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });
});
