/**
 * Protected means private everywhere: the event list and what the pages are rendered from show a protected
 * event's name and status only (no course, checkpoints, start time or course version) until the viewer
 * proves they may see it; its course is never kept in a shared cache. Public events are listed with their
 * runner counts whether or not their room is loaded, after a restart too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pageData } from '../lib/page-data';
import type { EventInfo, RaceInfo } from '../lib/protocol';
import { fix, joinAsRunner, makeEvent, startTestServer, TestClient, type TestServer } from './helpers';
import { waitFor } from './support/wait';
import { outAndBackGpx } from './support/out-and-back';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const START_AT = 1_798_700_000_000;

/** A protected event with a named course, two checkpoints and a start time; what a leak would show. */
async function protectedRace(srv: TestServer) {
  const { event, organiserToken } = await makeEvent(srv, 'Hidden trail race');
  const api = `${srv.url}/api/events/${event.id}`;
  const put = (path: string, body: string) => fetch(`${api}/${path}`, { method: 'PUT', headers: auth(organiserToken), body });
  assert.equal((await put('course', outAndBackGpx([51.5, -0.12], 'Secret Ridge Loop'))).status, 200);
  assert.equal((await put('checkpoints', JSON.stringify({ checkpoints: [{ name: 'Hermit Spring', at: 1200 }, { name: 'Owl Gate', at: 3100 }] }))).status, 200);
  const race = (await (await put('race', JSON.stringify({ startsAt: START_AT }))).json()) as { race: RaceInfo };
  assert.equal((await put('view-code', '{"code":"tempo42"}')).status, 200);
  return { id: event.id, api, organiserToken, version: race.race.course!.version };
}

/** Whether `text` gives away anything of the race but its name and status. */
function leaks(text: string, version: number): string[] {
  return ['Secret Ridge Loop', 'Hermit Spring', 'Owl Gate', String(START_AT), String(version), '"race"', '"course"'].filter((s) => text.includes(s));
}

