/** Unit: the hub's rules, driven by hand with a fake clock. No sockets, no files, no timers. */
import assert from 'node:assert/strict';
import { trackDistance } from '../lib/track';
import { beforeEach, describe, test } from 'node:test';
import {
  type ClientMessage,
  ErrorCode,
  EventIdSchema,
  type HappinessSample,
  LIMITS,
  type PositionMessage,
  RunnerIdSchema,
  type ServerMessage,
  TokenSchema,
  type TrackPoint,
} from '../lib/protocol';
import { cryptoCredentials } from '../server/credentials';
import { type Broadcast, type ConnId, DEFAULT_HUB_TIMINGS, type Effects, Hub, type Send } from '../server/hub';
import { slugify } from '../lib/slug';
import type { RestoredRunner, RestoredState, StoreOp } from '../server/store';

const T0 = 1_700_000_000_000;
let now = T0;

type Msg<K extends ServerMessage['type']> = Extract<ServerMessage, { type: K }>;

function newHub(): Hub {
  return new Hub({ now: () => now, credentials: cryptoCredentials, ...DEFAULT_HUB_TIMINGS });
}

/** A hub with one event, the clock reset. */
function setup(name = 'Sunday 10k') {
  now = T0;
  const hub = newHub();
  const { event } = hub.createEvent(name);
  return { hub, eventId: event.id };
}

function msgsTo(sends: Send[], to: ConnId): ServerMessage[] {
  return sends.filter((s) => s.to === to).map((s) => s.msg);
}

/** The one message in `sends`, checked for its type and recipient. */
function single<K extends ServerMessage['type']>(sends: Send[], to: ConnId, type: K): Msg<K> {
  assert.equal(sends.length, 1, `expected one message, got ${JSON.stringify(sends)}`);
  assert.equal(sends[0]!.to, to);
  assert.equal(sends[0]!.msg.type, type, `expected ${type}, got ${JSON.stringify(sends[0]!.msg)}`);
  return sends[0]!.msg as Msg<K>;
}

function assertError(fx: Effects, to: ConnId, code: ErrorCode, ref?: string) {
  const err = single(fx.send, to, 'error');
  assert.equal(err.code, code);
  if (ref) assert.equal(err.ref, ref);
  assert.deepEqual(fx.store, [], 'a refusal stores nothing');
  assert.deepEqual(fx.afterStore, [], 'a refusal acknowledges nothing');
  return err;
}

function join(hub: Hub, conn: ConnId, eventId: string, name = 'Ada', color = '#123456') {
  hub.connect(conn);
  const fx = hub.receive(conn, { type: 'join', event: eventId, name, color });
  const joined = single(fx.afterStore, conn, 'joined');
  assert.ok(joined.token);
  return { fx, joined, runnerId: joined.runnerId, token: joined.token };
}

function subscribe(hub: Hub, conn: ConnId, eventId: string): Msg<'snapshot'> {
  hub.connect(conn);
  return single(hub.receive(conn, { type: 'subscribe', event: eventId }).send, conn, 'snapshot');
}

/** A fix `i` steps north of the start, stamped `t` (the clock by default). */
function pos(seq: number, t = now, i = seq): PositionMessage {
  return { type: 'pos', seq, lat: 51.5 + i * 0.0001, lon: -0.12, t, acc: 5 };
}

function point(p: PositionMessage): TrackPoint {
  return [p.lat, p.lon, p.t];
}

/** Send a position; return the acknowledged seq (or null when none) and the store ops. */
function send(hub: Hub, conn: ConnId, p: PositionMessage) {
  const fx = hub.receive(conn, p);
  assert.deepEqual(fx.send, []);
  const ack = single(fx.afterStore, conn, 'ack');
  return { ack: ack.seq, stored: fx.store };
}

function updates(broadcasts: Broadcast[]): Msg<'update'>[] {
  return broadcasts.map((b) => {
    assert.equal(b.msg.type, 'update');
    return b.msg as Msg<'update'>;
  });
}

/**
 * What a store holding `ops` gives back on load, with the semantics the SQLite store has: events and
 * runners are upserted, a (runner, seq) is kept once, the latest mood wins, the last 20 cheers are kept.
 */
function replay(ops: readonly StoreOp[]): RestoredState {
  const events = new Map<string, RestoredState['events'][number]>();
  const runners = new Map<string, RestoredRunner>();
  const samples: RestoredState['samples'] = [];
  const links: RestoredState['links'] = [];
  const key = (event: string, id: string) => `${event}/${id}`;
  for (const op of ops) {
    switch (op.op) {
      case 'event':
        events.set(op.event.id, { event: { ...op.event }, organiserHash: op.organiserHash, viewCodeHash: op.viewCodeHash });
        break;
      case 'deleteRunner':
        runners.delete(key(op.event, op.runnerId));
        break;
      case 'runner': {
        const prev = runners.get(key(op.runner.event, op.runner.id));
        runners.set(
          key(op.runner.event, op.runner.id),
          prev
            ? { ...prev, name: op.runner.name, color: op.runner.color, stopped: op.runner.stopped }
            : { ...op.runner, mood: null, moodAt: null, cheers: [], positions: [], skipped: [] },
        );
        break;
      }
      case 'position': {
        const r = runners.get(key(op.event, op.runnerId))!;
        if (!r.positions.some((p) => p.seq === op.seq)) {
          const { op: _op, event: _event, runnerId: _runnerId, ...stored } = op;
          r.positions.push(stored);
          r.positions.sort((a, b) => a.seq - b.seq);
        }
        break;
      }
      case 'mood': {
        const r = runners.get(key(op.event, op.runnerId))!;
        if (r.moodAt === null || op.t >= r.moodAt) {
          r.mood = op.value;
          r.moodAt = op.t;
        }
        break;
      }
      case 'link': {
        const i = links.findIndex((l) => l.link.id === op.link.id);
        if (i >= 0) links[i] = { event: op.event, link: { ...op.link } };
        else links.push({ event: op.event, link: { ...op.link } });
        break;
      }
      case 'skip':
        runners.get(key(op.event, op.runnerId))!.skipped.push(op.seq);
        break;
      case 'sample':
        samples.push({ event: op.event, sample: op.sample });
        break;
      case 'cheer': {
        const r = runners.get(key(op.event, op.runnerId))!;
        r.cheers = [...r.cheers, op.cheer].slice(-20);
        break;
      }
    }
  }
  return { events: [...events.values()], runners: [...runners.values()], samples, links };
}

