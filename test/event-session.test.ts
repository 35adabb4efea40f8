/**
 * Unit: the watching session carries out what the watch reducer decides, over an in-memory socket: it
 * subscribes on every connection, again after a gap, and views hear of a burst of messages once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventSession } from '../client/event-session';
import type { SocketLike } from '../client/socket-like';
import { encodeTrail } from '../lib/polyline';
import type { ClientMessage, EventInfo, ServerMessage } from '../lib/protocol';

const T = 1_700_000_000_000;
const EVENT: EventInfo = { id: 'club-night', name: 'Club night', createdAt: T, status: 'live', protected: false };

/** A socket in memory: the test opens it, feeds it server messages and reads what the page sent. */
class MemorySocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: ClientMessage[] = [];

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: 'gone' });
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }
  close(): void {
    this.readyState = 3;
  }
}

function snapshot(seq: number): ServerMessage {
  const last: [number, number, number] = [51.5, -0.12, T];
  return {
    type: 'snapshot',
    event: EVENT,
    epoch: 'e1',
    seq,
    runners: [{ id: 'ada', name: 'Ada', color: '#123456', status: 'active', lastSeen: T, mood: null, trail: encodeTrail([last]), last, distance: 0, points: 1 }],
    happiness: [],
    alerts: [],
    now: T,
  };
}

function watch(access: { code?: string } = {}) {
  const sockets: MemorySocket[] = [];
  const flushes: Array<() => void> = [];
  const session = new EventSession({
    url: 'ws://test/ws',
    event: EVENT.id,
    access,
    createSocket: () => {
      const s = new MemorySocket();
      sockets.push(s);
      return s;
    },
    schedule: (flush) => flushes.push(flush),
    now: () => T,
  });
  return { session, sockets, flushes };
}

describe('EventSession', () => {
  test('it subscribes as soon as the connection opens, with the view code it holds', () => {
    const { session, sockets } = watch({ code: 'heron-42' });
    sockets[0]!.open();
    assert.deepEqual(sockets[0]!.sent, [{ type: 'subscribe', event: EVENT.id, code: 'heron-42' }]);
    session.close();
  });

  test('a gap in the offsets makes it subscribe again on the same connection', () => {
    const { session, sockets } = watch();
    const socket = sockets[0]!;
    socket.open();
    socket.receive(snapshot(10));
    socket.receive({ type: 'update', event: EVENT.id, epoch: 'e1', seq: 12, prev: 11, now: T, runners: [], points: {}, distance: {} });
    assert.deepEqual(
      socket.sent.map((m) => m.type),
      ['subscribe', 'subscribe'],
    );
    session.close();
  });

  test('a burst of messages reaches views once, when the scheduler runs', () => {
    const { session, sockets, flushes } = watch();
    let heard = 0;
    session.subscribe(() => heard++);
    sockets[0]!.open();
    sockets[0]!.receive(snapshot(10));
    for (let seq = 11; seq < 20; seq++) {
      sockets[0]!.receive({ type: 'update', event: EVENT.id, epoch: 'e1', seq, prev: seq - 1, now: T, runners: [], points: { ada: [[51.5, -0.12, T + seq * 1000]] }, distance: {} });
    }
    assert.equal(heard, 0);
    assert.equal(flushes.length, 1, 'one flush asked for, however many messages');
    flushes[0]!();
    assert.equal(heard, 1);
    assert.equal(session.getSnapshot().view.runners.ada!.track.length, 10);
    session.close();
  });

  test('a cheer without a connection says so at once', () => {
    const { session } = watch();
    session.cheer('ada', 'Go!', '');
    assert.deepEqual(session.getSnapshot().cheer, { state: 'failed', message: 'Not connected: the cheer was not sent. Try again in a moment.' });
    session.close();
  });

  test('a closed session makes no new connection after a drop', () => {
    const { session, sockets } = watch();
    sockets[0]!.open();
    sockets[0]!.drop();
    session.close();
    assert.equal(session.getSnapshot().connection.state, 'closed');
    assert.equal(sockets.length, 1, 'closed: no reconnection is made');
  });
});
