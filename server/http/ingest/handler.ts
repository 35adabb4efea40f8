/**
 * Positions from tracking apps over HTTP, on the same port as everything else:
 *
 *   GET|POST /ingest/osmand       Traccar Client (every version) and anything speaking Traccar's OsmAnd
 *                                 protocol: query string, form body or JSON body; query/form speed in knots.
 *   GET|POST /ingest/osmand-app   the OsmAnd app's online tracking: the same protocol with speed in m/s and
 *                                 the accuracy (metres) in hdop, as OsmAnd fills its URL template.
 *   GET|POST /ingest/gpslogger    GPSLogger's custom URL: the same protocol with speed in m/s.
 *   POST     /ingest/owntracks    OwnTracks in HTTP mode; the device key is the Basic-auth password.
 *   POST     /ingest/overland     Overland's batches; the device key is the Bearer token.
 *
 * The device key (issued on the runner page, revocable) says whose fix it is. A fix goes through the same
 * checks, storage and fan-out as the browser's: the event's room takes it, it is made durable, and only then
 * is the app answered. Nothing refused is stored.
 *
 * Answers. Every one of these apps sends its queue oldest first and keeps resending the head until it is
 * answered with success, holding back everything after it (Traccar Client 10: 5 s to 5 min back-off,
 * forever; OsmAnd until the fix is older than its maximum interval to send; OwnTracks Android 100,000 tries
 * for a location; Overland the whole batch at its next send), except that OwnTracks iOS deletes a message
 * answered 4xx and GPSLogger gives a fix up after 3 tries. So:
 * - anything no retry could change (a heartbeat, a fix out of range, too old or too far ahead, unreadable,
 *   after the event finished, an empty OwnTracks message) is answered as success, so the queue drains; it is
 *   counted against the runner (the runner page shows the counts by reason) and logged, and not stored;
 * - a wrong, revoked or missing key keeps its error (401 or 404): nothing can be counted for nobody, and the
 *   app must be set up again anyway;
 * - "try again later" is 503 with Retry-After when storage fails, and for the fix quota, the address's write
 *   budget (live/write-admission.ts) and an unknown key from an address flooding wrong keys
 *   (limits/wrong-secrets.ts) 429 (503 for OwnTracks, whose iOS app would delete a message answered 4xx).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INGEST_PATHS } from '../../../lib/ingest-urls';
import { AppRefusal, APP_REFUSAL_TEXT, ErrorCode } from '../../../lib/protocol';
import { cryptoCredentials } from '../../credentials';
import type { Refusal } from '../../room/effects';
import type { AppFix, IngestOutcome } from '../../room/tracking-apps';
import type { Live } from '../../live/live';
import { log } from '../../log';
import { clientAddress } from '../../transport/origin';
import { readBody } from '../body';
import { HttpError } from '../errors';
import { checkFix, type Decoded, type Sent, unreadable } from './fix';
import { decodeOsmAndJson, decodeOsmAndParams, GPSLOGGER_DIALECT, type OsmAndDialect, OSMAND_APP_DIALECT, TRACCAR_DIALECT } from './osmand';
import { decodeOverland } from './overland';
import { basicPassword, decodeOwnTracks } from './owntracks';

/** Largest request body read; one fix in any of these formats is well under 2 KiB. */
export const MAX_INGEST_BODY = 16 * 1024;
/** OwnTracks cards carry a picture (iOS: a 192×192 PNG, base64): read up to this, for cards only. */
export const MAX_OWNTRACKS_CARD_BODY = 512 * 1024;
/** Overland posts up to 1000 locations of about 600 bytes each. */
export const MAX_OVERLAND_BODY = 1024 * 1024;

/** Longest key looked up: issued keys are far shorter, and hashing what a stranger sends costs something. */
const MAX_KEY_LENGTH = 256;

/** How one app is answered. */
interface App {
  /** As people know it: alerts and logs name it. */
  name: string;
  /** Taken (stored, a resend, or refused for good and counted). */
  ok(res: ServerResponse, refused: Partial<Record<AppRefusal, number>>): void;
  /** Not taken: the app keeps what it sent (except OwnTracks iOS on 4xx). Logged unless `quiet`. */
  error(res: ServerResponse, status: number, reason: string, headers?: Record<string, string>, quiet?: boolean): void;
  /** The status that makes this app send again later without losing anything. */
  retryStatus: number;
  /** The answer for a missing, wrong or revoked key. */
  unknownKey: { status: number; headers?: Record<string, string> };
}

const plainError = (app: string) => (res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}, quiet = false) => {
  if (!quiet) log('info', 'ingest_refused', { app, status, reason });
  text(res, status, `Trackside: ${reason}.`, headers);
};

