/**
 * Reading an event: summary, snapshot, happiness, a runner's track page by page, GPX and the whole-event
 * JSON export. Long reads stream from the store; nothing reads a whole race into memory.
 */
import { createHash } from 'node:crypto';
import { alertsFor, seesAlertsOf } from '../../../lib/control/audience';
import { encodeTrail } from '../../../lib/polyline';
import { ErrorCode } from '../../../lib/protocol';
import { slugify } from '../../../lib/slug';
import { trackTexts, writeEventJson } from '../../exports/event-json';
import { gpxHead, gpxTail } from '../../storage/formats/gpx';
import { ClientGone, responseSink } from '../../exports/sink';
import { log } from '../../log';
import { HttpError, sendJson } from '../errors';
import { addressOf, type ApiRequest, ask, reader } from './context';

export async function eventSummary(r: ApiRequest<'eventSummary'>): Promise<void> {
  const { viewer, cors, event } = await reader(r);
  const asOrganiser = viewer.via === 'organiser';
  const room = await ask(r, { ask: 'summaries', all: asOrganiser, only: viewer.only ? [...viewer.only] : null });
  // An SOS is the organiser's and the family's (lib/control/audience.ts), not every spectator's.
  const runners = room.runners.map((x) => (x.alert && !seesAlertsOf(viewer, x.id) ? { ...x, alert: null } : x));
  const body: Record<string, unknown> = { event: room.info, runners };
  if (asOrganiser) {
    body.organiser = { failedAttempts: r.ctx.live.access.failedAttempts(event), quotas: r.ctx.live.writes.quotas(room.quotas), runners: room.runnerCount };
  }
  sendJson(r.res, 200, body, cors);
}

export async function snapshot(r: ApiRequest<'snapshot'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const { type: _type, ...snap } = await ask(r, { ask: 'snapshot', only: viewer.only ? [...viewer.only] : null });
  sendJson(r.res, 200, { ...snap, alerts: alertsFor(viewer, snap.alerts) }, cors);
}

export async function happiness(r: ApiRequest<'happiness'>): Promise<void> {
  const { cors } = await reader(r);
  sendJson(r.res, 200, { samples: await ask(r, { ask: 'happiness' }) }, cors);
}

async function runnerFor(r: ApiRequest<'runner' | 'trackPage' | 'trackGpx' | 'avatar'>) {
  const access = await reader(r);
  const runnerId = r.params.runner;
  const room = await ask(r, { ask: 'runner', runnerId });
  const summary = room.summary;
  // Spectators see a runner from their first fix on, or from the start list before any.
  const listed = summary && (summary.latest !== null || summary.entry !== undefined);
  const seen = summary && (access.viewer.via === 'organiser' || listed) && (!access.viewer.only || access.viewer.only.has(runnerId));
  if (!summary || !seen) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  return { ...access, room: { id: access.event, info: room.info, epoch: room.epoch }, summary };
}

export async function runner(r: ApiRequest<'runner'>): Promise<void> {
  const { summary, cors, viewer } = await runnerFor(r);
  const { points, latest, ...info } = summary;
  if (info.alert && !seesAlertsOf(viewer, info.id)) info.alert = null;
  sendJson(r.res, 200, { runner: info, points, latest }, cors);
}

/**
 * GET …/runners/<id>/track?after=<next>&limit=<n>&from=<ms>&to=<ms>&format=trail: one page of a runner's
 * stored track in time order, with `next` for the page after (null at the end). format=trail gives the
 * page as an encoded trail for drawing instead of full fixes (lib/polyline.ts, times in milliseconds). Pages carry an ETag: a page read again while
 * nothing was added to the runner's track answers 304.
 */
export async function trackPage(r: ApiRequest<'trackPage'>): Promise<void> {
  const { summary, cors, room } = await runnerFor(r);
  const { from, to, format } = r.query;
  const after = r.query.after ?? null;
  const limit = r.query.limit ?? 1000;
  const version = `${room.epoch}.${summary.points}.${summary.lastSeen ?? 0}`;
  const etag = `W/"${createHash('sha256').update(`${version}|${r.url.search}`).digest('base64url').slice(0, 22)}"`;
  const caching = { etag, 'cache-control': cors['access-control-allow-origin'] ? 'public, max-age=5' : 'private, max-age=5', vary: 'x-view-code, authorization' };
  if (r.req.headers['if-none-match'] === etag) {
    r.res.writeHead(304, { ...cors, ...caching }).end();
    return;
  }
  const page = await r.ctx.live.store.trackPage(room.id, summary.id, after, limit, { from, to });
  const last = page[page.length - 1];
  const next = page.length === limit && last ? `${last.t}:${last.seq}` : null;
  const { points: _points, latest: _latest, ...info } = summary;
  const body =
    format === 'trail'
      ? { runner: info, trail: encodeTrail(page.map((p) => [p.lat, p.lon, p.t]), 1), timeStepMs: 1, count: page.length, next }
      : { runner: info, points: page, next };
  sendJson(r.res, 200, body, { ...cors, ...caching });
}

