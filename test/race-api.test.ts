/**
 * The race over real HTTP and WebSockets: the organiser uploads a course, sets checkpoints, a start and a
 * unit, and corrects bibs; runners joining with bibs are matched to the course; spectators get race
 * order in snapshots and updates; the course reads back as JSON and as schema-valid GPX; splits and
 * predictions; every bad input refused with a clear error and nothing changed; the race survives a restart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { alongOutAndBack, outAndBackGpx } from './support/out-and-back';
import type { RaceInfo } from '../lib/protocol';
import { schemaErrors } from './gpx-schema';
import { makeEvent, startTestServer, TestClient } from './helpers';
import { waitFor } from './support/wait';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const START = [51.5, -0.12] as const;

const courseFile = () => outAndBackGpx(START, 'Park out and back');
const along = (m: number) => alongOutAndBack(START, m);

async function put(url: string, token: string, body: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { method: 'PUT', headers: auth(token), body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A runner with a bib who runs at `speed` m/s for `seconds`, fixes every 5 s ending now. */
async function runner(wsUrl: string, event: string, name: string, bib: string, speed: number, seconds: number) {
  const c = await TestClient.connect(wsUrl);
  c.send({ type: 'join', event, name, color: '#123456', bib });
  const joined = await c.next('joined');
  const t0 = Date.now() - seconds * 1000;
  let seq = 0;
  for (let s = 0; s <= seconds; s += 5) {
    const [lat, lon] = along(Math.min(5000, speed * s));
    c.send({ type: 'pos', seq: ++seq, lat, lon, t: t0 + s * 1000, acc: 5 });
  }
  for (;;) if ((await c.next('ack')).seq === seq) break;
  return { client: c, runnerId: joined.runnerId };
}

