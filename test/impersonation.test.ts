/** Nobody can act as another runner or as the organiser: every forged credential is refused and changes nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode } from '../lib/protocol';
import { fix, joinAsRunner, startTestServer, TestClient, type TestServer, makeEvent, publishTick } from './helpers';

describe('impersonation', () => {
  let srv: TestServer;
  let eventId: string;
  let organiserToken: string;
  let ada: Awaited<ReturnType<typeof joinAsRunner>>;
  let bo: Awaited<ReturnType<typeof joinAsRunner>>;

  before(async () => {
    srv = await startTestServer();
    ({ event: { id: eventId }, organiserToken } = await makeEvent(srv, 'Trust run'));
    ada = await joinAsRunner(srv.wsUrl, eventId, 'Ada');
    bo = await joinAsRunner(srv.wsUrl, eventId, 'Bo');
    for (const r of [ada, bo]) {
      r.client.send(fix(1, Date.now()));
      await r.client.next('ack');
    }
    // Snapshots are as of the last tick: publish it, so they include the points.
    publishTick(srv);
  });
  after(() => srv.dispose());

  /** What spectators would see of Ada: her name and trail length. */
  async function adaAsSeen() {
    const s = await TestClient.connect(srv.wsUrl);
    s.send({ type: 'subscribe', event: eventId });
    const snap = await s.next('snapshot');
    s.close();
    const r = snap.runners.find((x) => x.id === ada.runnerId)!;
    return { name: r.name, points: r.points, runners: snap.runners.length };
  }

  for (const [what, token] of [
    ['a wrong token', 'x'.repeat(32)],
    ["another runner's token", () => bo.token],
    ['an empty token', ''],
  ] as const) {
    test(`a runner cannot resume as another runner with ${what}`, async () => {
      const before = await adaAsSeen();
      const c = await TestClient.connect(srv.wsUrl);
      c.send({ type: 'resume', event: eventId, runnerId: ada.runnerId, token: typeof token === 'function' ? token() : token, name: 'Mallory' });
      const err = await c.next('error');
      assert.ok([ErrorCode.BadToken, ErrorCode.BadMessage].includes(err.code as never));
      // Still not joined: positions go nowhere.
      c.send(fix(2, Date.now()));
      assert.equal((await c.next('error')).code, ErrorCode.NotJoined);
      c.close();
      // Whatever the refused attempts changed would be in the next tick: publish it before looking.
      publishTick(srv);
      assert.deepEqual(await adaAsSeen(), before);
    });
  }

  test('a runner cannot post positions as another runner by naming its id', async () => {
    const before = await adaAsSeen();
    // Extra fields are not a way in: the position goes to the connection's own runner.
    bo.client.send({ ...fix(2, Date.now()), runnerId: ada.runnerId });
    await bo.client.next('ack');
    publishTick(srv);
    assert.deepEqual(await adaAsSeen(), before);
  });

  test('a guessed runner id with a made-up token is refused like a wrong token', async () => {
    const c = await TestClient.connect(srv.wsUrl);
    c.send({ type: 'resume', event: eventId, runnerId: 'guessed1', token: 'y'.repeat(32) });
    const err = await c.next('error');
    assert.equal(err.code, ErrorCode.BadToken);
    c.close();
  });

  test('a runner cannot choose its own id: join ignores any id it is given', async () => {
    const c = await TestClient.connect(srv.wsUrl);
    c.send({ type: 'join', event: eventId, name: 'Eve', color: '#000000', runnerId: ada.runnerId });
    const joined = await c.next('joined');
    assert.notEqual(joined.runnerId, ada.runnerId);
    c.close();
  });

  test("nobody can delete a runner's track without the organiser's or that runner's token", async () => {
    const url = `${srv.url}/api/events/${eventId}/runners/${ada.runnerId}`;
    assert.equal((await fetch(url, { method: 'DELETE' })).status, 401);
    for (const token of [bo.token, 'z'.repeat(32), organiserToken.slice(1)]) {
      const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 403);
    }
    assert.equal((await adaAsSeen()).points, 1);
  });

  test('organiser actions refuse a missing, wrong or runner token and change nothing', async () => {
    for (const [path, method, body] of [
      ['finish', 'POST', undefined],
      ['view-code', 'PUT', JSON.stringify({ code: 'letmein' })],
    ] as const) {
      const url = `${srv.url}/api/events/${eventId}/${path}`;
      assert.equal((await fetch(url, { method, body })).status, 401);
      for (const token of [ada.token, 'w'.repeat(32)]) {
        const res = await fetch(url, { method, body, headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 403, `${path} with a forged token`);
      }
    }
    const event = srv.live.index.info(eventId)!;
    assert.equal(event.status, 'live');
    assert.equal(event.protected, false);
  });

  test('tokens are never written to storage or logs in the clear', async () => {
    const exported = await (await fetch(`${srv.url}/api/events/${eventId}/export.json`)).text();
    for (const secret of [ada.token, bo.token, organiserToken]) assert.ok(!exported.includes(secret));
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    await srv.live.pipeline.idle();
    const db = readFileSync(join(srv.dataDir, 'trackside.db')).toString('latin1');
    const wal = (() => {
      try {
        return readFileSync(join(srv.dataDir, 'trackside.db-wal')).toString('latin1');
      } catch {
        return '';
      }
    })();
    for (const secret of [ada.token, bo.token, organiserToken]) assert.ok(!db.includes(secret) && !wal.includes(secret));
  });
});
