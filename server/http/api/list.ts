/**
 * GET /api/events/<id>/list?sort=&desc=&q=&from=&limit=: a window of the runner list, for a page that shows
 * a field of thousands a screenful at a time (and the lite page). Answers carry an ETag of what they hold, so
 * a window asked again while nothing in it changed is a 304 of a few hundred bytes; larger answers are
 * gzipped for readers that take it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../../lib/protocol';
import { LIST_PAGE_MAX, LIST_SORTS, type ListSort } from '../../room/list';
import { HttpError } from '../errors';
import { type ApiRequest, ask, reader } from './context';

const QUERY_MAX = 64;

function sortParam(r: ApiRequest): ListSort {
  const v = r.url.searchParams.get('sort') ?? 'order';
  if (!(LIST_SORTS as readonly string[]).includes(v)) throw new HttpError(400, ErrorCode.BadSort, `sort must be one of ${LIST_SORTS.join(', ')}.`);
  return v as ListSort;
}

function whole(r: ApiRequest, name: 'from' | 'limit', min: number, max: number, fallback: number): number {
  const v = r.url.searchParams.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new HttpError(400, name === 'from' ? ErrorCode.BadFrom : ErrorCode.BadLimit, `${name} must be a whole number from ${min} to ${max}.`);
  }
  return n;
}

/** Send JSON with an ETag of its bytes (304 when the reader has them), gzipped when it is worth it. */
export function sendTagged(r: ApiRequest, body: unknown, headers: Record<string, string>): void {
  const json = JSON.stringify(body);
  const etag = `W/"${createHash('sha1').update(json).digest('base64url').slice(0, 20)}"`;
  const common = { etag, 'cache-control': 'no-cache', vary: 'accept-encoding, x-view-code, authorization', ...headers };
  if (r.req.headers['if-none-match'] === etag) {
    r.res.writeHead(304, common).end();
    return;
  }
  const gzip = json.length > 1024 && /\bgzip\b/.test(String(r.req.headers['accept-encoding'] ?? ''));
  const bytes = gzip ? gzipSync(json, { level: 6 }) : Buffer.from(json);
  r.res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(bytes.length),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...common,
  });
  r.res.end(bytes);
}

export async function runnerList(r: ApiRequest): Promise<void> {
  const { viewer, cors } = await reader(r);
  const sort = sortParam(r);
  const desc = r.url.searchParams.get('desc') === '1';
  const q = (r.url.searchParams.get('q') ?? '').trim();
  if (q.length > QUERY_MAX) throw new HttpError(400, ErrorCode.BadQuery, `q may be at most ${QUERY_MAX} characters.`);
  const from = whole(r, 'from', 0, 10_000_000, 0);
  const limit = whole(r, 'limit', 1, LIST_PAGE_MAX, 100);
  const { info: _info, ...page } = await ask(r, { ask: 'list', sort, desc, q, from, limit, only: viewer.only ? [...viewer.only] : null });
  sendTagged(r, page, cors);
}
