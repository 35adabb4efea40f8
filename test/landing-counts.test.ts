/**
 * The landing page's list of events (GET /api/events) after a restart, when no room is loaded: public
 * events keep their runner counts from the index, and only protected events read "protected" (null counts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEvent, startTestServer, TestClient } from './helpers';
import { waitFor } from './support/wait';

interface Listed {
  id: string;
  runners: number | null;
  active: number | null;
}

async function listed(url: string): Promise<Listed[]> {
  const res = await fetch(`${url}/api/events`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { events: Listed[] }).events;
}

/** A runner who joins `event` and sends one fix, acknowledged (so stored). */
async function oneFix(wsUrl: string, event: string, name: string): Promise<TestClient> {
  const c = await TestClient.connect(wsUrl);
  c.send({ type: 'join', event, name, color: '#123456' });
  await c.next('joined');
  c.send({ type: 'pos', seq: 1, lat: 52.52, lon: 13.4, t: Date.now(), acc: 5 });
  await c.next('ack');
  return c;
}

test('after a restart, public events list their runner counts and only protected events read protected', async () => {
  const srv = await startTestServer();
  const pub = await makeEvent(srv, 'Public city half');
  const priv = await makeEvent(srv, 'Club time trial');
  const clients = [await oneFix(srv.wsUrl, pub.event.id, 'Ada'), await oneFix(srv.wsUrl, pub.event.id, '山田 太郎'), await oneFix(srv.wsUrl, priv.event.id, 'Bo')];
  const protect = await fetch(`${srv.url}/api/events/${priv.event.id}/view-code`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${priv.organiserToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'otter-2026' }),
  });
  assert.equal(protect.status, 200);
  await waitFor(async () => (await listed(srv.url)).find((e) => e.id === pub.event.id)?.runners === 2 || null, { interval: 50, what: 'the counts' });
  for (const c of clients) c.close();
  await srv.close();

  const again = await startTestServer({}, {}, srv.dataDir);
  try {
    // Nothing has asked for either room: the list comes from the index alone.
    const events = await listed(again.url);
    const p = events.find((e) => e.id === pub.event.id)!;
    const q = events.find((e) => e.id === priv.event.id)!;
    assert.equal(p.runners, 2, 'a public event with two runners on the map');
    assert.notEqual(p.active, null);
    assert.equal(q.runners, null, 'a protected event shows no counts');
    assert.equal(q.active, null);
  } finally {
    await again.dispose();
  }
});