beforeEach(() => {
  now = T0;
});

describe('events', () => {
  test('an event gets a readable id made from its name', () => {
    const hub = newHub();
    assert.equal(hub.createEvent('Sunday 10k').event.id, 'sunday-10k');
    assert.equal(hub.createEvent('  Zürich Marathon — 2025!  ').event.id, 'zurich-marathon-2025');
    assert.equal(hub.createEvent('Crème Brûlée Fun Run').event.id, 'creme-brulee-fun-run');
  });

  test('events with the same name get distinct ids', () => {
    const hub = newHub();
    const ids = [1, 2, 3].map(() => hub.createEvent('Park Run').event.id);
    assert.deepEqual(ids, ['park-run', 'park-run-2', 'park-run-3']);
    assert.equal(hub.stats().events, 3);
  });

  test('a name whose slug is taken by a suffixed id still gets a unique id', () => {
    const hub = newHub();
    assert.equal(hub.createEvent('Park Run 2').event.id, 'park-run-2');
    assert.equal(hub.createEvent('Park Run').event.id, 'park-run');
    assert.equal(hub.createEvent('Park Run').event.id, 'park-run-3');
  });

  test('every slug is a valid event id, even from names with nothing usable or very long ones', () => {
    const hub = newHub();
    const names = ['東京マラソン', '!!!', '', '-- Night -- Run --', 'x'.repeat(200), `${'a'.repeat(47)}-b`, `${'a'.repeat(47)}!b`];
    for (const name of names) {
      for (let i = 0; i < 3; i++) {
        const { id } = hub.createEvent(name).event;
        assert.ok(EventIdSchema.safeParse(id).success, `"${id}" from "${name}" is not a valid event id`);
      }
    }
    assert.equal(slugify('東京マラソン'), 'event');
    assert.equal(slugify('-- Night -- Run --'), 'night-run');
    assert.ok(slugify('x'.repeat(200)).length <= 48);
  });

  test('creating an event asks to store it, live, stamped with the clock', () => {
    const hub = newHub();
    const { event, organiserToken, store } = hub.createEvent('Sunday 10k');
    assert.deepEqual(event, { id: 'sunday-10k', name: 'Sunday 10k', createdAt: T0, status: 'live', protected: false });
    assert.deepEqual(store, [{ op: 'event', event, organiserHash: cryptoCredentials.hash(organiserToken), viewCodeHash: null }]);
    assert.deepEqual(hub.getEvent('sunday-10k'), event);
  });

  test('ensureEvent creates an event once and then returns it without storing again', () => {
    const hub = newHub();
    const first = hub.ensureEvent('demo', 'Demo');
    assert.equal(first.store.length, 1);
    const again = hub.ensureEvent('demo', 'Another name');
    assert.deepEqual(again, { event: first.event, store: [] });
  });

  test('events are listed newest first with their runner counts', () => {
    const hub = newHub();
    hub.createEvent('Old');
    now += 1000;
    const { event } = hub.createEvent('New');
    join(hub, 1, event.id);
    const list = hub.listEvents();
    assert.deepEqual(
      list.map((e) => [e.id, e.runners, e.active]),
      [
        ['new', 1, 1],
        ['old', 0, 0],
      ],
    );
  });
});

