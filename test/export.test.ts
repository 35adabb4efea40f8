/** Downloads and retention, over real HTTP against a real SQLite file. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventExport } from '../server/exports/event-json';
import { purgeInactive } from '../server/jobs/retention';
import { schemaErrors } from './gpx-schema';
import { fix, joinAsRunner, startTestServer, makeEvent } from './helpers';
import { waitFor } from './support/wait';

test("a runner's track downloads as GPX 1.1 that validates against the official schema", async () => {
  const srv = await startTestServer();
  try {
    const eventId = (await makeEvent(srv, 'Export run')).event.id;
    const { client, runnerId } = await joinAsRunner(srv.wsUrl, eventId, 'Zoë & "Friends"');
    const t0 = Date.now() - 60_000;
    for (let seq = 1; seq <= 5; seq++) client.send({ ...fix(seq, t0 + seq * 1000), alt: seq === 3 ? null : 20 + seq });
    while ((await client.next('ack')).seq < 5);

    const res = await fetch(`${srv.url}/api/events/${eventId}/runners/${runnerId}/track.gpx`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/gpx\+xml/);
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="export-run-zoe-friends\.gpx"/);
    const gpx = await res.text();
    assert.deepEqual(await schemaErrors(gpx), []);
    assert.equal(gpx.match(/<trkpt /g)?.length, 5);
    assert.equal(gpx.match(/<ele>/g)?.length, 4, 'elevation where known');
    assert.ok(gpx.includes(`<time>${new Date(t0 + 1000).toISOString()}</time>`));

    assert.equal((await fetch(`${srv.url}/api/events/${eventId}/runners/nobody00/track.gpx`)).status, 404);
    assert.equal((await fetch(`${srv.url}/api/events/nope/runners/${runnerId}/track.gpx`)).status, 404);
    client.close();
  } finally {
    await srv.dispose();
  }
});

test('the whole event downloads as JSON with every runner, point, mood, cheer and sample', async () => {
  const srv = await startTestServer({ HAPPINESS_INTERVAL_MS: '100' });
  try {
    const eventId = (await makeEvent(srv, 'JSON run')).event.id;
    const a = await joinAsRunner(srv.wsUrl, eventId, 'A');
    const t0 = Date.now() - 60_000;
    for (let seq = 1; seq <= 3; seq++) a.client.send(fix(seq, t0 + seq));
    a.client.send({ type: 'mood', value: 8 });
    while ((await a.client.next('ack')).seq < 3);
    a.client.send({ type: 'cheer', event: eventId, runnerId: a.runnerId, text: 'Self-belief!' });
    await a.client.next('cheer');
    await a.client.next('cheered');
    await waitFor(async () => (await srv.live.store.samples(eventId, 0, 10)).length > 0, { what: 'a happiness sample to be stored' });

    const res = await fetch(`${srv.url}/api/events/${eventId}/export.json`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as EventExport;
    assert.equal(body.event.id, eventId);
    assert.equal(body.runners.length, 1);
    assert.deepEqual(
      body.runners[0]!.positions.map((p) => p.seq),
      [1, 2, 3],
    );
    assert.deepEqual(body.runners[0]!.moods.map((m) => m.value), [8]);
    assert.equal(body.runners[0]!.cheers[0]!.text, 'Self-belief!');
    assert.ok(body.happiness.length >= 1);
    assert.ok(!JSON.stringify(body).includes('token'), 'no secrets in exports');
    a.client.close();
  } finally {
    await srv.dispose();
  }
});

test('retention deletes events inactive for longer than the setting, and keeps active ones', async () => {
  const srv = await startTestServer();
  try {
    const old = (await makeEvent(srv, 'Old run')).event.id;
    const live = (await makeEvent(srv, 'Live run')).event.id;
    const { client } = await joinAsRunner(srv.wsUrl, live, 'Now');
    // A fix stamped a minute ahead (phones drift) stands for activity after the cut-off used below.
    client.send(fix(1, Date.now() + 60_000));
    await client.next('ack');
    await srv.live.pipeline.idle();
    assert.deepEqual(await purgeInactive(srv.live, 3600_000), [], 'nothing is an hour old yet');
    // A negative retention puts the cut-off 30 s ahead: the old event has nothing after it, the live one has.
    assert.deepEqual(await purgeInactive(srv.live, -30_000), [old]);
    assert.equal(srv.live.index.info(old), undefined);
    assert.equal(await srv.live.store.loadRoom(old, { cheersKept: 1, samplesKept: 1 }), null);
    assert.equal(await srv.live.store.countPositions(live), 1);
    assert.equal((await fetch(`${srv.url}/api/events/${old}`)).status, 404);
    client.close();
  } finally {
    await srv.dispose();
  }
});

test('a finished event’s export is kept once made and sent again from the copy, until something changes', async () => {
  const srv = await startTestServer();
  try {
    const { event, organiserToken } = await makeEvent(srv, 'Kept run');
    const a = await joinAsRunner(srv.wsUrl, event.id, 'A');
    const b = await joinAsRunner(srv.wsUrl, event.id, 'B');
    const t0 = Date.now() - 60_000;
    for (const r of [a, b]) {
      for (let seq = 1; seq <= 3; seq++) r.client.send(fix(seq, t0 + seq * 1000));
      while ((await r.client.next('ack')).seq < 3);
    }
    const auth = { authorization: `Bearer ${organiserToken}` };
    await fetch(`${srv.url}/api/events/${event.id}/finish`, { method: 'POST', headers: auth });
    const first = await (await fetch(`${srv.url}/api/events/${event.id}/export.json`)).text();
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const kept = readdirSync(join(srv.dataDir, 'exports'));
    assert.equal(kept.length, 1, `one copy: ${kept}`);
    const second = await fetch(`${srv.url}/api/events/${event.id}/export.json`);
    assert.equal(second.headers.get('content-length'), String(Buffer.byteLength(first)), 'sent from the copy');
    assert.equal(await second.text(), first);
    // Removing a runner changes the event: the next export is made afresh, and replaces the copy.
    assert.equal((await fetch(`${srv.url}/api/events/${event.id}/runners/${b.runnerId}`, { method: 'DELETE', headers: auth })).status, 204);
    const third = (await (await fetch(`${srv.url}/api/events/${event.id}/export.json`)).json()) as EventExport;
    assert.deepEqual(third.runners.map((r) => r.name), ['A']);
    assert.equal(readdirSync(join(srv.dataDir, 'exports')).length, 1);
    for (const r of [a, b]) r.client.close();
  } finally {
    await srv.dispose();
  }
});