describe('a protected event is private everywhere', () => {
  test('the event list (API and landing page) and the pages show its name and status only', async () => {
    const srv = await startTestServer();
    try {
      const race = await protectedRace(srv);
      const res = await fetch(`${srv.url}/api/events`);
      const text = await res.text();
      assert.deepEqual(leaks(text, race.version), [], text);
      const listed = (JSON.parse(text) as { events: Array<EventInfo & { runners: number | null }> }).events.find((e) => e.id === race.id)!;
      assert.deepEqual(listed, { id: race.id, name: 'Hidden trail race', createdAt: listed.createdAt, status: 'live', protected: true, runners: null, active: null });

      const pages = pageData();
      assert.deepEqual(leaks(JSON.stringify(pages.listEvents()), race.version), [], 'the landing page');
      const shown = pages.publicEvent(race.id)!;
      assert.deepEqual(shown, { id: race.id, name: 'Hidden trail race', createdAt: shown.createdAt, status: 'live', protected: true }, 'the spectator, runner and organiser pages');

      // Reads that need the code still refuse without it.
      for (const path of ['', '/course', '/snapshot']) assert.equal((await fetch(`${race.api}${path}`)).status, 403, path);
      // With it, everything is there.
      const full = (await (await fetch(`${race.api}?code=tempo42`)).json()) as { event: EventInfo };
      assert.equal(full.event.race?.course?.name, 'Secret Ridge Loop');
      const spectator = await TestClient.connect(srv.wsUrl);
      spectator.send({ type: 'subscribe', event: race.id, code: 'tempo42' });
      assert.deepEqual((await spectator.next('snapshot')).event.race?.course?.checkpoints.map((c) => c.name), ['Hermit Spring', 'Owl Gate']);
      spectator.close();
    } finally {
      await srv.dispose();
    }
  });

  test('a public event keeps showing its race in the list and to the pages', async () => {
    const srv = await startTestServer();
    try {
      const race = await protectedRace(srv);
      await fetch(`${race.api}/view-code`, { method: 'PUT', headers: auth(race.organiserToken), body: '{"code":null}' });
      const { events } = (await (await fetch(`${srv.url}/api/events`)).json()) as { events: EventInfo[] };
      assert.equal(events.find((e) => e.id === race.id)!.race?.course?.name, 'Secret Ridge Loop');
      assert.equal(pageData().publicEvent(race.id)!.race?.startsAt, START_AT);
    } finally {
      await srv.dispose();
    }
  });

  test("a protected event's course is private to whoever read it, with the code, a link or the organiser token; a public one may be shared", async () => {
    const srv = await startTestServer();
    try {
      const race = await protectedRace(srv);
      const linkRes = await fetch(`${race.api}/links`, { method: 'POST', headers: auth(race.organiserToken), body: '{"label":"Family"}' });
      const { link } = (await linkRes.json()) as { link: { token: string } };
      const course = `${race.api}/course?v=${race.version}`;
      for (const [how, res] of [
        ['view code', await fetch(`${course}&code=tempo42`)],
        ['view code header', await fetch(course, { headers: { 'x-view-code': 'tempo42' } })],
        ['organiser token', await fetch(course, { headers: auth(race.organiserToken) })],
        ['share link', await fetch(`${course}&share=${link.token}`)],
        ['GPX with the code', await fetch(`${course}&format=gpx&code=tempo42`)],
      ] as const) {
        assert.equal(res.status, 200, how);
        assert.equal(res.headers.get('cache-control'), 'private, max-age=31536000, immutable', how);
        assert.match(res.headers.get('vary') ?? '', /x-view-code/i, how);
        assert.match(res.headers.get('vary') ?? '', /authorization/i, how);
        assert.equal(res.headers.get('access-control-allow-origin'), null, how);
      }
      await fetch(`${race.api}/view-code`, { method: 'PUT', headers: auth(race.organiserToken), body: '{"code":null}' });
      const open = await fetch(course);
      assert.equal(open.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    } finally {
      await srv.dispose();
    }
  });
});

describe('public events are listed with their counts, loaded or not', () => {
  test('counts come from the index: kept in step as runners join, send a first fix and change status, and kept after the room is released and after a restart', async () => {
    let srv = await startTestServer({}, { timings: { idleAfterMs: 1500 } });
    const dataDir = srv.dataDir;
    try {
      const { event } = await makeEvent(srv, 'Open 10k');
      const listed = async () => {
        const { events } = (await (await fetch(`${srv.url}/api/events`)).json()) as { events: Array<{ id: string; runners: number | null; active: number | null }> };
        const e = events.find((x) => x.id === event.id)!;
        return { runners: e.runners, active: e.active };
      };
      const until = async (want: { runners: number; active: number }) => {
        await waitFor(
          async () => {
            const got = await listed();
            return got.runners === want.runners && got.active === want.active;
          },
          { what: `the list to count ${JSON.stringify(want)}` },
        ).catch(() => undefined);
        assert.deepEqual(await listed(), want);
      };
      assert.deepEqual(await listed(), { runners: 0, active: 0 }, 'a new public event, its room never loaded');

      const runners = await Promise.all(['Ada', 'Bo', 'Cy'].map((name) => joinAsRunner(srv.wsUrl, event.id, name)));
      assert.deepEqual(await listed(), { runners: 0, active: 0 }, 'runners appear with their first fix');
      for (const r of runners.slice(0, 2)) {
        r.client.send(fix(1, Date.now()));
        await r.client.next('ack');
      }
      await until({ runners: 2, active: 2 });
      // Nothing heard for a while: idle, no longer active.
      await until({ runners: 2, active: 0 });
      runners[2]!.client.send(fix(1, Date.now()));
      await runners[2]!.client.next('ack');
      await until({ runners: 3, active: 1 });
      for (const r of runners) r.client.close();

      // The room is released (nobody used the event for ten minutes): the list still knows, and loads nothing.
      await srv.live.pipeline.idle();
      srv.live.rooms.drop(event.id);
      const page = pageData().listEvents().find((e) => e.id === event.id)!;
      assert.deepEqual({ runners: page.runners, active: page.active }, { runners: 3, active: 1 }, 'the landing page');
      assert.deepEqual(await listed(), { runners: 3, active: 1 });
      assert.equal(srv.live.rooms.peek(event.id), undefined, 'listing loaded no room');

      // After a restart: the counts come from the store; nobody is sending yet.
      await srv.close();
      srv = await startTestServer({}, {}, dataDir);
      assert.deepEqual(await listed(), { runners: 3, active: 0 });
      assert.equal(srv.live.stats().rooms, 0, 'no room was loaded to count');
    } finally {
      await srv.dispose();
    }
  });
});
