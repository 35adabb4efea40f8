/**
 * Every answer that is not a page (JSON, GPX, pictures, errors, 404s, 405s, the CORS preflight, the event
 * stream and its errors, tracking-app answers) is never sniffed as, run as or framed as a page: it carries
 * `x-content-type-options: nosniff` and a content security policy that allows nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiRouter } from '../server/http/api/routes';
import { fix, joinAsRunner, makeEvent, startTestServer, type TestServer } from './helpers';

const POLICY = "default-src 'none'; frame-ancestors 'none'";
/** A 1×1 PNG, base64. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('security headers on every answer that is not a page', () => {
  let srv: TestServer;
  let params: Record<string, string>;
  let organiserToken: string;

  before(async () => {
    srv = await startTestServer();
    const made = await makeEvent(srv, 'Headers');
    organiserToken = made.organiserToken;
    const ada = await joinAsRunner(srv.wsUrl, made.event.id, 'Ada');
    ada.client.send(fix(1, Date.now()));
    await ada.client.next('ack');
    ada.client.close();
    params = { id: made.event.id, runner: ada.runnerId, link: 'nolink00', alert: 'noalert0' };
  });
  after(() => srv.dispose());

  async function check(what: string, res: Response): Promise<void> {
    await res.arrayBuffer();
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what} → ${res.status}`);
    assert.equal(res.headers.get('content-security-policy'), POLICY, `${what} → ${res.status}`);
  }

  test('every entry of the route table, asked anonymously and as the organiser', async () => {
    const table = apiRouter().table();
    assert.ok(table.length >= 30, `the route table has ${table.length} entries`);
    const statuses = new Set<number>();
    for (const { method, path } of table) {
      const url = srv.url + path.replace(/:([a-z]+)/g, (_, name: string) => params[name] ?? 'x');
      for (const headers of [{}, { authorization: `Bearer ${organiserToken}` }] as Array<Record<string, string>>) {
        const res = await fetch(url, { method, headers, ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }) });
        statuses.add(res.status);
        await check(`${method} ${path}`, res);
      }
    }
    // The table was walked through its answers, good and bad alike.
    for (const s of [200, 400, 401, 403, 404]) assert.ok(statuses.has(s), `some answer was ${s}: ${[...statuses]}`);
  });

  test('404s, 405s, the preflight, the event stream and its refusals, tracking-app answers', async () => {
    const cases: Array<[string, string, RequestInit?]> = [
      ['unknown API path', '/api/nothing-here'],
      ['unknown event', '/api/events/no-such-event'],
      ['a method the path does not take', '/api/events', { method: 'DELETE' }],
      ['preflight', `/api/events/${params.id}/snapshot`, { method: 'OPTIONS' }],
      ['stream from a foreign origin', '/api/stream', { headers: { origin: 'https://elsewhere.example' } }],
      ['stream with the wrong method', '/api/stream', { method: 'PUT' }],
      ['post to no stream', '/api/stream/nostream', { method: 'POST', body: '{}' }],
      ['ingest: unknown key', '/ingest/osmand?id=nokey&lat=1&lon=1'],
      ['ingest: no key', '/ingest/osmand?lat=1&lon=1'],
      ['ingest: unknown endpoint', '/ingest/nothing'],
      ['ingest: wrong method', '/ingest/owntracks', { method: 'GET' }],
      ['ingest: OwnTracks without a key', '/ingest/owntracks', { method: 'POST', body: '{}' }],
      ['ingest: Overland without a key', '/ingest/overland', { method: 'POST', body: '{}' }],
    ];
    for (const [what, path, init] of cases) await check(what, await fetch(srv.url + path, init));
    // The stream itself: its first event arrives with the headers.
    const abort = new AbortController();
    const stream = await fetch(`${srv.url}/api/stream`, { signal: abort.signal });
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(stream.headers.get('content-security-policy'), POLICY);
    abort.abort();
  });

  test('a tracking app answered as taken, and a runner picture (whose policy also sandboxes it), carry them too', async () => {
    // The route table's walk removed Ada and ended her event: a new one.
    const { event } = await makeEvent(srv, 'Pictures');
    const bo = await joinAsRunner(srv.wsUrl, event.id, 'Bo');
    bo.client.close();
    const issued = await fetch(`${srv.url}/api/events/${event.id}/runners/${bo.runnerId}/device-key`, { method: 'POST', headers: { authorization: `Bearer ${bo.token}` } });
    const { key } = (await issued.json()) as { key: string };
    await check('a fix taken', await fetch(`${srv.url}/ingest/osmand?id=${key}&lat=51.5&lon=-0.1&timestamp=${Math.floor(Date.now() / 1000)}`));
    const basic = `Basic ${Buffer.from(`ada:${key}`).toString('base64')}`;
    await check('a card taken', await fetch(`${srv.url}/ingest/owntracks`, { method: 'POST', headers: { authorization: basic }, body: JSON.stringify({ _type: 'card', face: PNG, name: 'Ada' }) }));
    const picture = await fetch(`${srv.url}/api/events/${event.id}/runners/${bo.runnerId}/avatar`);
    assert.equal(picture.status, 200);
    await picture.arrayBuffer();
    assert.equal(picture.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(picture.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'; sandbox");
  });
});
