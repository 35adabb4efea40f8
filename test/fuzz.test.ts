/**
 * Hostile traffic over real sockets: thousands of malformed, out-of-range, oversized, binary and flooding
 * frames from many connections, while an honest runner and an honest spectator carry on. Every hostile frame
 * must be answered by exactly one `error` (the one its content calls for, or `rate_limited`), or be lost to a
 * close with 1008 (flooding) or 1009 (too big); nothing else may come back and nothing may change.
 *
 * The frames come from a seeded PRNG (one stream per connection slot): FUZZ_SEED=<n> reproduces a run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { CloseCode, ErrorCode, LIMITS, type ServerMessage, type TrackPoint } from '../lib/protocol';
import { MESSAGE_COST } from '../server/limits/admission';
import { fix, joinAsRunner, publishTick, startTestServer, TestClient, makeEvent } from './helpers';
import { sleep, waitFor, within } from './support/wait';

const SEED = Number(process.env.FUZZ_SEED ?? 0x7ac51de) >>> 0;
const HOSTILE_CONNECTIONS = 40;
/** Hostile frames to send besides floods; the assertions want at least MIN_FRAMES judged on their content. */
const TARGET_FRAMES = 12_000;
const MIN_FRAMES = 10_000;
/** The honest runner sends at least this many points, all while hostile traffic runs. */
const HONEST_MIN_POINTS = 200;
const FLOOD_FRAMES = 1000;
const HOSTILE_BUDGET_MS = 40_000;
const ANSWER_TIMEOUT_MS = 20_000;

/** mulberry32: small, fast, good enough to pick fuzz cases, and reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const str = (len: number, alphabet: string) => {
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[int(alphabet.length)];
    return s;
  };
  return { next, int, pick, str, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

/** What a frame must be answered with: an error code (or one of several), or a 1009 close. */
type Expect = ErrorCode | ErrorCode[] | 'too_big';
interface Frame {
  data: string | Buffer;
  binary?: boolean;
  expect: Expect;
  cat: string;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-';
const SLUG_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Everything cleanText strips, plus white space that trim() removes. */
const INVISIBLE = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 33 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069',
  ' ', '\u00a0', '\u3000', '\ufeff', '\u2003',
];
const J = JSON.stringify;

/** What a frame costs from its connection's budget: by the kind it claims to be, one token when unreadable. */
function cost(f: { data: string | Buffer; binary?: boolean }): number {
  if (f.binary || typeof f.data !== 'string') return 1;
  try {
    const type = (JSON.parse(f.data) as { type?: unknown }).type;
    return typeof type === 'string' && Object.hasOwn(MESSAGE_COST, type) ? MESSAGE_COST[type]! : 1;
  } catch {
    return 1;
  }
}