describe('joining and resuming', () => {
  test('a connection is greeted with the protocol version and the server time', () => {
    const { hub } = setup();
    assert.deepEqual(hub.connect(1).send, [{ to: 1, msg: { type: 'hello', v: 1, now: T0 } }]);
  });

  test('joining gives a server-chosen runner id and a token, only once the runner is stored', () => {
    const { hub, eventId } = setup();
    const { fx, joined, runnerId, token } = join(hub, 1, eventId, 'Ada', '#abcdef');
    assert.deepEqual(fx.send, [], 'nothing is sent before the write');
    assert.ok(RunnerIdSchema.safeParse(runnerId).success, 'the id can be sent back in a resume');
    assert.ok(TokenSchema.safeParse(token).success, 'the token can be sent back in a resume');
    assert.deepEqual(joined, { type: 'joined', event: eventId, runnerId, token, name: 'Ada', color: '#abcdef', lastSeq: 0, cheers: [] });
    assert.equal(fx.store.length, 1);
    const op = fx.store[0]!;
    assert.equal(op.op, 'runner');
    if (op.op !== 'runner') return;
    assert.equal(op.runner.id, runnerId);
    assert.equal(op.runner.stopped, false);
    assert.notEqual(op.runner.tokenHash, token, 'the token is not stored in the clear');
    assert.ok(!JSON.stringify(fx.store).includes(token), 'the token appears nowhere in what is stored');
  });

  test('two runners joining get different ids and tokens', () => {
    const { hub, eventId } = setup();
    const a = join(hub, 1, eventId, 'Ada');
    const b = join(hub, 2, eventId, 'Bo');
    assert.notEqual(a.runnerId, b.runnerId);
    assert.notEqual(a.token, b.token);
    assert.equal(hub.stats().runners, 2);
  });

  test('joining an event that does not exist is refused', () => {
    const { hub } = setup();
    hub.connect(1);
    assertError(hub.receive(1, { type: 'join', event: 'nowhere', name: 'Ada', color: '#123456' }), 1, ErrorCode.NoSuchEvent);
    assert.equal(hub.stats().runners, 0);
  });

  test('a runner resumes with their token at once, and the token is never sent again', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId);
    hub.connect(2);
    const fx = hub.receive(2, { type: 'resume', event: eventId, runnerId, token });
    const joined = single(fx.send, 2, 'joined');
    assert.equal(joined.runnerId, runnerId);
    assert.equal(joined.token, undefined);
    assert.ok(!('token' in joined));
    assert.deepEqual(fx.store, [], 'an unchanged runner is not written again');
    assert.deepEqual(fx.afterStore, []);
  });

  test('resuming reports the highest contiguous sequence number the server holds', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId);
    for (const seq of [1, 2, 4]) send(hub, 1, pos(seq));
    hub.connect(2);
    const joined = single(hub.receive(2, { type: 'resume', event: eventId, runnerId, token }).send, 2, 'joined');
    assert.equal(joined.lastSeq, 2);
  });

  test('resuming with a new name stores it and tells spectators on the next tick', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId, 'Ada');
    subscribe(hub, 9, eventId);
    hub.tick();
    hub.connect(2);
    const fx = hub.receive(2, { type: 'resume', event: eventId, runnerId, token, name: 'Ada L.', color: '#ff0000' });
    assert.equal(single(fx.send, 2, 'joined').name, 'Ada L.');
    assert.equal(fx.store.length, 1);
    assert.equal(fx.store[0]!.op, 'runner');
    const [u] = updates(hub.tick());
    assert.deepEqual(
      u!.runners.map((r) => [r.id, r.name, r.color]),
      [[runnerId, 'Ada L.', '#ff0000']],
    );
  });

  test('a runner cannot resume with a wrong token', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId);
    hub.connect(2);
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    assertError(hub.receive(2, { type: 'resume', event: eventId, runnerId, token: wrong }), 2, ErrorCode.BadToken, 'resume');
    assertError(hub.receive(2, pos(1)), 2, ErrorCode.NotJoined, 'pos');
  });

  test("a runner cannot resume with another runner's token", () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada');
    const bo = join(hub, 2, eventId, 'Bo');
    hub.connect(3);
    assertError(
      hub.receive(3, { type: 'resume', event: eventId, runnerId: ada.runnerId, token: bo.token }),
      3,
      ErrorCode.BadToken,
      'resume',
    );
    assertError(hub.receive(3, pos(1)), 3, ErrorCode.NotJoined);
  });

  test('resuming as an unknown runner is refused exactly like a wrong token, so ids cannot be probed', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId);
    hub.connect(2);
    const unknown = assertError(
      hub.receive(2, { type: 'resume', event: eventId, runnerId: 'nobody123', token }),
      2,
      ErrorCode.BadToken,
    );
    const wrong = assertError(
      hub.receive(2, { type: 'resume', event: eventId, runnerId, token: 'x'.repeat(32) }),
      2,
      ErrorCode.BadToken,
    );
    assert.deepEqual(unknown, wrong);
  });

  test("a token from one event does not open a runner's namesake in another event", () => {
    const { hub, eventId } = setup();
    const other = hub.createEvent('Other').event.id;
    const { runnerId, token } = join(hub, 1, eventId);
    hub.connect(2);
    assertError(hub.receive(2, { type: 'resume', event: other, runnerId, token }), 2, ErrorCode.BadToken);
  });

  test('a refused resume changes nothing: no rename, and the connection keeps its own runner', () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada');
    const bo = join(hub, 2, eventId, 'Bo');
    subscribe(hub, 9, eventId);
    hub.tick();
    assertError(
      hub.receive(2, { type: 'resume', event: eventId, runnerId: ada.runnerId, token: bo.token, name: 'Hijacked' }),
      2,
      ErrorCode.BadToken,
    );
    assert.deepEqual(hub.tick(), [], 'nothing changed for spectators');
    send(hub, 2, pos(1));
    hub.tick();
    const snap = subscribe(hub, 10, eventId);
    const byId = Object.fromEntries(snap.runners.map((r) => [r.id, r]));
    assert.equal(byId[ada.runnerId]!.name, 'Ada');
    assert.equal(byId[ada.runnerId]!.track.length, 0, "Ada's trail got nothing");
    assert.equal(byId[bo.runnerId]!.track.length, 1, 'the position went to Bo, who holds the connection');
  });
});

describe('positions', () => {
  test('positions before joining are refused with not_joined', () => {
    const { hub } = setup();
    hub.connect(1);
    assertError(hub.receive(1, pos(1)), 1, ErrorCode.NotJoined, 'pos');
    assertError(hub.receive(1, { type: 'mood', value: 5 }), 1, ErrorCode.NotJoined, 'mood');
    assertError(hub.receive(1, { type: 'stop' }), 1, ErrorCode.NotJoined, 'stop');
  });

  test('a position is stored and then acknowledged with its seq', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    const p = { ...pos(1), alt: 20, spd: 3 };
    const { ack, stored } = send(hub, 1, p);
    assert.equal(ack, 1);
    assert.deepEqual(stored, [
      { op: 'position', event: eventId, runnerId, seq: 1, lat: p.lat, lon: p.lon, t: p.t, acc: 5, alt: 20, spd: 3, hdg: null, bat: null },
    ]);
  });

  test('the ack is the highest contiguous seq held', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    assert.deepEqual(
      [1, 2, 3].map((s) => send(hub, 1, pos(s)).ack),
      [1, 2, 3],
    );
  });

  test('a duplicate is acknowledged again without being stored a second time', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    send(hub, 1, pos(1));
    send(hub, 1, pos(2));
    const again = send(hub, 1, pos(1));
    assert.equal(again.ack, 2);
    assert.deepEqual(again.stored, []);
    hub.tick();
    const snap = subscribe(hub, 9, eventId);
    assert.equal(snap.runners[0]!.track.length, 2, 'the trail holds each seq once');
  });

  test('an out-of-order seq is held, and the ack jumps when the gap fills', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    assert.equal(send(hub, 1, pos(1)).ack, 1);
    const held = send(hub, 1, pos(3));
    assert.equal(held.ack, 1, 'seq 2 is missing');
    assert.equal(held.stored.length, 1, 'seq 3 is stored anyway');
    assert.equal(send(hub, 1, pos(4)).ack, 1);
    const resent = send(hub, 1, pos(3));
    assert.equal(resent.ack, 1);
    assert.deepEqual(resent.stored, [], 'a held seq sent again is not stored twice');
    assert.equal(send(hub, 1, pos(2)).ack, 4, 'the gap is filled: 1..4 are held');
  });

  test('a late point is put in seq order, and spectators get the whole trail again', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    const ps = [1, 2, 3, 4].map((s) => pos(s, T0 + s * 1000));
    send(hub, 1, ps[0]!);
    send(hub, 1, ps[2]!);
    send(hub, 1, ps[3]!);
    hub.tick();
    send(hub, 1, ps[1]!);
    const [u] = updates(hub.tick());
    assert.deepEqual(u!.tracks?.[runnerId], ps.map(point));
    assert.equal(u!.points[runnerId], undefined, 'a retraced runner gets no separate points');
    assert.deepEqual(subscribe(hub, 10, eventId).runners[0]!.track, ps.map(point));
  });

  /** A refused fix: an error naming its seq, the seq stored as settled, and an ack that moves past it. */
  function assertSettledRefusal(fx: Effects, conn: ConnId, seq: number, ack: number) {
    const err = single(fx.send, conn, 'error');
    assert.equal(err.code, ErrorCode.BadPosition);
    assert.equal(err.ref, 'pos');
    assert.equal(err.seq, seq);
    assert.deepEqual(
      fx.store.map((o) => o.op),
      ['skip'],
      'nothing but the settled seq is stored',
    );
    assert.equal(single(fx.afterStore, conn, 'ack').seq, ack);
  }

  test('a fix stamped further ahead than the allowed clock drift is refused, and later fixes are still acknowledged', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    assertSettledRefusal(hub.receive(1, pos(1, now + LIMITS.maxFutureMs + 1)), 1, 1, 1);
    assert.equal(send(hub, 1, pos(2, now + LIMITS.maxFutureMs)).ack, 2, 'drift up to the limit is tolerated');
    hub.tick();
    assert.equal(subscribe(hub, 9, eventId).runners[0]!.track.length, 1, 'the refused fix is not on the trail');
  });

  test('a refused fix sent again is refused again without a second store', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    const early = pos(1, T0 + LIMITS.maxFutureMs + 60_000);
    assertSettledRefusal(hub.receive(1, early), 1, 1, 1);
    const again = hub.receive(1, early);
    assert.equal(single(again.send, 1, 'error').code, ErrorCode.BadPosition);
    assert.deepEqual(again.store, []);
  });

  test('a fix older than the outbox can hold is refused', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    assertSettledRefusal(hub.receive(1, pos(1, now - LIMITS.maxPastMs - 1)), 1, 1, 1);
  });

  test('a refusal that settles a gap lets the ack jump past it', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    assert.equal(send(hub, 1, pos(1)).ack, 1);
    assert.equal(send(hub, 1, pos(3)).ack, 1);
    assertSettledRefusal(hub.receive(1, pos(2, now + LIMITS.maxFutureMs + 1)), 1, 2, 3);
  });

  test('each runner has its own sequence numbers', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId, 'Ada');
    join(hub, 2, eventId, 'Bo');
    assert.equal(send(hub, 1, pos(1)).ack, 1);
    assert.equal(send(hub, 2, pos(1)).ack, 1);
    assert.equal(send(hub, 2, pos(2)).ack, 2);
  });

  test('a message from a connection the hub does not know does nothing', () => {
    const { hub } = setup();
    assert.deepEqual(hub.receive(42, pos(1)), { send: [], store: [], afterStore: [] });
  });
});

