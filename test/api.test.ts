/** Unit: the browser's HTTP client — its route table, addresses, and answers from a real HTTP server on loopback. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiError, apiUrl, call, ROUTES, type RouteName } from '../client/api';
import { makeEvent, startTestServer } from './helpers';

describe('the route table', () => {
  // Asked of a running server rather than read from its route table: the server's layout may change.
  test('every /api route the browser uses is one the server serves, with the same method', async () => {
    const srv = await startTestServer();
    try {
      const { event } = await makeEvent(srv, 'Routes');
      const params = { id: event.id, runner: 'nosuchrunner1', link: 'nolink', alert: 'noalert', stream: 'nostream', point: 'nopoint', tracker: 'notracker', key: 'sos:nosuchrunner1', message: 'nomessage' };
      for (const [name, route] of Object.entries(ROUTES)) {
        const abort = new AbortController();
        const res = await fetch(apiUrl(name as RouteName, params as never, {}, srv.url), {
          method: route.method,
          body: route.method === 'GET' ? undefined : '{}',
          signal: abort.signal,
        });
        const answer = res.headers.get('content-type')?.includes('application/json') ? ((await res.json()) as { error?: { code?: string } }) : null;
        abort.abort();
        assert.notEqual(res.status, 405, `${name}: ${route.method} ${route.path} is served with another method`);
        assert.notEqual(answer?.error?.code, 'not_found', `${name}: ${route.method} ${route.path} is not served`);
      }
    } finally {
      await srv.dispose();
    }
  });

  test('an address fills the path parameters (escaped) and leaves out query values not given', () => {
    assert.equal(apiUrl('trackGpx', { id: 'sunday-10k', runner: 'abc_DEF-12' }, { code: 'a b&c', share: undefined }), '/api/events/sunday-10k/runners/abc_DEF-12/track.gpx?code=a+b%26c');
    assert.equal(apiUrl('eventSummary', { id: 'x/../y' }), '/api/events/x%2F..%2Fy');
    assert.equal(apiUrl('stream', {}, {}, 'https://host:3000'), 'https://host:3000/api/stream');
    assert.equal(apiUrl('course', { id: 'e' }, { format: 'gpx' }), '/api/events/e/course?format=gpx');
  });
});

describe('calls', () => {
  let server: Server;
  let origin = '';
  const seen: Array<{ method: string; url: string; auth: string | undefined; type: string | undefined; body: string }> = [];

  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => resolve(text));
    });

  before(async () => {
    server = createServer((req, res) => {
      void body(req).then((text) => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, type: req.headers['content-type'], body: text });
        if (req.url === '/api/events' && req.method === 'POST') {
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ event: { id: 'e' }, organiserToken: 't' }));
        } else if (req.url === '/api/events/e/runners/r1' && req.method === 'DELETE') {
          res.writeHead(204).end();
        } else if (req.url === '/api/events/e/quotas') {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'bad_quotas', message: 'Invalid limits: maxRunners too big.' } }));
        } else res.writeHead(502).end('<html>bad gateway</html>');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a JSON body and the bearer token are sent; the JSON answer comes back', async () => {
    const answer = await call('createEvent', {}, { body: { name: 'Sunday 10k' }, token: 'secret-token', origin });
    assert.deepEqual(answer, { event: { id: 'e' }, organiserToken: 't' });
    const req = seen.at(-1)!;
    assert.deepEqual([req.method, req.url, req.auth, req.type, req.body], ['POST', '/api/events', 'Bearer secret-token', 'application/json', '{"name":"Sunday 10k"}']);
  });

  test('a route that answers nothing resolves with null', async () => {
    assert.equal(await call('removeRunner', { id: 'e', runner: 'r1' }, { origin }), null);
  });

  test('a refusal becomes an ApiError with the server’s code and message', async () => {
    await assert.rejects(call('setQuotas', { id: 'e' }, { body: {}, origin }), (err: unknown) => {
      return err instanceof ApiError && err.status === 400 && err.code === 'bad_quotas' && err.message === 'Invalid limits: maxRunners too big.';
    });
  });

  test('an answer without a JSON error still says what happened', async () => {
    await assert.rejects(call('links', { id: 'e' }, { origin }), (err: unknown) => err instanceof ApiError && err.status === 502 && /answered 502/.test(err.message));
  });

  test('a server that cannot be reached is told apart, with what to do', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gone = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(call('links', { id: 'e' }, { origin: gone }), (err: unknown) => err instanceof ApiError && err.status === 0 && /check your connection/.test(err.message));
  });

  test('a file route is only ever addressed', async () => {
    await assert.rejects(call('exportJson', { id: 'e' }, { origin }), /opened by its address/);
  });
});
