/** Unit: parsing and validating client frames. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  cleanText,
  ErrorCode,
  LIMITS,
  parseClientFrame,
} from '../lib/protocol';

const EVENT = 'sunday-10k';
const RUNNER = 'AbC123_-';
const TOKEN = 'tok_0123456789abcdefXYZ';
const T = 1_700_000_000_000;

const validPos = { type: 'pos', seq: 1, lat: 51.5, lon: -0.12, t: T, acc: 5 };

function parse(frame: unknown) {
  return parseClientFrame(JSON.stringify(frame));
}

function accepted(frame: unknown): ClientMessage {
  const r = parse(frame);
  assert.ok(r.ok, `expected ${JSON.stringify(frame)} to parse, got ${JSON.stringify(r)}`);
  return r.msg;
}

function refused(frame: unknown, code: ErrorCode) {
  const r = typeof frame === 'string' ? parseClientFrame(frame) : parse(frame);
  assert.equal(r.ok, false, `expected ${typeof frame === 'string' ? frame : JSON.stringify(frame)} to be refused`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.code, code);
  assert.ok(r.message.length > 0, 'a refusal explains itself');
  return r;
}

describe('parseClientFrame: valid frames', () => {
  const examples: Record<ClientMessage['type'], Record<string, unknown>> = {
    join: { type: 'join', event: EVENT, name: 'Ada', color: '#1a2B3c' },
    resume: { type: 'resume', event: EVENT, runnerId: RUNNER, token: TOKEN },
    pos: validPos,
    mood: { type: 'mood', value: 7 },
    stop: { type: 'stop' },
    subscribe: { type: 'subscribe', event: EVENT },
    interest: { type: 'interest', event: EVENT, follow: [RUNNER], view: { west: -74, south: 40.7, east: -73.9, north: 40.8, zoom: 13 } },
    who: { type: 'who', event: EVENT, n: [0, 5, 17] },
    unsubscribe: { type: 'unsubscribe', event: EVENT },
    cheer: { type: 'cheer', event: EVENT, runnerId: RUNNER, text: 'Go Ada!' },
  };

  test('one valid frame of every client message type parses to the same message', () => {
    assert.deepEqual([...CLIENT_MESSAGE_TYPES].sort(), Object.keys(examples).sort());
    for (const frame of Object.values(examples)) assert.deepEqual(accepted(frame), frame);
  });

  test('a resume may carry a new name and colour', () => {
    const msg = accepted({ ...examples.resume, name: 'Ada L.', color: '#000000' });
    assert.deepEqual(msg, { ...examples.resume, name: 'Ada L.', color: '#000000' });
  });

  test('a cheer may say who it is from', () => {
    const msg = accepted({ ...examples.cheer, from: 'Grace' });
    assert.equal((msg as Extract<ClientMessage, { type: 'cheer' }>).from, 'Grace');
  });

  test('a position may carry altitude, speed and heading, or nulls for them', () => {
    const full = { ...validPos, alt: 35.5, spd: 3.2, hdg: 359.9 };
    assert.deepEqual(accepted(full), full);
    const nulls = { ...validPos, alt: null, spd: null, hdg: null };
    assert.deepEqual(accepted(nulls), nulls);
  });

  test('positions on the limits of the globe are taken', () => {
    accepted({ ...validPos, lat: 90, lon: 180 });
    accepted({ ...validPos, lat: -90, lon: -180 });
    accepted({ ...validPos, acc: 0, hdg: 0, spd: 0 });
    accepted({ ...validPos, hdg: 360 });
  });

  test('mood takes every whole value from 0 to 10', () => {
    for (let v = LIMITS.moodMin; v <= LIMITS.moodMax; v++) accepted({ type: 'mood', value: v });
  });

  test('fields the protocol does not know are dropped', () => {
    const msg = accepted({ type: 'subscribe', event: EVENT, admin: true });
    assert.deepEqual(msg, { type: 'subscribe', event: EVENT });
  });
});

describe('parseClientFrame: refused frames', () => {
  test('text that is not JSON is refused as bad_json', () => {
    refused('{not json', ErrorCode.BadJson);
    refused('', ErrorCode.BadJson);
    refused('{"type":"stop"', ErrorCode.BadJson);
  });

  test('JSON that is not an object is refused as bad_message', () => {
    for (const frame of ['null', '[]', '[{"type":"stop"}]', '"stop"', '42', 'true']) refused(frame, ErrorCode.BadMessage);
  });

  test('an object without a known type is refused as unknown_type', () => {
    refused({}, ErrorCode.UnknownType);
    refused({ type: 'teleport' }, ErrorCode.UnknownType);
    refused({ type: 5 }, ErrorCode.UnknownType);
    refused({ type: 'JOIN', event: EVENT, name: 'Ada', color: '#123456' }, ErrorCode.UnknownType);
    refused({ type: 'toString' }, ErrorCode.UnknownType);
    refused('{"type":"__proto__"}', ErrorCode.UnknownType);
  });

  test('a known type with a missing field is refused and names the field', () => {
    const r = refused({ type: 'join', event: EVENT, color: '#123456' }, ErrorCode.BadMessage);
    assert.equal(r.ref, 'join');
    assert.match(r.message, /name/);
    refused({ type: 'subscribe' }, ErrorCode.BadMessage);
    refused({ type: 'cheer', event: EVENT, runnerId: RUNNER }, ErrorCode.BadMessage);
    refused({ type: 'resume', event: EVENT, runnerId: RUNNER }, ErrorCode.BadMessage);
    refused({ type: 'mood' }, ErrorCode.BadMessage);
  });

  test('a bad position is refused as bad_position with the position as ref', () => {
    const { lat: _lat, ...withoutLat } = validPos;
    const r = refused(withoutLat, ErrorCode.BadPosition);
    assert.equal(r.ref, 'pos');
    assert.match(r.message, /lat/);
  });

  test('latitude beyond ±90 and longitude beyond ±180 are refused', () => {
    refused({ ...validPos, lat: 91 }, ErrorCode.BadPosition);
    refused({ ...validPos, lat: -90.000001 }, ErrorCode.BadPosition);
    refused({ ...validPos, lon: -181 }, ErrorCode.BadPosition);
    refused({ ...validPos, lon: 180.5 }, ErrorCode.BadPosition);
  });

  test('numbers too large for a double (JSON 1e400 reads as Infinity) are refused', () => {
    for (const field of ['lat', 'lon', 'acc', 'seq', 't', 'alt', 'spd', 'hdg']) {
      const frame = JSON.stringify(validPos).replace(/}$/, `,"${field}":1e400}`);
      // The later duplicate key wins in JSON.parse.
      assert.equal((JSON.parse(frame) as Record<string, number>)[field], Number.POSITIVE_INFINITY);
      refused(frame, ErrorCode.BadPosition);
      refused(frame.replace('1e400', '-1e400'), ErrorCode.BadPosition);
    }
  });

  test('huge but finite numbers are refused by the field limits', () => {
    refused({ ...validPos, lat: 1e308 }, ErrorCode.BadPosition);
    refused({ ...validPos, acc: 1e308 }, ErrorCode.BadPosition);
    refused({ ...validPos, seq: 2 ** 53 }, ErrorCode.BadPosition);
    refused({ ...validPos, t: 1e300 }, ErrorCode.BadPosition);
    refused({ type: 'mood', value: 1e300 }, ErrorCode.BadMessage);
  });

  test('a negative accuracy is refused', () => {
    refused({ ...validPos, acc: -1 }, ErrorCode.BadPosition);
  });

  test('sequence numbers start at 1 and are whole', () => {
    refused({ ...validPos, seq: 0 }, ErrorCode.BadPosition);
    refused({ ...validPos, seq: -1 }, ErrorCode.BadPosition);
    refused({ ...validPos, seq: 1.5 }, ErrorCode.BadPosition);
    refused({ ...validPos, seq: '1' }, ErrorCode.BadPosition);
    accepted({ ...validPos, seq: LIMITS.maxSeq });
    // Above that the server numbers tracking-app fixes.
    refused({ ...validPos, seq: LIMITS.maxSeq + 1 }, ErrorCode.BadPosition);
  });

  test('a timestamp must be a whole, non-negative number of milliseconds', () => {
    refused({ ...validPos, t: -1 }, ErrorCode.BadPosition);
    refused({ ...validPos, t: T + 0.5 }, ErrorCode.BadPosition);
    refused({ ...validPos, t: String(T) }, ErrorCode.BadPosition);
  });

  test('speed, heading and altitude outside their ranges are refused', () => {
    refused({ ...validPos, spd: -0.1 }, ErrorCode.BadPosition);
    refused({ ...validPos, hdg: 360.1 }, ErrorCode.BadPosition);
    refused({ ...validPos, alt: -1001 }, ErrorCode.BadPosition);
  });

  test('mood outside 0 to 10 or not whole is refused', () => {
    refused({ type: 'mood', value: 11 }, ErrorCode.BadMessage);
    refused({ type: 'mood', value: -1 }, ErrorCode.BadMessage);
    refused({ type: 'mood', value: 5.5 }, ErrorCode.BadMessage);
    refused({ type: 'mood', value: '7' }, ErrorCode.BadMessage);
  });

  test('event ids, runner ids, tokens and colours must have their shapes', () => {
    refused({ type: 'subscribe', event: 'Sunday 10k' }, ErrorCode.BadMessage);
    refused({ type: 'subscribe', event: '-sunday' }, ErrorCode.BadMessage);
    refused({ type: 'subscribe', event: 'sunday-' }, ErrorCode.BadMessage);
    refused({ type: 'subscribe', event: '' }, ErrorCode.BadMessage);
    refused({ type: 'resume', event: EVENT, runnerId: 'abc', token: TOKEN }, ErrorCode.BadMessage);
    refused({ type: 'resume', event: EVENT, runnerId: RUNNER, token: 'short' }, ErrorCode.BadMessage);
    refused({ type: 'resume', event: EVENT, runnerId: 'has space!', token: TOKEN }, ErrorCode.BadMessage);
    refused({ type: 'join', event: EVENT, name: 'Ada', color: 'red' }, ErrorCode.BadMessage);
    refused({ type: 'join', event: EVENT, name: 'Ada', color: '#12345' }, ErrorCode.BadMessage);
    accepted({ type: 'subscribe', event: 'a' });
  });
});

describe('names and cheers', () => {
  test('control and invisible characters are removed from a runner name', () => {
    const msg = accepted({ type: 'join', event: EVENT, name: '\u0007A\u0000d\u202ea\u200b\n', color: '#123456' });
    assert.equal((msg as Extract<ClientMessage, { type: 'join' }>).name, 'Ada');
  });

  test('surrounding white space is trimmed from a name', () => {
    const msg = accepted({ type: 'join', event: EVENT, name: '   Ada Lovelace  ', color: '#123456' });
    assert.equal((msg as Extract<ClientMessage, { type: 'join' }>).name, 'Ada Lovelace');
  });

  test('a name that is empty once cleaned is refused', () => {
    for (const name of ['', '   ', '\u0000\u0001', '\u200b\u200e \u2066', '\t\n']) {
      const r = refused({ type: 'join', event: EVENT, name, color: '#123456' }, ErrorCode.BadMessage);
      assert.match(r.message, /name/);
    }
  });

  test('a name is at most 40 characters after cleaning', () => {
    accepted({ type: 'join', event: EVENT, name: 'x'.repeat(LIMITS.nameMax), color: '#123456' });
    refused({ type: 'join', event: EVENT, name: 'x'.repeat(LIMITS.nameMax + 1), color: '#123456' }, ErrorCode.BadMessage);
    // Padding that cleaning removes does not count.
    accepted({ type: 'join', event: EVENT, name: `  ${'x'.repeat(LIMITS.nameMax)}\u0000  `, color: '#123456' });
  });

  test('a cheer of 140 characters is taken and one of 141 refused', () => {
    const cheer = (text: string) => ({ type: 'cheer', event: EVENT, runnerId: RUNNER, text });
    accepted(cheer('y'.repeat(LIMITS.cheerMax)));
    const r = refused(cheer('y'.repeat(LIMITS.cheerMax + 1)), ErrorCode.BadMessage);
    assert.equal(r.ref, 'cheer');
    assert.match(r.message, /text/);
  });

  test('a very long cheer made mostly of removable characters is refused before cleaning', () => {
    refused(
      { type: 'cheer', event: EVENT, runnerId: RUNNER, text: `Go!${'\u0000'.repeat(LIMITS.cheerMax * 4)}` },
      ErrorCode.BadMessage,
    );
  });

  test('an empty cheer and an empty sender name are refused', () => {
    refused({ type: 'cheer', event: EVENT, runnerId: RUNNER, text: ' \u0000 ' }, ErrorCode.BadMessage);
    refused({ type: 'cheer', event: EVENT, runnerId: RUNNER, text: 'Go!', from: '  ' }, ErrorCode.BadMessage);
  });

  test('a cheer and its sender name are cleaned like runner names', () => {
    const msg = accepted({ type: 'cheer', event: EVENT, runnerId: RUNNER, text: ' Go\u202e! ', from: '\u0000Grace ' });
    assert.deepEqual(msg, { type: 'cheer', event: EVENT, runnerId: RUNNER, text: 'Go!', from: 'Grace' });
  });
});

describe('cleanText', () => {
  test('removes C0 and C1 control characters and DEL', () => {
    assert.equal(cleanText('a\u0000b\u001fc\u007fd\u0085e\u009f'), 'abcde');
  });

  test('removes line and paragraph separators, zero-width characters and bidi overrides', () => {
    assert.equal(cleanText('a\u2028b\u2029c\u200bd\u200ee\u202af\u202eg\u2066h\u2069'), 'abcdefgh');
  });

  test('trims surrounding white space but keeps inner spaces', () => {
    assert.equal(cleanText('  Ada  Lovelace \u00a0'), 'Ada  Lovelace');
  });

  test('keeps accents, non-Latin scripts and emoji', () => {
    assert.equal(cleanText('Zoë 東京 🏃'), 'Zoë 東京 🏃');
  });

  test('leaves clean text unchanged', () => {
    assert.equal(cleanText('Go Ada, go!'), 'Go Ada, go!');
  });
});

test('a refused position names its sequence number so the server can settle it', () => {
  const bad = parseClientFrame(JSON.stringify({ type: 'pos', seq: 7, lat: 91, lon: 0, t: 1, acc: 1 }));
  assert.equal(bad.ok, false);
  assert.equal(!bad.ok && bad.seq, 7);
  const noSeq = parseClientFrame(JSON.stringify({ type: 'pos', seq: 'x', lat: 0, lon: 0, t: 1, acc: 1 }));
  assert.equal(!noSeq.ok && noSeq.seq, undefined);
});
