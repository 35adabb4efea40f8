/**
 * Web Push end to end on loopback: a real Trackside posts to a local push service, which checks the VAPID
 * signature and decrypts each message with the keys of the browser that subscribed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { offsetM } from '../lib/geo';
import { startTestServer, TestClient, type TestServer } from './helpers';
import { alongOutAndBack, outAndBackGpx } from './support/out-and-back';
import { checkVapid, decryptPush, PushEndpoint, type Browser } from './support/push-endpoint';
import { waitFor } from './support/wait';

const START = [51.5, -0.12] as const;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('Web Push to a local push service', () => {
  let srv: TestServer;
  let push: PushEndpoint;
  before(async () => {
    push = await PushEndpoint.start();
    srv = await startTestServer({ PUSH_ENDPOINTS: push.origin });
  });
  after(async () => {
    await srv.dispose();
    await push.close();
  });

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${srv.url}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };

  test('a follower is told at each checkpoint and at the finish; gone endpoints and ended access stop it', { timeout: 60_000 }, async () => {
    const created = await api('/api/events', { method: 'POST', body: JSON.stringify({ name: 'Push 5k' }) });
    const id = (created.body!.event as { id: string }).id;
    const organiser = auth(created.body!.organiserToken as string);
    assert.equal((await api(`/api/events/${id}/course`, { method: 'PUT', headers: organiser, body: outAndBackGpx(START, 'Push course') })).status, 200);
    const checkpoints = [{ name: 'Water', at: 300 }, { name: 'Turn', at: 2500 }];
    assert.equal((await api(`/api/events/${id}/checkpoints`, { method: 'PUT', headers: organiser, body: JSON.stringify({ checkpoints }) })).status, 200);
    const t0 = Date.now() - 1_020_000;
    assert.equal((await api(`/api/events/${id}/race`, { method: 'PUT', headers: organiser, body: JSON.stringify({ startsAt: t0 }) })).status, 200);

    const phone = await TestClient.connect(srv.wsUrl);
    phone.send({ type: 'join', event: id, name: 'Ada Lovelace', color: '#e4572e' });
    const runner = (await phone.next('joined')).runnerId;
    // 5 m/s: a fix every 50 m and 10 s (a phone sends at most 100 messages a second), the 5 km ending about now.
    let seq = 0;
    let metres = 0;
    let t = Date.now() - 1_010_000;
    const runTo = async (to: number) => {
      while (metres < to) {
        metres += 50;
        t += 10_000;
        const [lat, lon] = metres <= 5000 ? alongOutAndBack(START, metres) : offsetM(START[0], START[1], -(metres - 5000), 0);
        phone.send({ type: 'pos', seq: ++seq, lat, lon, t, acc: 5 });
      }
      for (;;) {
        if ((await phone.next('ack')).seq === seq) break;
      }
    };
    await runTo(200);
    await waitFor(async () => (await fetch(`${srv.url}/api/events/${id}/runners/${runner}/race`)).ok, { what: "the runner's race" });

    const key = (await api('/api/push/key')).body!.publicKey as string;
    assert.match(key, /^[A-Za-z0-9_-]{87}$/);
    const follower = push.browser('follower');
    const stale = push.browser('stale');
    const family = push.browser('family');
    push.statusOf.set('/push/stale', 410);
    const link = (await api(`/api/events/${id}/links`, { method: 'POST', headers: organiser, body: JSON.stringify({ label: 'Family', runners: [runner] }) })).body!.link as { id: string; token: string };
    const follow = (b: Browser, query = '', page?: string) =>
      api(`/api/events/${id}/runners/${runner}/push${query}`, { method: 'PUT', body: JSON.stringify({ ...b.subscription, ...(page ? { page } : {}) }) });
    assert.deepEqual(await follow(follower), { status: 201, body: { runnerId: runner, tells: ['checkpoint', 'finish'] } });
    assert.equal((await follow(stale)).status, 201);
    assert.equal((await follow(family, `?share=${link.token}`, `/s/${link.token}`)).status, 201);

    // Water at 300 m.
    await runTo(400);
    const first = await push.until(() => push.to(follower)[0]);
    assert.equal(first.headers['content-encoding'], 'aes128gcm');
    assert.equal(first.headers.ttl, '1800');
    const vapid = checkVapid(first.headers);
    assert.equal(vapid.k, key, 'signed with the key browsers subscribe with');
    assert.equal(vapid.aud, push.origin);
    assert.equal(vapid.sub, 'mailto:push@trackside.invalid');
    assert.ok(vapid.exp * 1000 > Date.now() && vapid.exp * 1000 <= Date.now() + 24 * 3600_000);
    const message = JSON.parse(decryptPush(follower, first.body)) as { title: string; body: string; url: string; tag: string };
    assert.equal(message.title, 'Push 5k');
    assert.match(message.body, /^Ada Lovelace passed Water \(300 m\) at \d+:\d\d — ETA finish \d+ min$/);
    assert.equal(message.url, `/e/${id}?runner=${runner}`);
    const toFamily = await push.until(() => push.to(family)[0]);
    assert.equal((JSON.parse(decryptPush(family, toFamily.body)) as { url: string }).url, `/s/${link.token}?runner=${runner}`);
    assert.throws(() => decryptPush(follower, toFamily.body), 'each browser reads only its own');

    // The stale browser's push service said 410: its subscription is gone.
    await push.until(() => push.to(stale)[0]);
    await waitFor(async () => !(await srv.push.idle().then(() => srv.live.store.push.pushSubscriptions(id, runner))).some((s) => s.endpoint === stale.subscription.endpoint), {
      what: 'the gone endpoint forgotten',
    });

    // The family link is withdrawn: the turn is told to the follower only.
    assert.equal((await api(`/api/events/${id}/links/${link.id}`, { method: 'DELETE', headers: organiser })).status, 204);
    await runTo(2600);
    const second = await push.until(() => push.to(follower)[1]);
    assert.match((JSON.parse(decryptPush(follower, second.body)) as { body: string }).body, /^Ada Lovelace passed Turn \(2\.5 km\) at /);
    await srv.push.idle();
    assert.equal(push.to(family).length, 1, 'nothing after the link was withdrawn');
    assert.equal(push.to(stale).length, 1, 'nothing after the endpoint was gone');
    const left = await srv.live.store.push.pushSubscriptions(id, runner);
    assert.deepEqual(left.map((s) => s.endpoint), [follower.subscription.endpoint], 'the withdrawn link’s subscription is forgotten');

    // The finish.
    await runTo(5020);
    const third = await push.until(() => push.to(follower)[2]);
    const finish = JSON.parse(decryptPush(follower, third.body)) as { body: string; tag: string };
    assert.match(finish.body, /^Ada Lovelace finished in \d+:\d\d(:\d\d)?$/);
    assert.equal(finish.tag, `finish-${runner}`);

    // Unsubscribed: nothing more is kept.
    assert.equal((await api(`/api/events/${id}/runners/${runner}/push`, { method: 'DELETE', body: JSON.stringify({ endpoint: follower.subscription.endpoint }) })).status, 204);
    assert.deepEqual(await srv.live.store.push.pushSubscriptions(id, runner), []);
    phone.close();
  });

  test("the organiser is told of an SOS with the runner's name and a link to the organiser page", { timeout: 30_000 }, async () => {
    const created = await api('/api/events', { method: 'POST', body: JSON.stringify({ name: 'SOS 10k' }) });
    const id = (created.body!.event as { id: string }).id;
    const organiser = auth(created.body!.organiserToken as string);
    const phone = await TestClient.connect(srv.wsUrl);
    phone.send({ type: 'join', event: id, name: 'Grace Hopper', color: '#1f78b4', bib: '42' });
    const joined = await phone.next('joined');
    const console_ = push.browser('console');
    const stranger = await api(`/api/events/${id}/push`, { method: 'PUT', body: JSON.stringify(console_.subscription) });
    assert.equal(stranger.status, 401, 'only the organiser subscribes to SOS');
    assert.deepEqual(await api(`/api/events/${id}/push`, { method: 'PUT', headers: organiser, body: JSON.stringify(console_.subscription) }), {
      status: 201,
      body: { runnerId: null, tells: ['sos'] },
    });
    const device = (await api(`/api/events/${id}/runners/${joined.runnerId}/device-key`, { method: 'POST', headers: auth(joined.token!) })).body!.key as string;
    const res = await fetch(`${srv.url}/ingest/osmand?id=${device}&lat=51.5&lon=-0.12&timestamp=${Date.now()}&accuracy=8&alarm=sos`);
    assert.equal(res.status, 200);
    const got = await push.until(() => push.to(console_)[0]);
    assert.equal(got.headers.urgency, 'high');
    const message = JSON.parse(decryptPush(console_, got.body)) as { title: string; body: string; url: string };
    assert.equal(message.title, 'SOS — SOS 10k');
    assert.match(message.body, /^Grace Hopper \(bib 42\) asks for help\./);
    assert.equal(message.url, `/e/${id}/organise`);
    phone.close();
  });

  test('subscriptions that are not one, or to a push service the server does not send to, are refused', async () => {
    const created = await api('/api/events', { method: 'POST', body: JSON.stringify({ name: 'Refusals' }) });
    const id = (created.body!.event as { id: string }).id;
    const phone = await TestClient.connect(srv.wsUrl);
    phone.send({ type: 'join', event: id, name: 'Ada', color: '#e4572e' });
    const runner = (await phone.next('joined')).runnerId;
    phone.send({ type: 'pos', seq: 1, lat: 51.5, lon: -0.12, t: Date.now(), acc: 5 });
    await phone.next('ack');
    const b = push.browser('refused');
    const put = (body: unknown) => api(`/api/events/${id}/runners/${runner}/push`, { method: 'PUT', body: JSON.stringify(body) });
    const inside = await put({ ...b.subscription, endpoint: 'http://10.0.0.1/admin' });
    assert.equal(inside.status, 400);
    assert.equal((inside.body!.error as { code: string }).code, 'bad_push_subscription');
    assert.match((inside.body!.error as { message: string }).message, /https:\/\/ URL of a push service/);
    const other = await put({ ...b.subscription, endpoint: 'https://push.example.org/x' });
    assert.match((other.body!.error as { message: string }).message, /push\.example\.org is not a push service/);
    const badKey = await put({ ...b.subscription, keys: { ...b.subscription.keys, p256dh: 'A'.repeat(87) } });
    assert.equal(badKey.status, 400);
    const badPage = await put({ ...b.subscription, page: 'https://evil.example/' });
    assert.equal((badPage.body!.error as { code: string }).code, 'bad_push_subscription');
    const nobody = await api(`/api/events/${id}/runners/Nobody1234/push`, { method: 'PUT', body: JSON.stringify(b.subscription) });
    assert.equal(nobody.status, 404);
    assert.deepEqual(await srv.live.store.push.pushSubscriptions(id, runner), [], 'nothing refused was kept');
    phone.close();
  });
});
