/**
 * Positions from tracking apps over HTTP, on the same port as everything else:
 *
 *   GET|POST /ingest/osmand       Traccar Client (every version) and anything speaking Traccar's OsmAnd
 *                                 protocol: query string, form body or JSON body; query/form speed in knots.
 *   GET|POST /ingest/osmand-app   the OsmAnd app's online tracking: the same protocol with speed in m/s and
 *                                 the accuracy (metres) in hdop, as OsmAnd fills its URL template.
 *   POST     /ingest/owntracks    OwnTracks in HTTP mode; the device key is the Basic-auth password.
 *
 * The device key (issued on the runner page, revocable) says whose fix it is. A fix goes through the same
 * checks, storage and fan-out as the browser's: the event's room takes it, it is made durable, and only then
 * is the app answered 200. Every refusal stores nothing.
 *
 * Status codes. None of these apps gives up on a fix for any status: Traccar Client and the OsmAnd app
 * drop a fix only on 2xx and resend it otherwise, oldest first and nothing newer meanwhile (Traccar Client
 * ≤ 8 every 30 s, TrackingController.kt; 9+ on its next sync, until its location library purges records
 * older than a day; OsmAnd until the fix is older than its "max interval to send", LiveSender.java).
 * Traccar Client ≤ 8 deletes queued fixes whose identifier is not the one now set, so pasting a new key
 * clears what a revoked one left behind. OwnTracks iOS drops a message on 4xx but keeps it after 5xx;
 * OwnTracks Android retries both. So permanent refusals are always 4xx (never 5xx, which asks for a
 * retry), and each cause has its own code for whoever reads the app's log:
 *   OsmAnd/Traccar: 200 empty (stored, or a resend already stored); 400 malformed, out of range, no key;
 *                   404 unknown or revoked key (what Traccar answers for an unknown device_id); 403 event
 *                   finished; 405 other methods; 413 body over 16 KiB.
 *   OwnTracks:      200 `[]` (stored, resend, or a message that is not a location); 401 missing, unknown
 *                   or revoked key (with WWW-Authenticate: Basic); 400 malformed or out of range; 403 event
 *                   finished; 405; 413.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { INGEST_PATHS } from '../../../lib/ingest-urls';
import { cryptoCredentials } from '../../credentials';
import type { Live } from '../../live/core';
import { log } from '../../log';
import { readBody } from '../body';
import { HttpError } from '../errors';
import { type AppFix, checkFix } from './fix';
import { type Decoded, decodeOsmAndJson, decodeOsmAndParams, type OsmAndDialect, OSMAND_APP_DIALECT, TRACCAR_DIALECT } from './osmand';
import { basicPassword, decodeOwnTracks } from './owntracks';

/** Largest request body read; one fix in any of these formats is well under 2 KiB. */
export const MAX_INGEST_BODY = 16 * 1024;

/** Longest key looked up: issued keys are far shorter, and hashing what a stranger sends costs something. */
const MAX_KEY_LENGTH = 256;

type App = 'osmand' | 'osmand-app' | 'owntracks';

/** Serve the request if it is for a tracking-app endpoint; false when the path is not one. */
export function handleIngest(live: Live, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  if (path !== '/ingest' && !path.startsWith('/ingest/')) return false;
  let served: Promise<void>;
  if (path === INGEST_PATHS.osmand) served = osmand(live, req, res, url, 'osmand', TRACCAR_DIALECT);
  else if (path === INGEST_PATHS.osmandApp) served = osmand(live, req, res, url, 'osmand-app', OSMAND_APP_DIALECT);
  else if (path === INGEST_PATHS.owntracks) served = owntracks(live, req, res);
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

// ---------- OsmAnd protocol (Traccar Client, OsmAnd) ----------

async function osmand(live: Live, req: IncomingMessage, res: ServerResponse, url: URL, app: App, dialect: OsmAndDialect): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    return text(res, 405, 'Use GET or POST.', { allow: 'GET, POST' });
  }
  const body = await body413(req, res, app);
  if (!body) return;

  const queryKey = url.searchParams.get('id') || url.searchParams.get('deviceid') || null;
  const contentType = req.headers['content-type'] ?? '';
  let decoded: Decoded;
  if (/^application\/json\b/i.test(contentType)) {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(res, app, 400, 'the body is not JSON');
    }
    decoded = decodeOsmAndJson(json, queryKey);
  } else {
    // As Traccar: the query string when it has parameters, else the body read as a form.
    const params = [...url.searchParams.keys()].length > 0 ? url.searchParams : new URLSearchParams(body.toString('utf8'));
    decoded = decodeOsmAndParams(params, dialect, Date.now());
  }

  if (!decoded.key) return refuse(res, app, 400, 'no device key: send it as the id parameter (Traccar Client: "Device identifier")');
  const owner = await findOwner(live, decoded.key);
  if (!owner) return refuse(res, app, 404, 'unknown device key: it was revoked or replaced; copy the current one from the runner page');
  if (!decoded.ok) return refuse(res, app, 400, decoded.message);
  // The device itself says this is no fix (valid=false): acknowledged, so it is not resent, and not stored.
  if (!decoded.valid) return ok(res, app);
  const checked = checkFix(decoded.fix);
  if (!checked.ok) return refuse(res, app, 400, checked.message);
  const stored = await store(live, owner, checked.fix);
  if (stored === 'unknown') return refuse(res, app, 404, 'this device key belongs to no runner any more');
  if (stored !== 'ok') return refuse(res, app, stored.status, stored.message, stored.headers);
  ok(res, app);
}

