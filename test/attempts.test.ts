/**
 * Guessing where it can succeed is slow: view codes are attempt-limited per event and address (and per event
 * for addresses that guessed wrong), on every transport, kept with scrypt, and the organiser sees the failed
 * attempts. Long random secrets (organiser and runner tokens, share links, device keys) cannot be guessed:
 * wrong ones are refused and lock nobody out, so an attacker behind a venue's shared address cannot turn the
 * limits against the organiser, runners, spectators and tracking apps there.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCode } from '../lib/protocol';
import { ADDRESS_ATTEMPTS, AttemptLimiter } from '../server/limits/attempts';
import { WrongSecrets } from '../server/limits/wrong-secrets';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import type { Store } from '../server/storage/store';
import { fix, joinAsRunner, makeEvent, startTestServer, storedTrack, TestClient, type TestServer } from './helpers';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the attempt limiter', () => {
  test('a few failures are free, then each locks the key out twice as long, up to a ceiling; keys are apart', () => {
    let now = 0;
    const limiter = new AttemptLimiter({ free: 3, baseMs: 1000, maxMs: 8000, forgetAfterMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(limiter.check('a'), { ok: true }, 'three tries are free');
      limiter.fail('a');
    }
    assert.deepEqual(limiter.check('a'), { ok: false, retryAfterMs: 1000 });
    now += 1000;
    limiter.fail('a');
    assert.deepEqual(limiter.check('a'), { ok: false, retryAfterMs: 2000 });
    for (let i = 0; i < 10; i++) {
      now += 60_000 - 1;
      limiter.fail('a');
    }
    assert.deepEqual(limiter.check('a'), { ok: false, retryAfterMs: 8000 }, 'the ceiling');
    assert.deepEqual(limiter.check('b'), { ok: true }, 'keys are apart');
  });

  test('failures are forgotten after a quiet window', () => {
    let now = 0;
    const limiter = new AttemptLimiter(ADDRESS_ATTEMPTS, () => now);
    for (let i = 0; i < ADDRESS_ATTEMPTS.free; i++) limiter.fail('x');
    assert.equal(limiter.check('x').ok, false);
    assert.equal(limiter.failures('x'), ADDRESS_ATTEMPTS.free);
    now += ADDRESS_ATTEMPTS.forgetAfterMs + 1;
    assert.equal(limiter.failures('x'), 0, 'forgotten');
    limiter.fail('x');
    assert.deepEqual(limiter.check('x'), { ok: true });
    assert.equal(limiter.failures('x'), 1);
  });

  test('the flood guard for long secrets: an address sending wrong ones faster than anyone mistaken is flooding, then calms down', () => {
    let now = 0;
    const guard = new WrongSecrets(60, () => now);
    for (let i = 0; i < 59; i++) guard.wrong('venue');
    assert.equal(guard.flooding('venue'), false, 'a burst of wrong secrets is allowed');
    guard.wrong('venue');
    assert.equal(guard.flooding('venue'), true);
    assert.equal(guard.flooding('elsewhere'), false, 'addresses are apart');
    now += 1000;
    assert.equal(guard.flooding('venue'), false, 'one a second comes back');
  });
});

describe('guessing view codes over HTTP and WebSocket', () => {
  test('view codes are kept with scrypt; a guesser is locked out on every transport, even with the right code, then let in', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Guess me');
      assert.equal((await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth(organiserToken), body: '{"code":"4711"}' })).status, 200);
      await srv.live.pipeline.idle();
      const db = new Database(join(srv.dataDir, 'trackside.db'), { readonly: true });
      const stored = (db.prepare('SELECT view_code_hash FROM events WHERE id = ?').get(event.id) as { view_code_hash: string }).view_code_hash;
      db.close();
      assert.match(stored, /^scrypt\$/);

      const api = `${srv.url}/api/events/${event.id}`;
      const statuses: number[] = [];
      for (let i = 0; i < ADDRESS_ATTEMPTS.free; i++) statuses.push((await fetch(`${api}?code=${String(i).padStart(4, '0')}`)).status);
      assert.deepEqual(statuses, Array(ADDRESS_ATTEMPTS.free).fill(403), 'typos are answered as wrong codes');
      const locked = await fetch(`${api}?code=0999`);
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) >= 1);
      assert.equal(((await locked.json()) as { error: { code: string } }).error.code, ErrorCode.TooManyAttempts);
      // The same lockout holds over WebSocket, and for the right code too: a locked-out guesser learns nothing.
      const ws = await TestClient.connect(srv.wsUrl);
      ws.send({ type: 'subscribe', event: event.id, code: '4711' });
      const refused = await ws.next('error');
      assert.equal(refused.code, ErrorCode.TooManyAttempts);
      assert.ok(refused.retryAfterMs! > 0);
      await new Promise((r) => setTimeout(r, refused.retryAfterMs! + 50));
      ws.send({ type: 'subscribe', event: event.id, code: '4711' });
      assert.equal((await ws.next('snapshot')).event.id, event.id);
      ws.close();

      const organiserView = (await (await fetch(api, { headers: auth(organiserToken) })).json()) as { organiser: { failedAttempts: number } };
      assert.equal(organiserView.organiser.failedAttempts, ADDRESS_ATTEMPTS.free + 2, 'the wrong codes and two tries while locked out');
    } finally {
      await srv.dispose();
    }
  });

  test("addresses are limited apart, and so are events: one event's guesser locks out neither another address nor another event's code", async () => {
    const srv = await startTestServer({ TRUST_PROXY: '1' });
    try {
      const guessed = await makeEvent(srv, 'Apart');
      const other = await makeEvent(srv, 'Next door');
      for (const e of [guessed, other]) {
        await fetch(`${srv.url}/api/events/${e.event.id}/view-code`, { method: 'PUT', headers: auth(e.organiserToken), body: '{"code":"right-code"}' });
      }
      const from = (ip: string, event: string, code: string) => fetch(`${srv.url}/api/events/${event}?code=${code}`, { headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i <= ADDRESS_ATTEMPTS.free; i++) await from('203.0.113.7', guessed.event.id, `wrong-${i}`);
      assert.equal((await from('203.0.113.7', guessed.event.id, 'right-code')).status, 429);
      assert.equal((await from('198.51.100.2', guessed.event.id, 'right-code')).status, 200, 'another address');
      assert.equal((await from('203.0.113.7', other.event.id, 'right-code')).status, 200, 'another event from the same address');
    } finally {
      await srv.dispose();
    }
  });
});

describe('spectators at a venue', () => {
  test('a crowd behind one address sending the right code at once (the server just restarted) is let in together, after one slow check', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Crowd');
      await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth(organiserToken), body: '{"code":"tempo42"}' });
      const statuses = await Promise.all(Array.from({ length: 60 }, () => status(fetch(`${srv.url}/api/events/${event.id}?code=tempo42`))));
      assert.deepEqual(statuses, Array(60).fill(200));
    } finally {
      await srv.dispose();
    }
  });
});

/** Read a response's body and give its status. */
async function status(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.arrayBuffer();
  return r.status;
}

