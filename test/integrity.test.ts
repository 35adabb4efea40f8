/**
 * Nothing acknowledged is ever lost, even when storage fails: a store that fails or stalls on demand
 * (test/support/faulty-store.ts) behind the real transports. Runners are the phone's own client
 * (RunnerSession: outbox, resend, backoff); tracking apps and organisers speak HTTP. After every run the
 * server is restarted on the same file and what is stored is checked against what was acknowledged.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import type { SocketLike } from '../client/live-socket';
import { MemoryStorage } from '../client/outbox';
import { RunnerSession } from '../client/runner-session';
import { ErrorCode } from '../lib/protocol';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import { FaultyStore } from './support/faulty-store';
import { joinAsRunner, makeEvent, publishTick, startTestServer, TestClient, type TestServer } from './helpers';
import { waitFor } from './support/wait';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function until(what: string, check: () => boolean | Promise<boolean>, timeout = 20_000): Promise<void> {
  await waitFor(check, { what, timeout, interval: 25 });
}

async function faultyServer(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'trackside-integrity-'));
  dirs.push(dir);
  const store = new FaultyStore(await SqliteStore.open(join(dir, 'trackside.db')));
  const srv = await startTestServer({ TICK_MS: '20', ...env }, { store }, dir);
  return { srv, store, dir };
}

/** The highest n with fixes 1..n all stored. */
function contiguous(seqs: Set<number>): number {
  let n = 0;
  while (seqs.has(n + 1)) n++;
  return n;
}

/** Stored positions per runner, read from the file itself: count and distinct sequence numbers. */
function storedRows(dir: string, event: string): Map<string, { count: number; seqs: Set<number> }> {
  const db = new Database(join(dir, 'trackside.db'), { readonly: true });
  try {
    const out = new Map<string, { count: number; seqs: Set<number> }>();
    for (const row of db.prepare('SELECT runner, seq FROM positions WHERE event = ?').all(event) as Array<{ runner: string; seq: number }>) {
      const r = out.get(row.runner) ?? { count: 0, seqs: new Set<number>() };
      r.count++;
      r.seqs.add(row.seq);
      out.set(row.runner, r);
    }
    return out;
  } finally {
    db.close();
  }
}

function phone(srv: TestServer, event: string, name: string, storage = new MemoryStorage()) {
  const errors: string[] = [];
  const session = new RunnerSession({
    url: srv.wsUrl,
    event,
    name,
    color: '#336699',
    storage,
    createSocket: (url) => {
      const ws = new WebSocket(url);
      ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString()) as { type: string; code?: string };
        if (m.type === 'error' && m.code) errors.push(m.code);
      });
      return ws as unknown as SocketLike;
    },
  });
  return { session, storage, errors };
}

