/**
 * Integration: start lists, timing points and passings on a real server over loopback: a CSV start list
 * imported with a bad row refused and fixed, a claim from a phone, passings posted as JSON and as decoder
 * lines and pushed over the TCP listener (acknowledged only once durable, kept once, surviving a restart),
 * unknown chips for the organiser, and the open race feed with ETags and CORS.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { outAndBackGpx } from './support/out-and-back';
import { waitFor } from './support/wait';
import { makeEvent, startTestServer, TestClient, type TestServer } from './helpers';

const START = [40.7712, -73.9741] as const;

/** A decoder connected over TCP: the lines it was sent back. */
class Decoder {
  readonly lines: string[] = [];
  private buf = '';
  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buf += d;
      const parts = this.buf.split('\r\n');
      this.buf = parts.pop()!;
      this.lines.push(...parts);
    });
    socket.on('error', () => {});
  }
  static async open(port: number): Promise<Decoder> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Decoder(socket);
  }
  send(text: string): void {
    this.socket.write(text);
  }
  waitLine(pred: (l: string) => boolean, what: string): Promise<string> {
    return waitFor(() => this.lines.find(pred), { what, timeout: 15_000 });
  }
  closed(): Promise<true> {
    return waitFor(() => this.socket.destroyed || this.socket.readableEnded || undefined, { what: 'the connection to close', timeout: 15_000 });
  }
}

