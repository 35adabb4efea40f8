/**
 * Driving a room by hand in unit tests: a fake clock, and a fake commit that stands in for the write
 * pipeline (it numbers positions and skips as the store would and runs the command's continuation).
 * No sockets, no files, no timers.
 */
import assert from 'node:assert/strict';
import { beforeEach } from 'node:test';
import type { PositionMessage, ServerMessage } from '../../lib/protocol';
import type { ErrorCode } from '../../lib/protocol';
import { cryptoCredentials } from '../../server/credentials';
import type { Applied, Delivery, Effects } from '../../server/room/effects';
import { position } from '../../server/room/fixes';
import { join as joinRule } from '../../server/room/runners';
import { DEFAULT_TIMINGS } from '../../server/room/deps';
import { Room } from '../../server/room/state';
import type { EventRecord, RoomRecord } from '../../server/storage/store';

export const T0 = 1_700_000_000_000;

/** The room's time, and the store's last arrival number; both start again before every test. */
export const clock = { now: T0, arrival: 0 };

beforeEach(() => {
  clock.now = T0;
  clock.arrival = 0;
});

export type Msg<K extends ServerMessage['type']> = Extract<ServerMessage, { type: K }>;

export function eventRecord(overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    info: { id: 'sunday-10k', name: 'Sunday 10k', createdAt: T0, status: 'live', protected: false },
    organiserHash: cryptoCredentials.hash('organiser-token-0000'),
    viewCodeHash: null,
    quotas: {},
    ...overrides,
  };
}

export function newRoom(record: Partial<RoomRecord> = {}): Room {
  return new Room(
    { event: eventRecord(), runners: [], links: [], samples: [], alerts: [], maxArrival: 0, course: null, timingPoints: [], trackers: [], controls: [], ...record },
    { now: () => clock.now, secrets: cryptoCredentials, timings: DEFAULT_TIMINGS },
  );
}

/** The write commits: positions, skips and passings get arrivals unless `duplicates` says they existed already. */
export function commit<R>(fx: Effects<R>, duplicates = new Set<number>()): Applied<R> {
  assert.ok(fx.commit, `expected something to wait for a write: ${JSON.stringify(fx.send)}`);
  const arrivals = fx.write.map((op, i) => (op.op === 'position' || op.op === 'skip' || op.op === 'passing' ? (duplicates.has(i) ? null : ++clock.arrival) : null));
  return fx.commit(arrivals);
}

export const toSender = (ds: readonly Delivery[]) => ds.filter((d) => 'sender' in d.to).map((d) => d.msg);

export function only<K extends ServerMessage['type']>(ds: readonly Delivery[], type: K): Msg<K> {
  const msgs = ds.map((d) => d.msg);
  assert.equal(msgs.length, 1, `expected one message, got ${JSON.stringify(msgs)}`);
  assert.equal(msgs[0]!.type, type, JSON.stringify(msgs[0]));
  return msgs[0] as Msg<K>;
}

export function errorOf(fx: Effects<unknown>, code: ErrorCode) {
  const err = only(fx.send, 'error');
  assert.equal(err.code, code);
  assert.deepEqual(fx.write, [], 'a refusal writes nothing');
  return err;
}

/** A runner joins and is stored. */
export function join(room: Room, name = 'Ada') {
  const fx = joinRule(room, name, '#123456');
  assert.deepEqual(fx.send, [], 'nothing is said before the runner is stored');
  assert.equal(fx.write[0]!.op, 'runner');
  const applied = commit(fx);
  const joined = only(applied.send, 'joined');
  assert.ok(joined.token);
  assert.deepEqual(applied.sessions, [{ bind: joined.runnerId }]);
  return { runnerId: joined.runnerId, token: joined.token, joined };
}

/** A fix `i` steps north of the start, stamped `t` (by default the clock plus `seq` ms, so each time differs). */
export function pos(seq: number, t = clock.now + seq, i = seq): PositionMessage {
  return { type: 'pos', seq, lat: 51.5 + i * 0.0001, lon: -0.12, t, acc: 5 };
}

/** Send a fix and commit it; returns the ack. */
export function send(room: Room, runnerId: string, p: PositionMessage): number {
  const fx = position(room, runnerId, p);
  const sent = fx.commit ? commit(fx).send : fx.send;
  const ack = toSender(sent).find((m): m is Msg<'ack'> => m.type === 'ack');
  assert.ok(ack, `no ack in ${JSON.stringify(sent)}`);
  return ack.seq;
}
