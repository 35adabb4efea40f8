/**
 * Ingest conformance over real HTTP, continued: Traccar Client 10 (its own SDK: form posts, heartbeats, the
 * SOS button), OsmAnd's template with every placeholder, OwnTracks' empty and card messages, Overland's
 * batches and GPSLogger's custom URL, each request built as the app's source builds it; what each answer
 * does to an app's queue (taken, counted, or "send again later"); alerts reaching the organiser and the
 * spectators who follow the runner.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { gpsloggerUrl, osmandTemplate, overlandSetupLink } from '../lib/ingest-urls';
import type { Alert, ServerMessage } from '../lib/protocol';
import type { EventExport } from '../server/exports/event-json';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import { StorageError, type Store, type StoredPosition } from '../server/storage/store';
import { joinAsRunner, makeEvent, publishTick, startTestServer, storedTrack, TestClient, type TestServer } from './helpers';
import { waitFor } from './support/wait';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const knots = (kn: number) => (kn * 1852) / 3600;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** What Traccar Client 10 sends (Ktor's form submission on OkHttp). */
const KTOR_FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'user-agent': 'Ktor client', accept: '*/*', 'accept-charset': 'UTF-8' };
const OKHTTP_UA = 'okhttp/4.12.0';

function sendTo(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A runner with a device key, on `srv`. */
async function keyed(srv: TestServer, event: string, name: string): Promise<{ runnerId: string; token: string; key: string }> {
  const { client, runnerId, token } = await joinAsRunner(srv.wsUrl, event, name);
  client.close();
  const res = await fetch(`${srv.url}/api/events/${event}/runners/${runnerId}/device-key`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 201);
  return { runnerId, token, key: ((await res.json()) as { key: string }).key };
}

async function refusedOf(srv: TestServer, event: string, r: { runnerId: string; token: string }): Promise<Record<string, number>> {
  const res = await fetch(`${srv.url}/api/events/${event}/runners/${r.runnerId}/device-key`, { headers: { authorization: `Bearer ${r.token}` } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { issued: boolean; refused: Record<string, number> };
  assert.equal(body.issued, true);
  return body.refused;
}

/** A PNG of random pixels, so it does not compress: `side`×`side` RGB. */
function noisePng(side: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  // Each row: filter type 0, then random RGB.
  const rows = Array.from({ length: side }, () => Buffer.concat([Buffer.alloc(1), randomBytes(side * 3)]));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('tracking apps over HTTP: every queue drains', () => {
  let srv: TestServer;
  let eventId: string;
  let organiserToken: string;
  /** Fix times: recent whole seconds, one apart per use. */
  let clock = Math.floor(Date.now() / 1000) - 3600;
  const nextSecond = () => ++clock;
  const send = (path: string, opts?: Parameters<typeof sendTo>[2]) => sendTo(srv.url, path, opts);
  const runner = (name: string, event = eventId) => keyed(srv, event, name);
  const track = (runnerId: string, event = eventId): Promise<StoredPosition[]> => storedTrack(srv, event, runnerId);

  before(async () => {
    // Idle after a moment, so a heartbeat can be seen to keep a runner active.
    srv = await startTestServer({}, { timings: { idleAfterMs: 400 } });
    ({ event: { id: eventId }, organiserToken } = await makeEvent(srv, 'Apps half marathon'));
  });
  after(() => srv.dispose());

  // ---------- Traccar Client 10 ----------

  describe('Traccar Client 10 (traccar-client-sdk)', () => {
    test('one form post per fix, as HttpUploader builds it: speed in knots to two decimals, time in seconds, battery as a whole percent', async () => {
      const r = await runner('Ten');
      const tst = nextSecond();
      // HttpUploader.kt: id, lat, lon, timestamp = time / 1000, accuracy, altitude, speed = round(m/s × 1.94384 × 100) / 100,
      // bearing, batt (Int), charge; Kotlin's Double.toString of values that were Android floats.
      const mps = 2.5;
      const kn = Math.round(mps * 1.94384 * 100) / 100;
      const body =
        `id=${r.key}&lat=51.5007292&lon=-0.1246254&timestamp=${tst}&accuracy=4.823999881744385&altitude=31.299999237060547` +
        `&speed=${kn}&bearing=87.5&batt=87&charge=false`;
      const res = await send('/ingest/osmand', { method: 'POST', headers: { ...KTOR_FORM, 'content-length': String(body.length) }, body });
      assert.equal(res.status, 200);
      assert.equal(res.body, '', 'nothing in the body: Traccar would put a device command there');
      const [p, ...rest] = await track(r.runnerId);
      assert.equal(rest.length, 0);
      assert.deepEqual(
        { lat: p!.lat, lon: p!.lon, t: p!.t, acc: p!.acc, alt: p!.alt, hdg: p!.hdg, bat: p!.bat },
        { lat: 51.5007292, lon: -0.1246254, t: tst * 1000, acc: 4.823999881744385, alt: 31.299999237060547, hdg: 87.5, bat: 87 },
      );
      assert.ok(Math.abs(p!.spd! - knots(4.86)) < 1e-9 && Math.abs(p!.spd! - mps) < 0.01, `speed ${p!.spd}`);
    });

    test('a refused fix at the head of the queue is answered 200, so the fixes behind it get through', async () => {
      const r = await runner('Queue');
      const stale = Math.floor(Date.now() / 1000) - 8 * 86400;
      const queue = [
        `id=${r.key}&lat=48.1&lon=11.5&timestamp=${stale}&accuracy=5.0&batt=90`, // older than the 7-day limit
        `id=${r.key}&lat=95.0&lon=11.5&timestamp=${nextSecond()}&accuracy=5.0`, // out of range
        `id=${r.key}&lat=48.1&lon=11.5&timestamp=${Math.floor(Date.now() / 1000) + 3600}`, // an hour ahead
        `id=${r.key}&lat=48.2&lon=11.6&timestamp=${nextSecond()}&accuracy=5.0`,
      ];
      // The sync loop: the head is removed only on 2xx (TrackerEngine.syncLoop); retry a few times like it would.
      let sent = 0;
      for (const body of queue) {
        for (let attempt = 0; attempt < 3; attempt++) {
          sent++;
          const res = await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body });
          if (res.status >= 200 && res.status < 300) break;
        }
      }
      assert.equal(sent, queue.length, 'every fix went on the first try');
      assert.deepEqual((await track(r.runnerId)).map((p) => p.lat), [48.2]);
      assert.deepEqual(await refusedOf(srv, eventId, r), { too_old: 1, out_of_range: 1, in_future: 1 });
    });

    test('a heartbeat (the time and no position) is answered 200, stores nothing, and keeps a still runner active', async () => {
      const r = await runner('Still');
      await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body: `id=${r.key}&lat=46.5&lon=7.9&timestamp=${Math.floor(Date.now() / 1000)}&accuracy=4.0` });
      const status = async () => {
        // 404 until the runner's first fix has gone out in an update.
        const res = await fetch(`${srv.url}/api/events/${eventId}/runners/${r.runnerId}`);
        return res.ok ? ((await res.json()) as { runner: { status: string } }).runner.status : null;
      };
      const until = async (want: string) => {
        await waitFor(async () => (await status()) === want, { interval: 20, what: `the runner to be ${want}` });
        assert.equal(await status(), want);
      };
      await until('idle');
      // TrackerEngine.applyHeartbeatTick with no fresh fix: Position(time = now), then the battery processor.
      const res = await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body: `id=${r.key}&timestamp=${Math.floor(Date.now() / 1000)}&batt=80&charge=true` });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-trackside-refused'], undefined, 'a heartbeat is no refusal');
      await until('active');
      assert.equal((await track(r.runnerId)).length, 1);
      assert.deepEqual(await refusedOf(srv, eventId, r), {});
      // A heartbeat with a wrong key is still refused.
      assert.equal((await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body: `id=wrong-key-0123456789&timestamp=1` })).status, 404);
    });

    test("the SDK's JSON upload (an array of the form's fields) is read too", async () => {
      const r = await runner('Sdk json');
      const t1 = nextSecond();
      const t2 = nextSecond();
      const body = JSON.stringify([
        { id: r.key, lat: 40.1, lon: -3.1, timestamp: t1, accuracy: 3.0, speed: 1.94, batt: 55, charge: false },
        { id: r.key, lat: 40.2, lon: -3.2, timestamp: t2, accuracy: 3.0, speed: 0.0, bearing: 10.0, batt: 55, charge: false },
      ]);
      const res = await send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'Ktor client' }, body });
      assert.equal(res.status, 200);
      const rows = await track(r.runnerId);
      assert.deepEqual(rows.map((p) => [p.lat, p.t, p.bat]), [[40.1, t1 * 1000, 55], [40.2, t2 * 1000, 55]]);
      assert.ok(Math.abs(rows[0]!.spd! - knots(1.94)) < 1e-9);
    });
  });

  // ---------- alarms ----------

  describe('SOS', () => {
    test('alarm=sos reaches the organiser and the runner’s family link at once, with the position, and no other spectator, until the organiser acknowledges it', async () => {
      const { event, organiserToken: orgToken } = await makeEvent(srv, 'Mountain ultra');
      const r = await keyed(srv, event.id, 'Climber');
      const other = await keyed(srv, event.id, 'Other');
      await fetch(`${srv.url}/api/events/${event.id}/view-code`, { method: 'PUT', headers: { authorization: `Bearer ${orgToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ code: 'summit-2026' }) });
      const makeLink = async (label: string, runners: string[] | null) =>
        ((await (
          await fetch(`${srv.url}/api/events/${event.id}/links`, { method: 'POST', headers: { authorization: `Bearer ${orgToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ label, runners }) })
        ).json()) as { link: { token: string } }).link.token;
      const familyLink = await makeLink('Family of Climber', [r.runnerId]);
      const otherLink = await makeLink('Family of other', [other.runnerId]);
      const pressLink = await makeLink('Press', null);

      const watch = async (msg: Record<string, unknown>) => {
        const c = await TestClient.connect(srv.wsUrl);
        c.send({ type: 'subscribe', event: event.id, ...msg });
        const snap = await c.next('snapshot');
        assert.deepEqual(snap.alerts, []);
        return c;
      };
      const organiser = await watch({ organiser: orgToken });
      const family = await watch({ share: familyLink });
      const spectator = await watch({ code: 'summit-2026' });
      const follower = await watch({ code: 'summit-2026', runners: [r.runnerId] });
      const otherFamily = await watch({ share: otherLink });
      const press = await watch({ share: pressLink });

      const tst = nextSecond();
      // Tracker.requestPosition(alarm = "sos"): the fix it fetched, uploaded at once with alarm=sos (not queued).
      const body = `id=${r.key}&lat=45.8325&lon=6.8652&timestamp=${tst}&accuracy=12.0&altitude=4807.0&speed=0.0&bearing=0.0&batt=31&charge=false&alarm=sos`;
      const res = await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body });
      assert.equal(res.status, 200);

      const isAlert = (m: ServerMessage): m is Extract<ServerMessage, { type: 'alert' }> => m.type === 'alert';
      const seen: Alert[] = [];
      for (const c of [organiser, family]) seen.push((await c.until(isAlert)).alert);
      const alert = seen[0]!;
      for (const a of seen) assert.deepEqual(a, alert);
      assert.deepEqual(
        { runnerId: alert.runnerId, name: alert.name, kind: alert.kind, at: alert.at, source: alert.source, ackedAt: alert.ackedAt },
        { runnerId: r.runnerId, name: 'Climber', kind: 'sos', at: { lat: 45.8325, lon: 6.8652, t: tst * 1000, acc: 12 }, source: 'Traccar Client', ackedAt: null },
      );
      assert.equal((await track(r.runnerId, event.id)).length, 1, 'the alarm’s fix is on the track');

      // Whoever is allowed to see it and comes later sees it in the snapshot, and in the runner list; a
      // spectator with the view code does not, by any road.
      const late = await TestClient.connect(srv.wsUrl);
      late.send({ type: 'subscribe', event: event.id, share: familyLink });
      assert.deepEqual((await late.next('snapshot')).alerts, [alert]);
      const lateSpectator = await TestClient.connect(srv.wsUrl);
      lateSpectator.send({ type: 'subscribe', event: event.id, code: 'summit-2026' });
      assert.deepEqual((await lateSpectator.next('snapshot')).alerts, []);
      const summaryAs = async (headers: Record<string, string>) =>
        ((await (await fetch(`${srv.url}/api/events/${event.id}`, { headers })).json()) as { runners: Array<{ id: string; alert: Alert | null }> }).runners.find(
          (x) => x.id === r.runnerId,
        )!.alert;
      assert.deepEqual(await summaryAs({ authorization: `Bearer ${orgToken}` }), alert);
      assert.equal(await summaryAs({ 'x-view-code': 'summit-2026' }), null);
      const snapAs = async (q: string) => ((await (await fetch(`${srv.url}/api/events/${event.id}/snapshot?${q}`)).json()) as { alerts: Alert[] }).alerts;
      assert.deepEqual(await snapAs('code=summit-2026'), []);
      assert.deepEqual(await snapAs(`share=${familyLink}`), [alert]);

      // Only the organiser acknowledges it.
      const ackPath = `${srv.url}/api/events/${event.id}/alerts/${alert.id}/ack`;
      assert.equal((await fetch(ackPath, { method: 'POST' })).status, 401);
      assert.equal((await fetch(ackPath, { method: 'POST', headers: { authorization: `Bearer ${r.token}` } })).status, 403);
      const ack = await fetch(ackPath, { method: 'POST', headers: { authorization: `Bearer ${orgToken}` } });
      assert.equal(ack.status, 200);
      const acked = ((await ack.json()) as { alert: Alert }).alert;
      assert.ok(acked.ackedAt !== null && acked.ackedAt >= alert.raisedAt);
      for (const c of [organiser, family, late]) assert.deepEqual((await c.until(isAlert)).alert, acked);
      assert.equal((await fetch(ackPath, { method: 'POST', headers: { authorization: `Bearer ${orgToken}` } })).status, 404, 'acknowledged already');

      // Nobody else heard anything of it: whatever was sent to them has arrived by now.
      publishTick(srv);
      for (const c of [spectator, follower, otherFamily, press, lateSpectator]) {
        await c.roundTrip();
        assert.ok(!c.received.some((m) => m.type === 'alert'), JSON.stringify(c.received.map((m) => m.type)));
      }

      // Kept: the organiser's export has it, acknowledged; a spectator's has none.
      const exportAs = async (headers: Record<string, string>) =>
        ((await (await fetch(`${srv.url}/api/events/${event.id}/export.json`, { headers })).json()) as EventExport).alerts;
      assert.deepEqual(await exportAs({ authorization: `Bearer ${orgToken}` }), [acked]);
      assert.deepEqual(await exportAs({ 'x-view-code': 'summit-2026' }), []);
      for (const c of [organiser, family, spectator, follower, otherFamily, press, late, lateSpectator]) c.close();
    });

    test('Traccar Client 9 puts the alarm in the location’s extras; a second press while one is open adds no second alert', async () => {
      const r = await runner('Nine');
      const iso = () => new Date(nextSecond() * 1000).toISOString();
      const json = (extras: object) =>
        JSON.stringify({ location: { timestamp: iso(), coords: { latitude: 1.5, longitude: 2.5, accuracy: 5, speed: 0, heading: -1, altitude: 3 }, extras }, device_id: r.key });
      for (let i = 0; i < 2; i++) {
        const res = await send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json({ alarm: 'sos' }) });
        assert.equal(res.status, 200);
      }
      const summary = (await (await fetch(`${srv.url}/api/events/${eventId}`, { headers: { authorization: `Bearer ${organiserToken}` } })).json()) as {
        runners: Array<{ id: string; alert: Alert | null }>;
      };
      const alert = summary.runners.find((x) => x.id === r.runnerId)!.alert!;
      assert.equal(alert.kind, 'sos');
      const all = (await srv.live.store.alerts(eventId)).filter((a) => a.runnerId === r.runnerId);
      assert.deepEqual(all, [alert], 'one alert');
      assert.equal((await track(r.runnerId)).length, 2, 'both fixes kept');
    });
  });

  // ---------- OsmAnd ----------

  test('OsmAnd: our template plus every placeholder OsmAnd knows, filled by MessageFormat; batproc is the battery and id wins over deviceid', async () => {
    const r = await runner('OsmAnd full');
    const ms = nextSecond() * 1000;
    // LiveSender.getLiveUrl: {0}/{1} GpxFormatter.formatLatLon ("0.00#####"), {2} the time the point was queued (ms),
    // {3} accuracy, {4} altitude, {5} speed, {6} bearing (floats), {7}–{10} route times and distances,
    // {11} battery (int), {12} the OsmAnd cloud device id, {13} its access token.
    const values = ['45.46427', '9.18951', String(ms), '3.9', '122.4', '3.35', '271.2', '0', '0', '0', '0', '64', 'c0ffee00-osmand-device', 'osmand-cloud-token'];
    const fill = (template: string) => template.replace(/\{(\d+)\}/g, (m, i: string) => values[Number(i)] ?? m);
    // OsmAnd's own full template (the one it builds for osmand.net), after our key.
    const full = `${srv.url}/ingest/osmand-app?id=${r.key}&lat={0}&lon={1}&lat={0}&timestamp={2}&hdop={3}&altitude={4}&speed={5}&bearing={6}&tta={7}&ttf={8}&dta={9}&dtf={10}&batproc={11}&deviceid={12}&accessToken={13}`;
    const ours = `${osmandTemplate(srv.url, r.key)}&tta={7}&ttf={8}&dta={9}&dtf={10}&deviceid={12}`;
    for (const template of [full, ours]) {
      const res = await send(fill(template).slice(srv.url.length), { headers: { 'user-agent': 'Dalvik/2.1.0 (Linux; U; Android 14)' } });
      assert.equal(res.status, 200, res.body);
      values[2] = String(Number(values[2]) + 1000);
    }
    const rows = await track(r.runnerId);
    assert.equal(rows.length, 2);
    for (const p of rows) {
      assert.deepEqual({ lat: p.lat, lon: p.lon, acc: p.acc, alt: p.alt, spd: p.spd, hdg: p.hdg, bat: p.bat }, { lat: 45.46427, lon: 9.18951, acc: 3.9, alt: 122.4, spd: 3.35, hdg: 271.2, bat: 64 });
    }
    assert.deepEqual(rows.map((p) => p.t), [ms, ms + 1000]);
  });

  // ---------- OwnTracks ----------

  describe('OwnTracks', () => {
    test('an empty message (a friend cleared on Android) is answered 200 [] and counts as nothing', async () => {
      const r = await runner('OT clear');
      // MessageClear.toJson is "": okhttp posts an empty application/json body.
      const res = await send('/ingest/owntracks', {
        method: 'POST',
        headers: { authorization: basic('ada', r.key), 'x-limit-u': 'ada', 'x-limit-d': 'phone', 'content-type': 'application/json; charset=utf-8', 'content-length': '0', 'user-agent': 'Owntracks-Android/gms/420500' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body, '[]');
      assert.deepEqual(await refusedOf(srv, eventId, r), {});
    });

    test('a transition is answered 200 [] and stores nothing', async () => {
      const r = await runner('OT transition');
      const tst = nextSecond();
      const body = JSON.stringify({ _type: 'transition', _id: 'a1b2c3d4', event: 'leave', desc: 'Start', tid: 'ce', t: 'c', tst, wtst: tst - 600, acc: 4, lon: -1.61234123, lat: 52.71234 });
      const res = await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json; charset=utf-8' }, body });
      assert.deepEqual([res.status, res.body], [200, '[]']);
      assert.equal((await track(r.runnerId)).length, 0);
    });

    test('an iOS card larger than 16 KiB is taken, and its picture becomes the runner’s avatar', async () => {
      const r = await runner('OT card');
      // A fix first, so spectators see the runner.
      await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst: nextSecond() }) });
      const png = noisePng(192);
      // SettingsTVC.setCard: JSONSerialization with .sortedKeys of {_type, face: base64 PNG, name}.
      const body = JSON.stringify({ _type: 'card', face: png.toString('base64'), name: 'Ada L.' });
      assert.ok(body.length > 100 * 1024, `${body.length} bytes`);
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: eventId });
      await spectator.next('snapshot');
      const res = await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json', 'content-length': String(body.length) }, body });
      assert.deepEqual([res.status, res.body], [200, '[]']);
      const update = await spectator.until((m) => m.type === 'update' && m.runners.some((x) => x.id === r.runnerId && x.avatar !== undefined));
      assert.ok(update.type === 'update');
      const version = update.runners.find((x) => x.id === r.runnerId)!.avatar!;
      const picture = await fetch(`${srv.url}/api/events/${eventId}/runners/${r.runnerId}/avatar?v=${version}`);
      assert.equal(picture.status, 200);
      assert.equal(picture.headers.get('content-type'), 'image/png');
      assert.equal(picture.headers.get('x-content-type-options'), 'nosniff');
      assert.match(picture.headers.get('cache-control')!, /max-age=31536000/);
      assert.ok(Buffer.from(await picture.arrayBuffer()).equals(png));
      spectator.close();

      // Not a picture: taken (the app would retry for nothing), not kept.
      const bad = await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'card', face: Buffer.from('<svg onload=alert(1)>').toString('base64'), name: 'x' }) });
      assert.equal(bad.status, 200);
      const still = await fetch(`${srv.url}/api/events/${eventId}/runners/${r.runnerId}/avatar`);
      assert.ok(Buffer.from(await still.arrayBuffer()).equals(png));
      const none = await runner('No card');
      assert.equal((await fetch(`${srv.url}/api/events/${eventId}/runners/${none.runnerId}/avatar`)).status, 404);
    });
  });

  // ---------- Overland ----------

  describe('Overland', () => {
    /** GLManager.currentDictionaryFromLocation + addMetadataToUpdate for one CLLocation. */
    function feature(o: { lat: number; lon: number; t: number; alt?: number; speed?: number; course?: number; acc?: number; vacc?: number; battery?: number }) {
      return {
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [Math.trunc(o.lon * 1e7) / 1e7, Math.trunc(o.lat * 1e7) / 1e7] },
        properties: {
          timestamp: new Date(o.t * 1000).toISOString().replace('.000Z', 'Z'),
          altitude: Math.round(o.alt ?? 21),
          speed: Math.round(o.speed ?? 3),
          course: Math.round(o.course ?? 184),
          horizontal_accuracy: Math.round(o.acc ?? 5),
          vertical_accuracy: Math.round(o.vacc ?? 3),
          speed_accuracy: 0.5,
          course_accuracy: 12.34,
          motion: ['running'],
          battery_state: 'unplugged',
          battery_level: o.battery ?? 0.8,
          wifi: '',
          device_id: 'ada-iphone',
        },
      };
    }
    const post = (key: string | null, body: unknown) =>
      send('/ingest/overland', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'Overland/2025.3 CFNetwork/1498 Darwin/23.6.0', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    test('a batch in order, with the Bearer token, answered {"result":"ok"}; its units and its "unknown" values', async () => {
      const r = await runner('Overland');
      const t0 = nextSecond();
      clock += 10;
      const res = await post(r.key, {
        locations: [
          feature({ lat: 37.3318001, lon: -122.0305812, t: t0, alt: 12.6, speed: 3.4, course: 90.2, acc: 4.6, battery: 0.8 }),
          feature({ lat: 37.3319, lon: -122.0306, t: t0 + 1, speed: -1, course: -1, vacc: -1, battery: -1 }),
          feature({ lat: 37.332, lon: -122.0307, t: t0 + 2, acc: -1 }),
          { type: 'Feature', geometry: { type: 'Point', coordinates: [-122.03, 37.33] }, properties: { timestamp: new Date().toISOString(), action: 'visit', arrival_date: null, departure_date: null, horizontal_accuracy: 50 } },
        ],
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(res.body), { result: 'ok' });
      const rows = await track(r.runnerId);
      assert.deepEqual(
        rows.map((p) => ({ lat: p.lat, lon: p.lon, t: p.t, acc: p.acc, alt: p.alt, spd: p.spd, hdg: p.hdg, bat: p.bat })),
        [
          { lat: 37.3318001, lon: -122.0305812, t: t0 * 1000, acc: 5, alt: 13, spd: 3, hdg: 90, bat: 80 },
          { lat: 37.3319, lon: -122.0306, t: (t0 + 1) * 1000, acc: 5, alt: null, spd: null, hdg: null, bat: null },
        ],
      );
      assert.deepEqual(await refusedOf(srv, eventId, r), { not_valid: 1 }, 'a negative horizontal accuracy is no position');
    });

    test('200 locations in one request are kept in order; the "current" point and a resent batch are kept once', async () => {
      const r = await runner('Overland batch');
      const t0 = nextSecond();
      clock += 250;
      const locations = Array.from({ length: 200 }, (_, i) => feature({ lat: 40 + i * 1e-4, lon: -3, t: t0 + i }));
      const current = feature({ lat: 41, lon: -3, t: t0 + 220 });
      for (let i = 0; i < 2; i++) {
        const res = await post(r.key, { locations, current });
        assert.deepEqual([res.status, JSON.parse(res.body)], [200, { result: 'ok' }]);
      }
      const rows = await track(r.runnerId);
      assert.equal(rows.length, 201);
      assert.deepEqual(rows.map((p) => p.t), [...locations.map((_, i) => (t0 + i) * 1000), (t0 + 220) * 1000]);
    });

    test('a wrong or missing token keeps the batch (401 with a JSON error); an unreadable batch is taken and counted', async () => {
      const r = await runner('Overland auth');
      const batch = { locations: [feature({ lat: 1, lon: 2, t: nextSecond() })] };
      for (const key of [null, 'wrong-token-0123456789']) {
        const res = await post(key, batch);
        assert.equal(res.status, 401);
        assert.match(JSON.parse(res.body).error, /^Trackside: /);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
      for (const body of ['{"locations":', { points: [] }, { locations: [{ type: 'Feature', properties: { timestamp: 'now' }, geometry: { type: 'Point', coordinates: [1, 2] } }] }]) {
        const res = await post(r.key, body);
        assert.deepEqual([res.status, JSON.parse(res.body)], [200, { result: 'ok' }]);
      }
      assert.deepEqual(await refusedOf(srv, eventId, r), { malformed: 3 });
      assert.equal((await track(r.runnerId)).length, 0);
    });

    test('its setup link holds the endpoint and the key as the token', async () => {
      const r = await runner('Overland link');
      const link = new URL(overlandSetupLink(srv.url, r.key));
      assert.equal(link.protocol, 'overland:');
      assert.equal(link.host, 'setup');
      const url = link.searchParams.get('url')!;
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${link.searchParams.get('token')}`, 'content-type': 'application/json' }, body: JSON.stringify({ locations: [feature({ lat: 3, lon: 4, t: nextSecond() })] }) });
      assert.deepEqual(await res.json(), { result: 'ok' });
      assert.equal((await track(r.runnerId)).length, 1);
    });
  });

  // ---------- GPSLogger ----------

  test('GPSLogger: the documented custom URL filled in as CustomUrlManager does, sent with GET; speed m/s, battery %, -1 battery unknown', async () => {
    const r = await runner('GPSLogger');
    const template = gpsloggerUrl(srv.url, r.key);
    // getFormattedTextblock: String.valueOf of doubles and floats, %TIMESTAMP = time / 1000, battery as a float
    // (-1 when Android cannot read it); placeholders replaced case-insensitively in the map's order.
    const fill = (v: Record<string, string>) => {
      let url = template;
      for (const [name, value] of Object.entries(v)) url = url.replace(new RegExp(`%${name}`, 'gi'), value);
      return url;
    };
    const t1 = nextSecond();
    const t2 = nextSecond();
    const first = { lat: '51.5007292', lon: '-0.1246254', alt: '31.299999237060547', acc: '3.216', dir: '87.5', spd_kph: '11.52', spd: '3.2', timestamp: String(t1), batt: '87.0' };
    const second = { ...first, lat: '51.5008', timestamp: String(t2), batt: '-1.0', dir: '0.0', spd: '0.0' };
    for (const v of [first, second]) {
      const url = fill(v);
      assert.ok(!url.includes('%'), url);
      const res = await send(url.slice(srv.url.length), { headers: { 'user-agent': OKHTTP_UA } });
      assert.equal(res.status, 200, res.body);
    }
    const rows = await track(r.runnerId);
    assert.deepEqual(
      rows.map((p) => [p.lat, p.lon, p.t, p.acc, p.alt, p.spd, p.hdg, p.bat]),
      [
        [51.5007292, -0.1246254, t1 * 1000, 3.216, 31.299999237060547, 3.2, 87.5, 87],
        [51.5008, -0.1246254, t2 * 1000, 3.216, 31.299999237060547, 0, 0, null],
      ],
    );
  });

  // ---------- send again later ----------

  test('over the fix quota: what fits is kept, and each app is told to send again later in a way that loses nothing', async () => {
    const { event, organiserToken: orgToken } = await makeEvent(srv, 'Quota run');
    const quotas = await fetch(`${srv.url}/api/events/${event.id}/quotas`, { method: 'PUT', headers: { authorization: `Bearer ${orgToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ fixesPerRunnerPerHour: 60 }) });
    assert.equal(quotas.status, 200);
    const r = await keyed(srv, event.id, 'Busy');
    const now = Math.floor(Date.now() / 1000);
    const overland = (from: number, n: number) =>
      send('/ingest/overland', {
        method: 'POST',
        headers: { authorization: `Bearer ${r.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ locations: Array.from({ length: n }, (_, i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [2, 48 + i * 1e-5] }, properties: { timestamp: new Date((from + i) * 1000).toISOString(), horizontal_accuracy: 5 } })) }),
      });
    const res = await overland(now - 2000, 1000);
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.match(JSON.parse(res.body).error, /send the rest again later/);
    const kept = (await track(r.runnerId, event.id)).length;
    assert.ok(kept > 0 && kept < 1000, `${kept} kept`);
    // Sent again: nothing twice.
    assert.equal((await overland(now - 2000, 1000)).status, 429);
    assert.equal((await track(r.runnerId, event.id)).length, kept);
    // OwnTracks iOS deletes a message answered 4xx: it is told 503 instead.
    const ot = await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst: now }) });
    assert.equal(ot.status, 503);
    assert.ok(Number(ot.headers['retry-after']) >= 1);
    const traccar = await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body: `id=${r.key}&lat=1&lon=2&timestamp=${now}` });
    assert.equal(traccar.status, 429);
    // An alarm goes through whatever the quota.
    const sos = await send('/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body: `id=${r.key}&lat=1&lon=2&timestamp=${now}&alarm=sos` });
    assert.equal(sos.status, 200);
    assert.equal((await srv.live.store.alerts(event.id)).length, 1);
  });
});

describe('tracking apps when storage fails: 503, and the app sends again later', () => {
  let srv: TestServer;
  let failing = false;

  before(async () => {
    const dataDir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/trackside-test-`);
    const real = await SqliteStore.open(`${dataDir}/trackside.db`);
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'append' && failing) return () => Promise.reject(new StorageError('disk I/O error', 'SQLITE_IOERR'));
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Store;
    srv = await startTestServer({}, { store }, dataDir);
  });
  after(() => srv.dispose());

  test('every app hears "try again later" (503 with Retry-After) and nothing is counted; once storage works, the resend is kept', async () => {
    const { event } = await makeEvent(srv, 'Fragile');
    const r = await keyed(srv, event.id, 'Resender');
    const tst = Math.floor(Date.now() / 1000) - 10;
    const requests: Array<() => Promise<Reply>> = [
      () => sendTo(srv.url, '/ingest/osmand', { method: 'POST', headers: KTOR_FORM, body: `id=${r.key}&lat=1&lon=2&timestamp=${tst}` }),
      () => sendTo(srv.url, `/ingest/gpslogger?id=${r.key}&lat=1.1&lon=2&timestamp=${tst + 1}`),
      () => sendTo(srv.url, '/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'location', lat: 1.2, lon: 2, tst: tst + 2 }) }),
      () =>
        sendTo(srv.url, '/ingest/overland', {
          method: 'POST',
          headers: { authorization: `Bearer ${r.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ locations: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [2, 1.3] }, properties: { timestamp: new Date((tst + 3) * 1000).toISOString(), horizontal_accuracy: 5 } }] }),
        }),
    ];
    failing = true;
    for (const send of requests) {
      const res = await send();
      assert.equal(res.status, 503, res.body);
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
    failing = false;
    for (const send of requests) {
      // The pipeline tries storage again every few seconds; until then it keeps answering 503.
      const res = await waitFor(
        async () => {
          const got = await send();
          return got.status === 503 ? null : got;
        },
        { timeout: 20_000, interval: 100, what: 'storage to be tried again' },
      );
      assert.equal(res.status, 200, res.body);
    }
    assert.deepEqual((await storedTrack(srv, event.id, r.runnerId)).map((p) => p.lat), [1, 1.1, 1.2, 1.3]);
    assert.deepEqual(await refusedOf(srv, event.id, r), {});
  });
});