/** The frame generator: hostile content only, never a valid join, subscribe, unsubscribe or cheer. */
function makeGenerator(ctx: { eventId: string; honestRunnerId: () => string }) {
  const unknownEvent = (r: Rng) => `nope-${r.str(1 + r.int(20), SLUG_CHARS)}`;
  const randomRunnerId = (r: Rng) => r.str(6 + r.int(27), ID_CHARS);
  const randomToken = (r: Rng) => r.str(16 + r.int(113), ID_CHARS);
  const invisible = (r: Rng, n: number) => Array.from({ length: n }, () => r.pick(INVISIBLE)).join('');
  const validFix = (r: Rng) => ({
    type: 'pos',
    seq: 1 + r.int(1000),
    lat: r.next() * 180 - 90,
    lon: r.next() * 360 - 180,
    t: Date.now() - r.int(60_000),
    acc: r.next() * 50,
  });
  const deep = (r: Rng, open: string, close: string, inner = '0') => {
    const depth = 50 + r.int(Math.floor((LIMITS.maxFrameBytes - 200) / (open.length + close.length)) - 50);
    return open.repeat(depth) + inner + close.repeat(depth);
  };

  const gens: Array<[weight: number, cat: string, gen: (r: Rng) => Omit<Frame, 'cat'>]> = [
    [6, 'bad_json', (r) => ({
      data: r.pick([
        '{not json', '', ' ', '{', '}', '{"type":', '{"type":"join",}', "{'type':'join'}", 'NaN', 'undefined',
        '{"type":"pos","seq":01}', '{"a":1}}', '\u0000', '{"type":"join"\u0000}', '[1,2', '"unterminated',
        '{"type":"join","name":"\u0007"}', // a raw control character inside a JSON string
        // The brace never closes, so this is never valid JSON.
        `{${r.str(1 + r.int(200), 'abc"\':,[]0123 \\\t')}`,
      ]),
      expect: ErrorCode.BadJson,
    })],
    [4, 'not_an_object', (r) => ({
      data: r.pick(['1', '-0', '1e308', '-1e308', '1e999', 'null', 'true', 'false', '"join"', '""', '[]', '[{"type":"join"}]', '[[[]]]']),
      expect: ErrorCode.BadMessage,
    })],
    [2, 'deep_array', (r) => ({ data: deep(r, '[', ']'), expect: ErrorCode.BadMessage })],
    [5, 'unknown_type', (r) => ({
      data: J({
        type: r.pick([5, null, true, [], {}, 'teleport', 'JOIN', ' join', 'join ', 'pos\u0000', '__proto__', 'constructor',
          'toString', 'hasOwnProperty', 'valueOf', '', 'x'.repeat(1 + r.int(5000))]),
        event: ctx.eventId,
      }),
      expect: ErrorCode.UnknownType,
    })],
    [1, 'no_type', (r) => ({ data: r.pick(['{}', '{"event":"x"}', '{"Type":"join"}', '{"type ":"join"}']), expect: ErrorCode.UnknownType })],
    [2, 'deep_object', (r) => ({ data: deep(r, '{"a":', '}'), expect: ErrorCode.UnknownType })],
    [2, 'deep_field', (r) => ({ data: `{"type":"subscribe","event":${deep(r, '{"a":[', ']}')}}`, expect: ErrorCode.BadMessage })],
    [8, 'bad_position', (r) => {
      const m: Record<string, unknown> = validFix(r);
      const field = r.pick(['seq', 'lat', 'lon', 't', 'acc', 'alt', 'spd', 'hdg', 'missing']);
      const bad: Record<string, unknown[]> = {
        seq: [0, -1, 1.5, -0.5, '1', null, true, [], {}, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, LIMITS.maxSeq + 1],
        lat: [90.0001, -91, 1e308, -1e308, '51.5', null, [], true],
        lon: [180.5, -181, 1e308, -1e308, '0', null],
        t: [-1, 1.5, 8.64e15 + 1, 1e308, '2026-01-01', null],
        acc: [-1, -1e-9, 1e308, 100_001, '5', null],
        alt: [10_001, -1001, 1e308, '1'],
        spd: [-1, 201, 1e308],
        hdg: [-0.1, 360.5, 1e308],
      };
      if (field === 'missing') delete m[r.pick(['seq', 'lat', 'lon', 't', 'acc'])];
      else m[field] = r.pick(bad[field]!);
      return { data: J(m), expect: ErrorCode.BadPosition };
    }],
    [2, 'bad_position_raw', (r) => ({
      // Literals JSON.stringify cannot write: 2^53+1 (rounds past MAX_SAFE_INTEGER) and 1e999 (Infinity).
      data: r.pick([
        '{"type":"pos","seq":9007199254740993,"lat":1,"lon":1,"t":1,"acc":1}',
        '{"type":"pos","seq":1,"lat":1e999,"lon":1,"t":1,"acc":1}',
        '{"type":"pos","seq":1,"lat":1,"lon":-1e999,"t":1,"acc":1}',
        '{"type":"pos","seq":1,"lat":1,"lon":1,"t":1e999,"acc":1}',
        '{"type":"pos","seq":1,"lat":1,"lon":1,"t":1,"acc":-1e999}',
        '{"type":"pos","seq":1e999,"lat":1,"lon":1,"t":1,"acc":1}',
      ]),
      expect: ErrorCode.BadPosition,
    })],
    [5, 'position_not_joined', (r) => {
      const m = validFix(r);
      // Valid in form (far future and far past included): the connection has not joined, so not_joined.
      m.t = r.pick([Date.now(), Date.now() + 365 * 24 * 3600_000, 8.64e15, 0, 1]);
      if (r.chance(0.2)) m.seq = LIMITS.maxSeq;
      return { data: J(m), expect: ErrorCode.NotJoined };
    }],
    [2, 'mood_stop_not_joined', (r) =>
      r.chance(0.5)
        ? { data: J({ type: 'mood', value: r.int(11) }), expect: ErrorCode.NotJoined }
        : { data: J({ type: 'stop', ...(r.chance(0.5) ? { extra: 'x'.repeat(r.int(100)) } : {}) }), expect: ErrorCode.NotJoined }],
    [2, 'bad_mood', (r) => ({ data: J({ type: 'mood', value: r.pick([-1, 11, 1.5, '5', null, 1e308, -1e308]) }), expect: ErrorCode.BadMessage })],
    [4, 'subscribe_unknown_event', (r) => ({ data: J({ type: 'subscribe', event: unknownEvent(r) }), expect: ErrorCode.NoSuchEvent })],
    [3, 'bad_subscribe', (r) => ({
      data: J({
        type: r.pick(['subscribe', 'unsubscribe']),
        ...(r.chance(0.9)
          ? { event: r.pick([5, null, [], {}, '', '-a', 'a-', 'UPPER', 'a'.repeat(65), `${ctx.eventId}\u0000`, ctx.eventId.toUpperCase(), '../etc/passwd']) }
          : {}),
      }),
      expect: ErrorCode.BadMessage,
    })],
    [1, 'subscribe_long_code', (r) => ({
      data: J({ type: 'subscribe', event: ctx.eventId, code: 'c'.repeat(LIMITS.viewCodeMax + 1 + r.int(5000)) }),
      expect: ErrorCode.BadMessage,
    })],
    [3, 'subscribe_follow_share', (r) =>
      // The real event, but never a valid way in: malformed choices of runners, or a share token nobody issued.
      r.pick<Omit<Frame, 'cat'>>([
        { data: J({ type: 'subscribe', event: ctx.eventId, runners: r.pick([[], 'abc', [5], ['bad id!'], [null], {}]) }), expect: ErrorCode.BadMessage },
        {
          data: J({ type: 'subscribe', event: ctx.eventId, runners: Array.from({ length: LIMITS.followMax + 1 + r.int(50) }, () => randomRunnerId(r)) }),
          expect: ErrorCode.BadMessage,
        },
        { data: J({ type: 'subscribe', event: ctx.eventId, share: r.pick(['short', 'x'.repeat(65), `${randomToken(r).slice(0, 20)}!`, 5, null]) }), expect: ErrorCode.BadMessage },
        // Guessing links is slowed down: after a few wrong ones the address is told to wait.
        {
          data: J({ type: 'subscribe', event: ctx.eventId, share: r.str(16 + r.int(49), ID_CHARS), ...(r.chance(0.5) ? { runners: [ctx.honestRunnerId()] } : {}) }),
          expect: [ErrorCode.NoSuchLink, ErrorCode.TooManyAttempts],
        },
        { data: J({ type: 'subscribe', event: unknownEvent(r), share: r.str(16 + r.int(49), ID_CHARS) }), expect: ErrorCode.NoSuchEvent },
      ])],
    [3, 'cheer_unknown_event', (r) => ({
      data: J({ type: 'cheer', event: unknownEvent(r), runnerId: randomRunnerId(r), text: 'go!' }),
      expect: ErrorCode.NoSuchEvent,
    })],
    [3, 'cheer_unknown_runner', (r) => ({
      data: J({ type: 'cheer', event: ctx.eventId, runnerId: randomRunnerId(r), text: `go ${invisible(r, 3)}!`, from: 'Mallory' }),
      expect: ErrorCode.NoSuchRunner,
    })],
    [3, 'bad_cheer', (r) => ({
      // Even aimed at the honest runner, these carry no valid text and must change nothing.
      data: J({
        type: 'cheer',
        event: ctx.eventId,
        runnerId: r.chance(0.5) ? ctx.honestRunnerId() : randomRunnerId(r),
        text: r.pick([invisible(r, 1 + r.int(50)), '', 'x'.repeat(LIMITS.cheerMax + 1 + r.int(400)), 'y'.repeat(561 + r.int(10_000)), 5, null]),
      }),
      expect: ErrorCode.BadMessage,
    })],
    [3, 'resume_random_token', (r) => ({
      data: J({ type: 'resume', event: ctx.eventId, runnerId: r.chance(0.5) ? ctx.honestRunnerId() : randomRunnerId(r), token: randomToken(r) }),
      expect: ErrorCode.BadToken,
    })],
    [1, 'resume_unknown_event', (r) => ({
      data: J({ type: 'resume', event: unknownEvent(r), runnerId: randomRunnerId(r), token: randomToken(r) }),
      expect: ErrorCode.NoSuchEvent,
    })],
    [2, 'bad_resume', (r) => ({
      data: J({
        type: 'resume',
        event: ctx.eventId,
        runnerId: r.pick([randomRunnerId(r), 'short', 5, null]),
        token: r.pick(['short', 'x'.repeat(129), `${randomToken(r)}!`, null, 1]),
      }),
      expect: ErrorCode.BadMessage,
    })],
    [5, 'bad_join', (r) => {
      // Aimed at the real event, so every one of them must be invalid in form.
      const m: Record<string, unknown> = { type: 'join', event: ctx.eventId, name: 'Mallory', color: '#ff0000' };
      const how = r.pick(['whitespace', 'invisible', 'long', 'very_long', 'color', 'missing', 'type']);
      if (how === 'whitespace') m.name = r.pick([' ', '   ', '\t\n', '\u00a0\u3000', '\ufeff ', ' \u2003 ']);
      if (how === 'invisible') m.name = invisible(r, 1 + r.int(40));
      if (how === 'long') m.name = 'x'.repeat(LIMITS.nameMax + 1 + r.int(100));
      if (how === 'very_long') m.name = 'n'.repeat(4 * LIMITS.nameMax + 1 + r.int(14_000));
      if (how === 'color') m.color = r.pick(['#12345', '123456', '#12345g', 'red', '#1234567', '', '#123456\n', null]);
      if (how === 'missing') delete m[r.pick(['event', 'name', 'color'])];
      if (how === 'type') m[r.pick(['event', 'name', 'color'])] = r.pick([5, null, [], {}, true]);
      return { data: J(m), expect: ErrorCode.BadMessage };
    }],
    [3, 'join_unknown_event', (r) => ({
      // Valid in form, with control characters that are stripped, but for an event that does not exist.
      data: J({ type: 'join', event: unknownEvent(r), name: `${invisible(r, 2)}Eve${invisible(r, 2)}`, color: '#00ff00' }),
      expect: ErrorCode.NoSuchEvent,
    })],
    [4, 'prototype_pollution', (r) =>
      r.pick<Omit<Frame, 'cat'>>([
        { data: '{"__proto__":{"type":"join","polluted":true},"type":"join"}', expect: ErrorCode.BadMessage },
        { data: '{"__proto__":{"type":"subscribe"}}', expect: ErrorCode.UnknownType },
        { data: `{"type":"subscribe","event":"${unknownEvent(r)}","__proto__":{"event":"${ctx.eventId}","polluted":1}}`, expect: ErrorCode.NoSuchEvent },
        { data: '{"constructor":{"prototype":{"polluted":true}},"type":"stop"}', expect: ErrorCode.NotJoined },
        { data: '{"type":"constructor","constructor":{"prototype":{"polluted":true}}}', expect: ErrorCode.UnknownType },
        { data: `{"type":"join","event":"${ctx.eventId}","name":"  ","color":"#123456","__proto__":{"name":"Mallory"},"constructor":1,"name ":"a"}`, expect: ErrorCode.BadMessage },
        { data: '{"type":"pos","__proto__":{"seq":1,"lat":1,"lon":1,"t":1,"acc":1}}', expect: ErrorCode.BadPosition },
        { data: '{"type":"__proto__","__proto__":null}', expect: ErrorCode.UnknownType },
      ])],
    [2, 'long_string', (r) => ({
      // Long but under the frame limit; sometimes exactly at it.
      data: (() => {
        const base = '{"type":"teleport","pad":""}';
        const n = r.chance(0.2) ? LIMITS.maxFrameBytes - base.length : r.int(LIMITS.maxFrameBytes - base.length);
        return `{"type":"teleport","pad":"${'p'.repeat(n)}"}`;
      })(),
      expect: ErrorCode.UnknownType,
    })],
    [3, 'binary', (r) => ({
      data: r.chance(0.5) ? Buffer.from(Array.from({ length: r.int(2000) }, () => r.int(256))) : Buffer.from(J(validFix(r))),
      binary: true,
      expect: ErrorCode.BinaryFrame,
    })],
  ];
  const total = gens.reduce((s, g) => s + g[0], 0);

  return {
    frame(r: Rng): Frame {
      let x = r.next() * total;
      for (const [w, cat, gen] of gens) {
        x -= w;
        if (x < 0) return { ...gen(r), cat };
      }
      const [, cat, gen] = gens[gens.length - 1]!;
      return { ...gen(r), cat };
    },
    oversized(r: Rng): Frame {
      const n = LIMITS.maxFrameBytes + 1 + r.int(3 * LIMITS.maxFrameBytes);
      return r.chance(0.7)
        ? { data: J({ type: 'cheer', event: ctx.eventId, runnerId: 'abcdefgh', text: 'x'.repeat(n) }), expect: 'too_big', cat: 'oversized' }
        : { data: Buffer.alloc(n, 7), binary: true, expect: 'too_big', cat: 'oversized_binary' };
    },
    /** A burst far past the rate budget: cheap frames, each with a known answer. */
    flood(r: Rng): Frame[] {
      const cheap: Array<[string, ErrorCode]> = [
        ['1', ErrorCode.BadMessage],
        ['{}', ErrorCode.UnknownType],
        ['{"type":"stop"}', ErrorCode.NotJoined],
        ['x', ErrorCode.BadJson],
      ];
      return Array.from({ length: FLOOD_FRAMES }, () => {
        const [data, expect] = r.pick(cheap);
        return { data, expect, cat: 'flood' };
      });
    },
  };
}

