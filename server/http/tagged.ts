/**
 * Answers a reader may ask for again and again (a window of the runner list, the light page's cards): an
 * ETag of the bytes, so an answer that did not change is a 304 of a few hundred bytes, and gzip for readers
 * that take it once the answer is worth compressing.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export function sendTagged(req: IncomingMessage, res: ServerResponse, text: string, contentType: string, headers: Record<string, string> = {}): void {
  const etag = `W/"${createHash('sha1').update(text).digest('base64url').slice(0, 20)}"`;
  const common = { etag, 'cache-control': 'no-cache', vary: 'accept-encoding, x-view-code, authorization', ...headers };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common).end();
    return;
  }
  sendCompressed(req, res, text, contentType, common);
}

/** Send text, gzipped when the reader takes it and it is over a kilobyte. */
export function sendCompressed(req: IncomingMessage, res: ServerResponse, text: string, contentType: string, headers: Record<string, string> = {}, status = 200): void {
  const gzip = text.length > 1024 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const bytes = gzip ? gzipSync(text, { level: 6 }) : Buffer.from(text);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(bytes.length),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