describe('the race over HTTP', () => {
  test('course, checkpoints, race order, splits and predictions, GPX, and refusals', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken: token } = await makeEvent(srv, 'Park run');
      const base = `/api/events/${event.id}`;

      // Bad files are refused with a reason, and leave the event without a course.
      const empty = await put(srv.url, token, '', `${base}/course`);
      assert.equal(empty.status, 400);
      assert.equal((empty.body.error as { code: string }).code, 'bad_course');
      assert.match((empty.body.error as { message: string }).message, /empty|nothing/i);
      const junk = await put(srv.url, token, '<gpx><trk><trkseg><trkpt lat="99" lon="0"/></trkseg></trk></gpx>', `${base}/course`);
      assert.equal(junk.status, 400);
      const wrong = await put(srv.url, 'x'.repeat(32), courseFile(), `${base}/course`);
      assert.equal(wrong.status, 403);
      assert.equal((await fetch(`${srv.url}${base}/course`)).status, 404, 'still no course');

      const set = await put(srv.url, token, courseFile(), `${base}/course`);
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const race = set.body.race as RaceInfo;
      assert.ok(race.course && Math.abs(race.course.length - 5000) < 10, `length ${race.course?.length}`);
      assert.equal(race.course.elevation, true);

      const beyond = await put(srv.url, token, JSON.stringify({ checkpoints: [{ name: 'Moon', at: 9000 }] }), `${base}/checkpoints`);
      assert.equal(beyond.status, 400);
      assert.match((beyond.body.error as { message: string }).message, /past the finish/);
      const twice = await put(srv.url, token, JSON.stringify({ checkpoints: [{ name: 'Water', at: 1000 }, { name: 'water', at: 2000 }] }), `${base}/checkpoints`);
      assert.equal(twice.status, 400);
      const cps = await put(srv.url, token, JSON.stringify({ checkpoints: [{ name: 'Turn', at: 2500 }, { name: 'Water', at: 1000 }] }), `${base}/checkpoints`);
      assert.equal(cps.status, 200);
      assert.deepEqual(
        (cps.body.race as RaceInfo).course!.checkpoints.map((c) => c.name),
        ['Water', 'Turn'],
      );
      const unit = await put(srv.url, token, JSON.stringify({ unit: 'furlongs' }), `${base}/race`);
      assert.equal(unit.status, 400);
      assert.equal((await put(srv.url, token, JSON.stringify({ unit: 'mi' }), `${base}/race`)).status, 200);

      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: event.id });
      assert.equal((await spectator.next('snapshot')).event.race?.unit, 'mi');

      const fast = await runner(srv.wsUrl, event.id, 'Fiona', '7', 5, 700);
      const slow = await runner(srv.wsUrl, event.id, 'Sam', '12', 2, 700);
      // Updates carry the race order once it is worked out (about every second).
      let order: Record<string, { pos: number | null; at: number | null }> = {};
      for (let i = 0; i < 20 && Object.keys(order).length < 2; i++) {
        const u = await spectator.next('update');
        for (const r of u.runners) if (r.race?.pos) order[r.id] = r.race;
      }
      assert.equal(order[fast.runnerId]?.pos, 1);
      assert.equal(order[slow.runnerId]?.pos, 2);

      const late = await TestClient.connect(srv.wsUrl);
      late.send({ type: 'subscribe', event: event.id });
      const snap = await late.next('snapshot');
      const sam = snap.runners.find((r) => r.id === slow.runnerId)!;
      assert.equal(sam.bib, '12');
      assert.ok(sam.race && Math.abs(sam.race.at! - 1400) < 80, `Sam at ${sam.race?.at}`);
      assert.ok(sam.race.gap !== null && sam.race.gap > 300, `gap ${sam.race.gap}`);

      const detail = (await (await fetch(`${srv.url}${base}/runners/${slow.runnerId}/race?unit=km`)).json()) as {
        splits: Array<{ label: string }>;
        checkpoints: Array<{ label: string }>;
        forecast: { ahead: Array<{ label: string }>; basis: { kind: string } };
      };
      assert.deepEqual(detail.splits.map((s) => s.label), ['1 km']);
      assert.deepEqual(detail.checkpoints.map((s) => s.label), ['Water']);
      assert.deepEqual(detail.forecast.ahead.map((e) => e.label), ['Turn', 'Finish']);
      assert.equal(detail.forecast.basis.kind, 'average');
      assert.equal((await fetch(`${srv.url}${base}/runners/${slow.runnerId}/race?unit=parsec`)).status, 400);

      // The organiser corrects a bib; everyone sees it.
      assert.equal((await put(srv.url, token, JSON.stringify({ bib: 'way too long bib' }), `${base}/runners/${slow.runnerId}/bib`)).status, 400);
      assert.equal((await put(srv.url, token, JSON.stringify({ bib: 'F12' }), `${base}/runners/${slow.runnerId}/bib`)).status, 200);
      for (;;) {
        const u = await spectator.next('update');
        if (u.runners.some((r) => r.id === slow.runnerId && r.bib === 'F12')) break;
      }

      // The course reads back: JSON cacheable by version, and a GPX that validates.
      const info = (cps.body.race as RaceInfo).course!;
      const json = await fetch(`${srv.url}${base}/course?v=${info.version}`);
      assert.match(json.headers.get('cache-control') ?? '', /immutable/);
      assert.equal(((await json.json()) as { course: { name: string } }).course.name, 'Park out and back');
      const gpx = await (await fetch(`${srv.url}${base}/course?format=gpx`)).text();
      assert.deepEqual(await schemaErrors(gpx), []);
      assert.match(gpx, /<wpt [^>]*><name>Turn<\/name>/);

      for (const c of [spectator, late, fast.client, slow.client]) c.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a runner\'s recorded track becomes the course; a KML file from My Maps is taken as well', async () => {
    const srv = await startTestServer();
    try {
      const { event, organiserToken: token } = await makeEvent(srv, 'Recce');
      const scout = await runner(srv.wsUrl, event.id, 'Scout', '1', 3, 900);
      const res = await fetch(`${srv.url}/api/events/${event.id}/course/from-track`, {
        method: 'POST',
        headers: auth(token),
        body: JSON.stringify({ runner: scout.runnerId }),
      });
      assert.equal(res.status, 200);
      const race = ((await res.json()) as { race: RaceInfo }).race;
      assert.ok(race.course && Math.abs(race.course.length - 2700) < 100, `length ${race.course?.length}`);
      const unknown = await fetch(`${srv.url}/api/events/${event.id}/course/from-track`, { method: 'POST', headers: auth(token), body: JSON.stringify({ runner: 'nobody00' }) });
      assert.equal(unknown.status, 404);
      const kml = readFileSync(join(__dirname, 'fixtures', 'courses', 'my-maps.kml'), 'utf8');
      const set = await put(srv.url, token, kml, `/api/events/${event.id}/course`);
      assert.equal(set.status, 200, JSON.stringify(set.body));
      scout.client.close();
    } finally {
      await srv.dispose();
    }
  });

  test('after a restart the course and every runner\'s race are as they were', async () => {
    const srv = await startTestServer();
    const { event, organiserToken: token } = await makeEvent(srv, 'Restart run');
    assert.equal((await put(srv.url, token, courseFile(), `/api/events/${event.id}/course`)).status, 200);
    const a = await runner(srv.wsUrl, event.id, 'Ada', '3', 4, 400);
    a.client.close();
    // The race view comes with the next working-out of the order (about a second).
    const read = (url: string) =>
      waitFor(
        async () => {
          const res = await fetch(`${url}/api/events/${event.id}/runners/${a.runnerId}/race`);
          return res.ok ? ((await res.json()) as { race: { at: number; start: number } }).race : null;
        },
        { interval: 50, what: 'the race view' },
      );
    const before = await read(srv.url);
    await srv.close();
    const again = await startTestServer({}, {}, srv.dataDir);
    try {
      const after = await read(again.url);
      assert.equal(after.at, before.at);
      assert.equal(after.start, before.start);
    } finally {
      await again.dispose();
    }
  });
});