interface Tally {
  sent: number;
  floodFrames: number;
  sentByCat: Record<string, number>;
  /** Frames answered by an error, by code. */
  errors: Record<string, number>;
  closes: Record<string, number>;
  /** Frames sent on a socket that closed before answering them. */
  lostToClose: number;
  mismatches: string[];
  unexpected: string[];
  badCloses: string[];
  oversizedSent: number;
  floods: number;
  connections: number;
}

/** One hostile socket: sends frames, matches each error to the frame it answers, in order. */
class HostileSocket {
  readonly ws: WebSocket;
  private readonly pending: Frame[] = [];
  private gotHello = false;
  private rateLimitedTotal = 0;
  closed: number | null = null;
  private closingByUs = false;
  private readonly ready: Promise<void>;
  private wakers: Array<() => void> = [];

  constructor(url: string, private readonly tally: Tally) {
    tally.connections++;
    this.ws = new WebSocket(url);
    this.ready = new Promise<void>((resolve, reject) => {
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      this.ws.on('message', (data, isBinary) => {
        const msg = JSON.parse(data.toString()) as ServerMessage;
        if (!this.gotHello) {
          if (msg.type !== 'hello' || isBinary) tally.unexpected.push(`first message ${data.toString().slice(0, 120)}`);
          this.gotHello = true;
          resolve();
          return;
        }
        this.answer(msg);
      });
      this.ws.on('close', (code) => {
        this.closed = code;
        reject(new Error(`closed (${code}) before hello`));
        this.onClose(code);
      });
      this.ws.on('error', () => {});
    });
    this.ready.catch(() => {});
  }