describe('tick and snapshots', () => {
  test('tick sends one update per event, with every point since the last tick, to every subscriber', () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada');
    const bo = join(hub, 2, eventId, 'Bo');
    subscribe(hub, 8, eventId);
    subscribe(hub, 9, eventId);
    const adaPs = [1, 2, 3].map((s) => pos(s, T0 + s));
    const boPs = [1, 2].map((s) => pos(s, T0 + s, 10 + s));
    for (const p of adaPs) send(hub, 1, p);
    for (const p of boPs) send(hub, 2, p);
    const out = hub.tick();
    assert.equal(out.length, 1);
    assert.deepEqual([...out[0]!.to].sort(), [8, 9]);
    const [u] = updates(out);
    assert.equal(u!.event, eventId);
    assert.equal(u!.now, now);
    assert.deepEqual(u!.points, { [ada.runnerId]: adaPs.map(point), [bo.runnerId]: boPs.map(point) });
    assert.equal(u!.tracks, undefined);
    assert.deepEqual(u!.runners.map((r) => r.id).sort(), [ada.runnerId, bo.runnerId].sort());
  });

  test('a tick with nothing new sends nothing', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    send(hub, 1, pos(1));
    assert.equal(hub.tick().length, 1);
    assert.deepEqual(hub.tick(), []);
    send(hub, 1, pos(1));
    assert.deepEqual(hub.tick(), [], 'a duplicate is not news');
  });

  test('points already sent are not sent again in the next update', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    send(hub, 1, pos(1));
    hub.tick();
    send(hub, 1, pos(2));
    const [u] = updates(hub.tick());
    assert.deepEqual(u!.points, { [runnerId]: [point(pos(2))] });
    assert.deepEqual(u!.runners.map((r) => r.id), [runnerId], 'lastSeen changed');
  });

  test("subscribers of one event do not get another event's updates", () => {
    const { hub, eventId } = setup();
    const other = hub.createEvent('Other').event.id;
    join(hub, 1, eventId);
    join(hub, 2, other);
    subscribe(hub, 8, eventId);
    subscribe(hub, 9, other);
    send(hub, 1, pos(1));
    send(hub, 2, pos(1));
    const out = hub.tick();
    assert.deepEqual(
      out.map((b) => [(b.msg as Msg<'update'>).event, b.to]).sort(),
      [
        [eventId, [8]],
        [other, [9]],
      ].sort(),
    );
  });

  test('an event nobody watches broadcasts nothing, and its old points do not leak into later updates', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    send(hub, 1, pos(1));
    assert.deepEqual(hub.tick(), []);
    const snap = subscribe(hub, 9, eventId);
    assert.deepEqual(snap.runners[0]!.track, [point(pos(1))]);
    send(hub, 1, pos(2));
    const [u] = updates(hub.tick());
    assert.deepEqual(u!.points, { [runnerId]: [point(pos(2))] });
  });

  test('a new subscriber gets a snapshot of the event with every runner and full trails', () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada', '#aa0000');
    join(hub, 2, eventId, 'Bo');
    const ps = [1, 2, 3].map((s) => pos(s));
    for (const p of ps) send(hub, 1, p);
    hub.receive(1, { type: 'mood', value: 7 });
    hub.tick();
    const snap = subscribe(hub, 9, eventId);
    assert.deepEqual(snap.event, hub.getEvent(eventId));
    assert.equal(snap.now, now);
    assert.deepEqual(snap.happiness, []);
    assert.equal(snap.runners.length, 2);
    const a = snap.runners.find((r) => r.id === ada.runnerId)!;
    assert.deepEqual(a, {
      id: ada.runnerId,
      name: 'Ada',
      color: '#aa0000',
      status: 'active',
      lastSeen: ps[2]!.t,
      acc: 5,
      mood: 7,
      track: ps.map(point),
      distance: trackDistance(ps.map(point)),
    });
  });

  test('a long trail reaches a new subscriber simplified to the snapshot budget, with its full distance', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    const n = LIMITS.snapshotMaxPoints * 2;
    // A zigzag, so every point matters to the shape and the budget is what limits it.
    for (let seq = 1; seq <= n; seq++) {
      send(hub, 1, { type: 'pos', seq, lat: 51.5 + seq * 0.0001, lon: -0.12 + (seq % 2) * 0.0002, t: T0 - n + seq, acc: 5 });
    }
    hub.tick();
    const [r] = subscribe(hub, 9, eventId).runners;
    assert.equal(r!.track.length, LIMITS.snapshotMaxPoints);
    assert.equal(r!.track.at(-1)![0], 51.5 + n * 0.0001, 'the latest point is kept');
    const full = Array.from({ length: n }, (_, i): [number, number, number] => [51.5 + (i + 1) * 0.0001, -0.12 + ((i + 1) % 2) * 0.0002, T0 - n + i + 1]);
    assert.ok(Math.abs(r!.distance - trackDistance(full)) < 1e-6, 'distance is measured on the full trail');
  });

  test('subscribing to an event that does not exist is refused', () => {
    const { hub } = setup();
    hub.connect(1);
    assertError(hub.receive(1, { type: 'subscribe', event: 'nowhere' }), 1, ErrorCode.NoSuchEvent);
    assert.equal(hub.stats().subscriptions, 0);
  });

  test('a new runner appears in the next update before sending any fix', () => {
    const { hub, eventId } = setup();
    subscribe(hub, 9, eventId);
    const { runnerId } = join(hub, 1, eventId, 'Ada');
    const [u] = updates(hub.tick());
    assert.deepEqual(u!.runners, [
      { id: runnerId, name: 'Ada', color: '#123456', status: 'active', lastSeen: null, acc: null, mood: null },
    ]);
    assert.deepEqual(u!.points, {});
  });

  test('resync gives fresh snapshots of every event a connection follows', () => {
    const { hub, eventId } = setup();
    const other = hub.createEvent('Other').event.id;
    subscribe(hub, 9, eventId);
    hub.receive(9, { type: 'subscribe', event: other });
    const snaps = hub.resync(9);
    assert.deepEqual(snaps.map((s) => s.type === 'snapshot' && s.event.id).sort(), [eventId, other].sort());
    assert.deepEqual(hub.resync(12345), []);
  });
});

