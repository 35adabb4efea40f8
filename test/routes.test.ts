/**
 * The route table (lib/routes.ts) at work on a real server: parameters are read by the table's schemas
 * before a handler runs and refused with the table's codes; a body is read only once the caller is known;
 * every route answers what the table says it does (checked field for field against its zod schema and
 * against the OpenAPI document made from it); and no page writes an /api path by hand.
 */
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020';
import { type JsonSchema, type OpenApiOperation, openApiDocument } from '../lib/openapi';
import { type ErrorCode } from '../lib/protocol';
import { type Method, ROUTE_NAMES, ROUTES, type RouteName, type RouteSpec } from '../lib/routes';
import { type Answer, apiUrl } from '../client/api';
import { alongOutAndBack, outAndBackGpx } from './support/out-and-back';
import { makeEvent, startTestServer, TestClient, type TestServer } from './helpers';
import { waitFor } from './support/wait';

const doc = openApiDocument();
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addKeyword('components');

/** The document's schema of what `route` answers with `status` as JSON. */
function documented(route: RouteSpec, status: number): JsonSchema {
  const op: OpenApiOperation | undefined = doc.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase() as Lowercase<Method>];
  const schema = op?.responses[String(status)]?.content?.['application/json']?.schema;
  assert.ok(schema, `${route.method} ${route.path}: the document has no JSON answer for ${status}`);
  return schema;
}