describe('timing over HTTP and TCP', () => {
  let srv: TestServer;
  let event = '';
  let token = '';
  const api = (path: string, init: RequestInit & { auth?: string } = {}) =>
    fetch(`${srv.url}/api/events/${event}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), ...(init.auth ? { authorization: `Bearer ${init.auth}` } : {}) } });
  const organiserJson = async (path: string, method = 'GET', body?: unknown) => {
    const res = await api(path, { method, auth: token, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };

  before(async () => {
    srv = await startTestServer({ TIMING_TCP_PORT: '0', RUNNERS_PER_HOUR_PER_IP: '1000' });
    ({ event: { id: event }, organiserToken: token } = await makeEvent(srv, 'Mats 5k'));
    const res = await api('/course', { method: 'PUT', auth: token, body: outAndBackGpx(START, 'Reservoir') });
    assert.equal(res.status, 200);
    await api('/race', { method: 'PUT', auth: token, body: JSON.stringify({ startsAt: Date.now() - 3600_000 }), headers: { 'content-type': 'application/json' } });
  });
  after(() => srv.dispose());

  test('a CSV start list with a bad row is refused whole, naming the line; fixed, it is saved', async () => {
    const bad = 'Startnummer;Vorname;Nachname;Geschlecht;Jahrgang;Transponder\n1;Ada;Lovelace;W;1985;KX1\n2;Alan;Turing;Q;1992;KX2\n3;Grace;Hopper;W;1976;KX3\n';
    const refused = await api('/entries', { method: 'POST', auth: token, body: bad, headers: { 'content-type': 'text/csv' } });
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: { code: string; message: string; rows: Array<{ line: number; errors: string[] }> } };
    assert.equal(body.error.code, 'bad_entries');
    assert.match(body.error.message, /1 of 3 entries cannot be saved \(line 3: sex “Q”/);
    assert.deepEqual(body.error.rows.map((r) => r.line), [3]);
    assert.deepEqual((await organiserJson('/entries')).body.entries, [], 'nothing was saved');
    const good = bad.replace(';Q;', ';M;');
    const dry = await api('/entries?dryRun=1', { method: 'POST', auth: token, body: good, headers: { 'content-type': 'text/csv' } });
    assert.deepEqual(await dry.json(), { entries: 3, saved: false });
    const saved = await api('/entries', { method: 'POST', auth: token, body: good, headers: { 'content-type': 'text/csv' } });
    assert.deepEqual(await saved.json(), { created: 3, updated: 0, saved: true });
    const list = (await organiserJson('/entries')).body.entries as Array<{ bib: string; name: string; entry: { claimCode: string; chip: string } }>;
    assert.deepEqual(list.map((e) => [e.bib, e.name, e.entry.chip]), [
      ['1', 'Ada Lovelace', 'KX1'],
      ['2', 'Alan Turing', 'KX2'],
      ['3', 'Grace Hopper', 'KX3'],
    ]);
    const csv = await (await api('/entries?format=csv', { auth: token })).text();
    assert.match(csv, new RegExp(`1,Ada,Lovelace,${list[0]!.entry.claimCode},F,1985`));
    assert.equal((await api('/entries')).status, 401, 'the organiser’s only');
  });

  test('a phone claims an entry by bib with its code; without it, or a taken bib, it is refused', async () => {
    const list = (await organiserJson('/entries')).body.entries as Array<{ bib: string; runnerId: string; entry: { claimCode: string } }>;
    const phone = await TestClient.connect(srv.wsUrl);
    phone.send({ type: 'join', event, name: 'Ada', color: '#e31a1c', bib: '3' });
    assert.equal((await phone.next('error')).code, 'claim_required');
    phone.send({ type: 'join', event, name: 'Ada', color: '#e31a1c', bib: '3', claim: list[2]!.entry.claimCode });
    const joined = await phone.next('joined');
    assert.equal(joined.runnerId, list[2]!.runnerId);
    const other = await TestClient.connect(srv.wsUrl);
    other.send({ type: 'join', event, name: 'Ada', color: '#e31a1c', bib: '3', claim: list[2]!.entry.claimCode });
    assert.equal((await other.next('error')).code, 'bib_claimed');
    phone.close();
    other.close();
  });

  test('passings over HTTP as JSON and decoder lines are kept once; unknown chips are shown to the organiser', async () => {
    const created = await organiserJson('/timing', 'POST', { name: 'Start', at: 0, timeZone: 'UTC' });
    assert.equal(created.status, 201);
    const { point, key } = created.body as { point: { id: string }; key: string };
    const t0 = Date.now() - 600_000;
    const post = (body: string, type: string, auth = key) => api(`/timing/${point.id}/passings`, { method: 'POST', auth, body, headers: { 'content-type': type } });
    const json = await post(JSON.stringify({ passings: [{ chip: 'KX1', t: t0 }, { chip: 'kx1', t: t0 }, { chip: 'NOPE', time: new Date(t0 + 1000).toISOString() }, { chip: 'bad chip' }] }), 'application/json');
    assert.equal(json.status, 200);
    const out = (await json.json()) as { stored: number; duplicates: number; unknown: number; refused: Record<string, number>; problems: string[] };
    assert.deepEqual([out.stored, out.duplicates, out.unknown, out.refused], [2, 1, 1, { malformed: 1 }]);
    assert.match(out.problems[0]!, /passing 4: chip/);
    const d = new Date(t0 + 2000);
    const p2 = (n: number) => String(n).padStart(2, '0');
    const line = (chip: string) => `${chip};${p2(d.getUTCDate())}-${p2(d.getUTCMonth() + 1)}-${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.000;0A;1;;0`;
    const lines = await post(`${line('KX2')}\r\n${line('KX2')}\r\n*\r\n`, 'text/plain');
    assert.deepEqual(((await lines.json()) as { stored: number }).stored, 1);
    assert.equal((await post(line('KX3'), 'text/plain', 'wrong-key')).status, 401);
    assert.equal((await post('rubbish;here', 'text/plain')).status, 400, 'a batch with nothing readable is refused');
    const view = (await organiserJson('/timing')).body as { points: Array<{ passings: number; heardAt: number }>; unknownChips: Array<{ chip: string; passings: number }> };
    assert.equal(view.points[0]!.passings, 3);
    assert.deepEqual(view.unknownChips.map((c) => [c.chip, c.passings]), [['NOPE', 1]]);
  });

  test('a decoder pushing over TCP: key first, ACK once durable, ERR for a bad line, passings kept across a restart', async () => {
    const created = await organiserJson('/timing', 'POST', { name: 'Turnaround', at: 2500, timeZone: 'Europe/London' });
    const { point, key } = created.body as { point: { id: string }; key: string };
    const wrong = await Decoder.open(srv.timingPort!);
    wrong.send('not-a-real-key-at-all\r\n');
    await wrong.waitLine((l) => l.startsWith('ERR unknown key'), 'the refusal of a wrong key');
    await wrong.closed();

    const decoder = await Decoder.open(srv.timingPort!);
    decoder.send(`${key}\r\n`);
    await decoder.waitLine((l) => l === 'OK Turnaround', 'the greeting');
    const when = new Date(Date.now() - 120_000);
    const local = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
        .formatToParts(when)
        .map((p) => [p.type, p.value]),
    );
    const stamp = `${local.day}-${local.month}-${local.year} ${local.hour}:${local.minute}:${local.second}.250`;
    // KX2 a little later at the same mat: the order between the two is then the mats', not a tie.
    const later = stamp.replace(/\.250$/, '.750');
    decoder.send(`KX1;${stamp};1;7;80;0\r*\rthis is not a passing\rKX2;${later};1;8;;0\r`);
    await decoder.waitLine((l) => l.startsWith('ERR line'), 'the bad line named');
    const ack = await decoder.waitLine((l) => l.startsWith('ACK'), 'the acknowledgement');
    assert.equal(ack, 'ACK 3');
    const feed = (await (await api(`/feed/passings?point=${point.id}`)).json()) as { points: Array<{ passings: Array<{ bib: string; t: number }> }> };
    assert.deepEqual(feed.points[0]!.passings.map((p) => p.bib), ['1', '2']);
    assert.equal(feed.points[0]!.passings[0]!.t, Math.floor(when.getTime() / 1000) * 1000 + 250, 'local time read in the point’s zone');
    // The decoder sends them again (a rewind): acknowledged, kept once.
    decoder.send(`KX1;${stamp};1;7;80;1\r`);
    await decoder.waitLine((l) => l === 'ACK 4', 'the second acknowledgement');
    decoder.socket.end();

    // Restart on the same data: the passings are there.
    const dataDir = srv.dataDir;
    await srv.close();
    srv = await startTestServer({ TIMING_TCP_PORT: '0' }, {}, dataDir);
    const again = (await (await api(`/feed/passings?point=${point.id}`)).json()) as { points: Array<{ passings: unknown[] }> };
    assert.equal(again.points[0]!.passings.length, 2);
  });

  test('the export holds the start list’s public part and the passings by runner, never a chip or claim code', async () => {
    const body = (await (await api('/export.json')).json()) as {
      runners: Array<{ bib: string; entry: { sex: string } | null }>;
      passings: Array<{ point: string; runner: string; t: number }>;
    };
    assert.deepEqual(body.runners.map((r) => [r.bib, r.entry?.sex]).sort((a, b) => a[0]!.localeCompare(b[0]!)), [
      ['1', 'F'],
      ['2', 'M'],
      ['3', 'F'],
    ]);
    assert.equal(body.passings.length, 4, 'KX1 and KX2 at the start and at the turnaround; the unknown chip left out');
    const text = JSON.stringify(body);
    assert.ok(!/KX\d|claimCode|1985/.test(text), 'no chips, claim codes or birth years');
  });

  test('the open race feed: standings, positions as GeoJSON, with ETag and CORS', async () => {
    const res = await api('/feed/standings');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const etag = res.headers.get('etag')!;
    const body = (await res.json()) as { standings: Array<{ bib: string; pos: number | null; state: string; entry: unknown }> };
    assert.deepEqual(body.standings.slice(0, 2).map((s) => [s.bib, s.pos]), [
      ['1', 1],
      ['2', 2],
    ]);
    assert.ok(!JSON.stringify(body).includes('1985') && !JSON.stringify(body).includes('KX1'), 'no birth year, no chip');
    assert.equal((await api('/feed/standings', { headers: { 'if-none-match': etag } })).status, 304);
    const geo = (await (await api('/feed/positions.geojson')).json()) as { type: string; features: Array<{ properties: { bib: string; basis: string } }> };
    assert.equal(geo.type, 'FeatureCollection');
    assert.deepEqual(geo.features.filter((f) => f.properties.bib === '1').map((f) => f.properties.basis), ['predicted']);
  });
});