describe('runner status', () => {
  const { idleAfterMs, offlineAfterMs } = DEFAULT_HUB_TIMINGS;

  function statusAfter(hub: Hub, runnerId: string) {
    const out = updates(hub.tick());
    return out[0]?.runners.find((r) => r.id === runnerId)?.status;
  }

  test('a runner with no fix for idleAfterMs turns idle, and offline after offlineAfterMs', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    send(hub, 1, pos(1));
    hub.tick();
    now = T0 + idleAfterMs - 1;
    assert.deepEqual(hub.tick(), [], 'still active just before the idle threshold');
    now = T0 + idleAfterMs;
    assert.equal(statusAfter(hub, runnerId), 'idle');
    now = T0 + offlineAfterMs - 1;
    assert.deepEqual(hub.tick(), [], 'idle until the offline threshold');
    now = T0 + offlineAfterMs;
    assert.equal(statusAfter(hub, runnerId), 'offline');
    assert.equal(subscribe(hub, 10, eventId).runners[0]!.status, 'offline');
  });

  test('a runner who joined and never sent a fix goes idle counting from the join', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    hub.tick();
    now = T0 + idleAfterMs;
    assert.equal(statusAfter(hub, runnerId), 'idle');
  });

  test('a fresh fix makes an idle runner active again', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    send(hub, 1, pos(1));
    now = T0 + offlineAfterMs;
    assert.equal(statusAfter(hub, runnerId), 'offline');
    send(hub, 1, pos(2));
    assert.equal(statusAfter(hub, runnerId), 'active');
  });

  test('a runner who stops is shown stopped, stays stopped as time passes, and is active again on a new fix', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    send(hub, 1, pos(1));
    hub.tick();
    const fx = hub.receive(1, { type: 'stop' });
    assert.equal(fx.store.length, 1);
    assert.equal(fx.store[0]!.op === 'runner' && fx.store[0]!.runner.stopped, true);
    assert.equal(statusAfter(hub, runnerId), 'stopped');
    assert.deepEqual(hub.receive(1, { type: 'stop' }), { send: [], store: [], afterStore: [] }, 'stopping twice does nothing');
    now = T0 + offlineAfterMs * 2;
    assert.deepEqual(hub.tick(), []);
    send(hub, 1, pos(2));
    assert.equal(statusAfter(hub, runnerId), 'active');
  });

  test('a runner who runs again after stopping is stored as no longer stopped', () => {
    // The store is what restore() reads after a restart: what the hub asks to keep must match what it shows.
    const hub = newHub();
    const ops: StoreOp[] = [];
    const keep = (fx: { store: StoreOp[] }) => {
      ops.push(...fx.store);
    };
    const created = hub.createEvent('Sunday 10k');
    keep(created);
    const eventId = created.event.id;
    hub.connect(1);
    keep(hub.receive(1, { type: 'join', event: eventId, name: 'Ada', color: '#123456' }));
    keep(hub.receive(1, pos(1)));
    keep(hub.receive(1, { type: 'stop' }));
    keep(hub.receive(1, pos(2)));
    hub.tick();
    assert.equal(subscribe(hub, 9, eventId).runners[0]!.status, 'active', 'live: Ada is running again');

    const restarted = newHub();
    restarted.restore(replay(ops));
    assert.equal(
      subscribe(restarted, 9, eventId).runners[0]!.status,
      'active',
      'after a restart Ada should still be running, not stopped',
    );
  });
});