/** Counted refusals, for whoever looks at the answer (curl, an app's log). */
function refusedHeader(refused: Partial<Record<AppRefusal, number>>): Record<string, string> {
  const parts = Object.entries(refused).map(([reason, n]) => `${reason}=${n}`);
  return parts.length ? { 'x-trackside-refused': parts.join(', ') } : {};
}

/** The OsmAnd protocol's answer: 200 and nothing in it (Traccar would send a device command there). */
const osmandOk = (res: ServerResponse, refused: Partial<Record<AppRefusal, number>>) => {
  res.writeHead(200, { 'content-length': '0', 'cache-control': 'no-store', ...refusedHeader(refused) });
  res.end();
};

const TRACCAR: App = { name: 'Traccar Client', ok: osmandOk, error: plainError('osmand'), retryStatus: 429, unknownKey: { status: 404 } };
const OSMAND: App = { name: 'OsmAnd', ok: osmandOk, error: plainError('osmand-app'), retryStatus: 429, unknownKey: { status: 404 } };
const GPSLOGGER: App = { name: 'GPSLogger', ok: osmandOk, error: plainError('gpslogger'), retryStatus: 429, unknownKey: { status: 404 } };

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="Trackside", charset="UTF-8"' };
const OWNTRACKS: App = {
  name: 'OwnTracks',
  // The app reads the reply as a JSON array of messages for it; none here.
  ok: (res, refused) => json(res, 200, '[]', refusedHeader(refused)),
  error: plainError('owntracks'),
  retryStatus: 503,
  unknownKey: { status: 401, headers: BASIC_CHALLENGE },
};

const OVERLAND: App = {
  name: 'Overland',
  // Only {"result": "ok"} makes the app delete the batch it sent.
  ok: (res, refused) => json(res, 200, '{"result":"ok"}', refusedHeader(refused)),
  // The app shows "error" to its user.
  error: (res, status, reason, headers = {}, quiet = false) => {
    if (!quiet) log('info', 'ingest_refused', { app: 'overland', status, reason });
    json(res, status, JSON.stringify({ error: `Trackside: ${reason}.` }), headers);
  },
  retryStatus: 429,
  unknownKey: { status: 401, headers: { 'www-authenticate': 'Bearer realm="Trackside"' } },
};

/** Serve the request if it is for a tracking-app endpoint; false when the path is not one. */
export function handleIngest(live: Live, req: IncomingMessage, res: ServerResponse, url: URL, trustProxy: boolean): boolean {
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  if (path !== '/ingest' && !path.startsWith('/ingest/')) return false;
  const from: Sender = { live, address: clientAddress(req, trustProxy) };
  let served: Promise<void>;
  if (path === INGEST_PATHS.osmand) served = osmand(from, req, res, url, TRACCAR, TRACCAR_DIALECT);
  else if (path === INGEST_PATHS.osmandApp) served = osmand(from, req, res, url, OSMAND, OSMAND_APP_DIALECT);
  else if (path === INGEST_PATHS.gpslogger) served = osmand(from, req, res, url, GPSLOGGER, GPSLOGGER_DIALECT);
  else if (path === INGEST_PATHS.owntracks) served = owntracks(from, req, res);
  else if (path === INGEST_PATHS.overland) served = overland(from, req, res);
  else {
    text(res, 404, `No such endpoint. Tracking apps send to ${Object.values(INGEST_PATHS).join(', ')}.`);
    return true;
  }
  served.catch((err: unknown) => {
    log('error', 'ingest_failed', { path, error: String(err) });
    if (!res.headersSent) text(res, 500, 'Something went wrong.');
  });
  return true;
}

// ---------- OsmAnd protocol (Traccar Client, OsmAnd, GPSLogger) ----------

async function osmand(from: Sender, req: IncomingMessage, res: ServerResponse, url: URL, app: App, dialect: OsmAndDialect): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    return text(res, 405, 'Use GET or POST.', { allow: 'GET, POST' });
  }
  const body = await bodyOr413(req, res, app, MAX_INGEST_BODY);
  if (!body) return;

  const queryKey = url.searchParams.get('id') || url.searchParams.get('deviceid') || null;
  const contentType = req.headers['content-type'] ?? '';
  let decoded: Decoded;
  if (/^application\/json\b/i.test(contentType)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      if (!queryKey) return app.error(res, 400, 'the body is not JSON');
      parsed = undefined;
    }
    const got = parsed === undefined ? { key: queryKey, sent: [unreadable('the body is not JSON')], sos: false } : decodeOsmAndJson(parsed, queryKey, Date.now());
    if (!('sent' in got)) return app.error(res, 400, got.message);
    decoded = got;
  } else {
    // As Traccar: the query string when it has parameters, else the body read as a form.
    const params = [...url.searchParams.keys()].length > 0 ? url.searchParams : new URLSearchParams(body.toString('utf8'));
    decoded = decodeOsmAndParams(params, dialect, Date.now());
  }

  if (!decoded.key) return app.error(res, 400, 'no device key: send it as the id parameter (Traccar Client: "Device identifier")');
  const owner = await findOwner(from, decoded.key);
  if (owner === LATER) return later(res, app);
  if (!owner) return unknownKey(res, app);
  await deliver(from.live, res, app, owner, decoded);
}

