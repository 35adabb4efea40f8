/** HTTP answers: JSON bodies, errors with a code and a message a person can act on, logged once. */
import { ErrorCode } from '../../lib/protocol';
import type { ServerResponse } from 'node:http';
import type { Refusal } from '../room/effects';
import { log } from '../log';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** More for a program to act on, beside code and message (the lines of a course file to pick from). */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
  }

  static from(r: Refusal): HttpError {
    const headers: Record<string, string> = r.retryAfterMs !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))) } : {};
    return new HttpError(r.status, r.code, r.message, headers);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(Buffer.byteLength(json)),
    ...headers,
  });
  res.end(json);
}

export function sendError(res: ServerResponse, err: HttpError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message, ...err.detail } }, { ...headers, ...err.headers });
}

/** Answer a failure: an HttpError as it says; anything else is logged with its cause and answered 500. */
export function fail(res: ServerResponse, err: unknown, context: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (err instanceof HttpError) {
    if (!res.headersSent) sendError(res, err, headers);
    else res.destroy();
    return;
  }
  log('error', 'request_failed', { ...context, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  if (!res.headersSent) sendError(res, new HttpError(500, ErrorCode.Internal, 'Something went wrong on the server; it was logged.'), headers);
  else res.destroy();
}
