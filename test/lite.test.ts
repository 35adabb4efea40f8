/**
 * Integration: the light page (/e/<id>/lite) on a real server: a few kilobytes of text, the runners in the
 * address as cards, a search and the leaders, cards read again with an ETag (304 when nothing changed), the
 * view code asked for on a protected event, and nothing shown of runners a share link does not show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cryptoCredentials } from '../server/credentials';
import { fix, joinAsRunner, makeEvent, startTestServer, type TestServer } from './helpers';

describe('light page', () => {
  let srv: TestServer;
  let event: string;
  let organiser: string;
  const ids: string[] = [];

  before(async () => {
    srv = await startTestServer();
    const made = await makeEvent(srv, 'Light 10k');
    event = made.event.id;
    organiser = made.organiserToken;
    for (const name of ['Ada Quick', 'Bea <b>Bold</b>', 'Cy']) {
      const r = await joinAsRunner(srv.wsUrl, event, name);
      for (let s = 1; s <= 3; s++) r.client.send(fix(s, Date.now() - (4 - s) * 1000));
      await r.client.until((m) => m.type === 'ack' && m.seq === 3);
      r.client.close();
      ids.push(r.runnerId);
    }
    srv.live.tick();
  });
  after(() => srv.dispose());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${srv.url}${path}`, { headers });

  test('opens in a few kilobytes: the leaders, a search, and a script that reads the cards again', async () => {
    const res = await get(`/e/${event}/lite`, { 'accept-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src[^;]*'nonce-/);
    const html = await res.text();
    assert.ok(Buffer.byteLength(html) < 20_000, `${Buffer.byteLength(html)} bytes`);
    assert.match(html, /<h1>Light 10k<\/h1>/);
    assert.match(html, /You follow nobody yet/);
    assert.match(html, /Ada Quick/);
    assert.ok(!html.includes('<b>Bold</b>'), 'names are text, never HTML');
    assert.match(html, /Bea &#60;b&#62;Bold/);
  });

  test('the runners in the address as cards; a search finds a runner to follow', async () => {
    const html = await (await get(`/e/${event}/lite?runner=${ids[0]}&q=cy`)).text();
    assert.match(html, new RegExp(`<article data-runner="${ids[0]}"><h3>Ada Quick`));
    assert.match(html, /Last heard of<\/dt><dd>\d+ s ago/);
    assert.ok(html.includes(`href="/e/${event}/lite?runner=${ids[0]}&#38;runner=${ids[2]}">Follow`));
    assert.ok(html.includes(`href="/e/${event}/lite">Stop following Ada Quick`));
  });

  test('the cards alone come with an ETag: asked again unchanged, a 304 with no body', async () => {
    const first = await get(`/e/${event}/lite?runner=${ids[1]}&part=cards`);
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    const cards = await first.text();
    assert.ok(cards.length < 1000, `${cards.length} bytes of cards`);
    const again = await get(`/e/${event}/lite?runner=${ids[1]}&part=cards`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
  });

  test('a protected event asks for its view code; the right one opens it', async () => {
    const code = 'tempo-42';
    const res = await fetch(`${srv.url}/api/events/${event}/view-code`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organiser}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    assert.equal(res.status, 200);
    const locked = await get(`/e/${event}/lite`);
    assert.equal(locked.status, 403);
    assert.match(await locked.text(), /enter its view code/);
    const open = await get(`/e/${event}/lite?code=${code}`);
    assert.equal(open.status, 200);
    assert.match(await open.text(), /Ada Quick/);
  });

  test('an unknown event is a plain 404 page', async () => {
    const res = await get(`/e/no-such-event-${cryptoCredentials.newToken().slice(0, 6).toLowerCase()}/lite`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /no such event/);
  });
});
