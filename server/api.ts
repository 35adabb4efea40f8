/**
 * The JSON HTTP API under /api. Reading public events is open to any origin (CORS *); protected events
 * need their view code; changes need the organiser's (or, for their own track, the runner's) token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { cleanText, EventNameSchema, type EventInfo, LIMITS, RunnerIdSchema, ViewCodeSchema } from '../lib/protocol';
import type { Core } from './core';
import type { Effects } from './hub';
import { toGpx } from './gpx';
import { slugify } from '../lib/slug';
import { clientAddress } from './net-policy';
import type { KeyedBuckets } from './token-bucket';

const MAX_BODY_BYTES = 4096;

export interface ApiOptions {
  trustProxy: boolean;
  /** Event creations allowed per address: creating needs no account, so one address must not fill the disk. */
  creations: KeyedBuckets;
}

interface Ctx extends ApiOptions {
  core: Core;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(json)),
    ...headers,
  });
  res.end(json);
}

function download(res: ServerResponse, filename: string, type: string, body: string, headers: Record<string, string>): void {
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

const fail = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { error: { code, message } }, headers);

/** Open to any origin: only for what anyone may read anyway. */
const OPEN_CORS = { 'access-control-allow-origin': '*' };

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, drain a little so the client can read the 413; past that, hang up.
      if (size > MAX_BODY_BYTES * 256) req.destroy();
      else if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new RangeError('too_large'));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new SyntaxError('bad_json'));
      }
    });
    req.on('error', reject);
  });
}

async function body(ctx: Ctx): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await readJson(ctx.req) };
  } catch (err) {
    if (err instanceof RangeError) fail(ctx.res, 413, 'too_large', `Request body must be at most ${MAX_BODY_BYTES} bytes.`);
    else fail(ctx.res, 400, 'bad_json', 'Request body must be JSON.');
    return { ok: false };
  }
}

function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

export function handleApi(core: Core, req: IncomingMessage, res: ServerResponse, url: URL, opts: ApiOptions): boolean {
  if (!url.pathname.startsWith('/api/')) return false;
  void route({ core, req, res, url, ...opts }).catch(() => {
    if (!res.headersSent) fail(res, 500, 'internal', 'Something went wrong.');
  });
  return true;
}

async function route(ctx: Ctx): Promise<void> {
  const { core, req, res, url } = ctx;
  const path = url.pathname;

  if (req.method === 'OPTIONS') {
    // Only reads are offered across origins; anything else is same-origin.
    res.writeHead(204, {
      ...OPEN_CORS,
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'x-view-code',
      'access-control-max-age': '86400',
    });
    return void res.end();
  }

  if (path === '/api/health') return send(res, 200, { ok: true, ...core.stats() }, OPEN_CORS);

  if (path === '/api/events') {
    if (req.method === 'GET') return send(res, 200, { events: core.hub.listEvents() }, OPEN_CORS);
    if (req.method === 'POST') return createEvent(ctx);
    return fail(res, 405, 'method_not_allowed', 'Use GET or POST.', { allow: 'GET, POST' });
  }

  const m = /^\/api\/events\/([a-z0-9-]+)(\/.*)?$/.exec(path);
  if (!m) return fail(res, 404, 'not_found', 'No such API endpoint.');
  const event = core.hub.getEvent(m[1]!);
  if (!event) return fail(res, 404, 'no_such_event', 'There is no such event.');
  const rest = m[2] ?? '';

  // Reads: public, with the view code, as organiser, or through a share link (limited to its runners).
  const reads: Record<string, (access: Access) => void> = {
    '': (a) => send(res, 200, { event, runners: core.hub.runnerSummaries(event.id).filter((r) => a.sees(r.id)) }, a.cors),
    '/snapshot': (a) => send(res, 200, core.hub.snapshotOf(event.id, a.only), a.cors),
    '/happiness': (a) => send(res, 200, { samples: core.hub.happinessOf(event.id) }, a.cors),
    '/export.json': (a) => {
      core.flush();
      const data = core.storage.exportEvent(event.id)!;
      const body = JSON.stringify({ ...data, runners: data.runners.filter((r) => a.sees(r.id)) }, null, 1);
      download(res, `${event.id}.json`, 'application/json', body, a.cors);
    },
  };
  const read = reads[rest];
  if (read) return void (only(ctx, 'GET') && readable(ctx, event, read));

  if (rest === '/links') {
    if (!isOrganiser(ctx, event)) return;
    if (req.method === 'GET') return send(res, 200, { links: core.hub.listShareLinks(event.id) });
    if (req.method === 'POST') return createLink(ctx, event);
    return fail(res, 405, 'method_not_allowed', 'Use GET or POST.', { allow: 'GET, POST' });
  }
  const linkPath = /^\/links\/([A-Za-z0-9_-]+)$/.exec(rest);
  if (linkPath) {
    if (!only(ctx, 'DELETE') || !isOrganiser(ctx, event)) return;
    const effects = core.hub.revokeShareLink(event.id, linkPath[1]!);
    if (!effects) return fail(res, 404, 'no_such_link', 'There is no such link.');
    if (!durable(ctx, effects)) return;
    return void res.writeHead(204).end();
  }
  if (rest === '/finish') {
    if (!only(ctx, 'POST') || !isOrganiser(ctx, event)) return;
    if (!durable(ctx, core.hub.finishEvent(event.id))) return;
    return send(res, 200, { event: core.hub.getEvent(event.id) });
  }
  if (rest === '/view-code') return only(ctx, 'PUT') && isOrganiser(ctx, event) ? setViewCode(ctx, event) : undefined;

  const keyPath = /^\/runners\/([A-Za-z0-9_-]+)\/device-key$/.exec(rest);
  if (keyPath) return deviceKey(ctx, event, keyPath[1]!);

  const runner = /^\/runners\/([A-Za-z0-9_-]+)(\/track\.gpx|\/track)?$/.exec(rest);
  if (runner) {
    const runnerId = runner[1]!;
    const info = core.hub.runnerSummary(event.id, runnerId);
    if (req.method === 'GET') {
      return readable(ctx, event, (a) => {
        if (!info || !a.sees(runnerId)) return fail(res, 404, 'no_such_runner', 'That runner is not in this event.');
        core.flush();
        const positions = core.storage.track(event.id, runnerId);
        const { points, ...runnerInfo } = info;
        if (runner[2] === '/track.gpx') {
          const gpx = toGpx({ event, runner: { id: runnerId, name: info.name }, positions });
          return download(res, `${event.id}-${slugify(info.name)}.gpx`, 'application/gpx+xml', gpx, a.cors);
        }
        if (runner[2] === '/track') return send(res, 200, { runner: runnerInfo, points: positions }, a.cors);
        send(res, 200, { runner: runnerInfo, points, latest: positions[positions.length - 1] ?? null }, a.cors);
      });
    }
    if (runner[2]) return fail(res, 405, 'method_not_allowed', 'Use GET.', { allow: 'GET' });
    if (req.method !== 'DELETE') return fail(res, 405, 'method_not_allowed', 'Use GET or DELETE.', { allow: 'GET, DELETE' });
    const token = bearer(req);
    if (!token) return unauthorised(res, 'Send the organiser token, or your runner token, as "Authorization: Bearer …".');
    // The same refusal for an unknown runner and a wrong token, so ids cannot be probed.
    if (!core.hub.verifyOrganiser(event.id, token) && !core.hub.verifyRunner(event.id, runnerId, token)) {
      return fail(res, 403, 'forbidden', 'That token may not remove this runner.');
    }
    if (!durable(ctx, core.hub.removeRunner(event.id, runnerId))) return;
    return void res.writeHead(204).end();
  }
  return fail(res, 404, 'not_found', 'No such API endpoint.');
}

