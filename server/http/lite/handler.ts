/**
 * GET /e/<id>/lite: the light page for a saturated network, served by this server (no page framework, no
 * script to download first): the runners in the address (?runner=, up to five) as text, a search (?q=),
 * the leaders. ?part=cards answers the cards alone, with an ETag: what the page's script reads every 15 s.
 * The same access as every read: public, or the view code (?code=), or a share link (?share=).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, EventIdSchema, RunnerIdSchema } from '../../../lib/protocol';
import { LIST_QUERY_MAX } from '../../../lib/routes';
import type { Live } from '../../live/live';
import { log } from '../../log';
import { sendCompressed, sendTagged } from '../tagged';
import { cards, codePage, LITE_FOLLOW_MAX, type LitePage, page } from './render';

export interface LiteOptions {
  /** Who is asking (X-Forwarded-For behind a proxy): wrong view codes are counted per address. */
  address: (req: IncomingMessage) => string;
  /** The page's security headers for a script nonce. */
  headers: (nonce: string) => Record<string, string>;
  nonce: () => string;
}

const LEADERS = 10;
const FOUND = 20;
const PATH = /^\/e\/([^/]+)\/lite\/?$/;

/** Serve the light page if the address is one; false when it is not. */
export function handleLite(live: Live, req: IncomingMessage, res: ServerResponse, url: URL, opts: LiteOptions): boolean {
  const m = PATH.exec(url.pathname);
  if (!m) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET.\n');
    return true;
  }
  serve(live, req, res, url, decodeURIComponent(m[1]!), opts).catch((err: unknown) => {
    log('error', 'lite_failed', { error: String(err) });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Something went wrong: try again in a moment.\n');
  });
  return true;
}

function plain(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Trackside</title></head><body><p>${text}</p></body></html>`;
  sendCompressed(req, res, body, 'text/html; charset=utf-8', { ...headers, 'cache-control': 'no-store' }, status);
}

async function serve(live: Live, req: IncomingMessage, res: ServerResponse, url: URL, event: string, opts: LiteOptions): Promise<void> {
  const nonce = opts.nonce();
  const headers = opts.headers(nonce);
  const info = EventIdSchema.safeParse(event).success ? live.index.info(event) : undefined;
  if (!info) return plain(req, res, 404, 'There is no such event: check the address.', headers);
  const code = url.searchParams.get('code') ?? undefined;
  const share = url.searchParams.get('share') ?? undefined;
  const granted = await live.access.viewer(event, { code: code ?? null, share: share ?? null, organiserToken: null }, opts.address(req));
  if (!granted.ok) {
    const { code: why, message, status } = granted.refusal;
    if (why === ErrorCode.ViewCodeRequired || why === ErrorCode.BadViewCode) {
      return sendCompressed(req, res, codePage(info, why === ErrorCode.BadViewCode, nonce), 'text/html; charset=utf-8', { ...headers, 'cache-control': 'no-store' }, status);
    }
    return plain(req, res, status, message.replace(/[<>&]/g, ''), headers);
  }
  const only = granted.viewer.only;
  const follow = [...new Set(url.searchParams.getAll('runner'))]
    .filter((id) => RunnerIdSchema.safeParse(id).success && (!only || only.has(id)))
    .slice(0, LITE_FOLLOW_MAX);
  const followed = await live.query(event, { ask: 'followed', ids: follow });
  if (!followed) return plain(req, res, 404, 'There is no such event: check the address.', headers);
  const access = { ...(code ? { code } : {}), ...(share ? { share } : {}) };
  const base: LitePage = {
    event: followed.info,
    unit: followed.info.race?.unit ?? 'km',
    now: followed.now,
    follow,
    runners: followed.runners,
    q: '',
    found: null,
    leaders: [],
    access,
    nonce,
  };
  if (url.searchParams.get('part') === 'cards') return sendTagged(req, res, cards(base), 'text/html; charset=utf-8', headers);
  const q = (url.searchParams.get('q') ?? '').slice(0, LIST_QUERY_MAX).trim();
  const list = (text: string, limit: number) => live.query(event, { ask: 'list', sort: 'order', desc: false, q: text, from: 0, limit, only: only ? [...only] : null });
  const found = q ? ((await list(q, FOUND))?.rows ?? []) : null;
  const leaders = follow.length === 0 && !q ? ((await list('', LEADERS))?.rows ?? []) : [];
  sendCompressed(req, res, page({ ...base, q, found, leaders }), 'text/html; charset=utf-8', { ...headers, 'cache-control': 'no-store' });
}