/**
 * GET …/runners/<id>/avatar: the picture the runner's tracking app sent, for whoever may see the runner.
 * Its address carries the version (?v=, RunnerInfo.avatar), so a copy can be kept for good.
 */
export async function avatar(r: ApiRequest<'avatar'>): Promise<void> {
  const { summary, cors, room } = await runnerFor(r);
  const picture = summary.avatar !== undefined ? await r.ctx.live.store.avatar(room.id, summary.id) : null;
  if (!picture) throw new HttpError(404, ErrorCode.NoAvatar, 'This runner has no picture.');
  const bytes = Buffer.from(picture.data, 'base64');
  const etag = `"${picture.updatedAt}"`;
  const versioned = r.query.v === String(picture.updatedAt);
  const caching = {
    etag,
    'cache-control': `${cors['access-control-allow-origin'] ? 'public' : 'private'}, max-age=${versioned ? 31_536_000 : 60}`,
    vary: 'x-view-code, authorization',
  };
  if (r.req.headers['if-none-match'] === etag) {
    r.res.writeHead(304, { ...cors, ...caching }).end();
    return;
  }
  r.res.writeHead(200, {
    'content-type': picture.mime,
    'content-length': String(bytes.length),
    // An uploaded picture is only ever an image here, never a page (nosniff comes with every answer).
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'; sandbox",
    ...cors,
    ...caching,
  });
  r.res.end(bytes);
}

export async function trackGpx(r: ApiRequest<'trackGpx'>): Promise<void> {
  const { summary, cors, room } = await runnerFor(r);
  const release = r.ctx.exports.acquire(addressOf(r));
  try {
    const first = await r.ctx.live.store.trackPage(room.id, summary.id, null, 1);
    r.res.writeHead(200, {
      'content-type': 'application/gpx+xml; charset=utf-8',
      'content-disposition': `attachment; filename="${room.id}-${slugify(summary.name)}.gpx"`,
      'cache-control': 'no-store',
      ...cors,
    });
    const sink = responseSink(r.res);
    await sink.write(gpxHead(room.info, summary, first[0]?.t ?? null));
    for await (const page of trackTexts(r.ctx.live.store, room.id, summary.id, 'gpx')) await sink.write(page.text);
    await sink.write(gpxTail());
    r.res.end();
  } catch (err) {
    streamFailed(r, err, 'gpx');
  } finally {
    release();
  }
}

export async function exportJson(r: ApiRequest<'exportJson'>): Promise<void> {
  const { viewer, cors, event } = await reader(r);
  const room = { id: event, ...(await ask(r, { ask: 'version' })) };
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-disposition': `attachment; filename="${room.id}.json"`,
    'cache-control': 'no-store',
    ...cors,
  };
  // A finished event's whole export, once made, is sent again from its kept copy.
  const cacheable = room.info.status === 'finished' && !viewer.only;
  // The organiser's copy holds the SOS alerts; everyone else's does not (lib/control/audience.ts).
  const version = `${room.version}.${viewer.via === 'organiser' ? 'all' : 'public'}`;
  if (cacheable && (await r.ctx.exportCache.send(r.res, room.id, version, headers))) return;
  const release = r.ctx.exports.acquire(addressOf(r));
  const tee = cacheable ? r.ctx.exportCache.tee(responseSink(r.res), room.id, version) : null;
  try {
    const runners = (await r.ctx.live.store.runners(room.id)).filter((x) => !viewer.only || viewer.only.has(x.id));
    r.res.writeHead(200, headers);
    const started = Date.now();
    const fixes = await writeEventJson(tee?.sink ?? responseSink(r.res), r.ctx.live.store, room.info, runners, (id) => seesAlertsOf(viewer, id));
    // Kept before the answer ends, so a download right after it finds the copy.
    await tee?.keep();
    r.res.end();
    log('info', 'export_done', { event: room.id, runners: runners.length, fixes, ms: Date.now() - started });
  } catch (err) {
    tee?.drop();
    streamFailed(r, err, 'json');
  } finally {
    release();
  }
}

/** A stream that failed half way cannot change its status any more: log the cause and cut it short. */
function streamFailed(r: ApiRequest, err: unknown, what: string): void {
  if (err instanceof ClientGone) return;
  if (!r.res.headersSent) throw err;
  log('error', 'export_failed', { what, path: r.url.pathname, error: err instanceof Error ? err.message : String(err) });
  r.res.destroy();
}
