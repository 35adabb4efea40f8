/**
 * Guessing is slow: view codes, share links and organiser tokens are attempt-limited per address and per
 * event on every transport, view codes are kept with scrypt, and the organiser sees the failed attempts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCode } from '../lib/protocol';
import { ADDRESS_ATTEMPTS, AttemptLimiter } from '../server/domain/attempts';
import { makeEvent, startTestServer, TestClient } from './helpers';
import { sleep } from './support/wait';

describe('the attempt limiter', () => {
  test('a few failures are free, then each locks the key out twice as long, up to a ceiling; success forgets', () => {
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
    limiter.succeed('a');
    assert.deepEqual(limiter.check('a'), { ok: true });
  });

  test('failures are forgotten after a quiet window', () => {
    let now = 0;
    const limiter = new AttemptLimiter(ADDRESS_ATTEMPTS, () => now);
    for (let i = 0; i < ADDRESS_ATTEMPTS.free; i++) limiter.fail('x');
    assert.equal(limiter.check('x').ok, false);
    now += ADDRESS_ATTEMPTS.forgetAfterMs + 1;
    limiter.fail('x');
    assert.deepEqual(limiter.check('x'), { ok: true });
    assert.equal(limiter.failures('x'), 1);
  });
});

describe('guessing over HTTP and WebSocket', () => {
  test('view codes are kept with scrypt; a guesser is locked out on every transport, even with the right code, then let in', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Guess me');
      const auth = { authorization: `Bearer ${organiserToken}` };
      assert.equal((await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth, body: '{"code":"4711"}' })).status, 200);
      await srv.live.pipeline.idle();
      const db = new Database(join(srv.dataDir, 'trackside.db'), { readonly: true });
      const stored = (db.prepare('SELECT view_code_hash FROM events WHERE id = ?').get(event.id) as { view_code_hash: string }).view_code_hash;
      db.close();
      assert.match(stored, /^scrypt\$/);

      const api = `${srv.url}/api/events/${event.id}`;
      const statuses: number[] = [];
      for (const code of ['0000', '0001', '0002', '0003', '0004']) statuses.push((await fetch(`${api}?code=${code}`)).status);
      assert.deepEqual(statuses, [403, 403, 403, 403, 403], 'a few typos are answered as wrong codes');
      const locked = await fetch(`${api}?code=0005`);
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) >= 1);
      assert.equal(((await locked.json()) as { error: { code: string } }).error.code, ErrorCode.TooManyAttempts);
      // The same lockout holds over WebSocket, and for the right code too: a locked-out guesser learns nothing.
      const ws = await TestClient.connect(srv.wsUrl);
      ws.send({ type: 'subscribe', event: event.id, code: '4711' });
      const refused = await ws.next('error');
      assert.equal(refused.code, ErrorCode.TooManyAttempts);
      assert.ok(refused.retryAfterMs! > 0);
      // The lockout ends at a time the server named. Every try before then counts as one more failed attempt,
      // which this test counts below, so the time named is waited out instead of tried until it works.
      await sleep(refused.retryAfterMs! + 50);
      ws.send({ type: 'subscribe', event: event.id, code: '4711' });
      assert.equal((await ws.next('snapshot')).event.id, event.id);
      ws.close();

      const organiserView = (await (await fetch(api, { headers: auth })).json()) as { organiser: { failedAttempts: number } };
      assert.equal(organiserView.organiser.failedAttempts, 7, 'five wrong codes and two tries while locked out');
    } finally {
      await srv.dispose();
    }
  });

  test('guessed share links and organiser tokens are limited alike; the server can pick a view code', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Links');
      const ws = await TestClient.connect(srv.wsUrl);
      const codes: string[] = [];
      for (let i = 0; i < 7; i++) {
        ws.send({ type: 'subscribe', event: event.id, share: `guess${String(i).padStart(12, '0')}` });
        codes.push((await ws.next('error')).code);
      }
      assert.deepEqual(codes.slice(0, 5), Array(5).fill(ErrorCode.NoSuchLink));
      assert.equal(codes[5], ErrorCode.TooManyAttempts);
      ws.close();

      const forged = [] as number[];
      let retryAfterS = 0;
      for (let i = 0; i < 7; i++) {
        const res = await fetch(`${srv.url}/api/events/${event.id}/finish`, { method: 'POST', headers: { authorization: `Bearer ${'f'.repeat(30)}${i}` } });
        forged.push(res.status);
        retryAfterS = Number(res.headers.get('retry-after') ?? 0);
      }
      assert.deepEqual(forged.slice(0, 5), [403, 403, 403, 403, 403]);
      assert.equal(forged[5], 429);

      // Another address is not held up by this one (a proxy's X-Forwarded-For is not trusted here, so use the organiser's own token after the lockout).
      // Out of the lockout, at the time the last refusal named: a try before it would count and lengthen it.
      assert.ok(retryAfterS >= 1, 'the last refusal says when to try again');
      await sleep(retryAfterS * 1000);
      const picked = await fetch(`${srv.url}/api/events/${event.id}/view-code`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${organiserToken}` },
        body: '{"generate":true}',
      });
      assert.equal(picked.status, 200);
      const { code } = (await picked.json()) as { code: string };
      assert.match(code, /^[a-z2-9]{10}$/);
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id, code });
      assert.equal((await spectator.next('snapshot')).event.protected, true);
      spectator.close();
    } finally {
      await srv.dispose();
    }
  });

  test('addresses are limited apart: one guesser behind a proxy does not lock out another', async () => {
    const srv = await startTestServer({ TRUST_PROXY: '1' });
    try {
      const { event, organiserToken } = await makeEvent(srv, 'Apart');
      await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: { authorization: `Bearer ${organiserToken}` }, body: '{"code":"right-code"}' });
      const from = (ip: string, code: string) => fetch(`${srv.url}/api/events/${event.id}?code=${code}`, { headers: { 'x-forwarded-for': ip } });
      for (let i = 0; i < 6; i++) await from('203.0.113.7', `wrong-${i}`);
      assert.equal((await from('203.0.113.7', 'right-code')).status, 429);
      assert.equal((await from('198.51.100.2', 'right-code')).status, 200);
    } finally {
      await srv.dispose();
    }
  });
});