describe('storage that fails', () => {
  test('fixes are not acknowledged while writes fail, a runner resuming meanwhile is told only what is stored, and after a restart every fix is stored once', async (t) => {
    const { srv, store, dir } = await faultyServer();
    let phones: Array<ReturnType<typeof phone>> = [];
    try {
      const { event } = await makeEvent(srv, 'Full disk');
      phones = Array.from({ length: 5 }, (_, i) => phone(srv, event.id, `Runner ${i + 1}`));
      await until('runners to join', () => phones.every((p) => p.session.snapshot.joined));
      let step = 0;
      const send = () => {
        step++;
        phones.forEach((p, i) => p.session.record({ lat: 51.5 + step * 0.00005, lon: -0.12 + i * 0.001, t: Date.now(), acc: 5 }));
      };
      const sending = setInterval(send, 20);
      await until('every runner to have fixes acknowledged', () => phones.every((p) => p.session.snapshot.acked >= 10));

      store.fail('SQLITE_FULL');
      // Writes fail from here on; acknowledgements of what was stored before are still on their way to the
      // phones. Once every phone has heard of everything its runner has stored, nothing more may come.
      await until('a write to fail, and every phone to hear of all that was stored before', () => {
        if (store.failed === 0) return false;
        const rows = storedRows(dir, event.id);
        return phones.every((p) => p.session.snapshot.acked === contiguous(rows.get(p.session.snapshot.runnerId!)?.seqs ?? new Set()));
      });
      const ackedAtFailure = phones.map((p) => p.session.snapshot.acked);
      // One runner's connection drops while the disk is full; its phone resumes with the same identity.
      const dropped = phones[0]!;
      dropped.session.close();
      const resumed = phone(srv, event.id, 'Runner 1', dropped.storage);
      phones[0] = resumed;
      await until('the runner to resume', () => resumed.session.snapshot.joined);
      const storedAtResume = storedRows(dir, event.id).get(resumed.session.snapshot.runnerId!)!;
      // The phones go on sending into the full disk, and are told it is full.
      const takenAtResume = phones.map((p) => p.session.snapshot.taken);
      await until(
        'fixes sent into the full disk, and a refusal',
        () => phones.every((p, i) => p.session.snapshot.taken >= takenAtResume[i]! + 10) && phones.some((p) => p.errors.includes(ErrorCode.StorageUnavailable)),
      );
      const ackedLate = phones.map((p) => p.session.snapshot.acked);
      const health = (await (await fetch(`${srv.url}/api/health`)).json()) as { ok: boolean; storage: { state: string } };

      store.heal();
      // And on once it works again, until fixes taken since are acknowledged.
      const takenAtHeal = phones.map((p) => p.session.snapshot.taken);
      await until('fixes taken after healing to be acknowledged', () => phones.every((p, i) => p.session.snapshot.acked > takenAtHeal[i]!), 30_000);
      clearInterval(sending);
      await until('every outbox to drain', () => phones.every((p) => p.session.snapshot.joined && p.session.snapshot.pending === 0), 30_000);

      // Nothing was acknowledged while writes failed (the resumed phone starts again from what is stored).
      assert.deepEqual(ackedLate.slice(1), ackedAtFailure.slice(1), 'no ack while the disk is full');
      assert.ok(resumed.session.snapshot.acked >= 0);
      assert.ok(ackedLate[0]! <= contiguous(storedAtResume.seqs), `the resumed runner was told ${ackedLate[0]}, stored ${contiguous(storedAtResume.seqs)}`);
      assert.equal(health.ok, false);
      assert.equal(health.storage.state, 'failing');
      assert.ok(phones.some((p) => p.errors.includes(ErrorCode.StorageUnavailable)), 'runners were told storage is unavailable');

      for (const p of phones) p.session.close();
      await srv.close();
      // A plain store on the same file: everything taken is there, once.
      const rows = storedRows(dir, event.id);
      let sent = 0;
      let stored = 0;
      for (const p of phones) {
        const r = rows.get(p.session.snapshot.runnerId!)!;
        sent += p.session.snapshot.sent;
        stored += r.count;
        assert.equal(r.count, r.seqs.size, 'no fix stored twice');
        assert.equal(r.count, p.session.snapshot.sent, 'every fix taken is stored');
        assert.equal(p.session.snapshot.acked, p.session.snapshot.sent, 'and acknowledged');
      }
      t.diagnostic(`5 runners; ${store.failed} of ${store.appends} appends failed; sent ${sent}, stored ${stored}, duplicates 0`);
      const again = await startTestServer({}, {}, dir);
      try {
        assert.equal((await again.live.store.countPositions(event.id)), sent);
      } finally {
        await again.close();
      }
    } finally {
      for (const p of phones) p.session.close();
      await srv.close();
    }
  });

  test('a runner who joins while writes fail is refused, retries by itself and joins once storage works', async () => {
    const { srv, store } = await faultyServer();
    try {
      const { event } = await makeEvent(srv, 'Late joiner');
      store.fail('SQLITE_READONLY');
      const p = phone(srv, event.id, 'Patient');
      await until('a refusal', () => p.errors.includes(ErrorCode.StorageUnavailable));
      assert.equal(p.session.snapshot.joined, false);
      assert.equal(srv.live.stats().runners, 0, 'no runner exists that was not stored');
      store.heal();
      await until('the join', () => p.session.snapshot.joined, 20_000);
      assert.equal((await srv.live.store.runners(event.id)).length, 1);
      p.session.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a tracking app that resends after a 503 gets its fix stored exactly once', async () => {
    const { srv, store } = await faultyServer();
    try {
      const { event } = await makeEvent(srv, 'App resend');
      const { client, runnerId, token } = await joinAsRunner(srv.wsUrl, event.id, 'Appy');
      client.close();
      const key = ((await (await fetch(`${srv.url}/api/events/${event.id}/runners/${runnerId}/device-key`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json()) as { key: string }).key;
      const t0 = Math.floor(Date.now() / 1000) - 60;
      const post = (t: number) => fetch(`${srv.url}/ingest/osmand?id=${key}&lat=51.5&lon=-0.1&timestamp=${t}`, { method: 'POST' });
      store.fail('SQLITE_FULL');
      const failed = await post(t0);
      assert.equal(failed.status, 503, 'try again later');
      assert.ok(failed.headers.get('retry-after'));
      assert.equal(await srv.live.store.countPositions(event.id), 0);
      store.heal();
      await until('storage to be tried again', async () => (await post(t0)).status === 200, 10_000);
      assert.equal((await post(t0)).status, 200, 'a resend of a stored fix');
      assert.equal((await post(t0 + 1)).status, 200);
      assert.equal(await srv.live.store.countPositions(event.id), 2);
    } finally {
      await srv.dispose();
    }
  });

  test('an event whose creation could not be saved does not exist: 503, no token, and its name stays free', async () => {
    // Creations are tried again until storage is; the address may make as many as that takes.
    const { srv, store } = await faultyServer({ EVENTS_PER_HOUR_PER_IP: '1000' });
    try {
      store.fail('SQLITE_FULL', 1);
      const res = await fetch(`${srv.url}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'Saturday 5k' }) });
      assert.equal(res.status, 503);
      const body = (await res.json()) as { organiserToken?: string; error: { code: string } };
      assert.equal(body.organiserToken, undefined);
      assert.equal(body.error.code, 'storage_unavailable');
      const list = (await (await fetch(`${srv.url}/api/events`)).json()) as { events: unknown[] };
      assert.deepEqual(list.events, []);
      // Storage is tried again a few seconds after the failure; until then every creation is refused at once.
      const ok = await waitFor(
        async () => {
          const res = await fetch(`${srv.url}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'Saturday 5k' }) });
          return res.status === 503 ? null : res;
        },
        { timeout: 20_000, interval: 100, what: 'storage to be tried again' },
      );
      assert.equal(ok.status, 201);
      assert.equal(((await ok.json()) as { event: { id: string } }).event.id, 'saturday-5k', 'the id was never taken');
    } finally {
      await srv.dispose();
    }
  });

  test('an organiser change that could not be saved is answered 503 and changes nothing anyone sees', async () => {
    const { srv, store } = await faultyServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Not yet over');
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id });
      await spectator.next('snapshot');
      store.fail('SQLITE_IOERR');
      const auth = { authorization: `Bearer ${organiserToken}` };
      assert.equal((await fetch(`${srv.url}/api/events/${event.id}/finish`, { method: 'POST', headers: auth })).status, 503);
      assert.equal((await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth, body: '{"code":"secret-code"}' })).status, 503);
      // Anything sent to the spectator about the refused changes has arrived by now.
      publishTick(srv);
      await spectator.roundTrip();
      assert.ok(!spectator.received.some((m) => m.type === 'event' || m.type === 'error'), 'no news was sent');
      const seen = (await (await fetch(`${srv.url}/api/events/${event.id}`)).json()) as { event: { status: string; protected: boolean } };
      assert.deepEqual([seen.event.status, seen.event.protected], ['live', false]);
      store.heal();
      await until('the change to be taken', async () => (await fetch(`${srv.url}/api/events/${event.id}/finish`, { method: 'POST', headers: auth })).status === 200, 10_000);
      assert.equal((await spectator.next('event')).event.status, 'finished');
      spectator.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a stalled disk makes writes wait and health say so; reads and live pages go on', async () => {
    const { srv, store } = await faultyServer();
    try {
      const { event } = await makeEvent(srv, 'Frozen disk');
      const { client } = await joinAsRunner(srv.wsUrl, event.id, 'Waiting');
      const spectator = await TestClient.connect(srv.wsUrl);
      store.hang(60_000);
      client.send({ type: 'pos', seq: 1, lat: 51.5, lon: -0.1, t: Date.now(), acc: 5 });
      await until('health to call the commit stalled', async () => {
        const h = (await (await fetch(`${srv.url}/api/health`)).json()) as { storage: { state: string } };
        return h.storage.state === 'stalled';
      });
      // While the write hangs: the health check, the event list, a new spectator's snapshot all answer.
      const health = await fetch(`${srv.url}/api/health`);
      const state = ((await health.json()) as { storage: { state: string; commitMs: number } }).storage;
      assert.equal(health.status, 503);
      assert.equal(state.state, 'stalled');
      assert.ok(state.commitMs >= 2000);
      assert.equal((await fetch(`${srv.url}/api/events`)).status, 200);
      spectator.send({ type: 'subscribe', event: event.id });
      await spectator.next('snapshot');
      assert.ok(!client.received.some((m) => m.type === 'ack'), 'nothing acknowledged before it is written');
      store.heal();
      assert.equal((await client.next('ack')).seq, 1);
      assert.equal((await (await fetch(`${srv.url}/api/health`)).json() as { ok: boolean }).ok, true);
      client.close();
      spectator.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a runner on the Server-Sent Events fallback is not acknowledged while writes fail, and is once they work', async () => {
    const { srv, store } = await faultyServer();
    try {
      const { event } = await makeEvent(srv, 'Fallback');
      const res = await fetch(`${srv.url}/api/stream`);
      const reader = res.body!.getReader();
      const received: Array<{ type: string; code?: string; seq?: number }> = [];
      let buffer = '';
      let streamId = '';
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += Buffer.from(value).toString('utf8');
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const chunk = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const data = /^data: (.*)$/m.exec(chunk)?.[1];
            if (chunk.startsWith('event: stream')) streamId = (JSON.parse(data!) as { id: string }).id;
            else if (data) received.push(JSON.parse(data) as { type: string });
          }
        }
      })();
      await until('the stream', () => streamId !== '');
      const post = (msg: unknown) => fetch(`${srv.url}/api/stream/${streamId}`, { method: 'POST', body: JSON.stringify(msg) });
      await post({ type: 'join', event: event.id, name: 'Posty', color: '#123456' });
      await until('joined', () => received.some((m) => m.type === 'joined'));
      store.fail('SQLITE_FULL');
      const fix = { type: 'pos', seq: 1, lat: 51.5, lon: -0.1, t: Date.now(), acc: 5 };
      await post(fix);
      await until('a refusal', () => received.some((m) => m.code === ErrorCode.StorageUnavailable));
      assert.ok(!received.some((m) => m.type === 'ack'));
      store.heal();
      // Storage is tried again a few seconds after the failure: the phone's resend of the same fix goes through then.
      await waitFor(
        async () => {
          if (received.some((m) => m.type === 'ack' && m.seq === 1)) return true;
          await post(fix);
          return false;
        },
        { timeout: 20_000, interval: 250, what: 'the ack' },
      );
      assert.equal(await srv.live.store.countPositions(event.id), 1);
      await reader.cancel();
    } finally {
      await srv.dispose();
    }
  });
});

