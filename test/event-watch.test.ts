/** Unit: watching an event — the socket policy every page that watches shares, as a pure reducer. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Connection, initialWatch, readAccess, reduceWatch, subscribeMessage, type WatchEffect, type WatchInput, type WatchState } from '../client/event-watch';
import { encodeTrail } from '../lib/polyline';
import { ErrorCode, type EventInfo, type ServerMessage } from '../lib/protocol';

const T = 1_700_000_000_000;
const EVENT: EventInfo = { id: 'club-night', name: 'Club night', createdAt: T - 3600_000, status: 'live', protected: false };

const open: Connection = { state: 'open', retryInMs: null, transport: 'websocket' };
const reconnecting: Connection = { state: 'reconnecting', retryInMs: 800, transport: 'websocket' };

function snapshot(seq = 10, epoch = 'e1'): ServerMessage {
  const track: [number, number, number][] = [[51.5, -0.12, T]];
  return {
    type: 'snapshot',
    event: EVENT,
    epoch,
    seq,
    runners: [{ id: 'ada', name: 'Ada', color: '#123456', status: 'active', lastSeen: T, mood: null, trail: encodeTrail(track), last: track[0]!, distance: 0, points: 1 }],
    happiness: [],
    alerts: [],
    now: T,
  };
}

function error(code: ErrorCode, extra: Partial<Extract<ServerMessage, { type: 'error' }>> = {}): ServerMessage {
  return { type: 'error', code, message: `refused: ${code}`, ...extra };
}

/** Feed inputs in order; the state after them and every effect they asked for. */
function run(state: WatchState, ...inputs: WatchInput[]): { state: WatchState; effects: WatchEffect[] } {
  const effects: WatchEffect[] = [];
  for (const input of inputs) {
    const next = reduceWatch(state, input);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

const server = (msg: ServerMessage, now = T): WatchInput => ({ type: 'server', msg, now });

describe('subscribing', () => {
  test('every connection that opens subscribes, the first and each one after a drop', () => {
    const { effects } = run(initialWatch({}), { type: 'connection', connection: open }, { type: 'connection', connection: reconnecting }, { type: 'connection', connection: open });
    assert.deepEqual(effects, [{ do: 'subscribe' }, { do: 'subscribe' }]);
  });

  test('the subscribe frame carries the one key that opens the event: a share link, then the organiser token, then a view code', () => {
    assert.deepEqual(subscribeMessage('e', {}), { type: 'subscribe', event: 'e' });
    assert.deepEqual(subscribeMessage('e', { code: 'heron-42' }), { type: 'subscribe', event: 'e', code: 'heron-42' });
    assert.deepEqual(subscribeMessage('e', { code: 'heron-42', organiser: 'o'.repeat(20) }), { type: 'subscribe', event: 'e', organiser: 'o'.repeat(20) });
    assert.deepEqual(subscribeMessage('e', { code: 'x', share: 's'.repeat(20) }), { type: 'subscribe', event: 'e', share: 's'.repeat(20) });
    assert.deepEqual(readAccess({ organiser: 'o'.repeat(20) }), {}, 'the organiser token never goes into a URL');
  });

  test('an update that shows a gap in the offsets asks for a fresh snapshot', () => {
    const { state } = run(initialWatch({}), server(snapshot(10)));
    const gap: ServerMessage = { type: 'update', event: EVENT.id, epoch: 'e1', seq: 13, prev: 12, now: T, runners: [], points: {}, distance: {} };
    const after = reduceWatch(state, server(gap));
    assert.deepEqual(after.effects, [{ do: 'subscribe' }]);
    assert.equal(after.state.view.seq, 10, 'nothing after the gap is applied');
  });

  test('an update from another epoch (the server rebuilt its state) asks for a fresh snapshot', () => {
    const { state } = run(initialWatch({}), server(snapshot(10)));
    const other: ServerMessage = { type: 'update', event: EVENT.id, epoch: 'e2', seq: 1, prev: 0, now: T, runners: [], points: {}, distance: {} };
    assert.deepEqual(reduceWatch(state, server(other)).effects, [{ do: 'subscribe' }]);
  });

  test('a busy server gets the subscribe again when it says, and never sooner than a second', () => {
    const busy = run(initialWatch({}), server(error(ErrorCode.RateLimited, { ref: 'subscribe', retryAfterMs: 4000 })));
    assert.deepEqual(busy.effects, [{ do: 'subscribe-later', ms: 4000 }]);
    const soon = run(initialWatch({}), server(error(ErrorCode.StorageUnavailable, { ref: 'subscribe', retryAfterMs: 10 })));
    assert.deepEqual(soon.effects, [{ do: 'subscribe-later', ms: 1000 }]);
  });

  test('the picture follows the server clock as given with each message', () => {
    const { state } = run(initialWatch({}), server(snapshot(), T - 2000));
    assert.equal(state.view.clockOffset, 2000);
  });
});

describe('links and codes', () => {
  test('a withdrawn link ends the watch for good: nothing more is asked, even after a reconnection', () => {
    const { state, effects } = run(initialWatch({ share: 's'.repeat(20) }), { type: 'connection', connection: open }, server(error(ErrorCode.LinkRevoked)));
    assert.equal(state.gone, `refused: ${ErrorCode.LinkRevoked}`);
    assert.deepEqual(effects, [{ do: 'subscribe' }, { do: 'close' }]);
    const later = run(state, { type: 'connection', connection: reconnecting }, { type: 'connection', connection: open });
    assert.deepEqual(later.effects, []);
  });

  test('a protected event asks for the view code; a wrong one says so; the right one opens it and is kept', () => {
    let { state } = run(initialWatch({}), server(error(ErrorCode.ViewCodeRequired, { ref: 'subscribe' })));
    assert.equal(state.lock, 'required');
    const tried = run(state, { type: 'unlock', code: 'wrong-code' }, server(error(ErrorCode.BadViewCode, { ref: 'subscribe' })));
    assert.deepEqual(tried.effects, [{ do: 'subscribe' }]);
    assert.equal(tried.state.lock, 'wrong');
    const right = run(tried.state, { type: 'unlock', code: 'heron-42' }, server(snapshot()));
    assert.equal(right.state.lock, null);
    assert.deepEqual(right.state.access, { code: 'heron-42' });
    assert.deepEqual(right.effects, [{ do: 'subscribe' }, { do: 'keep-code', code: 'heron-42' }]);
    ({ state } = right);
    assert.equal(state.view.order.length, 1);
  });

  test('the organiser is never locked out: an event protected just now is subscribed to again with the token', () => {
    const { state, effects } = run(initialWatch({ organiser: 'o'.repeat(20) }), server(snapshot()), server(error(ErrorCode.ViewCodeRequired, { ref: 'subscribe' })));
    assert.equal(state.lock, null);
    assert.deepEqual(effects, [{ do: 'subscribe' }]);
  });
});

describe('cheers', () => {
  test('a cheer goes from sending to sent, or says why it failed; following another runner forgets it', () => {
    const sending = run(initialWatch({}), { type: 'cheer', status: { state: 'sending' } });
    assert.deepEqual(sending.state.cheer, { state: 'sending' });
    assert.deepEqual(run(sending.state, server({ type: 'cheered', runnerId: 'ada', online: true })).state.cheer, { state: 'sent' });
    const refused = run(sending.state, server(error(ErrorCode.RateLimited, { ref: 'cheer' })));
    assert.deepEqual(refused.state.cheer, { state: 'failed', message: `refused: ${ErrorCode.RateLimited}` });
    assert.deepEqual(refused.effects, [], 'a refused cheer does not subscribe again');
    assert.deepEqual(run(refused.state, { type: 'cheer', status: { state: 'idle' } }).state.cheer, { state: 'idle' });
  });

  test('messages that change nothing keep the same state object, so views do not redraw', () => {
    const { state } = run(initialWatch({}), server(snapshot()));
    assert.equal(reduceWatch(state, server({ type: 'hello', v: 2, now: T })).state, state);
  });
});