describe('long secrets lock nobody out', () => {
  test('an attacker and the organiser, a runner, a spectator with the code and a tracking app on one address: hundreds of wrong tries never make the right ones fail', async () => {
    // No proxy: everyone here is 127.0.0.1, as everyone at a venue is its Wi-Fi's one address.
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Venue race');
      const api = `${srv.url}/api/events/${event.id}`;
      assert.equal(await status(fetch(`${api}/view-code`, { method: 'PUT', headers: auth(organiserToken), body: '{"code":"tempo42"}' })), 200);
      const ada = await joinAsRunner(srv.wsUrl, event.id, 'Ada');
      ada.client.send(fix(1, Date.now()));
      await ada.client.next('ack');
      const linkRes = await fetch(`${api}/links`, { method: 'POST', headers: auth(organiserToken), body: '{"label":"Family"}' });
      const { link } = (await linkRes.json()) as { link: { token: string } };
      // Another protected event whose code the attacker guesses: view codes are limited per event.
      const other = await makeEvent(srv, 'Other race');
      await fetch(`${srv.url}/api/events/${other.event.id}/view-code`, { method: 'PUT', headers: auth(other.organiserToken), body: '{"code":"secret99"}' });

      const wrong = (i: number) => `wrong${String(i).padStart(27, '0')}`;
      const attacker = await TestClient.connect(srv.wsUrl);
      const attack = async (rounds: number, from: number) => {
        for (let i = from; i < from + rounds; i++) {
          await Promise.all([
            status(fetch(`${api}/finish`, { method: 'POST', headers: auth(wrong(i)) })),
            status(fetch(`${api}/quotas`, { headers: auth(wrong(i)) })),
            status(fetch(`${api}/runners/${ada.runnerId}`, { method: 'DELETE', headers: auth(wrong(i)) })),
            status(fetch(`${api}/runners/${ada.runnerId}/device-key`, { method: 'POST', headers: auth(wrong(i)) })),
            status(fetch(`${api}?share=${wrong(i)}`)),
            status(fetch(`${srv.url}/ingest/osmand?id=${wrong(i)}&lat=51.5&lon=-0.1&timestamp=${Math.floor(Date.now() / 1000)}`)),
            status(fetch(`${srv.url}/ingest/overland`, { method: 'POST', headers: auth(wrong(i)), body: '{"locations":[]}' })),
            status(fetch(`${srv.url}/api/events/${other.event.id}?code=guess${i}`)),
          ]);
          attacker.send({ type: 'subscribe', event: event.id, organiser: wrong(i) });
          attacker.send({ type: 'subscribe', event: event.id, share: wrong(i) });
          attacker.send({ type: 'resume', event: event.id, runnerId: ada.runnerId, token: wrong(i) });
        }
      };
      await attack(100, 0);

      // The organiser's token.
      assert.equal(await status(fetch(`${api}/quotas`, { headers: auth(organiserToken) })), 200, 'the organiser reads the limits');
      const organiserSocket = await TestClient.connect(srv.wsUrl);
      organiserSocket.send({ type: 'subscribe', event: event.id, organiser: organiserToken });
      assert.equal((await organiserSocket.next('snapshot')).event.id, event.id);
      // A spectator with the view code, and one with the share link.
      assert.equal(await status(fetch(`${api}?code=tempo42`)), 200);
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id, code: 'tempo42' });
      assert.equal((await spectator.next('snapshot')).runners.length, 1);
      assert.equal(await status(fetch(`${api}/snapshot?share=${link.token}`)), 200);
      // The runner: their phone resumes, and they issue a device key for a tracking app.
      const phone = await TestClient.connect(srv.wsUrl);
      phone.send({ type: 'resume', event: event.id, runnerId: ada.runnerId, token: ada.token });
      assert.equal((await phone.next('joined')).runnerId, ada.runnerId);
      const issued = await fetch(`${api}/runners/${ada.runnerId}/device-key`, { method: 'POST', headers: auth(ada.token) });
      assert.equal(issued.status, 201);
      const { key } = (await issued.json()) as { key: string };

      // More of the attack, then the tracking app sends with the key it was just given.
      await attack(100, 100);
      const t = Math.floor(Date.now() / 1000);
      assert.equal(await status(fetch(`${srv.url}/ingest/osmand?id=${key}&lat=51.501&lon=-0.101&timestamp=${t}`)), 200, 'the app is answered as taken');
      assert.equal(await status(fetch(`${api}/runners/${ada.runnerId}/device-key`, { headers: auth(ada.token) })), 200);
      assert.equal(await status(fetch(`${api}/finish`, { method: 'POST', headers: auth(organiserToken) })), 200, 'the organiser ends the race');
      assert.equal((await storedTrack(srv, event.id, ada.runnerId)).length, 2, 'the phone fix and the app fix are kept');

      // What the attacker got: refusals, never a lockout of anyone.
      const refusals = new Set(attacker.received.flatMap((m) => (m.type === 'error' ? [m.code] : [])));
      assert.ok(!refusals.has(ErrorCode.TooManyAttempts), `the attacker's socket was refused with ${[...refusals]}`);
      const organiser = (await (await fetch(api, { headers: auth(organiserToken) })).json()) as { organiser: { failedAttempts: number } };
      assert.ok(organiser.organiser.failedAttempts >= 200 * 5, `the organiser sees the wrong tries: ${organiser.organiser.failedAttempts}`);
      for (const c of [attacker, organiserSocket, spectator, phone, ada.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a flood of wrong device keys costs no storage look-ups; keys issued here or stored before a restart still work', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trackside-test-'));
    let lookups = 0;
    /** The real store, counting look-ups of device keys. */
    const counted = async (): Promise<Store> => {
      const store = await SqliteStore.open(join(dataDir, 'trackside.db'));
      return new Proxy(store, {
        get(target, prop) {
          if (prop === 'runnerByDeviceKey') {
            return (hash: string) => {
              lookups++;
              return target.runnerByDeviceKey(hash);
            };
          }
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    };
    let srv: TestServer = await startTestServer({}, { store: await counted() }, dataDir);
    try {
      const { event } = await makeEvent(srv, 'Keys');
      const ada = await joinAsRunner(srv.wsUrl, event.id, 'Ada');
      ada.client.close();
      const issued = await fetch(`${srv.url}/api/events/${event.id}/runners/${ada.runnerId}/device-key`, { method: 'POST', headers: auth(ada.token) });
      const { key } = (await issued.json()) as { key: string };
      const send = (k: string, lat: number) =>
        status(fetch(`${srv.url}/ingest/osmand?id=${k}&lat=${lat}&lon=-0.1&timestamp=${Math.floor(Date.now() / 1000) - Math.round(lat * 1000)}`));

      const flood = async (n: number) => {
        const answers: Record<number, number> = {};
        for (let i = 0; i < n; i += 50) {
          const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => send(`flood${i + j}-${'x'.repeat(24)}`, 51.5)));
          for (const s of batch) answers[s] = (answers[s] ?? 0) + 1;
        }
        return answers;
      };
      const answers = await flood(1000);
      t.diagnostic(`1000 wrong keys: answers ${JSON.stringify(answers)}, storage look-ups ${lookups}`);
      assert.ok((answers[404] ?? 0) > 0 && (answers[429] ?? 0) > 0, `wrong keys are 404 until the flood guard answers "later": ${JSON.stringify(answers)}`);
      assert.ok(lookups < 700, `at most a burst of storage look-ups: ${lookups}`);
      assert.equal(await send(key, 51.51), 200, 'the key issued here needs no look-up');
      assert.equal((await storedTrack(srv, event.id, ada.runnerId)).length, 1);

      // After a restart the key comes from the stored index, and still needs no look-up during a flood.
      await srv.close();
      lookups = 0;
      srv = await startTestServer({}, { store: await counted() }, dataDir);
      await flood(1000);
      const before = lookups;
      assert.equal(await send(key, 51.52), 200, 'a key stored before the restart');
      assert.equal(lookups, before, 'found in memory');
      assert.equal((await storedTrack(srv, event.id, ada.runnerId)).length, 2);
    } finally {
      await srv.dispose();
    }
  });
});