function matchesDocument(route: RouteSpec, status: number, body: unknown): void {
  const validate = ajv.compile({ ...documented(route, status), components: doc.components });
  assert.ok(validate(body), `${route.method} ${route.path} ${status}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the router reads parameters by the route table', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.dispose());

  async function refusal(path: string, init: RequestInit = {}) {
    const res = await fetch(`${srv.url}${path}`, init);
    return { status: res.status, error: ((await res.json()) as { error: { code: string; message: string } }).error };
  }

  test('every query parameter the table refuses is answered 400 with its code and message, before anything else is asked', async () => {
    let checked = 0;
    const params = { id: 'no-such-event', runner: 'Runner01', link: 'Link0001', alert: 'Alert001', stream: 'stream1' };
    for (const name of ROUTE_NAMES) {
      const route: RouteSpec = ROUTES[name];
      if (route.transport) continue;
      for (const [field, spec] of Object.entries(route.query)) {
        if (!spec.refusal) continue;
        const bad = ['x', '-1', '1.5', '1e400', '1:2:3', ''].find((text) => !spec.schema.safeParse(text).success);
        assert.ok(bad !== undefined, `${name}.${field}: no text found that it refuses`);
        // No credentials at all, and an event that does not exist: the query is read first.
        const url = apiUrl(name, params as never, { [field]: bad } as never);
        const got = await refusal(url, { method: route.method, body: route.method === 'GET' ? undefined : '{}' });
        assert.deepEqual(got, { status: spec.refusal.status, error: { code: spec.refusal.code, message: spec.refusal.message } }, `${name}.${field}=${bad}`);
        matchesDocument(route, got.status, { error: got.error });
        checked++;
      }
    }
    assert.ok(checked >= 7, `only ${checked} parameters checked`);
  });

  test('a path segment that cannot name anything is answered as naming nothing, with the code of what it names', async () => {
    const { event } = await makeEvent(srv, 'Paths');
    const cases: Array<[string, RequestInit, number, ErrorCode]> = [
      ['/api/events/Not_An_Id', {}, 404, 'no_such_event'],
      [`/api/events/${event.id}/runners/x!`, {}, 404, 'no_such_runner'],
      [`/api/events/${event.id}/runners/short/track`, {}, 404, 'no_such_runner'],
      [`/api/events/${event.id}/links/a%20b`, { method: 'DELETE' }, 404, 'no_such_link'],
      [`/api/events/${event.id}/alerts/a.b/ack`, { method: 'POST' }, 404, 'no_such_alert'],
      ['/api/stream/a.b', { method: 'POST', body: '{}' }, 404, 'no_such_stream'],
      [`/api/events/${event.id}/runners/%E0%A4%A`, {}, 400, 'bad_path'],
    ];
    for (const [path, init, status, code] of cases) {
      const got = await refusal(path, init);
      assert.deepEqual([got.status, got.error.code], [status, code], path);
    }
  });

  test('an empty number counts as none, and of a repeated parameter the first is read', async () => {
    const { event } = await makeEvent(srv, 'Queries');
    const runner = await TestClient.connect(srv.wsUrl);
    runner.send({ type: 'join', event: event.id, name: 'Ada', color: '#123456' });
    const { runnerId } = await runner.next('joined');
    runner.send({ type: 'pos', seq: 1, lat: 51.5, lon: -0.12, t: Date.now() - 1000, acc: 5 });
    await runner.next('ack');
    const base = `${srv.url}/api/events/${event.id}/runners/${runnerId}/track`;
    assert.equal((await fetch(`${base}?limit=&from=&after=`)).status, 200);
    const res = await fetch(`${base}?format=trail&format=nonsense&limit=1&limit=0`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { count: number }).count, 1);
    runner.close();
  });

  test('a body is read only once the caller is known, then checked by the route’s schema', async () => {
    const { event, organiserToken } = await makeEvent(srv, 'Bodies');
    const links = `/api/events/${event.id}/links`;
    const stranger = await refusal(links, { method: 'POST', body: '{"runners": "everyone"}' });
    assert.deepEqual([stranger.status, stranger.error.code], [401, 'unauthorised']);
    const bad = await refusal(links, { method: 'POST', headers: auth(organiserToken), body: '{"runners": "everyone"}' });
    assert.deepEqual([bad.status, bad.error.code], [400, 'bad_link']);
    assert.match(bad.error.message, /^Invalid link: runners /);
    const unit = await refusal(`/api/events/${event.id}/race`, { method: 'PUT', headers: auth(organiserToken), body: '{"unit": "furlong"}' });
    assert.deepEqual(unit, { status: 400, error: { code: 'bad_race', message: 'Invalid race settings: unit unit: "km" or "mi".' } });
    const code = await refusal(`/api/events/${event.id}/view-code`, { method: 'PUT', headers: auth(organiserToken), body: '{}' });
    assert.equal(code.error.code, 'bad_view_code');
    assert.match(code.error.message, /^Send \{"code": "…"\}/);
    const list = (await (await fetch(`${srv.url}${links}`, { headers: auth(organiserToken) })).json()) as { links: unknown[] };
    assert.deepEqual(list.links, [], 'nothing refused was made');
  });
});

describe('every route answers what the table says', () => {
  let srv: TestServer;
  before(async () => {
    // A push endpoint nothing listens on: subscriptions are kept, pushes to it fail quietly.
    srv = await startTestServer({ PUSH_ENDPOINTS: 'http://127.0.0.1:9' });
  });
  after(() => srv.dispose());

  const answered = new Set<RouteName>();

  /** Ask route `name`; its success must be the table's status, and its JSON the table's schema and the document's, field for field. */
  async function ask<N extends RouteName>(name: N, params: Record<string, string>, init: RequestInit & { query?: Record<string, string> } = {}): Promise<Answer<N>> {
    const route: RouteSpec = ROUTES[name];
    const res = await fetch(`${srv.url}${apiUrl(name, params as never, init.query as never)}`, { ...init, method: route.method });
    const text = await res.text();
    assert.equal(res.status, route.answer.status, `${name}: ${text.slice(0, 300)}`);
    answered.add(name);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!;
    if (route.answer.status === 204) {
      assert.equal(text, '', `${name} answers nothing`);
      return null as Answer<N>;
    }
    if (!route.answer.json || type !== 'application/json') {
      assert.ok(type in (route.answer.other ?? {}), `${name}: ${type} is not one of its answers`);
      return null as Answer<N>;
    }
    const body: unknown = JSON.parse(text);
    // Parsing keeps only the fields the schema names: an answer with one more, or one of another shape, differs.
    assert.deepEqual(route.answer.json.parse(body), body, `${name}: the answer has fields its schema does not name`);
    matchesDocument(route, res.status, body);
    return body as Answer<N>;
  }

  test('each route, asked as its callers ask it', { timeout: 60_000 }, async () => {
    const START = [51.5, -0.12] as const;
    await ask('health', {});
    const created = await ask('createEvent', {}, { body: JSON.stringify({ name: 'Answers 10k' }) });
    const id = created.event.id;
    const organiser = auth(created.organiserToken);
    await ask('listEvents', {});
    await ask('setCourse', { id }, { headers: organiser, body: outAndBackGpx(START, 'Answers course') });
    await ask('course', { id });
    await ask('course', { id }, { query: { format: 'gpx' } });
    await ask('setCheckpoints', { id }, { headers: organiser, body: JSON.stringify({ checkpoints: [{ name: 'Water', at: 1000 }] }) });
    await ask('setRace', { id }, { headers: organiser, body: JSON.stringify({ startsAt: Date.now() - 600_000, unit: 'km' }) });

    const phone = await TestClient.connect(srv.wsUrl);
    phone.send({ type: 'join', event: id, name: 'Ada', color: '#e4572e', bib: '7' });
    const joined = await phone.next('joined');
    const runner = joined.runnerId;
    const own = auth(joined.token!);
    const t0 = Date.now() - 300_000;
    for (let s = 0; s <= 60; s++) {
      const [lat, lon] = alongOutAndBack(START, s * 10);
      phone.send({ type: 'pos', seq: s + 1, lat, lon, t: t0 + s * 5000, acc: 5 });
    }
    phone.send({ type: 'mood', value: 8 });
    for (;;) if ((await phone.next('ack')).seq === 61) break;

    await ask('eventSummary', { id });
    await ask('eventSummary', { id }, { headers: organiser });
    await ask('snapshot', { id });
    await ask('runnerList', { id });
    await ask('runnerList', { id }, { query: { sort: 'name', desc: '1', q: 'ad', from: '0', limit: '5' } });
    await ask('happiness', { id });
    await ask('runner', { id, runner });
    await ask('trackPage', { id, runner }, { query: { limit: '10' } });
    await ask('trackPage', { id, runner }, { query: { format: 'trail' } });
    // The race view comes with the next working-out of the order (about a second).
    await waitFor(async () => (await fetch(`${srv.url}/api/events/${id}/runners/${runner}/race`)).ok, { what: "the runner's race" });
    await ask('runnerRace', { id, runner }, { query: { unit: 'mi' } });
    const browser = createECDH('prime256v1');
    browser.generateKeys();
    const subscription = { endpoint: 'http://127.0.0.1:9/push/routes', expirationTime: null, keys: { p256dh: browser.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') } };
    await ask('pushKey', {});
    await ask('followPush', { id, runner }, { body: JSON.stringify(subscription) });
    await ask('unfollowPush', { id, runner }, { body: JSON.stringify({ endpoint: subscription.endpoint }) });
    await ask('organiserPush', { id }, { headers: organiser, body: JSON.stringify(subscription) });
    await ask('organiserUnpush', { id }, { body: JSON.stringify({ endpoint: subscription.endpoint }) });
    await ask('setBib', { id, runner }, { headers: organiser, body: JSON.stringify({ bib: 'F12' }) });
    await ask('trackGpx', { id, runner });
    await ask('exportJson', { id });

    const { key } = await ask('issueDeviceKey', { id, runner }, { headers: own });
    await ask('deviceKey', { id, runner }, { headers: own });
    const [lat, lon] = alongOutAndBack(START, 700);
    const sos = await fetch(`${srv.url}/ingest/osmand?id=${key}&lat=${lat}&lon=${lon}&timestamp=${Date.now()}&accuracy=8&alarm=sos`);
    assert.equal(sos.status, 200);
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const card = await fetch(`${srv.url}/ingest/owntracks`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`ada:${key}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ _type: 'card', name: 'Ada', face: png }),
    });
    assert.equal(card.status, 200);
    const alertId = await waitFor(
      async () => {
        const summary = (await (await fetch(`${srv.url}/api/events/${id}`, { headers: organiser })).json()) as { runners: Array<{ alert: { id: string } | null }> };
        return summary.runners[0]?.alert?.id;
      },
      { what: 'the SOS in the summary' },
    );
    await ask('eventSummary', { id }, { headers: organiser });
    await ask('avatar', { id, runner });
    await ask('acknowledgeAlert', { id, alert: alertId }, { headers: organiser });

    // Race control: thresholds, marks, verdicts, messages and their receipts.
    await ask('setConsoleSettings', { id }, { headers: organiser, body: JSON.stringify({ stoppedMin: 8 }) });
    await ask('markWatch', { id, key: `stopped:${runner}` }, { headers: organiser, body: JSON.stringify({ ackedSince: Date.now() - 60_000, by: 'Jo', assignee: 'Medic 2' }) });
    const { message } = await ask('sendMessage', { id }, { headers: organiser, body: JSON.stringify({ text: 'Course change at km 12' }) });
    await ask('runnerMessages', { id, runner }, { headers: own });
    await ask('messageSeen', { id, runner, message: message.id }, { headers: own });
    await ask('control', { id }, { headers: organiser });
    await ask('setVerdict', { id, runner }, { headers: own, body: JSON.stringify({ verdict: { kind: 'dnf', reason: 'Knee' } }) });
    await ask('setVerdicts', { id }, { headers: organiser, body: JSON.stringify({ runners: [runner], verdict: null }) });

    await ask('quotas', { id }, { headers: organiser });
    await ask('setQuotas', { id }, { headers: organiser, body: JSON.stringify({ maxRunners: 40_000 }) });
    await ask('links', { id }, { headers: organiser });
    const { link } = await ask('createLink', { id }, { headers: organiser, body: JSON.stringify({ label: 'Family', runners: [runner] }) });
    await ask('links', { id }, { headers: organiser });
    await ask('revokeLink', { id, link: link.id }, { headers: organiser });
    const { code } = await ask('setViewCode', { id }, { headers: organiser, body: JSON.stringify({ generate: true }) });
    assert.equal(typeof code, 'string');
    await ask('setViewCode', { id }, { headers: organiser, body: JSON.stringify({ code: null }) });
    await ask('courseFromTrack', { id }, { headers: organiser, body: JSON.stringify({ runner }) });
    await ask('deleteCourse', { id }, { headers: organiser });
    await ask('revokeDeviceKey', { id, runner }, { headers: own });

    const abort = new AbortController();
    const stream = await fetch(`${srv.url}${apiUrl('stream', {})}`, { signal: abort.signal });
    assert.equal(stream.headers.get('content-type')?.split(';')[0], 'text/event-stream');
    answered.add('stream');
    const reader = stream.body!.getReader();
    let head = '';
    while (!/\n\n/.test(head)) head += new TextDecoder().decode((await reader.read()).value);
    const streamId = (JSON.parse(/^data: (.*)$/m.exec(head)![1]!) as { id: string }).id;
    await ask('streamPost', { stream: streamId }, { body: JSON.stringify({ type: 'subscribe', event: id }) });
    abort.abort();

    await ask('openapi', {});

    // The start list, timing points with their decoders' passings, satellite trackers, the open race feed.
    const csv = { ...organiser, 'content-type': 'text/csv' };
    await ask('importEntries', { id }, { headers: csv, body: 'Bib,First name,Last name,Sex,Chip\n101,Grace,Hopper,F,KX101\n', query: { dryRun: '1' } });
    await ask('importEntries', { id }, { headers: csv, body: 'Bib,First name,Last name,Sex,Chip\n101,Grace,Hopper,F,KX101\n' });
    const { entries } = await ask('entries', { id }, { headers: organiser });
    const grace = entries[0]!.runnerId;
    await ask('entries', { id }, { headers: organiser, query: { format: 'csv' } });
    await ask('editEntry', { id, runner: grace }, { headers: organiser, body: JSON.stringify({ bib: '101', firstName: 'Grace', lastName: 'Hopper', chip: 'KX101', club: 'Navy RC' }) });
    await ask('newClaimCode', { id, runner: grace }, { headers: organiser });
    const mat = await ask('addTimingPoint', { id }, { headers: organiser, body: JSON.stringify({ name: 'Start', at: 0, timeZone: 'UTC' }) });
    await ask('updateTimingPoint', { id, point: mat.point.id }, { headers: organiser, body: JSON.stringify({ name: 'Start line' }) });
    const { key: matKey } = await ask('timingKey', { id, point: mat.point.id }, { headers: organiser });
    await ask('passings', { id, point: mat.point.id }, { headers: { ...auth(matKey), 'content-type': 'application/json' }, body: JSON.stringify({ passings: [{ chip: 'KX101', t: Date.now() - 200_000 }] }) });
    await ask('timing', { id }, { headers: organiser });
    await ask('feedStandings', { id });
    await ask('feedPassings', { id }, { query: { point: mat.point.id } });
    await ask('feedPositions', { id });
    await ask('setRace', { id }, { headers: organiser, body: JSON.stringify({ waves: [{ name: 'A', startsAt: null }], order: 'gun', embedSites: ['https://www.example.org'] }) });
    await ask('results', { id });
    await ask('results', { id }, { query: { format: 'csv' } });
    await ask('finishLine', { id });
    await ask('runnerList', { id }, { query: { cat: '10 km', sex: 'F', ag: 'F40', club: 'Harriers', wave: 'A' } });
    await ask('removeTimingPoint', { id, point: mat.point.id }, { headers: organiser });
    const { tracker } = await ask('addTracker', { id }, { headers: organiser, body: JSON.stringify({ runner: grace, kind: 'inreach', feed: 'GraceH' }) });
    await ask('trackers', { id }, { headers: organiser });
    await ask('removeTracker', { id, tracker: tracker.id }, { headers: organiser });

    await ask('removeRunner', { id, runner }, { headers: own });
    await ask('finish', { id }, { headers: organiser });
    phone.close();

    assert.deepEqual(ROUTE_NAMES.filter((n) => !answered.has(n)), [], 'every route of the table was asked');
  });
});

test('no page writes an /api path by hand: client/, components/ and app/ address routes through the table', () => {
  const root = join(__dirname, '..');
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((f) => {
      const path = join(dir, f);
      return statSync(join(root, path)).isDirectory() ? files(path) : /\.(ts|tsx)$/.test(f) ? [path] : [];
    });
  const written = ['client', 'components', 'app']
    .flatMap(files)
    .flatMap((path) => [...readFileSync(join(root, path), 'utf8').matchAll(/['"`]\/api\/[^'"`]*/g)].map((m) => `${path}: ${m[0]}`));
  assert.deepEqual(written, []);
});