describe('happiness', () => {
  const { activeWindowMs } = DEFAULT_HUB_TIMINGS;

  function sampleFor(hub: Hub, eventId: string): HappinessSample {
    const { store } = hub.sampleHappiness();
    const op = store.find((o) => o.op === 'sample' && o.event === eventId);
    assert.ok(op && op.op === 'sample');
    return op.sample;
  }

  test("a sample is the mean of each active runner's latest mood, with their count", () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId, 'Ada');
    join(hub, 2, eventId, 'Bo');
    join(hub, 3, eventId, 'Cy');
    hub.receive(1, { type: 'mood', value: 2 });
    hub.receive(1, { type: 'mood', value: 8 });
    hub.receive(2, { type: 'mood', value: 5 });
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: 6.5, count: 2 }, 'Cy has not said');
  });

  test('the mean is rounded to two decimals', () => {
    const { hub, eventId } = setup();
    [7, 8, 8].forEach((v, i) => {
      join(hub, i + 1, eventId, `R${i}`);
      hub.receive(i + 1, { type: 'mood', value: v });
    });
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: 7.67, count: 3 });
  });

  test('with no runner reporting, the mean is null and the count 0', () => {
    const { hub, eventId } = setup();
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: null, count: 0 });
    join(hub, 1, eventId);
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: null, count: 0 }, 'a runner without a mood does not count');
  });

  test('a mood of 0 counts as a mood', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    hub.receive(1, { type: 'mood', value: 0 });
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: 0, count: 1 });
  });

  test('runners not heard from within the active window are left out', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId, 'Ada');
    join(hub, 2, eventId, 'Bo');
    hub.receive(1, { type: 'mood', value: 2 });
    hub.receive(2, { type: 'mood', value: 9 });
    now = T0 + activeWindowMs - 1;
    send(hub, 2, pos(1));
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: 5.5, count: 2 }, 'within the window both count');
    now = T0 + activeWindowMs + 1;
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: 9, count: 1 }, "Ada's mood is too old; Bo's fix keeps him in");
    now += activeWindowMs;
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: null, count: 0 });
  });

  test('a stopped runner is left out', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId, 'Ada');
    join(hub, 2, eventId, 'Bo');
    hub.receive(1, { type: 'mood', value: 2 });
    hub.receive(2, { type: 'mood', value: 9 });
    hub.receive(1, { type: 'stop' });
    assert.deepEqual(sampleFor(hub, eventId), { t: now, mean: 9, count: 1 });
  });

  test('a mood is stored, and spectators see it on the next tick', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    subscribe(hub, 9, eventId);
    hub.tick();
    const fx = hub.receive(1, { type: 'mood', value: 4 });
    assert.deepEqual(fx.store, [{ op: 'mood', runnerId, event: eventId, value: 4, t: now }]);
    const [u] = updates(hub.tick());
    assert.equal(u!.runners.find((r) => r.id === runnerId)!.mood, 4);
  });

  test("a sample goes to the event's subscribers only, and one is stored per live event", () => {
    const { hub, eventId } = setup();
    const other = hub.createEvent('Other').event.id;
    subscribe(hub, 9, eventId);
    const { broadcast, store } = hub.sampleHappiness();
    assert.deepEqual(
      store.map((o) => o.op === 'sample' && o.event).sort(),
      [eventId, other].sort(),
    );
    assert.deepEqual(broadcast, [{ to: [9], msg: { type: 'happiness', event: eventId, sample: { t: now, mean: null, count: 0 } } }]);
  });

  test('a late subscriber gets the happiness history in the snapshot', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    const history: HappinessSample[] = [];
    for (const v of [3, 6, 9]) {
      hub.receive(1, { type: 'mood', value: v });
      history.push(sampleFor(hub, eventId));
      now += 5000;
    }
    assert.deepEqual(subscribe(hub, 9, eventId).happiness, history);
    assert.deepEqual(
      history.map((s) => s.mean),
      [3, 6, 9],
    );
  });
});

describe('cheers', () => {
  test("a cheer reaches the runner's connection at once and is confirmed to the sender after it is stored", () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    hub.connect(5);
    const fx = hub.receive(5, { type: 'cheer', event: eventId, runnerId, text: 'Go Ada!', from: 'Grace' });
    const cheer = { from: 'Grace', text: 'Go Ada!', t: now };
    assert.deepEqual(fx.send, [{ to: 1, msg: { type: 'cheer', cheer } }]);
    assert.deepEqual(fx.store, [{ op: 'cheer', event: eventId, runnerId, cheer }]);
    assert.deepEqual(fx.afterStore, [{ to: 5, msg: { type: 'cheered', runnerId } }]);
  });

  test('a cheer without a sender name comes from "A spectator"', () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    hub.connect(5);
    const fx = hub.receive(5, { type: 'cheer', event: eventId, runnerId, text: 'Allez!' });
    assert.equal((msgsTo(fx.send, 1)[0] as Msg<'cheer'>).cheer.from, 'A spectator');
  });

  test('a cheer reaches every connection of the runner and none of another runner', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId, 'Ada');
    join(hub, 3, eventId, 'Bo');
    hub.connect(2);
    hub.receive(2, { type: 'resume', event: eventId, runnerId, token });
    hub.connect(5);
    const fx = hub.receive(5, { type: 'cheer', event: eventId, runnerId, text: 'Go!' });
    assert.deepEqual(fx.send.map((s) => s.to).sort(), [1, 2]);
  });

  test('a runner offline when cheered finds the cheer when resuming', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId);
    hub.disconnect(1);
    hub.connect(5);
    const fx = hub.receive(5, { type: 'cheer', event: eventId, runnerId, text: 'Go!' });
    assert.deepEqual(fx.send, [], 'nobody to tell now');
    assert.equal(fx.afterStore.length, 1, 'the sender is still told it was delivered to the server');
    hub.connect(2);
    const joined = single(hub.receive(2, { type: 'resume', event: eventId, runnerId, token }).send, 2, 'joined');
    assert.deepEqual(joined.cheers, [{ from: 'A spectator', text: 'Go!', t: now }]);
  });

  test('only the 20 latest cheers are kept for a runner', () => {
    const { hub, eventId } = setup();
    const { runnerId, token } = join(hub, 1, eventId);
    hub.connect(5);
    for (let i = 1; i <= 25; i++) hub.receive(5, { type: 'cheer', event: eventId, runnerId, text: `#${i}` });
    hub.connect(2);
    const joined = single(hub.receive(2, { type: 'resume', event: eventId, runnerId, token }).send, 2, 'joined');
    assert.deepEqual(
      joined.cheers.map((c) => c.text),
      Array.from({ length: 20 }, (_, i) => `#${i + 6}`),
    );
  });

  test('a cheer for an unknown runner or event is refused', () => {
    const { hub, eventId } = setup();
    hub.connect(5);
    assertError(hub.receive(5, { type: 'cheer', event: eventId, runnerId: 'nobody123', text: 'Go!' }), 5, ErrorCode.NoSuchRunner, 'cheer');
    assertError(hub.receive(5, { type: 'cheer', event: 'nowhere', runnerId: 'nobody123', text: 'Go!' }), 5, ErrorCode.NoSuchEvent);
  });
});