  open(): Promise<void> {
    return this.ready;
  }

  private answer(msg: ServerMessage): void {
    const t = this.tally;
    if (msg.type !== 'error') {
      t.unexpected.push(`non-error reply ${JSON.stringify(msg).slice(0, 200)}`);
      return;
    }
    const frame = this.pending.shift();
    if (!frame) {
      t.unexpected.push(`error with no frame to answer: ${JSON.stringify(msg).slice(0, 200)}`);
      return;
    }
    t.errors[msg.code] = (t.errors[msg.code] ?? 0) + 1;
    if (msg.code === ErrorCode.RateLimited) this.rateLimitedTotal++;
    const expected = Array.isArray(frame.expect) ? frame.expect.includes(msg.code) : msg.code === frame.expect;
    if (!expected && msg.code !== ErrorCode.RateLimited && t.mismatches.length < 20) {
      const shown = typeof frame.data === 'string' ? frame.data.slice(0, 160) : `<${frame.data.length} bytes>`;
      t.mismatches.push(`${frame.cat}: expected ${frame.expect}, got ${msg.code} (${msg.message}) for ${shown}`);
    }
    this.wake();
  }

  private onClose(code: number): void {
    const t = this.tally;
    if (this.closingByUs && this.pending.length === 0) return;
    t.closes[code] = (t.closes[code] ?? 0) + 1;
    const first = this.pending[0];
    t.lostToClose += this.pending.length;
    if (code === CloseCode.TooBig) {
      if (first?.expect !== 'too_big') t.badCloses.push(`1009 while the first unanswered frame was ${first?.cat ?? 'none'}`);
    } else if (code === CloseCode.Policy) {
      // The refusal past `rateStrikes` recent ones closes the socket; the ones before it were answered.
      if (first?.cat !== 'flood' || this.rateLimitedTotal < LIMITS.rateStrikes) {
        t.badCloses.push(`1008 after ${this.rateLimitedTotal} rate_limited, first unanswered ${first?.cat ?? 'none'}`);
      }
    } else if (this.gotHello) {
      t.badCloses.push(`unexpected close ${code} with ${this.pending.length} unanswered`);
    }
    this.pending.length = 0;
    this.wake();
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  send(frames: Frame[]): void {
    for (const f of frames) {
      if (this.closed !== null || this.ws.readyState !== WebSocket.OPEN) return;
      this.pending.push(f);
      this.tally.sent++;
      if (f.cat === 'flood') this.tally.floodFrames++;
      this.tally.sentByCat[f.cat] = (this.tally.sentByCat[f.cat] ?? 0) + 1;
      if (f.expect === 'too_big') this.tally.oversizedSent++;
      this.ws.send(f.data, { binary: !!f.binary });
    }
  }

  /** Until every frame sent is answered, or the socket is closed. */
  async settled(timeoutMs = ANSWER_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.length > 0 && this.closed === null) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${this.pending.length} hostile frames unanswered after ${timeoutMs} ms; first: ${this.pending[0]!.cat}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed !== null) return;
    const done = new Promise<void>((r) => this.ws.once('close', () => r()));
    this.closingByUs = true;
    this.ws.close();
    // A hostile socket the server already dropped may never see the close handshake finish: carry on without it.
    await within(done, { timeout: 5000, what: 'the close' }).catch(() => {});
  }
}