/** Apply a change and make it durable; answers 503 (and returns false) when storage failed. */
function durable(ctx: Ctx, effects: Effects): boolean {
  if (ctx.core.change(effects)) return true;
  fail(ctx.res, 503, 'storage_unavailable', 'The change could not be saved: try again in a moment.', { 'retry-after': '5' });
  return false;
}

function only(ctx: Ctx, method: string): boolean {
  if (ctx.req.method === method) return true;
  fail(ctx.res, 405, 'method_not_allowed', `Use ${method}.`, { allow: method });
  return false;
}

const unauthorised = (res: ServerResponse, message: string) =>
  fail(res, 401, 'unauthorised', message, { 'www-authenticate': 'Bearer' });

interface Access {
  cors: Record<string, string>;
  /** Runners a share link limits the reader to; null for all. */
  only: Set<string> | null;
  sees(runnerId: string): boolean;
}

const access = (cors: Record<string, string>, only: Set<string> | null): Access => ({
  cors,
  only,
  sees: (id) => !only || only.has(id),
});

/**
 * Public events are readable by anyone, from anywhere; protected ones with the view code or as organiser.
 * A share link (?share=…) opens either, limited to its runners; an expired or withdrawn one opens nothing.
 */
function readable(ctx: Ctx, event: EventInfo, then: (a: Access) => void): void {
  const share = ctx.url.searchParams.get('share');
  if (share) {
    const found = ctx.core.hub.resolveShareLink(share);
    if (!found || found.event.id !== event.id) return fail(ctx.res, 404, 'no_such_link', 'This share link does not exist.');
    if (found.state !== 'active') {
      return fail(ctx.res, 410, `link_${found.state}`, found.state === 'revoked' ? 'The organiser has withdrawn this link.' : 'This link has expired.');
    }
    return then(access(event.protected ? {} : OPEN_CORS, found.link.runners ? new Set(found.link.runners) : null));
  }
  if (!event.protected) return then(access(OPEN_CORS, null));
  const code = ctx.url.searchParams.get('code') ?? (ctx.req.headers['x-view-code'] as string | undefined);
  const token = bearer(ctx.req);
  if (ctx.core.hub.verifyViewCode(event.id, code ?? undefined) || (token && ctx.core.hub.verifyOrganiser(event.id, token))) {
    return then(access({}, null));
  }
  fail(ctx.res, 403, code ? 'bad_view_code' : 'view_code_required', code ? 'That view code is not right.' : 'This event is protected: send its view code as ?code=… or X-View-Code.');
}

