/**
 * One address cannot fill the disk: what it makes the server store (joins, fixes, cheers, tracking apps) is
 * charged to a budget of bytes per hour, refused past it with quota_exceeded and when to try again, with
 * nothing of a refused write kept or acknowledged (the phone and the app send it again later). The
 * organiser raises the allowance for a venue whose runners share one address.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, type ServerMessage } from '../lib/protocol';
import { MIB, STORED_BYTES, WriteBudget } from '../server/limits/write-budget';
import { storedBytes } from '../server/live/write-admission';
import type { AppFix } from '../server/room/tracking-apps';
import { joinAsRunner, makeEvent, startTestServer, storedTrack, TestClient } from './helpers';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Joins from this address until one is refused. The allowance refills as time passes (a join's bytes in about
 * a second at 1 MiB an hour), so on a slow machine a single join after the budget ran out may fit again:
 * what holds is that joins are refused within a few, never all taken.
 */
async function joinsUntilRefused(wsUrl: string, eventId: string, max = 40) {
  for (let n = 0; n < max; n++) {
    const c = await TestClient.connect(wsUrl);
    c.send({ type: 'join', event: eventId, name: 'A runner with a rather long name', color: '#123456' });
    const answer = await c.until((m) => m.type === 'joined' || m.type === 'error');
    c.close();
    if (answer.type === 'error') return { taken: n, error: answer };
  }
  throw new Error(`${max} joins were all taken`);
}

describe('the write budget', () => {
  test('an address may store its hourly allowance at once, then what refills; others are apart', () => {
    let now = 0;
    const budget = new WriteBudget(1000, 4000, () => now);
    assert.equal(budget.take('a', 'e', 600, null), 0);
    assert.equal(budget.take('a', 'e', 400, null), 0);
    const wait = budget.take('a', 'e', 100, null);
    assert.equal(wait, 360_000, 'a hundred bytes come back in six minutes at a thousand an hour');
    assert.equal(budget.take('b', 'e', 1000, null), 0, 'another address has its own');
    now += wait;
    assert.equal(budget.take('a', 'e', 100, null), 0);
  });

  test("an event's own allowance is a bucket of its own per address; all events together stay under the ceiling", () => {
    const budget = new WriteBudget(1000, 4000, () => 0);
    assert.equal(budget.take('venue', 'other', 1000, null), 0);
    assert.ok(budget.take('venue', 'other', 1, null) > 0, 'the default is spent');
    assert.equal(budget.take('venue', 'raised', 2500, 3000), 0, 'the raised event is apart from the rest');
    assert.equal(budget.take('venue', 'raised-too', 500, 3000), 0);
    assert.ok(budget.take('venue', 'raised-too', 1, 3000) > 0, 'four thousand across all events, the ceiling');
  });

  test('a write costs about what it adds to the store; rows written again in place cost nothing', () => {
    assert.equal(storedBytes({ do: 'position', runnerId: 'r', msg: { type: 'pos', seq: 1, lat: 0, lon: 0, t: 0, acc: 5 } }), STORED_BYTES.position);
    assert.equal(storedBytes({ do: 'cheer', runnerId: 'r', text: 'Go!', seen: null }), STORED_BYTES.cheer + 3);
    assert.equal(storedBytes({ do: 'ingest', runnerId: 'r', keyHash: 'k', report: { app: 'x', fixes: Array.from({ length: 10 }, () => ({}) as AppFix), refused: [], sos: false } }), 10 * STORED_BYTES.position);
    assert.equal(storedBytes({ do: 'resume', runnerId: 'r', token: 't', name: 'New name' }), 0);
    assert.equal(storedBytes({ do: 'setRaceSettings', startsAt: 1 }), 0);
  });
});