describe('connections', () => {
  test('disconnecting removes every subscription and the connection', () => {
    const { hub, eventId } = setup();
    const other = hub.createEvent('Other').event.id;
    subscribe(hub, 8, eventId);
    hub.receive(8, { type: 'subscribe', event: other });
    subscribe(hub, 9, eventId);
    join(hub, 1, eventId);
    assert.deepEqual(hub.stats(), { connections: 3, subscriptions: 3, events: 2, runners: 1 });
    hub.disconnect(8);
    hub.disconnect(9);
    hub.disconnect(1);
    assert.deepEqual(hub.stats(), { connections: 0, subscriptions: 0, events: 2, runners: 1 });
    hub.disconnect(9);
    assert.equal(hub.stats().connections, 0, 'disconnecting twice is harmless');
  });

  test('a disconnected subscriber gets no more updates', () => {
    const { hub, eventId } = setup();
    join(hub, 1, eventId);
    subscribe(hub, 8, eventId);
    subscribe(hub, 9, eventId);
    hub.disconnect(8);
    send(hub, 1, pos(1));
    assert.deepEqual(hub.tick().map((b) => b.to), [[9]]);
  });

  test('unsubscribing stops updates for that event only', () => {
    const { hub, eventId } = setup();
    const other = hub.createEvent('Other').event.id;
    join(hub, 1, eventId);
    join(hub, 2, other);
    subscribe(hub, 9, eventId);
    hub.receive(9, { type: 'subscribe', event: other });
    assert.deepEqual(hub.receive(9, { type: 'unsubscribe', event: eventId }), { send: [], store: [], afterStore: [] });
    assert.equal(hub.stats().subscriptions, 1);
    send(hub, 1, pos(1));
    send(hub, 2, pos(1));
    const out = hub.tick();
    assert.deepEqual(
      out.map((b) => (b.msg as Msg<'update'>).event),
      [other],
    );
  });

  test("a runner's closed connection no longer receives cheers", () => {
    const { hub, eventId } = setup();
    const { runnerId } = join(hub, 1, eventId);
    hub.disconnect(1);
    hub.connect(5);
    assert.deepEqual(hub.receive(5, { type: 'cheer', event: eventId, runnerId, text: 'Go!' }).send, []);
  });

  test('subscribing twice to the same event counts once', () => {
    const { hub, eventId } = setup();
    subscribe(hub, 9, eventId);
    hub.receive(9, { type: 'subscribe', event: eventId });
    assert.equal(hub.stats().subscriptions, 1);
    hub.disconnect(9);
    assert.equal(hub.stats().subscriptions, 0);
  });
});