/** Whether the request carries this event's organiser token; answers the refusal when not. */
function isOrganiser(ctx: Ctx, event: EventInfo): boolean {
  const token = bearer(ctx.req);
  if (!token) unauthorised(ctx.res, 'Send the organiser token as "Authorization: Bearer …".');
  else if (!ctx.core.hub.verifyOrganiser(event.id, token)) fail(ctx.res, 403, 'forbidden', 'That is not the organiser token of this event.');
  else return true;
  return false;
}

/**
 * The runner's key for tracking apps: POST issues a new one (the old one stops working), DELETE revokes it.
 * Only the runner (with their runner token) may do either.
 */
function deviceKey(ctx: Ctx, event: EventInfo, runnerId: string): void {
  const { core, req, res } = ctx;
  if (req.method !== 'POST' && req.method !== 'DELETE') {
    return fail(res, 405, 'method_not_allowed', 'Use POST or DELETE.', { allow: 'POST, DELETE' });
  }
  const token = bearer(req);
  if (!token) return unauthorised(res, 'Send your runner token as "Authorization: Bearer …".');
  if (!core.hub.verifyRunner(event.id, runnerId, token)) return fail(res, 403, 'forbidden', 'That token may not manage this runner.');
  if (req.method === 'DELETE') {
    if (!durable(ctx, { send: [], store: core.hub.revokeDeviceKey(event.id, runnerId), afterStore: [] })) return;
    return void res.writeHead(204).end();
  }
  const issued = core.hub.issueDeviceKey(event.id, runnerId)!;
  if (!durable(ctx, { send: [], store: issued.store, afterStore: [] })) return;
  send(res, 201, { key: issued.key });
}

const LinkRequest = z.object({
  label: z.string().max(LIMITS.nameMax * 4).transform(cleanText).pipe(z.string().max(LIMITS.nameMax)).default(''),
  runners: z.array(RunnerIdSchema).min(1).max(LIMITS.followMax).nullish(),
  /** When the link stops working, ms since the epoch. */
  expiresAt: z.number().int().positive().nullish(),
});

async function createLink(ctx: Ctx, event: EventInfo): Promise<void> {
  const parsed = await body(ctx);
  if (!parsed.ok) return;
  const req = LinkRequest.safeParse(parsed.value);
  if (!req.success) {
    const issue = req.error.issues[0];
    return fail(ctx.res, 400, 'bad_link', `Invalid link: ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}.`);
  }
  const { label, runners, expiresAt } = req.data;
  if (runners?.some((id) => !ctx.core.hub.runnerName(event.id, id))) {
    return fail(ctx.res, 400, 'bad_link', 'Every runner of the link must be in this event.');
  }
  if (expiresAt != null && expiresAt <= Date.now()) return fail(ctx.res, 400, 'bad_link', 'The expiry time must be in the future.');
  const made = ctx.core.hub.createShareLink(event.id, { label, runners: runners ?? null, expiresAt: expiresAt ?? null })!;
  if (!durable(ctx, { send: [], store: made.store, afterStore: [] })) return;
  send(ctx.res, 201, { link: made.link, path: `/s/${made.link.token}` });
}

async function createEvent(ctx: Ctx): Promise<void> {
  const { core, req, res } = ctx;
  if (!ctx.creations.take(clientAddress(req, ctx.trustProxy))) {
    return fail(res, 429, 'rate_limited', 'Too many events created from this address: try again later.', { 'retry-after': '600' });
  }
  const parsed = await body(ctx);
  if (!parsed.ok) return;
  const raw = (parsed.value as { name?: unknown } | null)?.name;
  if (typeof raw !== 'string') return fail(res, 400, 'bad_name', 'Give the event a name: {"name": "Sunday 10k"}.');
  const name = EventNameSchema.safeParse(raw);
  if (!name.success) return fail(res, 400, 'bad_name', `Event name ${name.error.issues[0]?.message ?? 'is invalid'}.`);
  const { event, organiserToken } = core.createEvent(name.data);
  send(res, 201, {
    event,
    organiserToken,
    links: { spectator: `/e/${event.id}`, runner: `/e/${event.id}/run`, organiser: `/e/${event.id}/organise#token=${organiserToken}` },
  });
}

async function setViewCode(ctx: Ctx, event: EventInfo): Promise<void> {
  const parsed = await body(ctx);
  if (!parsed.ok) return;
  const raw = (parsed.value as { code?: unknown } | null)?.code;
  if (raw === undefined) return fail(ctx.res, 400, 'bad_view_code', 'Send {"code": "…"} to set a view code, or {"code": null} to lift it.');
  if (raw !== null) {
    const code = ViewCodeSchema.safeParse(raw);
    if (!code.success) return fail(ctx.res, 400, 'bad_view_code', `The ${code.error.issues[0]?.message ?? 'view code is invalid'}; send {"code": null} to lift it.`);
  }
  if (!durable(ctx, ctx.core.hub.setViewCode(event.id, raw as string | null))) return;
  send(ctx.res, 200, { event: ctx.core.hub.getEvent(event.id) });
}