// ---------- OwnTracks ----------

async function owntracks(live: Live, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const app: App = 'owntracks';
  if (req.method !== 'POST') return text(res, 405, 'OwnTracks posts its messages: use POST.', { allow: 'POST' });
  const body = await body413(req, res, app);
  if (!body) return;

  const key = basicPassword(req.headers.authorization);
  const owner = key ? await findOwner(live, key) : null;
  if (!owner) {
    return refuse(res, app, 401, key ? 'unknown device key: it was revoked or replaced' : 'send the device key as the password (Authentication on)', {
      'www-authenticate': 'Basic realm="Trackside", charset="UTF-8"',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse(res, app, 400, 'the body is not JSON');
  }
  const decoded = decodeOwnTracks(json);
  if (decoded.kind === 'bad') return refuse(res, app, 400, decoded.message);
  if (decoded.kind === 'other') return ok(res, app);
  const checked = checkFix(decoded.fix);
  if (!checked.ok) return refuse(res, app, 400, checked.message);
  const stored = await store(live, owner, checked.fix);
  if (stored === 'unknown') {
    return refuse(res, app, 401, 'this device key belongs to no runner any more', { 'www-authenticate': 'Basic realm="Trackside", charset="UTF-8"' });
  }
  if (stored !== 'ok') return refuse(res, app, stored.status, stored.message, stored.headers);
  ok(res, app);
}

// ---------- shared ----------

interface Owner {
  event: string;
  runnerId: string;
  keyHash: string;
}

async function findOwner(live: Live, key: string): Promise<Owner | null> {
  if (key.length > MAX_KEY_LENGTH) return null;
  const keyHash = cryptoCredentials.hash(key);
  const found = await live.store.runnerByDeviceKey(keyHash);
  return found ? { ...found, keyHash } : null;
}

/** Hand the fix to the event's room and make it durable (and fanned out) before the app hears 200. */
async function store(live: Live, owner: Owner, fix: AppFix): Promise<'ok' | 'unknown' | { status: number; message: string; headers?: Record<string, string> }> {
  const out = await live.run(owner.event, { do: 'ingest', runnerId: owner.runnerId, keyHash: owner.keyHash, fix }, null);
  if (out.ok) return 'ok';
  const r = out.refusal;
  if (r.code === 'unknown_key' || r.code === 'no_such_event') return 'unknown';
  // 5xx and 429 make every app keep the fix and send it again later.
  const headers: Record<string, string> = r.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(r.retryAfterMs / 1000)) } : {};
  return { status: r.status, message: r.message, headers };
}

function ok(res: ServerResponse, app: App): void {
  if (app === 'owntracks') {
    // The app reads the reply as a JSON array of messages for it; none here.
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '2', 'cache-control': 'no-store' });
    res.end('[]');
  } else {
    res.writeHead(200, { 'content-length': '0', 'cache-control': 'no-store' });
    res.end();
  }
}

function refuse(res: ServerResponse, app: App, status: number, reason: string, headers: Record<string, string> = {}): void {
  log('info', 'ingest_refused', { app, status, reason });
  text(res, status, `Trackside: ${reason}.`, headers);
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

/** The request body, or null once a 413 is answered. */
async function body413(req: IncomingMessage, res: ServerResponse, app: App): Promise<Buffer | null> {
  try {
    return await readBody(req, MAX_INGEST_BODY);
  } catch (err) {
    if (err instanceof HttpError && err.status === 413) {
      refuse(res, app, 413, `the request body must be at most ${MAX_INGEST_BODY} bytes`);
      return null;
    }
    throw err;
  }
}