describe('a real full disk', () => {
  test('on a small file system that fills up, everything acknowledged is stored once after space is made and the server restarts', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to mount a small file system');
    const dir = mkdtempSync(join(tmpdir(), 'trackside-tmpfs-'));
    dirs.push(dir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1200k', 'tmpfs', dir]);
    } catch (err) {
      return t.skip(`cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`);
    }
    let srv: TestServer | null = null;
    const phones: Array<ReturnType<typeof phone>> = [];
    try {
      srv = await startTestServer({ TICK_MS: '20' }, {}, dir);
      const { event } = await makeEvent(srv, 'Tiny disk');
      for (let i = 0; i < 4; i++) phones.push(phone(srv, event.id, `Filler ${i + 1}`));
      await until('runners to join', () => phones.every((p) => p.session.snapshot.joined));
      await srv.live.run(event.id, { do: 'setQuotas', quotas: { fixesPerRunnerPerHour: 36_000 } }, null);
      let step = 0;
      const sending = setInterval(() => {
        step++;
        phones.forEach((p, i) => p.session.record({ lat: 51.5 + step * 0.00005, lon: -0.12 + i * 0.001, t: Date.now(), acc: 5, alt: 12.5, spd: 3.1, hdg: 90 }));
      }, 15);
      await until('the disk to fill', async () => {
        const h = (await (await fetch(`${srv!.url}/api/health`)).json()) as { storage: { state: string } };
        return h.storage.state === 'failing';
      }, 60_000);
      // The phones go on sending into the full disk.
      const takenWhenFull = phones.map((p) => p.session.snapshot.taken);
      await until('fixes sent into the full disk', () => phones.every((p, i) => p.session.snapshot.taken >= takenWhenFull[i]! + 10));
      const ackedWhenFull = phones.map((p) => p.session.snapshot.acked);
      clearInterval(sending);
      const port = srv.port;
      await srv.close();
      srv = null;
      const rows = storedRows(dir, event.id);
      phones.forEach((p, i) => {
        const r = rows.get(p.session.snapshot.runnerId!)!;
        assert.equal(r.count, r.seqs.size, 'no fix stored twice');
        for (let s = 1; s <= ackedWhenFull[i]!; s++) assert.ok(r.seqs.has(s), `acknowledged fix ${s} is stored`);
      });
      // Make room and start again: the phones resend what was never acknowledged.
      execFileSync('mount', ['-o', 'remount,size=64m', dir]);
      srv = await startTestServer({ TICK_MS: '20', PORT: String(port) }, {}, dir);
      await until('every outbox to drain', () => phones.every((p) => p.session.snapshot.joined && p.session.snapshot.pending === 0), 60_000);
      for (const p of phones) p.session.close();
      await srv.close();
      srv = null;
      const final = storedRows(dir, event.id);
      let sent = 0;
      for (const p of phones) {
        const r = final.get(p.session.snapshot.runnerId!)!;
        sent += p.session.snapshot.sent;
        assert.equal(r.count, r.seqs.size);
        assert.equal(r.count, p.session.snapshot.sent);
      }
      t.diagnostic(`tmpfs of 1.2 MB filled; acknowledged when full ${ackedWhenFull.reduce((a, b) => a + b, 0)}; after more room and a restart sent ${sent}, stored ${sent}, duplicates 0`);
    } finally {
      for (const p of phones) p.session.close();
      await srv?.close();
      try {
        execFileSync('umount', [dir]);
      } catch {
        // Already unmounted.
      }
    }
  });
});
