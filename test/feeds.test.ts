/**
 * Satellite trackers: the MapShare KML and SPOT JSON readers (field names as Garmin and SPOT document them),
 * the poll plan and request budget (injected clock: no hour ever sees more than the budget), the poller
 * against a local feed server, and a real server bringing an inReach onto the map within one poll with its
 * emergency raised as an SOS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KeyedBuckets } from '../server/limits/token-bucket';
import { duePolls, FeedBudget, MIN_POLL_MS, pollInterval } from '../server/jobs/feed-plan';
import { FeedPoller } from '../server/jobs/feeds';
import type { RoomCommand } from '../server/room/commands';
import { inReachUrl, parseInReachKml } from '../server/sources/feeds/inreach';
import { parseSpotJson, spotUrl } from '../server/sources/feeds/spot';
import type { TrackerRecord } from '../server/storage/store';
import { FeedServer, mapShareKml, spotJson } from './support/feed-server';
import { waitFor } from './support/wait';
import { makeEvent, startTestServer, TestClient, type TestServer } from './helpers';

const T0 = Date.UTC(2026, 4, 2, 6, 0, 0);

describe('feed formats', () => {
  test('a MapShare KML feed: time, place, height, speed, course, emergency; reference points and the track line left out', () => {
    const kml = mapShareKml({ name: 'Ada', points: [] }, [
      { t: T0, lat: 46.5, lon: 7.9, alt: 1628.12 },
      { t: T0 + 600_000, lat: 46.51, lon: 7.91, emergency: true },
      { t: T0 + 900_000, lat: 0, lon: 0, noFix: true },
    ]);
    const got = parseInReachKml(kml);
    assert.equal(got.length, 3);
    assert.deepEqual(got[0], { t: T0, lat: 46.5, lon: 7.9, alt: 1628.12, spd: 2.5, hdg: 45, valid: true, emergency: false, device: '300000000000001', text: null });
    assert.equal(got[1]!.emergency, true);
    assert.equal(got[2]!.valid, false);
    const reference = kml.replace('Tracking message received.', 'Reference Point message received.');
    assert.equal(parseInReachKml(reference).length, 2);
    assert.deepEqual(parseInReachKml(''), [], 'an empty answer (unknown MapShare name) is no messages');
    assert.throws(() => parseInReachKml('<html><body>Sign in</body></html>'), /not KML/);
  });

  test('a SPOT feed page: one message or many, HELP as an emergency, E-0195 as empty, other errors as errors', () => {
    const page = parseSpotJson(spotJson('0abcDEF', [{ t: T0 + 60_000, lat: 44.06, lon: 7.2, emergency: true }, { t: T0, lat: 44.05, lon: 7.19, alt: 123 }], 0, 2));
    assert.deepEqual(page.messages.map((m) => [m.t, m.emergency, m.alt]), [
      [T0, false, 123],
      [T0 + 60_000, true, null],
    ]);
    assert.equal(parseSpotJson(spotJson('x', [{ t: T0, lat: 1, lon: 2 }], 0, 1)).messages.length, 1, 'a single message comes as an object');
    assert.deepEqual(parseSpotJson(spotJson('x', [], 0, 0)), { messages: [], totalCount: 0 });
    assert.throws(
      () => parseSpotJson(JSON.stringify({ response: { errors: { error: { code: 'E-0160', text: 'Feed Not Found', description: 'Feed with Id: nope not found.' } } } })),
      /E-0160: Feed with Id: nope not found/,
    );
  });

  test('feed addresses: d1 to the minute in UTC for MapShare; startDate, page and password for SPOT', () => {
    assert.equal(inReachUrl('https://share.garmin.com/Feed/Share/', 'Ada L', T0 + 59_999), 'https://share.garmin.com/Feed/Share/Ada%20L?d1=2026-05-02T06%3A00z');
    assert.equal(
      spotUrl('https://api.findmespot.com/spot-main-web/consumer/rest-api/2.0/public/feed', '0abc', 'pw', T0, 50),
      'https://api.findmespot.com/spot-main-web/consumer/rest-api/2.0/public/feed/0abc/message.json?feedPassword=pw&startDate=2026-05-02T06%3A00%3A00-0000&start=50',
    );
  });
});

describe('poll plan and budget', () => {
  const tracker = (id: string, polledAt: number | null, addedAt = T0): { tracker: TrackerRecord } => ({
    tracker: { id, runnerId: 'r', kind: 'inreach', feed: id, password: null, addedAt, polledAt, lastT: null, error: null },
  });

  test('each tracker is polled every interval, stretched so that all of them fit the budget', () => {
    assert.equal(pollInterval(10, 300_000, 1800), 300_000, 'few trackers: every 5 minutes');
    assert.equal(pollInterval(300, 300_000, 1800), 600_000, '300 trackers in 1800 an hour: every 10 minutes');
    assert.equal(pollInterval(1, 1000, 1800), MIN_POLL_MS);
  });

  test('the trackers due are those never polled or not for an interval, longest waiting first', () => {
    const due = duePolls([tracker('a', T0 - 100_000), tracker('b', null, T0 + 5), tracker('c', T0 - 400_000), tracker('d', null)], T0, 300_000);
    assert.deepEqual(due.map((d) => d.tracker.id), ['d', 'b', 'c']);
  });

  test('no hour, counted from any moment, sees more requests than the budget', async () => {
    let now = T0;
    const budget = new FeedBudget(2000, (capacity, perSecond) => new KeyedBuckets(capacity, perSecond, () => now));
    const taken: number[] = [];
    // Ask as fast as possible for three hours, a request every 100 ms.
    for (; now < T0 + 3 * 3600_000; now += 100) if (await budget.take()) taken.push(now);
    let worst = 0;
    for (let i = 0, j = 0; i < taken.length; i++) {
      while (taken[i]! - taken[j]! >= 3600_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    assert.ok(worst <= 2000, `at most 2000 in any hour: ${worst}`);
    assert.ok(taken.length >= 3 * (2000 - budget.burst), `and nearly all of it is used: ${taken.length} in 3 hours`);
  });
});

describe('the poller', () => {
  const feeds = new FeedServer();
  before(() => feeds.start());
  after(() => feeds.close());

  function poller(trackers: Array<{ event: string; tracker: TrackerRecord }>, now: () => number, perHour = 1800) {
    const ran: Array<{ event: string; cmd: RoomCommand }> = [];
    const p = new FeedPoller(
      { liveTrackers: async () => trackers, run: async (event, cmd) => void ran.push({ event, cmd }), now, fetch },
      { inreach: `${feeds.url}/inreach/`, spot: `${feeds.url}/spot/` },
      new FeedBudget(perHour),
      300_000,
    );
    return { p, ran };
  }
  const rec = (id: string, kind: 'inreach' | 'spot', feed: string, extra: Partial<TrackerRecord> = {}): TrackerRecord => ({
    id,
    runnerId: `runner-${id}`,
    kind,
    feed,
    password: null,
    addedAt: T0,
    polledAt: null,
    lastT: null,
    error: null,
    ...extra,
  });

  test('a poll brings the messages since the last one as fixes, an emergency as an alarm, a wrong password as the error', async () => {
    const now = T0 + 3600_000;
    feeds.inreach.set('AdaL', { name: 'Ada', password: 'secret', points: [{ t: T0, lat: 46.5, lon: 7.9 }, { t: T0 + 600_000, lat: 46.51, lon: 7.91, emergency: true }] });
    feeds.inreach.set('NoPw', { name: 'Bo', password: 'other', points: [{ t: T0, lat: 46.5, lon: 7.9 }] });
    const spotPoints = Array.from({ length: 120 }, (_, i) => ({ t: T0 + i * 30_000, lat: 44 + i * 1e-4, lon: 7.2 }));
    feeds.spot.set('0abcDEF123', { name: 'Cy', points: spotPoints });
    const { p, ran } = poller(
      [
        { event: 'e', tracker: rec('t1', 'inreach', 'AdaL', { password: 'secret', lastT: T0 - 1 }) },
        { event: 'e', tracker: rec('t2', 'inreach', 'NoPw') },
        { event: 'e', tracker: rec('t3', 'spot', '0abcDEF123') },
      ],
      () => now,
    );
    assert.equal(await p.round(), 3);
    const polls = new Map(ran.map(({ cmd }) => [cmd.do === 'feedReport' ? cmd.trackerId : '', cmd.do === 'feedReport' ? cmd.poll : null]));
    assert.deepEqual(polls.get('t1')!.fixes.map((f) => f.t), [T0, T0 + 600_000]);
    assert.equal(polls.get('t1')!.sos, true);
    assert.equal(polls.get('t1')!.lastT, T0 + 600_000);
    assert.match(polls.get('t2')!.error!, /needs its password, or the one given is wrong/);
    assert.equal(polls.get('t3')!.fixes.length, 120, 'SPOT read page by page');
    assert.equal(feeds.requests.filter((r) => r.startsWith('/spot/')).length, 3);
  });

  test('messages already taken are not taken again, so an acknowledged emergency is not raised again', async () => {
    feeds.inreach.set('Once', { name: 'Once', points: [{ t: T0, lat: 46.5, lon: 7.9, emergency: true }] });
    const { p, ran } = poller([{ event: 'e', tracker: rec('t4', 'inreach', 'Once', { lastT: T0, polledAt: T0 }) }], () => T0 + 900_000);
    await p.round();
    const poll = ran[0]!.cmd.do === 'feedReport' ? ran[0]!.cmd.poll : null;
    assert.deepEqual([poll!.fixes.length, poll!.sos], [0, false]);
  });

  test('a spent budget stops the round; the rest wait for the next', async () => {
    feeds.inreach.set('B', { name: 'B', points: [] });
    const trackers = Array.from({ length: 5 }, (_, i) => ({ event: 'e', tracker: rec(`b${i}`, 'inreach', 'B') }));
    const { p } = poller(trackers, () => T0, 30);
    assert.equal(await p.round(), 1, 'a budget of 30 an hour allows a burst of one');
  });
});

describe('a tracker on a real server', () => {
  const feeds = new FeedServer();
  let srv: TestServer;
  before(async () => {
    await feeds.start();
    srv = await startTestServer({ INREACH_FEED_URL: `${feeds.url}/inreach/`, SPOT_FEED_URL: `${feeds.url}/spot/`, TRACKER_POLL_SECONDS: '10' });
  });
  after(async () => {
    await srv.dispose();
    await feeds.close();
  });

  test('an inReach comes onto the map within one poll, and its emergency raises an SOS', async () => {
    const { event, organiserToken } = await makeEvent(srv, 'Night ultra');
    const headers = { authorization: `Bearer ${organiserToken}`, 'content-type': 'application/json' };
    const imported = await fetch(`${srv.url}/api/events/${event.id}/entries`, { method: 'POST', headers, body: JSON.stringify({ entries: [{ bib: '88', lastName: 'Owl' }] }) });
    assert.equal(imported.status, 200);
    const [entry] = ((await (await fetch(`${srv.url}/api/events/${event.id}/entries`, { headers })).json()) as { entries: Array<{ runnerId: string }> }).entries;
    const now = Date.now();
    feeds.inreach.set('OwlMap', { name: 'Owl', points: [{ t: now - 600_000, lat: 46.5, lon: 7.9 }, { t: now - 60_000, lat: 46.51, lon: 7.91, emergency: true }] });
    const watcher = await TestClient.connect(srv.wsUrl);
    watcher.send({ type: 'subscribe', event: event.id, organiser: organiserToken });
    await watcher.next('snapshot');
    const added = await fetch(`${srv.url}/api/events/${event.id}/trackers`, { method: 'POST', headers, body: JSON.stringify({ runner: entry!.runnerId, kind: 'inreach', feed: 'https://share.garmin.com/OwlMap' }) });
    assert.equal(added.status, 201);
    const alert = await watcher.next('alert', 20_000);
    assert.equal(alert.alert.runnerId, entry!.runnerId);
    assert.equal(alert.alert.source, 'Garmin inReach');
    assert.equal(feeds.requests.filter((r) => r.startsWith('/inreach/OwlMap')).length, 1, 'one poll');
    const summary = await waitFor(
      async () => {
        const s = (await (await fetch(`${srv.url}/api/events/${event.id}/runners/${entry!.runnerId}`)).json()) as { points?: number; latest?: { lat: number } };
        return s.points === 2 ? s : null;
      },
      { what: 'the tracker’s fixes on the map' },
    );
    assert.equal(summary.latest!.lat, 46.51);
    const trackers = (await (await fetch(`${srv.url}/api/events/${event.id}/trackers`, { headers })).json()) as { trackers: Array<{ lastT: number; error: string | null }> };
    assert.equal(trackers.trackers[0]!.lastT, now - 60_000);
    watcher.close();
  });
});