test('the server survives at least 10,000 hostile frames while an honest runner and spectator keep working', async (t) => {
  const started = Date.now();
  const srv = await startTestServer({ MAX_CONNECTIONS_PER_IP: '1000', TICK_MS: '20' });
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  try {
    const eventId = (await makeEvent(srv, 'Fuzz target')).event.id;
    // The honest runner sends ten fixes a second for as long as the hostile traffic runs.
    await srv.live.run(eventId, { do: 'setQuotas', quotas: { fixesPerRunnerPerHour: 36_000 } }, null);
    const before = srv.live.stats();

    // The honest spectator collects every point of the honest runner from update frames.
    const spectator = await TestClient.connect(srv.wsUrl);
    spectator.send({ type: 'subscribe', event: eventId });
    await spectator.next('snapshot');
    const { client: runner, runnerId } = await joinAsRunner(srv.wsUrl, eventId, 'Honest', '#0055ff');
    const seen: TrackPoint[] = [];
    const spectatorOddities: string[] = [];
    spectator.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type === 'update') {
        seen.push(...(m.points[runnerId] ?? []));
        if (m.removed?.includes(runnerId)) spectatorOddities.push(JSON.stringify(m).slice(0, 200));
      } else if (m.type !== 'happiness') {
        spectatorOddities.push(JSON.stringify(m).slice(0, 200));
      }
      spectator.received.length = 0;
    });

    const tally: Tally = {
      sent: 0, floodFrames: 0, sentByCat: {}, errors: {}, closes: {}, lostToClose: 0, mismatches: [], unexpected: [], badCloses: [],
      oversizedSent: 0, floods: 0, connections: 0,
    };
    const generator = makeGenerator({ eventId, honestRunnerId: () => runnerId });
    let hostileDone = false;
    let honestWarm = false;

    const honest = (async () => {
      const t0 = Date.now();
      let seq = 0;
      // At least 200 points, and on until the hostile traffic is over (bounded).
      while ((seq < HONEST_MIN_POINTS || !hostileDone) && seq < LIMITS.trailMaxPoints) {
        seq++;
        if (seq >= HONEST_MIN_POINTS) honestWarm = true;
        runner.send(fix(seq, t0 + seq));
        // Pacing: ten a second, within the runner's budget; the checks below count what was sent, at any pace.
        await sleep(100);
      }
      return { t0, n: seq };
    })();

    const hostileDeadline = Date.now() + HOSTILE_BUDGET_MS;
    const slot = async (i: number) => {
      const r = prng((SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
      let sock = new HostileSocket(srv.wsUrl, tally);
      await sock.open();
      const more = () => tally.sent - tally.floodFrames < TARGET_FRAMES || !honestWarm;
      for (let batch = 0; more() && Date.now() < hostileDeadline && batch < 10_000; batch++) {
        if (sock.closed !== null) {
          sock = new HostileSocket(srv.wsUrl, tally);
          await sock.open();
        }
        // Every slot's schedule is fixed by its PRNG; some slots are made sure to flood and to oversize.
        const flood = (i % 8 === 0 && batch === 2) || r.chance(0.003);
        const oversize = (i % 5 === 1 && batch === 4) || r.chance(0.015);
        let frames: Frame[];
        if (flood) {
          tally.floods++;
          frames = generator.flood(r);
        } else {
          // Up to 40 frames, and never more than a burst of the budget can pay for.
          frames = [];
          let spent = 0;
          for (let n = 1 + r.int(40); frames.length < n; ) {
            const f = generator.frame(r);
            if (spent + cost(f) > LIMITS.rateBurst - 50) break;
            spent += cost(f);
            frames.push(f);
          }
          if (oversize) frames.push(generator.oversized(r));
        }
        sock.send(frames);
        await sock.settled();
        // Pacing: stay near the budget (100 tokens a second, each frame charged by its kind) between batches,
        // floods aside. Slower under load means fewer refusals for rate, which the checks below allow for.
        if (!flood) await sleep(frames.reduce((sum, f) => sum + cost(f), 0) * 10);
      }
      await sock.close();
    };
    await Promise.all(Array.from({ length: HOSTILE_CONNECTIONS }, (_, i) => slot(i)));
    hostileDone = true;
    const hostileMs = Date.now() - started;

    const { t0, n } = await honest;
    const lastAck = await runner.until((m) => m.type === 'ack' && m.seq === n, 20_000);
    assert.equal((lastAck as { seq: number }).seq, n);
    const runnerErrors = runner.received.filter((m) => m.type === 'error');
    assert.deepEqual(runnerErrors, [], 'the honest runner got no errors');

    await waitFor(() => seen.length >= n, { timeout: 20_000, what: `the spectator to see all ${n} points` }).catch(() => {});
    // Anything extra (a duplicate) would have been sent by now: publish what is pending and let it arrive.
    publishTick(srv);
    await spectator.roundTrip();
    const answered = Object.values(tally.errors).reduce((a, b) => a + b, 0);
    const rateLimited = tally.errors[ErrorCode.RateLimited] ?? 0;

    t.diagnostic(`seed ${SEED} (FUZZ_SEED=${SEED} reproduces the frames)`);
    t.diagnostic(`hostile frames sent ${tally.sent} (${tally.floodFrames} of them in floods) on ${tally.connections} connections (${HOSTILE_CONNECTIONS} at a time); answered by error ${answered}; lost to a close ${tally.lostToClose}`);
    t.diagnostic(`errors by code ${JSON.stringify(tally.errors)}`);
    t.diagnostic(`closes by code ${JSON.stringify(tally.closes)}; oversized frames ${tally.oversizedSent}; floods of ${FLOOD_FRAMES} ${tally.floods}`);
    t.diagnostic(`frames by category ${JSON.stringify(tally.sentByCat)}`);
    t.diagnostic(`honest runner sent ${n} points, spectator saw ${seen.length}; hostile phase ${hostileMs} ms, total ${Date.now() - started} ms`);

    // Every hostile frame is accounted for, by the answer its content calls for.
    assert.ok(tally.sent >= MIN_FRAMES, `only ${tally.sent} hostile frames were sent`);
    assert.ok(hostileMs < HOSTILE_BUDGET_MS + ANSWER_TIMEOUT_MS, 'hostile phase bounded');
    assert.deepEqual(tally.unexpected, [], 'nothing but one error per frame comes back');
    assert.deepEqual(tally.mismatches, [], 'each frame gets the error its content calls for');
    assert.deepEqual(tally.badCloses, [], 'sockets close only with 1008 after a flood or 1009 on an oversized frame');
    assert.equal(answered + tally.lostToClose, tally.sent, 'answered + lost to a close == sent');
    assert.equal(tally.closes[CloseCode.TooBig] ?? 0, tally.oversizedSent, 'every oversized frame closes its socket with 1009');
    assert.ok((tally.closes[CloseCode.Policy] ?? 0) >= 1, 'a flood gets a socket closed with 1008');
    assert.ok(rateLimited >= 1, 'floods are refused with rate_limited');
    assert.ok(answered - rateLimited >= MIN_FRAMES, `at least ${MIN_FRAMES} frames were judged on their content, not just rate-limited`);

    // The honest pair never noticed.
    assert.deepEqual(spectatorOddities, [], 'the spectator got only updates, no resets of the honest runner');
    assert.equal(seen.length, n, 'every point of the honest runner reached the spectator exactly once');
    assert.deepEqual(
      seen,
      Array.from({ length: n }, (_, i) => {
        const f = fix(i + 1, t0 + i + 1);
        return [f.lat, f.lon, f.t];
      }),
      'in order',
    );

    // Nothing changed but the honest runner; the process is up and answers.
    const afterStats = srv.live.stats();
    assert.equal(afterStats.events, before.events, 'no event created or lost');
    assert.equal(afterStats.runners, before.runners + 1, 'only the honest runner was added');
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoKeys, 'Object.prototype untouched');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const probe = await TestClient.connect(srv.wsUrl);
    probe.send({ type: 'subscribe', event: eventId });
    const snap = await probe.next('snapshot');
    assert.deepEqual(snap.runners.map((x) => [x.id, x.name, x.points]), [[runnerId, 'Honest', n]]);
    const health = await fetch(`${srv.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    for (const c of [probe, runner, spectator]) c.close();
  } finally {
    await srv.dispose();
  }
});
