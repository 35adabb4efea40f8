/**
 * The open race feed (docs/api.md#open-race-feed): standings, passings per timing point, and where every
 * runner is now as GeoJSON. Read like the rest of the public API: open to any origin for public events
 * (CORS), the view code or a share link for protected ones; an ETag of the answer, so a poller that asks
 * again before anything changed gets 304.
 */
import { createHash } from 'node:crypto';
import { HttpError, sendJson } from '../errors';
import { type ApiRequest, ask, reader } from './context';
import { ErrorCode } from '../../../lib/protocol';

function answer(r: ApiRequest<'feedStandings' | 'feedPassings' | 'feedPositions'>, cors: Record<string, string>, body: unknown, type = 'application/json; charset=utf-8'): void {
  const json = JSON.stringify(body);
  const etag = `W/"${createHash('sha256').update(json).digest('base64url').slice(0, 22)}"`;
  const headers = {
    ...cors,
    etag,
    'cache-control': `${cors['access-control-allow-origin'] ? 'public' : 'private'}, max-age=5`,
    vary: 'x-view-code, authorization',
  };
  if (r.req.headers['if-none-match'] === etag) return void r.res.writeHead(304, headers).end();
  sendJson(r.res, 200, body, { ...headers, 'content-type': type });
}

/** GET …/feed/standings: every runner in race order. */
export async function feedStandings(r: ApiRequest<'feedStandings'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const got = await ask(r, { ask: 'standings', only: viewer.only ? [...viewer.only] : null });
  answer(r, cors, { event: { id: got.info.id, name: got.info.name, status: got.info.status, startsAt: got.info.race?.startsAt ?? null }, standings: got.rows });
}

/** GET …/feed/passings?point=<id>: each timing point with the runners it saw, earliest first. */
export async function feedPassings(r: ApiRequest<'feedPassings'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const point = r.query.point ?? null;
  const got = await ask(r, { ask: 'pointPassings', only: viewer.only ? [...viewer.only] : null, pointId: point });
  if (point !== null && got.points.length === 0) throw new HttpError(404, ErrorCode.NoSuchTimingPoint, 'There is no such timing point.');
  answer(r, cors, { event: { id: got.info.id, name: got.info.name }, points: got.points });
}

/** GET …/feed/positions.geojson: a point per runner placed now, by GPS or predicted from the mats. */
export async function feedPositions(r: ApiRequest<'feedPositions'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const got = await ask(r, { ask: 'positions', only: viewer.only ? [...viewer.only] : null });
  answer(r, cors, got.geojson, 'application/geo+json; charset=utf-8');
}