// ---------- OwnTracks ----------

async function owntracks(from: Sender, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { live } = from;
  const app = OWNTRACKS;
  if (req.method !== 'POST') return text(res, 405, 'OwnTracks posts its messages: use POST.', { allow: 'POST' });
  const key = basicPassword(req.headers.authorization);
  const owner = key ? await findOwner(from, key) : null;
  if (owner === LATER) return later(res, app);
  if (!key || !owner) {
    return app.error(res, 401, key ? 'unknown device key: it was revoked or replaced' : 'send the device key as the password (Authentication on, with a username)', BASIC_CHALLENGE);
  }
  // Only a card may be this large; the body is read once its sender is known.
  const body = await bodyOr413(req, res, app, MAX_OWNTRACKS_CARD_BODY);
  if (!body) return;
  // A friend cleared on Android (MessageClear) is an empty message: nothing to keep.
  if (body.length === 0) return app.ok(res, {});

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return deliver(live, res, app, owner, { key, sent: [unreadable('the body is not JSON')], sos: false });
  }
  const decoded = decodeOwnTracks(parsed);
  if (body.length > MAX_INGEST_BODY && decoded.kind !== 'card') {
    return deliver(live, res, app, owner, { key, sent: [{ refused: AppRefusal.TooLarge, message: `only a card may be larger than ${MAX_INGEST_BODY} bytes` }], sos: false });
  }
  if (decoded.kind === 'location') return deliver(live, res, app, owner, { key, sent: [{ fix: decoded.fix }], sos: false });
  if (decoded.kind === 'refused') return deliver(live, res, app, owner, { key, sent: [{ refused: decoded.reason, message: decoded.message }], sos: false });
  if (decoded.kind === 'card') {
    if (decoded.problem) log('info', 'card_ignored', { app: 'owntracks', event: owner.event, runner: owner.runnerId, reason: decoded.problem });
    if (!decoded.avatar) return app.ok(res, {});
    const cmd = { do: 'setAvatar', runnerId: owner.runnerId, keyHash: owner.keyHash, avatar: decoded.avatar } as const;
    const over = live.writes.admit(owner.address, owner.event, cmd);
    if (over) return refusal(live, res, app, owner, over);
    const out = await live.run(owner.event, cmd, null);
    return out.ok ? app.ok(res, {}) : refusal(live, res, app, owner, out.refusal);
  }
  app.ok(res, {});
}

// ---------- Overland ----------

async function overland(from: Sender, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { live } = from;
  const app = OVERLAND;
  if (req.method !== 'POST') return app.error(res, 405, 'Overland posts its batches: use POST', { allow: 'POST' });
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const key = m ? m[1]! : null;
  const owner = key ? await findOwner(from, key) : null;
  if (owner === LATER) return later(res, app);
  if (!key || !owner) {
    return app.error(res, 401, key ? 'unknown device key: it was revoked or replaced' : 'set the device key as the Access Token', app.unknownKey.headers);
  }
  const body = await bodyOr413(req, res, app, MAX_OVERLAND_BODY);
  if (!body) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return deliver(live, res, app, owner, { key, sent: [unreadable('the body is not JSON')], sos: false });
  }
  const decoded = decodeOverland(parsed, key);
  if (!('sent' in decoded)) return deliver(live, res, app, owner, { key, sent: [unreadable(decoded.message)], sos: false });
  await deliver(live, res, app, owner, decoded);
}

// ---------- shared ----------

/** Who sent the request: the live server it reached, and the address it came from. */
interface Sender {
  live: Live;
  address: string;
}

interface Owner {
  event: string;
  runnerId: string;
  keyHash: string;
  /** Where the request came from: its writes are charged there. */
  address: string;
}

/** The key is not known in memory and its sender is flooding wrong keys: no storage look-up for it now. */
const LATER = Symbol('later');

/**
 * Whose device key this is: from the index, which holds every issued key; from storage only for a key the
 * index has not heard of yet (issued on another instance a moment ago), and not while the address floods
 * wrong keys (limits/wrong-secrets.ts). A wrong key locks nobody out.
 */