describe('the write budget over real sockets', () => {
  test('past its allowance an address is refused on every transport and keeps what it sent; the organiser raises it for the event and everything is kept', async () => {
    // Joins have a limit of their own per address (60 an hour): this test is about bytes, so it is raised.
    const srv = await startTestServer({ WRITE_MIB_PER_HOUR_PER_IP: '1', RUNNERS_PER_HOUR_PER_IP: '1000' });
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Venue 10k');
      const api = `${srv.url}/api/events/${event.id}`;
      const limits = async () => ((await (await fetch(`${api}/quotas`, { headers: auth(organiserToken) })).json()) as { quotas: { addressMiBPerHour: number } }).quotas;
      assert.equal((await limits()).addressMiBPerHour, 1, "the server's allowance is shown");

      // A runner's phone and runners with tracking apps, all behind this one address.
      const phone = await joinAsRunner(srv.wsUrl, event.id, 'Phone');
      const apps = [] as Array<{ runnerId: string; key: string; sent: number }>;
      for (let i = 0; i < 12; i++) {
        const r = await joinAsRunner(srv.wsUrl, event.id, `App ${i}`);
        r.client.close();
        const res = await fetch(`${api}/runners/${r.runnerId}/device-key`, { method: 'POST', headers: auth(r.token) });
        apps.push({ runnerId: r.runnerId, key: ((await res.json()) as { key: string }).key, sent: 0 });
      }
      const t0 = Math.floor(Date.now() / 1000) - 20_000;
      const batch = (from: number) => ({
        locations: Array.from({ length: 100 }, (_, i) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [-0.1 + (from + i) * 1e-5, 51.5] },
          properties: { timestamp: new Date((t0 + from + i) * 1000).toISOString(), horizontal_accuracy: 5 },
        })),
      });
      const post = (app: { key: string; sent: number }) =>
        fetch(`${srv.url}/ingest/overland`, { method: 'POST', headers: auth(app.key), body: JSON.stringify(batch(app.sent)) });
      // Batches of a hundred fixes, runner after runner, until the address's allowance is spent.
      let refused: Response | null = null;
      let refusedApp = apps[0]!;
      let taken = 0;
      for (let round = 0; !refused && round < 6; round++) {
        for (const app of apps) {
          const res = await post(app);
          if (res.status !== 200) {
            refused = res;
            refusedApp = app;
            break;
          }
          assert.deepEqual(await res.json(), { result: 'ok' });
          app.sent += 100;
          taken += 100;
        }
      }
      assert.ok(refused, 'the allowance ran out');
      assert.ok(taken >= 4000 && taken <= 1.05 * (MIB / STORED_BYTES.position), `about a MiB of fixes were taken: ${taken}`);
      assert.equal(refused.status, 429, 'Overland keeps the batch and sends it again');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.match(((await refused.json()) as { error: string }).error, /address has stored as much as it may/);
      assert.equal((await storedTrack(srv, event.id, refusedApp.runnerId)).length, refusedApp.sent, 'nothing of the refused batch was kept');

      // The phone at the same address: its fixes are taken until the last bytes are spent, then refused as
      // over quota (no seq: it keeps them) and not acknowledged.
      let seq = 0;
      let over: Extract<Awaited<ReturnType<typeof phone.client.next>>, { type: 'error' }> | null = null;
      while (!over && seq < 200) {
        phone.client.send({ type: 'pos', seq: ++seq, lat: 51.5, lon: -0.1, t: Date.now() - 1000 + seq, acc: 5 });
        const answer = await phone.client.until((m) => (m.type === 'ack' && m.seq === seq) || m.type === 'error');
        if (answer.type === 'error') over = answer;
      }
      assert.ok(over && seq < 200, 'the rest of the allowance is a few fixes');
      assert.deepEqual([over.code, over.ref, over.seq], [ErrorCode.QuotaExceeded, 'pos', undefined]);
      assert.ok(over.retryAfterMs! > 0);
      assert.equal((await storedTrack(srv, event.id, phone.runnerId)).length, seq - 1, 'the refused fix is not kept');
      // A join and a cheer are writes too.
      const { error: join } = await joinsUntilRefused(srv.wsUrl, event.id);
      assert.deepEqual([join.code, join.ref], [ErrorCode.QuotaExceeded, 'join']);
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id });
      await spectator.next('snapshot');
      let cheer: Extract<ServerMessage, { type: 'error' }> | null = null;
      for (let n = 0; !cheer && n < 40; n++) {
        spectator.send({ type: 'cheer', event: event.id, runnerId: phone.runnerId, text: 'Go go go! '.repeat(14), from: 'Everyone at the finish line' });
        const answer = await spectator.until((m) => m.type === 'cheered' || m.type === 'error');
        if (answer.type === 'error') cheer = answer;
      }
      assert.ok(cheer, 'cheers are refused within a few');
      assert.deepEqual([cheer.code, cheer.ref], [ErrorCode.QuotaExceeded, 'cheer']);
      assert.ok(cheer.retryAfterMs! > 0);

      // The organiser raises what one address may store for this event; other events keep the server's.
      const bad = await fetch(`${api}/quotas`, { method: 'PUT', headers: auth(organiserToken), body: '{"addressMiBPerHour":5000}' });
      assert.equal(bad.status, 400);
      const raised = await fetch(`${api}/quotas`, { method: 'PUT', headers: auth(organiserToken), body: '{"addressMiBPerHour":4}' });
      assert.equal(raised.status, 200);
      assert.equal(((await raised.json()) as { quotas: { addressMiBPerHour: number } }).quotas.addressMiBPerHour, 4);
      assert.equal((await limits()).addressMiBPerHour, 4);

      // The app sends its batch again, the phone its fix, the late runner joins: all kept.
      const again = await post(refusedApp);
      assert.equal(again.status, 200);
      refusedApp.sent += 100;
      phone.client.send({ type: 'pos', seq, lat: 51.5, lon: -0.1, t: Date.now() - 1000 + seq, acc: 5 });
      assert.equal((await phone.client.until((m) => m.type === 'ack' && m.seq === seq)).type, 'ack');
      const late = await TestClient.connect(srv.wsUrl);
      late.send({ type: 'join', event: event.id, name: 'A runner with a rather long name', color: '#123456' });
      await late.next('joined');
      for (const app of apps) assert.equal((await storedTrack(srv, event.id, app.runnerId)).length, app.sent, 'every fix answered as taken is kept');
      assert.equal((await storedTrack(srv, event.id, phone.runnerId)).length, seq);

      const other = await makeEvent(srv, 'Not raised');
      const { error: err } = await joinsUntilRefused(srv.wsUrl, other.event.id);
      assert.deepEqual([err.code, err.ref], [ErrorCode.QuotaExceeded, 'join'], "another event keeps the server's allowance");
      // The raised event takes as many joins as that and more.
      for (let n = 0; n < 40; n++) {
        const c = await TestClient.connect(srv.wsUrl);
        c.send({ type: 'join', event: event.id, name: 'A runner with a rather long name', color: '#123456' });
        assert.equal((await c.until((m) => m.type === 'joined' || m.type === 'error')).type, 'joined');
        c.close();
      }
      for (const x of [spectator, phone.client, late]) x.close();
    } finally {
      await srv.dispose();
    }
  });

  test("a phone's fix over the address's allowance is refused without its seq and not acknowledged; sent again later it is kept", async () => {
    const srv = await startTestServer({ WRITE_MIB_PER_HOUR_PER_IP: '1' });
    try {
      const { event } = await makeEvent(srv, 'Phones');
      const { client, runnerId } = await joinAsRunner(srv.wsUrl, event.id, 'Ada');
      // Spend the address's allowance to the last few bytes, as a tracking app at the same address would.
      for (const chunk of [100_000, 1000, 10]) while (srv.live.writes.budget.take('127.0.0.1', event.id, chunk, null) === 0);
      const t = Date.now();
      client.send({ type: 'pos', seq: 1, lat: 51.5, lon: -0.1, t, acc: 5 });
      const err = await client.next('error');
      assert.equal(err.code, ErrorCode.QuotaExceeded);
      assert.equal(err.ref, 'pos');
      assert.equal(err.seq, undefined, 'not refused for good: the phone keeps the fix');
      assert.ok(err.retryAfterMs! > 0);
      assert.equal((await storedTrack(srv, event.id, runnerId)).length, 0);
      await new Promise((r) => setTimeout(r, err.retryAfterMs));
      client.send({ type: 'pos', seq: 1, lat: 51.5, lon: -0.1, t, acc: 5 });
      assert.equal((await client.next('ack')).seq, 1);
      assert.equal((await storedTrack(srv, event.id, runnerId)).length, 1);
      client.close();
    } finally {
      await srv.dispose();
    }
  });
});