describe('restore', () => {
  const token = 'restored-token-0123456789';

  function state(positions: number[], extra: Partial<RestoredRunner> = {}): RestoredState {
    return {
      events: [
        {
          event: { id: 'sunday-10k', name: 'Sunday 10k', createdAt: T0 - 3600_000, status: 'live', protected: false },
          organiserHash: '',
          viewCodeHash: null,
        },
      ],
      runners: [
        {
          id: 'runner01',
          event: 'sunday-10k',
          name: 'Ada',
          color: '#123456',
          tokenHash: cryptoCredentials.hash(token),
          deviceKeyHash: null,
          joinedAt: T0 - 3600_000,
          stopped: false,
          mood: 6,
          moodAt: T0 - 60_000,
          cheers: [{ from: 'Grace', text: 'Go!', t: T0 - 120_000 }],
          positions: positions.map((seq) => ({
            seq,
            lat: 51.5 + seq * 0.0001,
            lon: -0.12,
            t: T0 - 3_600_000 + seq * 1000,
            acc: 4,
            alt: null,
            spd: null,
            hdg: null,
            bat: null,
          })),
          skipped: [],
          ...extra,
        },
      ],
      links: [],
      samples: [
        { event: 'sunday-10k', sample: { t: T0 - 10_000, mean: 6, count: 1 } },
        { event: 'sunday-10k', sample: { t: T0 - 5_000, mean: 6, count: 1 } },
      ],
    };
  }

  function resume(hub: Hub, conn: ConnId) {
    hub.connect(conn);
    return single(
      hub.receive(conn, { type: 'resume', event: 'sunday-10k', runnerId: 'runner01', token } as ClientMessage).send,
      conn,
      'joined',
    );
  }

  test('restore rebuilds trails, runners, cheers and happiness history', () => {
    const hub = newHub();
    hub.restore(state([1, 2, 3]));
    assert.deepEqual(hub.stats(), { connections: 0, subscriptions: 0, events: 1, runners: 1 });
    const snap = subscribe(hub, 9, 'sunday-10k');
    const r = snap.runners[0]!;
    assert.deepEqual(r.track, [1, 2, 3].map((s) => [51.5 + s * 0.0001, -0.12, T0 - 3_600_000 + s * 1000]));
    assert.equal(r.lastSeen, T0 - 3_600_000 + 3000);
    assert.equal(r.acc, 4);
    assert.equal(r.mood, 6);
    assert.equal(r.status, 'offline', 'no fix for longer than offlineAfterMs');
    assert.deepEqual(
      snap.happiness.map((s) => s.t),
      [T0 - 10_000, T0 - 5_000],
    );
  });

  test('a restored runner resumes with the original token and learns the contiguous seq held', () => {
    const hub = newHub();
    hub.restore(state([1, 2, 3, 5]));
    const joined = resume(hub, 1);
    assert.equal(joined.lastSeq, 3);
    assert.deepEqual(joined.cheers, [{ from: 'Grace', text: 'Go!', t: T0 - 120_000 }]);
    assert.deepEqual(send(hub, 1, pos(5)).stored, [], 'a restored seq is a duplicate');
    assert.equal(send(hub, 1, pos(4)).ack, 5, 'the gap fills and the ack jumps past the restored seq 5');
  });

  test('a restored runner cannot be resumed with a wrong token', () => {
    const hub = newHub();
    hub.restore(state([1]));
    hub.connect(1);
    assertError(
      hub.receive(1, { type: 'resume', event: 'sunday-10k', runnerId: 'runner01', token: 'wrong-token-0123456789' }),
      1,
      ErrorCode.BadToken,
    );
  });

  test('a runner restored with a recent fix is active, and a stopped one stays stopped', () => {
    const recent = newHub();
    const s = state([1]);
    s.runners[0]!.positions[0]!.t = T0 - 1000;
    recent.restore(s);
    assert.equal(subscribe(recent, 9, 'sunday-10k').runners[0]!.status, 'active');

    const stopped = newHub();
    stopped.restore(state([1], { stopped: true }));
    assert.equal(subscribe(stopped, 9, 'sunday-10k').runners[0]!.status, 'stopped');
  });

  test('a restored runner without positions starts at seq 0', () => {
    const hub = newHub();
    hub.restore(state([]));
    assert.equal(resume(hub, 1).lastSeq, 0);
    assert.equal(send(hub, 1, pos(1)).ack, 1);
  });

  test('runners of an event that was not restored are skipped', () => {
    const hub = newHub();
    const s = state([1]);
    s.runners[0]!.event = 'gone';
    hub.restore(s);
    assert.deepEqual(hub.stats(), { connections: 0, subscriptions: 0, events: 1, runners: 0 });
  });

  test('a finished event takes no new runners and no positions, and is not sampled for happiness', () => {
    const hub = newHub();
    const s = state([1]);
    s.events[0]!.event.status = 'finished';
    hub.restore(s);
    hub.connect(1);
    assertError(
      hub.receive(1, { type: 'join', event: 'sunday-10k', name: 'Late', color: '#123456' }),
      1,
      ErrorCode.EventFinished,
      'join',
    );
    resume(hub, 2);
    // Refused for good: its seq is settled, so the phone's outbox lets go of it.
    const refused = hub.receive(2, pos(2));
    assert.equal(single(refused.send, 2, 'error').code, ErrorCode.EventFinished);
    assert.deepEqual(refused.store.map((o) => o.op), ['skip']);
    assert.equal(single(refused.afterStore, 2, 'ack').seq, 2);
    assert.deepEqual(hub.sampleHappiness(), { broadcast: [], store: [] });
    assert.equal(subscribe(hub, 9, 'sunday-10k').event.status, 'finished', 'spectators can still watch it');
  });

  test('a new event named like a restored one gets a fresh id', () => {
    const hub = newHub();
    hub.restore(state([]));
    assert.equal(hub.createEvent('Sunday 10k').event.id, 'sunday-10k-2');
  });

  test('replaying what the hub asked to store restores the same trails and seqs', () => {
    const hub = newHub();
    const ops: StoreOp[] = [];
    const created = hub.createEvent('Sunday 10k');
    ops.push(...created.store);
    const eventId = created.event.id;
    const { fx, runnerId, token: tok } = join(hub, 1, eventId);
    ops.push(...fx.store);
    for (const seq of [1, 2, 4, 3, 6]) ops.push(...hub.receive(1, pos(seq)).store);
    ops.push(...hub.receive(1, { type: 'mood', value: 8 }).store);
    const liveSnap = subscribe(hub, 9, eventId);

    const restarted = newHub();
    restarted.restore(replay(ops));
    const snap = subscribe(restarted, 9, eventId);
    assert.deepEqual(snap.runners[0]!.track, liveSnap.runners[0]!.track);
    assert.equal(snap.runners[0]!.mood, 8);
    restarted.connect(1);
    const joined = single(restarted.receive(1, { type: 'resume', event: eventId, runnerId, token: tok }).send, 1, 'joined');
    assert.equal(joined.lastSeq, 4);
  });
});

describe('following chosen runners', () => {
  test('a follower of one runner gets only that runner, in its snapshot and its updates', () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada');
    const bo = join(hub, 2, eventId, 'Bo');
    send(hub, 1, pos(1));
    send(hub, 2, pos(1));
    hub.tick();
    hub.connect(7);
    const snap = single(hub.receive(7, { type: 'subscribe', event: eventId, runners: [ada.runnerId] }).send, 7, 'snapshot');
    assert.deepEqual(
      snap.runners.map((r) => r.id),
      [ada.runnerId],
    );
    subscribe(hub, 8, eventId);
    send(hub, 1, pos(2));
    send(hub, 2, pos(2));
    const out = hub.tick();
    const toFollower = out.filter((b) => b.to.includes(7));
    assert.equal(toFollower.length, 1);
    const u = toFollower[0]!.msg as Msg<'update'>;
    assert.deepEqual(Object.keys(u.points), [ada.runnerId]);
    assert.ok(u.runners.every((r) => r.id === ada.runnerId));
    const whole = out.find((b) => b.to.includes(8))!.msg as Msg<'update'>;
    assert.deepEqual(Object.keys(whole.points).sort(), [ada.runnerId, bo.runnerId].sort());
  });

  test('followers of the same runners share one frame; nothing is sent when their runners are quiet', () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada');
    join(hub, 2, eventId, 'Bo');
    hub.tick();
    for (const c of [7, 8]) {
      hub.connect(c);
      hub.receive(c, { type: 'subscribe', event: eventId, runners: [ada.runnerId] });
    }
    send(hub, 1, pos(1));
    const shared = hub.tick().filter((b) => b.to.includes(7));
    assert.deepEqual(shared[0]!.to.sort(), [7, 8]);
    send(hub, 2, pos(1));
    assert.deepEqual(
      hub.tick().filter((b) => b.to.includes(7)),
      [],
    );
  });

  test('subscribing again for the whole event lifts the choice', () => {
    const { hub, eventId } = setup();
    const ada = join(hub, 1, eventId, 'Ada');
    join(hub, 2, eventId, 'Bo');
    hub.connect(7);
    hub.receive(7, { type: 'subscribe', event: eventId, runners: [ada.runnerId] });
    const snap = single(hub.receive(7, { type: 'subscribe', event: eventId }).send, 7, 'snapshot');
    assert.equal(snap.runners.length, 2);
    assert.equal(hub.stats().subscriptions, 1);
  });
});