async function findOwner({ live, address }: Sender, key: string): Promise<Owner | null | typeof LATER> {
  if (key.length > MAX_KEY_LENGTH) {
    live.access.wrongSecret(null, address);
    return null;
  }
  const keyHash = cryptoCredentials.hash(key);
  const known = live.index.deviceKey(keyHash);
  if (known) return { ...known, keyHash, address };
  if (!live.access.wrongSecrets.lookUp(address)) return LATER;
  const found = await live.store.runnerByDeviceKey(keyHash);
  if (!found) return null;
  live.index.putDeviceKey(keyHash, found);
  return { ...found, keyHash, address };
}

/**
 * Hand what the app sent to the event's room: fixes are made durable (and fanned out), refusals counted,
 * a heartbeat marks the runner as heard from, an alarm raises an alert; then the app is answered.
 */
async function deliver(live: Live, res: ServerResponse, app: App, owner: Owner, decoded: Decoded): Promise<void> {
  const fixes: AppFix[] = [];
  const refused: AppRefusal[] = [];
  const why = new Map<AppRefusal, string>();
  const refuse = (sent: Extract<Sent, { refused: AppRefusal }>) => {
    refused.push(sent.refused);
    if (!why.has(sent.refused)) why.set(sent.refused, sent.message);
  };
  for (const sent of decoded.sent) {
    if ('refused' in sent) refuse(sent);
    else {
      const checked = checkFix(sent.fix);
      if (checked.ok) fixes.push(checked.fix);
      else refuse({ refused: checked.reason, message: checked.message });
    }
  }
  if (fixes.length === 0 && refused.length === 0 && !decoded.sos) {
    const out = await live.run(owner.event, { do: 'heartbeat', runnerId: owner.runnerId, keyHash: owner.keyHash }, null);
    return out.ok ? app.ok(res, {}) : refusal(live, res, app, owner, out.refusal);
  }
  const report = { app: app.name, fixes, refused, sos: decoded.sos };
  const cmd = { do: 'ingest', runnerId: owner.runnerId, keyHash: owner.keyHash, report } as const;
  // Over the address's budget nothing of the request is kept: the app sends all of it again later.
  const over = live.writes.admit(owner.address, owner.event, cmd);
  if (over) return refusal(live, res, app, owner, over);
  const out = await live.run(owner.event, cmd, null);
  if (!out.ok) return refusal(live, res, app, owner, out.refusal);
  const outcome = out.result as IngestOutcome;
  for (const [reason, count] of Object.entries(outcome.refused) as Array<[AppRefusal, number]>) {
    log('info', 'app_fix_refused', { app: app.name, event: owner.event, runner: owner.runnerId, reason, count, detail: why.get(reason) ?? APP_REFUSAL_TEXT[reason] });
  }
  if (decoded.sos && outcome.alert) log('warn', 'alert_raised', { app: app.name, event: owner.event, runner: owner.runnerId, alert: outcome.alert.id });
  if (outcome.retryAfterMs !== null) {
    const message = `this runner has stored as many fixes as the event allows for now; ${outcome.stored} of them were kept, send the rest again later`;
    return app.error(res, app.retryStatus, message, { 'retry-after': String(Math.ceil(outcome.retryAfterMs / 1000)) });
  }
  app.ok(res, outcome.refused);
}

/** A command the room refused, that storage could not make durable, or that is over the address's budget. */
function refusal(live: Live, res: ServerResponse, app: App, owner: Owner, r: Refusal): void {
  if (r.code === ErrorCode.UnknownKey || r.code === ErrorCode.NoSuchEvent) {
    // Revoked, replaced, or its runner or event removed: the index forgets it, and it counts as wrong.
    live.index.dropDeviceKey(owner.keyHash);
    live.access.wrongSecret(null, owner.address);
    return unknownKey(res, app, 'this device key belongs to no runner any more');
  }
  const headers: Record<string, string> = r.retryAfterMs !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))) } : {};
  // Over a quota the app must send again later: the status that makes it keep what it sent. 5xx (storage)
  // does that for every app.
  app.error(res, r.code === ErrorCode.QuotaExceeded ? app.retryStatus : r.status, r.message, headers);
}

/** The sender floods wrong keys and this one is not known in memory: "try again later", without a log line each. */
function later(res: ServerResponse, app: App): void {
  app.error(res, app.retryStatus, 'too many unknown device keys from this address: try again later', { 'retry-after': '60' }, true);
}

function unknownKey(res: ServerResponse, app: App, reason = 'unknown device key: it was revoked or replaced; copy the current one from the runner page'): void {
  app.error(res, app.unknownKey.status, reason, app.unknownKey.headers);
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** The request body, or null once a 413 is answered. */
async function bodyOr413(req: IncomingMessage, res: ServerResponse, app: App, limit: number): Promise<Buffer | null> {
  try {
    return await readBody(req, limit);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413) {
      app.error(res, 413, `the request body must be at most ${limit} bytes`);
      return null;
    }
    throw err;
  }
}
