/**
 * GET /api/events/<id>/list?sort=&desc=&q=&from=&limit=: a window of the runner list, for a page that shows
 * a field of thousands a screenful at a time (and the light page). Answers carry an ETag of what they hold,
 * so a window asked again while nothing in it changed is a 304 of a few hundred bytes; larger answers are
 * gzipped for readers that take it.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse, IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import { LIST_QUERY_MAX } from '../../../lib/routes';
import { type ApiRequest, ask, reader } from './context';

/** Send JSON with an ETag of its bytes (304 when the reader has them), gzipped when it is worth it. */
export function sendTagged(req: IncomingMessage, res: ServerResponse, body: unknown, headers: Record<string, string>): void {
  const json = JSON.stringify(body);
  const etag = `W/"${createHash('sha1').update(json).digest('base64url').slice(0, 20)}"`;
  const common = { etag, 'cache-control': 'no-cache', vary: 'accept-encoding, x-view-code, authorization', ...headers };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common).end();
    return;
  }
  const gzip = json.length > 1024 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const bytes = gzip ? gzipSync(json, { level: 6 }) : Buffer.from(json);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(bytes.length),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...common,
  });
  res.end(bytes);
}

export async function runnerList(r: ApiRequest<'runnerList'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const { sort, desc, q, from, limit } = r.query;
  const { info: _info, ...page } = await ask(r, {
    ask: 'list',
    sort,
    desc: desc === '1',
    q: (q ?? '').slice(0, LIST_QUERY_MAX).trim(),
    from: from ?? 0,
    limit: limit ?? 100,
    only: viewer.only ? [...viewer.only] : null,
  });
  sendTagged(r.req, r.res, page, cors);
}
