/**
 * Ingest conformance over real HTTP: requests as Traccar Client (up to 9), OsmAnd and OwnTracks send them
 * (method, headers, content type, parameter names, units) are stored with the right values; refusals store
 * nothing. test/ingest-apps.test.ts has Traccar Client 10, Overland, GPSLogger, alarms and cards.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { osmandTemplate, owntracksConfigLink, traccarSetupLink } from '../lib/ingest-urls';
import type { StoredPosition } from '../server/storage/store';
import { joinAsRunner, startTestServer, TestClient, type TestServer, makeEvent, storedTrack } from './helpers';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const ANDROID_UA = 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/UQ1A.240205.004)';
const knots = (kn: number) => (kn * 1852) / 3600;
const kmh = (v: number) => v / 3.6;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('tracking apps over HTTP', () => {
  let srv: TestServer;
  let eventId: string;
  /** Fix times: recent, whole seconds, one apart per use so runners never share one by accident. */
  let clock = Math.floor(Date.now() / 1000) - 3600;
  const nextSecond = () => ++clock;

  before(async () => {
    srv = await startTestServer();
    eventId = (await makeEvent(srv, 'App 10k')).event.id;
  });
  after(() => srv.dispose());

  /** Send exactly these bytes and headers (plus Host and Connection, as every client does). */
  function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(`${srv.url}${path}`, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  async function runner(name: string, event = eventId): Promise<{ runnerId: string; token: string; key: string }> {
    const { client, runnerId, token } = await joinAsRunner(srv.wsUrl, event, name);
    client.close();
    const res = await fetch(`${srv.url}/api/events/${event}/runners/${runnerId}/device-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 201);
    const { key } = (await res.json()) as { key: string };
    return { runnerId, token, key };
  }

  function track(runnerId: string, event = eventId): Promise<StoredPosition[]> {
    return storedTrack(srv, event, runnerId);
  }

  async function only(runnerId: string): Promise<StoredPosition> {
    const rows = await track(runnerId);
    assert.equal(rows.length, 1, `one stored position, have ${rows.length}`);
    return rows[0]!;
  }

  function close(actual: number | null, expected: number, what: string) {
    assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
  }

  // ---------- OsmAnd protocol: Traccar Client ----------

  describe('OsmAnd protocol (Traccar Client)', () => {
    test('Traccar Client ≤ 8 (Android): POST, everything in the query string, empty body; speed in knots, time in seconds', async () => {
      const r = await runner('Old Android');
      const tst = nextSecond();
      // traccar-client-android ProtocolFormatter.kt: id, timestamp (s), lat, lon, speed (kn), bearing, altitude,
      // accuracy, batt (%), Kotlin Double.toString formatting.
      const q =
        `id=${r.key}&timestamp=${tst}&lat=51.5007292&lon=-0.1246254&speed=9.71922&bearing=87.5` +
        `&altitude=31.299999237060547&accuracy=4.824&batt=87.0`;
      const res = await send(`/ingest/osmand?${q}`, {
        method: 'POST',
        headers: { 'user-agent': ANDROID_UA, 'accept-encoding': 'gzip', 'content-length': '0' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body, '');
      const p = (await only(r.runnerId));
      assert.equal(p.lat, 51.5007292);
      assert.equal(p.lon, -0.1246254);
      assert.equal(p.t, tst * 1000);
      close(p.spd, knots(9.71922), 'speed in m/s');
      assert.ok(Math.abs(p.spd! - 5) < 0.001);
      assert.equal(p.hdg, 87.5);
      assert.equal(p.alt, 31.299999237060547);
      assert.equal(p.acc, 4.824);
      assert.equal(p.bat, 87);
    });

    test('a GPS fix from Traccar Client ≤ 8 says accuracy=0.0 (unknown), as the browser page does', async () => {
      const r = await runner('Zero acc');
      const tst = nextSecond();
      const res = await send(`/ingest/osmand?id=${r.key}&timestamp=${tst}&lat=48.1&lon=11.5&speed=0.0&bearing=0.0&altitude=0.0&accuracy=0.0&batt=100.0`, {
        method: 'POST',
        headers: { 'user-agent': ANDROID_UA, 'content-length': '0', 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.deepEqual([p.acc, p.spd, p.hdg, p.alt, p.bat], [0, 0, 0, 0, 100]);
    });

    test('Traccar Client 9+: JSON body from its location library; speed m/s, ISO time, battery fraction', async () => {
      const r = await runner('New client');
      const iso = new Date(nextSecond() * 1000 + 862).toISOString();
      // traccar-client lib/preferences.dart _locationTemplate, rendered; "device_id" from params.
      const body =
        `{"location":{"timestamp":"${iso}","coords":{"latitude":-6.1148096,"longitude":106.6837015,"accuracy":3.8,` +
        `"speed":4.67,"heading":63,"altitude":35.7},"is_moving":true,"odometer":1204.5,"event":"","battery":{"level":0.79,` +
        `"is_charging":false},"activity":{"type":"running"},"extras":{},"_":"&id=${r.key}&lat=-6.1148096&lon=106.6837015&timestamp=${iso}&"},` +
        `"device_id":"${r.key}"}`;
      const res = await send('/ingest/osmand', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'okhttp/4.12.0', 'content-length': String(Buffer.byteLength(body)) },
        body,
      });
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.deepEqual(
        { lat: p.lat, lon: p.lon, t: p.t, acc: p.acc, spd: p.spd, hdg: p.hdg, alt: p.alt, bat: p.bat },
        { lat: -6.1148096, lon: 106.6837015, t: Date.parse(iso), acc: 3.8, spd: 4.67, hdg: 63, alt: 35.7, bat: 79 },
      );
    });

    test('Traccar Client 9+ (iOS): unknown speed, heading and battery come as -1 and are stored as unknown', async () => {
      const r = await runner('iOS client');
      const iso = new Date(nextSecond() * 1000 + 579).toISOString();
      const body = JSON.stringify({
        location: {
          extras: {},
          mock: false,
          coords: { speed_accuracy: -1, speed: -1, longitude: -122.406417, ellipsoidal_altitude: 0, floor: null, heading_accuracy: -1, latitude: 37.785834, accuracy: 5, altitude_accuracy: -1, altitude: 0, heading: -1 },
          is_moving: false,
          age: 188,
          odometer: 0,
          uuid: '2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8',
          event: 'motionchange',
          battery: { level: -1, is_charging: false },
          activity: { type: 'unknown', confidence: 100 },
          timestamp: iso,
        },
        device_id: r.key,
      });
      const res = await send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body });
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.deepEqual([p.lat, p.lon, p.t, p.acc, p.spd, p.hdg, p.alt, p.bat], [37.785834, -122.406417, Date.parse(iso), 5, null, null, 0, null]);
    });

    test('form body (no query string): read as Traccar does', async () => {
      const r = await runner('Form');
      const tst = nextSecond();
      const body = `deviceid=${r.key}&lat=60.0&lon=30.0&timestamp=${tst}&speed=1.0&heading=180&altitude=12&accuracy=7&batt=55`;
      const res = await send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.deepEqual([p.lat, p.lon, p.t, p.acc, p.hdg, p.alt, p.bat], [60, 30, tst * 1000, 7, 180, 12, 55]);
      close(p.spd, knots(1), 'speed');
    });

    test('every timestamp form Traccar reads, and location=lat,lon', async () => {
      const r = await runner('Clocks');
      const s1 = nextSecond();
      const s2 = nextSecond();
      const s3 = nextSecond();
      const s4 = nextSecond();
      const s5 = nextSecond();
      const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
      const spaced = (s: number) => new Date(s * 1000).toISOString().slice(0, 19).replace('T', '+'); // "2014-06-04+09%3A10%3A11"
      const offset = (s: number) => {
        const d = new Date(s * 1000 + 2 * 3600_000).toISOString().slice(0, 19);
        return `${d}+02:00`;
      };
      const forms: Array<[string, number]> = [
        [`timestamp=${s1}`, s1 * 1000],
        [`timestamp=${s2 * 1000 + 579}`, s2 * 1000 + 579],
        [`timestamp=${encodeURIComponent(iso(s3))}`, s3 * 1000],
        [`timestamp=${spaced(s4).replace(/:/g, '%3A')}`, s4 * 1000],
        [`timestamp=${encodeURIComponent(offset(s5))}`, s5 * 1000],
      ];
      for (const [ts] of forms) {
        const res = await send(`/ingest/osmand?id=${r.key}&location=52.52,13.405&${ts}&hdop=6.0&altitude=224.0&speed=0.0`);
        assert.equal(res.status, 200, `${ts}: ${res.body}`);
      }
      const rows = (await track(r.runnerId));
      assert.deepEqual(
        rows.map((p) => p.t),
        forms.map(([, t]) => t),
      );
      for (const p of rows) assert.deepEqual([p.lat, p.lon, p.acc], [52.52, 13.405, 0], 'hdop is no accuracy in metres here');
    });

    test('without a timestamp the fix is stamped on arrival, as in Traccar', async () => {
      const r = await runner('No clock');
      const before = Date.now();
      const res = await send(`/ingest/osmand?id=${r.key}&lat=41.666667&lon=-0.883333&altitude=350.059479&speed=0.000000&batt=87`);
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.ok(p.t >= before && p.t <= Date.now());
    });
  });

  // ---------- OsmAnd app ----------

  describe('OsmAnd app (online tracking)', () => {
    test('its URL template filled in: GET, time in ms, speed in m/s, accuracy in hdop, battery in %', async () => {
      const r = await runner('OsmAnd');
      const ms = nextSecond() * 1000 + 123;
      // OsmAnd LiveSender.getLiveUrl: {0} lat, {1} lon, {2} time ms, {3} accuracy m, {4} altitude, {5} speed m/s,
      // {6} bearing, {11} battery %; Java Float.toString formatting.
      const q = `id=${r.key}&lat=45.46427&lon=9.18951&timestamp=${ms}&hdop=3.9&altitude=122.4&speed=3.35&bearing=271.2&batt=64`;
      const res = await send(`/ingest/osmand-app?${q}`, { headers: { 'user-agent': ANDROID_UA, 'accept-encoding': 'gzip' } });
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.deepEqual(
        { lat: p.lat, lon: p.lon, t: p.t, acc: p.acc, alt: p.alt, spd: p.spd, hdg: p.hdg, bat: p.bat },
        { lat: 45.46427, lon: 9.18951, t: ms, acc: 3.9, alt: 122.4, spd: 3.35, hdg: 271.2, bat: 64 },
      );
    });

    test('an OsmAnd version without battery leaves {11} in the URL: the fix is still taken', async () => {
      const r = await runner('Old OsmAnd');
      const ms = nextSecond() * 1000;
      const res = await send(`/ingest/osmand-app?id=${r.key}&lat=45.5&lon=9.2&timestamp=${ms}&hdop=12.0&altitude=0.0&speed=1.0E-4&bearing=0.0&batt={11}`, {
        headers: { 'user-agent': ANDROID_UA },
      });
      assert.equal(res.status, 200, res.body);
      const p = (await only(r.runnerId));
      assert.deepEqual([p.t, p.acc, p.spd, p.bat], [ms, 12, 1e-4, null]);
    });
  });

  // ---------- OwnTracks ----------

  describe('OwnTracks (HTTP mode)', () => {
    test('Android: Basic auth, X-Limit-U/D; vel km/h, tst seconds; reply [] as JSON', async () => {
      const r = await runner('OT Android');
      const tst = nextSecond();
      const body = JSON.stringify({
        _type: 'location',
        acc: 12,
        alt: 35,
        batt: 76,
        bs: 1,
        conn: 'm',
        created_at: tst + 2,
        lat: 59.3293235,
        lon: 18.0685808,
        m: 2,
        t: 'u',
        tid: 'ad',
        topic: 'owntracks/ada/phone',
        tst,
        vac: 3,
        vel: 18,
      });
      const res = await send('/ingest/owntracks', {
        method: 'POST',
        headers: {
          'user-agent': 'Owntracks-Android/gms/420500',
          authorization: basic('ada', r.key),
          'x-limit-u': 'ada',
          'x-limit-d': 'phone',
          'content-type': 'application/json; charset=utf-8',
        },
        body,
      });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(res.body), []);
      const p = (await only(r.runnerId));
      assert.deepEqual([p.lat, p.lon, p.t, p.acc, p.alt, p.hdg, p.bat], [59.3293235, 18.0685808, tst * 1000, 12, 35, null, 76]);
      close(p.spd, kmh(18), 'vel km/h → m/s');
    });

    test('iOS: cog in degrees, extended data; the username is free', async () => {
      const r = await runner('OT iOS');
      const tst = nextSecond();
      const body = JSON.stringify({
        _type: 'location',
        BSSID: 'a4:2b:b0:1:2:3',
        SSID: 'Home',
        acc: 5,
        alt: 14,
        batt: 41,
        bs: 2,
        cog: 212,
        conn: 'w',
        created_at: tst,
        inregions: [],
        lat: 40.4167754,
        lon: -3.7037902,
        m: 2,
        p: 101.6,
        t: 't',
        tid: 'AL',
        topic: 'owntracks/anything/iphone',
        tst,
        vac: 9,
        vel: 11,
      });
      const res = await send('/ingest/owntracks', {
        method: 'POST',
        headers: {
          authorization: basic('whoever', r.key),
          'x-limit-u': 'whoever',
          'x-limit-d': 'iphone',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
        body,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body, '[]');
      const p = (await only(r.runnerId));
      assert.deepEqual([p.t, p.acc, p.alt, p.hdg, p.bat], [tst * 1000, 5, 14, 212, 41]);
      close(p.spd, kmh(11), 'vel');
    });

    test('numbers as strings (apps before 2016) are read; missing acc, alt, vel are unknown', async () => {
      const r = await runner('OT legacy');
      const tst = nextSecond();
      const body = JSON.stringify({ _type: 'location', lat: '48.856614', lon: '2.3522219', tst: String(tst), batt: '90', tid: 'JJ' });
      const res = await send('/ingest/owntracks', {
        method: 'POST',
        headers: { authorization: basic('jj', r.key), 'content-type': 'application/json' },
        body,
      });
      assert.equal(res.status, 200);
      const p = (await only(r.runnerId));
      assert.deepEqual([p.lat, p.lon, p.t, p.acc, p.alt, p.spd, p.hdg, p.bat], [48.856614, 2.3522219, tst * 1000, 0, null, null, null, 90]);
    });

    test('messages that are not locations are answered 200 [] and store nothing', async () => {
      const r = await runner('OT other');
      const tst = nextSecond();
      const others = [
        { _type: 'lwt', tst },
        { _type: 'transition', wtst: tst - 100, lat: 1, lon: 2, tst, acc: 10, tid: 'OT', event: 'enter', desc: 'Start', t: 'c' },
        { _type: 'waypoint', desc: 'Finish', lat: 1, lon: 2, rad: 50, tst },
        { _type: 'status', android: {} },
      ];
      for (const msg of others) {
        const res = await send('/ingest/owntracks', {
          method: 'POST',
          headers: { authorization: basic('u', r.key), 'content-type': 'application/json' },
          body: JSON.stringify(msg),
        });
        assert.equal(res.status, 200, msg._type);
        assert.equal(res.body, '[]');
      }
      assert.equal((await track(r.runnerId)).length, 0);
    });
  });

  // ---------- the same path as the browser ----------

  test('a spectator sees an app fix in an update', async () => {
    const spectator = await TestClient.connect(srv.wsUrl);
    spectator.send({ type: 'subscribe', event: eventId });
    await spectator.next('snapshot');
    const r = await runner('Watched');
    const tst = nextSecond();
    const res = await send(`/ingest/osmand?id=${r.key}&timestamp=${tst}&lat=51.51&lon=-0.13&speed=3&accuracy=5`, { method: 'POST' });
    assert.equal(res.status, 200);
    const update = await spectator.until((m) => m.type === 'update' && (m.points[r.runnerId]?.length ?? 0) > 0);
    assert.ok(update.type === 'update');
    assert.deepEqual(update.points[r.runnerId], [[51.51, -0.13, tst * 1000]]);
    spectator.close();
  });

  test('a resent fix (same time) is answered 200 and stored once', async () => {
    const r = await runner('Resend');
    const tst = nextSecond();
    const q = `/ingest/osmand?id=${r.key}&timestamp=${tst}&lat=51.5&lon=-0.1&speed=2&accuracy=6`;
    for (let i = 0; i < 3; i++) assert.equal((await send(q, { method: 'POST' })).status, 200);
    const body = JSON.stringify({ _type: 'location', lat: 51.5, lon: -0.1, tst, acc: 6 });
    for (let i = 0; i < 2; i++) {
      const res = await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('r', r.key), 'content-type': 'application/json' }, body });
      assert.equal(res.status, 200);
    }
    assert.equal((await track(r.runnerId)).length, 1);
  });

  test('the settings the runner page shows work when each app applies them', async () => {
    const r = await runner('Zoë Setup');
    const origin = srv.url;

    // Traccar Client 9+ scanning the QR code: server URL = the link without its query, id = the key
    // (traccar-client lib/qr_code_screen.dart), then it posts its JSON there.
    const link = new URL(traccarSetupLink(origin, r.key));
    const serverUrl = `${link.origin}${link.pathname}`;
    const t1 = new Date(nextSecond() * 1000).toISOString();
    const traccar = await fetch(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location: { timestamp: t1, coords: { latitude: 10, longitude: 20, accuracy: 4, speed: 3, heading: 90, altitude: 5 }, battery: { level: 0.5 } }, device_id: link.searchParams.get('id') }),
    });
    assert.equal(traccar.status, 200);

    // OsmAnd filling its template (MessageFormat: {n} replaced by the n-th value, unknown ones left).
    const ms = nextSecond() * 1000;
    const values: Record<string, string> = { 0: '10.5', 1: '20.5', 2: String(ms), 3: '6.0', 4: '7.0', 5: '2.5', 6: '45.0' };
    const filled = osmandTemplate(origin, r.key).replace(/\{(\d+)\}/g, (m, i: string) => values[i] ?? m);
    assert.equal((await send(filled.slice(origin.length))).status, 200);

    // OwnTracks importing the configuration link, then posting with its user name and password.
    const config = JSON.parse(
      Buffer.from(decodeURIComponent(new URL(owntracksConfigLink(origin, r.key, 'Zoë Setup')).searchParams.get('inline')!), 'base64').toString('utf8'),
    ) as { mode: number; url: string; auth: boolean; username: string; password: string };
    assert.equal(config.mode, 3);
    assert.match(config.username, /^[\x20-\x7e]+$/, 'iOS sends the user name as ASCII');
    const t3 = nextSecond();
    const owntracks = await fetch(config.url, {
      method: 'POST',
      headers: { authorization: basic(config.username, config.password), 'content-type': 'application/json' },
      body: JSON.stringify({ _type: 'location', lat: 11, lon: 21, tst: t3, vel: 9 }),
    });
    assert.equal(owntracks.status, 200);

    const rows = (await track(r.runnerId));
    assert.deepEqual(
      rows.map((p) => [p.lat, p.lon, p.t, p.acc, p.bat]),
      [
        [10, 20, Date.parse(t1), 4, 50],
        [10.5, 20.5, ms, 6, null],
        [11, 21, t3 * 1000, 0, null],
      ],
    );
    assert.deepEqual([rows[0]!.spd, rows[1]!.spd], [3, 2.5]);
    close(rows[2]!.spd, 2.5, 'OwnTracks 9 km/h');
  });

  // ---------- refusals store nothing ----------

  describe('refusals', () => {
    async function storesNothing(runnerId: string, attempt: () => Promise<Reply>, status: number, what: string): Promise<Reply> {
      const before = (await track(runnerId)).length;
      const res = await attempt();
      assert.equal(res.status, status, `${what}: ${res.status} ${res.body}`);
      assert.equal((await track(runnerId)).length, before, `${what} stored nothing`);
      return res;
    }

    test('unknown key: 404 for the OsmAnd protocol, 401 with a Basic challenge for OwnTracks', async () => {
      const r = await runner('Unknown key');
      const tst = nextSecond();
      const total = () => srv.live.store.countPositions(eventId);
      const count = await total();
      await storesNothing(r.runnerId, () => send(`/ingest/osmand?id=not-a-key-0123456789&timestamp=${tst}&lat=1&lon=2`, { method: 'POST' }), 404, 'osmand');
      await storesNothing(r.runnerId, () => send(`/ingest/osmand-app?id=nope&timestamp=${tst * 1000}&lat=1&lon=2`), 404, 'osmand-app');
      await storesNothing(
        r.runnerId,
        () => send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ location: { timestamp: new Date(tst * 1000).toISOString(), coords: { latitude: 1, longitude: 2 } }, device_id: 'nope' }) }),
        404,
        'json',
      );
      const body = JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst });
      const wrong = await storesNothing(r.runnerId, () => send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', 'nope'), 'content-type': 'application/json' }, body }), 401, 'owntracks');
      assert.match(String(wrong.headers['www-authenticate']), /^Basic /);
      await storesNothing(r.runnerId, () => send('/ingest/owntracks', { method: 'POST', headers: { 'content-type': 'application/json' }, body }), 401, 'owntracks without auth');
      // The key as user name or device id is not a key.
      await storesNothing(
        r.runnerId,
        () => send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic(r.key, ''), 'x-limit-d': r.key, 'content-type': 'application/json' }, body }),
        401,
        'owntracks key as user and device',
      );
      await storesNothing(r.runnerId, () => send(`/ingest/osmand?timestamp=${tst}&lat=1&lon=2`), 400, 'no key');
      assert.equal(await total(), count);
    });

    test('a revoked or replaced key is refused and stores nothing', async () => {
      const r = await runner('Revoked');
      const tst = nextSecond();
      const fixQuery = (key: string, t: number) => `/ingest/osmand?id=${key}&timestamp=${t}&lat=51.5&lon=-0.1`;
      assert.equal((await send(fixQuery(r.key, tst), { method: 'POST' })).status, 200);

      // Replaced: a new key makes the old one unknown.
      const again = await fetch(`${srv.url}/api/events/${eventId}/runners/${r.runnerId}/device-key`, { method: 'POST', headers: { authorization: `Bearer ${r.token}` } });
      const { key: newKey } = (await again.json()) as { key: string };
      await storesNothing(r.runnerId, () => send(fixQuery(r.key, nextSecond()), { method: 'POST' }), 404, 'old key');
      assert.equal((await send(fixQuery(newKey, nextSecond()), { method: 'POST' })).status, 200);

      // Revoked: no key works.
      const del = await fetch(`${srv.url}/api/events/${eventId}/runners/${r.runnerId}/device-key`, { method: 'DELETE', headers: { authorization: `Bearer ${r.token}` } });
      assert.equal(del.status, 204);
      await storesNothing(r.runnerId, () => send(fixQuery(newKey, nextSecond()), { method: 'POST' }), 404, 'revoked key, osmand');
      const body = JSON.stringify({ _type: 'location', lat: 51.5, lon: -0.1, tst: nextSecond() });
      await storesNothing(r.runnerId, () => send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', newKey), 'content-type': 'application/json' }, body }), 401, 'revoked key, owntracks');
      assert.equal((await track(r.runnerId)).length, 2);
    });

    /** The runner's refusal counts, as their runner page reads them. */
    async function refusedOf(r: { runnerId: string; token: string }, event = eventId): Promise<Record<string, number>> {
      const res = await fetch(`${srv.url}/api/events/${event}/runners/${r.runnerId}/device-key`, { headers: { authorization: `Bearer ${r.token}` } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { refused: Record<string, number> }).refused;
    }

    test('unreadable fixes are answered as taken (so the queue moves on), counted as refused, and not stored', async () => {
      const r = await runner('Malformed');
      const t = nextSecond();
      const k = r.key;
      const osmand: string[] = [
        `id=${k}&timestamp=${t}&lat=abc&lon=2`,
        `id=${k}&timestamp=${t}&lat=NaN&lon=2`,
        `id=${k}&timestamp=${t}&location=51.5`,
        `id=${k}&timestamp=${t}&lat=51.5`,
        `id=${k}&timestamp=yesterday&lat=1&lon=2`,
        `id=${k}&timestamp=2024-02-30T10:00:00Z&lat=1&lon=2`,
        `id=${k}&timestamp=${t}&lat=1&lon=2&speed=fast`,
        `id=${k}&timestamp=${t}&lat=1&lon=2&batt=full`,
      ];
      for (const q of osmand) {
        const res = await storesNothing(r.runnerId, () => send(`/ingest/osmand?${q}`, { method: 'POST' }), 200, q);
        assert.equal(res.headers['x-trackside-refused'], 'malformed=1', q);
      }
      const json = (body: string) => () => send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await storesNothing(r.runnerId, json(JSON.stringify({ device_id: k, location: { coords: { latitude: 1, longitude: 2 } } })), 200, 'JSON without timestamp');
      await storesNothing(r.runnerId, json(JSON.stringify({ device_id: k, location: [{ timestamp: new Date().toISOString(), coords: { latitude: 1, longitude: 2 } }] })), 200, 'a batch');
      await storesNothing(r.runnerId, () => send(`/ingest/osmand?id=${k}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"location":' }), 200, 'broken JSON, key in the query');
      assert.deepEqual(await refusedOf(r), { malformed: osmand.length + 3 });
      // Without a key nobody can be told: that stays an error.
      await storesNothing(r.runnerId, json('{"location":'), 400, 'broken JSON, no key');

      const ot = (body: string) => () => send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', k), 'content-type': 'application/json' }, body });
      for (const [body, what] of [
        ['not json', 'owntracks not JSON'],
        [JSON.stringify({ _type: 'location', lat: 1, lon: 2 }), 'owntracks without tst'],
        [JSON.stringify({ lat: 1, lon: 2, tst: t }), 'owntracks without _type'],
        [JSON.stringify([{ _type: 'location', lat: 1, lon: 2, tst: t }]), 'owntracks array'],
      ] as const) {
        const res = await storesNothing(r.runnerId, ot(body), 200, what);
        assert.equal(res.body, '[]');
      }
      const encrypted = await storesNothing(r.runnerId, ot(JSON.stringify({ _type: 'encrypted', data: 'AAAA' })), 200, 'owntracks encrypted');
      assert.equal(encrypted.headers['x-trackside-refused'], 'encrypted=1');
      assert.deepEqual(await refusedOf(r), { malformed: osmand.length + 7, encrypted: 1 });
    });

    test('out-of-range, too old and too new fixes: answered as taken, counted per reason, nothing stored', async () => {
      const r = await runner('Out of range');
      const k = r.key;
      const t = nextSecond();
      const cases: Array<[string, string]> = [
        [`lat=91&lon=2&timestamp=${t}`, 'out_of_range'],
        [`lat=1&lon=-180.5&timestamp=${t}`, 'out_of_range'],
        [`lat=1&lon=2&timestamp=${t}&speed=400`, 'out_of_range'], // 400 kn ≈ 206 m/s
        [`lat=1&lon=2&timestamp=${t}&bearing=361`, 'out_of_range'],
        [`lat=1&lon=2&timestamp=${t}&speed=-1`, 'out_of_range'],
        [`lat=1&lon=2&timestamp=${t}&altitude=12000`, 'out_of_range'],
        [`lat=1&lon=2&timestamp=${t}&accuracy=-3`, 'out_of_range'],
        [`lat=1&lon=2&timestamp=${t}&batt=101`, 'out_of_range'],
        [`lat=1&lon=2&timestamp=${Math.floor(Date.now() / 1000) - 8 * 86400}`, 'too_old'], // older than a week
        [`lat=1&lon=2&timestamp=${Date.now() + 10 * 60_000}`, 'in_future'], // ten minutes ahead
      ];
      for (const [q, reason] of cases) {
        const res = await storesNothing(r.runnerId, () => send(`/ingest/osmand?id=${k}&${q}`, { method: 'POST' }), 200, q);
        assert.equal(res.headers['x-trackside-refused'], `${reason}=1`, q);
      }
      // OsmAnd's path reads m/s: 201 m/s is over the limit too.
      await storesNothing(r.runnerId, () => send(`/ingest/osmand-app?id=${k}&lat=1&lon=2&timestamp=${t * 1000}&speed=201`), 200, 'osmand-app speed');
      const ot = (msg: object) => () =>
        send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', k), 'content-type': 'application/json' }, body: JSON.stringify(msg) });
      await storesNothing(r.runnerId, ot({ _type: 'location', lat: 1, lon: 2, tst: t, vel: 800 }), 200, 'owntracks vel 800 km/h');
      await storesNothing(r.runnerId, ot({ _type: 'location', lat: -95, lon: 2, tst: t }), 200, 'owntracks lat');
      await storesNothing(r.runnerId, ot({ _type: 'location', lat: 1, lon: 2, tst: t, batt: 150 }), 200, 'owntracks batt');
      await storesNothing(r.runnerId, ot({ _type: 'location', lat: 1, lon: 2, tst: t * 1000 }), 200, 'owntracks tst in ms');
      const json = { device_id: k, location: { timestamp: new Date(t * 1000).toISOString(), coords: { latitude: 1, longitude: 2, speed: 250 } } };
      await storesNothing(r.runnerId, () => send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }), 200, 'JSON speed');
      assert.deepEqual(await refusedOf(r), { out_of_range: 13, too_old: 1, in_future: 2 }, 'tst in ms reads as far ahead');
      // Just inside every limit is taken.
      const edge = `lat=90&lon=-180&timestamp=${t}&speed=388&bearing=360&altitude=10000&accuracy=0&batt=0`;
      const res = await send(`/ingest/osmand?id=${k}&${edge}`, { method: 'POST' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-trackside-refused'], undefined);
      assert.equal((await track(r.runnerId)).length, 1);
    });

    test('a body over 16 KiB: 413 on the OsmAnd protocol; OwnTracks counts it (only a card may be larger)', async () => {
      const r = await runner('Huge');
      const t = nextSecond();
      const pad = 'x'.repeat(20_000);
      await storesNothing(
        r.runnerId,
        () => send('/ingest/osmand', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `id=${r.key}&lat=1&lon=2&timestamp=${t}&junk=${pad}` }),
        413,
        'osmand form',
      );
      await storesNothing(
        r.runnerId,
        () => send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst: t, desc: pad }) }),
        200,
        'owntracks',
      );
      assert.deepEqual(await refusedOf(r), { too_large: 1 });
      await storesNothing(
        r.runnerId,
        () => send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'card', face: 'x'.repeat(600 * 1024) }) }),
        413,
        'owntracks over 512 KiB',
      );
    });

    test('valid=false is taken (so it is not resent), counted, not stored; other methods get 405', async () => {
      const r = await runner('Invalid');
      const t = nextSecond();
      await storesNothing(r.runnerId, () => send(`/ingest/osmand?id=${r.key}&lat=1&lon=2&timestamp=${t}&valid=false`), 200, 'valid=false');
      assert.deepEqual(await refusedOf(r), { not_valid: 1 });
      await storesNothing(r.runnerId, () => send(`/ingest/osmand?id=${r.key}&lat=1&lon=2&timestamp=${t}`, { method: 'PUT' }), 405, 'PUT');
      await storesNothing(r.runnerId, () => send('/ingest/owntracks', { headers: { authorization: basic('u', r.key) } }), 405, 'GET owntracks');
      assert.equal((await send('/ingest/nothing')).status, 404);
    });

    test('after the event finished, app fixes are taken (so the queue drains) and counted, not stored', async () => {
      const { event, organiserToken: token } = await makeEvent(srv, 'Finished run');
      const r = await runner('Late', event.id);
      const finish = await fetch(`${srv.url}/api/events/${event.id}/finish`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(finish.status, 200);
      const t = nextSecond();
      const res = await send(`/ingest/osmand?id=${r.key}&lat=1&lon=2&timestamp=${t}`, { method: 'POST' });
      assert.equal(res.status, 200);
      const ot = await send('/ingest/owntracks', { method: 'POST', headers: { authorization: basic('u', r.key), 'content-type': 'application/json' }, body: JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst: t + 1 }) });
      assert.equal(ot.status, 200);
      assert.equal((await track(r.runnerId, event.id)).length, 0);
      assert.deepEqual(await refusedOf(r, event.id), { event_finished: 2 });
    });
  });
});
