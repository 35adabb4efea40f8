/**
 * Unit: the gateway every live transport enters by (server/live/gateway.ts), with fake peers and an injected
 * clock: connections per address, each frame's budget before it is read, binary frames, and posts for
 * streams held here or elsewhere. No sockets, no sleeps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, ErrorCode, LIMITS } from '../../lib/protocol';
import { ConnectionLimiter } from '../../server/limits/admission';
import { Access } from '../../server/live/access';
import { EventIndex } from '../../server/live/event-index';
import { Fanout } from '../../server/live/fanout';
import { Gateway } from '../../server/live/gateway';
import type { Rooms } from '../../server/live/rooms';
import { Sessions } from '../../server/live/sessions';
import { FakePeer } from './fake-peer';

function gateway(opts: { maxPerAddress?: number; streamTag?: string } = {}) {
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;
  const index = new EventIndex();
  const fanout = new Fanout();
  const rooms = { known: () => false, info: () => undefined, peek: () => undefined } as unknown as Rooms;
  const sessions = new Sessions({
    rooms,
    fanout,
    access: new Access(index, now),
    now,
    run: () => Promise.reject(new Error('no commands in these tests')),
    query: () => Promise.reject(new Error('no queries in these tests')),
    open: () => Promise.resolve(false),
    presence: () => {},
    runsHere: () => true,
    admit: () => null,
    joinsPerHourPerIp: 60,
    snapshotsPerSecondPerIp: 20,
  });
  const elsewhere: Array<{ stream: string; body: string }> = [];
  const gw = new Gateway({
    sessions,
    limiter: new ConnectionLimiter(opts.maxPerAddress ?? 3),
    postElsewhere: async (stream, body) => {
      elsewhere.push({ stream, body });
      return 'ok';
    },
    streamTag: opts.streamTag ?? '',
  });
  return { gw, sessions, clock, elsewhere };
}

describe('the gateway', () => {
  test('an address holds at most its connections; a closed one gives its place back', () => {
    const { gw } = gateway({ maxPerAddress: 2 });
    assert.equal(gw.admit('10.0.0.1'), true);
    assert.equal(gw.admit('10.0.0.1'), true);
    assert.equal(gw.admit('10.0.0.1'), false, 'the third is refused');
    assert.equal(gw.admit('10.0.0.2'), true, 'another address is counted apart');
    const c = gw.connect(new FakePeer(), '10.0.0.1');
    c.closed();
    c.closed();
    assert.equal(gw.admit('10.0.0.1'), true, 'closing twice gives back one place');
    assert.equal(gw.admit('10.0.0.1'), false);
  });

  test('every client is greeted with the protocol version, and a frame it sends is read', () => {
    const { gw } = gateway();
    const peer = new FakePeer();
    const c = gw.connect(peer, '10.0.0.1');
    assert.equal(peer.sent[0]?.type, 'hello');
    c.receive('{"type":"nonsense"}');
    assert.equal(peer.of('error')[0]?.code, ErrorCode.UnknownType);
  });

  test('a binary frame is refused: the protocol is JSON text', () => {
    const { gw } = gateway();
    const peer = new FakePeer();
    gw.connect(peer, '10.0.0.1').receiveBinary();
    assert.equal(peer.of('error')[0]?.code, ErrorCode.BinaryFrame);
  });

  test('frames past the budget are refused unread, a flood is cut off, and the budget refills with time', () => {
    const { gw, clock } = gateway();
    const peer = new FakePeer();
    const c = gw.connect(peer, '10.0.0.1');
    for (let i = 0; i < LIMITS.rateBurst; i++) c.receive('{"type":"unsubscribe","event":"x"}');
    assert.equal(peer.of('error').length, 0, 'the burst is allowed');
    c.receive('{"type":"unsubscribe","event":"x"}');
    assert.equal(peer.of('error').at(-1)?.code, ErrorCode.RateLimited);
    clock.now += 1000;
    const before = peer.of('error').length;
    c.receive('{"type":"unsubscribe","event":"x"}');
    assert.equal(peer.of('error').length, before, 'a second later there is room again');
    for (let i = 0; i < LIMITS.ratePerSecond + LIMITS.rateStrikes + 5 && !peer.closedWith; i++) c.receive('{"type":"unsubscribe","event":"x"}');
    assert.equal(peer.closedWith?.code, CloseCode.Policy);
  });

  test('a post for a stream held here reaches its client; one made elsewhere is handed over; an unknown one is gone', async () => {
    const { gw, elsewhere } = gateway({ streamTag: 'HERE1234' });
    const peer = new FakePeer();
    const stream = gw.streamId('abcdefghijklmnopqrstuvwx');
    assert.ok(stream.startsWith('HERE1234'));
    const c = gw.connect(peer, '10.0.0.1', stream);
    assert.equal(await gw.post(stream, '{"type":"nonsense"}'), 'ok');
    assert.equal(peer.of('error')[0]?.code, ErrorCode.UnknownType);
    assert.equal(gw.mayHold('THERE123xyz'), true);
    assert.equal(await gw.post('THERE123xyz', '{}'), 'ok');
    assert.deepEqual(elsewhere, [{ stream: 'THERE123xyz', body: '{}' }]);
    assert.equal(gw.mayHold('HERE1234unknown'), false, 'a stream id of this instance that it does not hold');
    assert.equal(await gw.post('HERE1234unknown', '{}'), 'gone');
    c.closed();
    assert.equal(await gw.post(stream, '{}'), 'gone', 'a closed stream takes no more posts');
  });

  test('while the server stops, it says so to transports', () => {
    const { gw } = gateway();
    assert.equal(gw.accepting, true);
    gw.stopAccepting();
    assert.equal(gw.accepting, false);
  });
});
