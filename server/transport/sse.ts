/**
 * The fallback transport for networks that block WebSocket: Server-Sent Events down, HTTP posts up.
 * GET /api/stream opens a stream (its first event names it); each client message is then posted to
 * POST /api/stream/<id> (an API route, http/api/stream.ts) and handled by the live gateway with the same
 * validation, budget and replies (over the stream) as a WebSocket frame.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode } from '../../lib/protocol';
import { ROUTES } from '../../lib/routes';
import type { Gateway } from '../live/gateway';
import { clientAddress, originAllowed } from './origin';

export interface SseTransport {
  /** Opens streams (GET /api/stream); false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  close(code: number, reason: string): void;
}

export function createSseTransport(
  gateway: Gateway,
  { trustProxy, allowedOrigins = null, heartbeatMs = 25_000 }: { trustProxy: boolean; allowedOrigins?: string[] | null; heartbeatMs?: number },
): SseTransport {
  const ends = new Set<(code: number, reason: string) => void>();

  function open(req: IncomingMessage, res: ServerResponse): void {
    if (!gateway.accepting) return void res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('Not taking connections right now.\n');
    if (!originAllowed(req, allowedOrigins)) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('This origin may not connect.\n');
    const address = clientAddress(req, trustProxy);
    const allowed = gateway.admit(address);
    if (allowed instanceof Promise) {
      void allowed.then((ok) => {
        if (res.destroyed) {
          if (ok) gateway.release(address);
        } else if (ok) start(res, address);
        else tooMany(res);
      });
    } else if (allowed) start(res, address);
    else tooMany(res);
  }

  function tooMany(res: ServerResponse): void {
    res.writeHead(429, { 'content-type': 'text/plain' }).end('Too many connections from this address.\n');
  }

  function start(res: ServerResponse, address: string): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the stream back in their buffers.
      'x-accel-buffering': 'no',
    });
    const id = gateway.streamId(randomBytes(18).toString('base64url'));
    res.write(`event: stream\ndata: ${JSON.stringify({ id })}\n\n`);
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      res.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    };
    const connection = gateway.connect(
      {
        // JSON.stringify never writes a raw line break, so one message is always one data line.
        send: (data) => void res.write(`data: ${data}\n\n`),
        sendShared(frame) {
          // A binary frame (compact positions) travels as base64 in an event named "b".
          frame.sse ??= frame.binary
            ? Buffer.from(`event: b\ndata: ${frame.bytes.toString('base64')}\n\n`)
            : Buffer.concat([Buffer.from('data: '), frame.bytes, Buffer.from('\n\n')]);
          res.write(frame.sse);
        },
        close: end,
        get bufferedAmount() {
          return res.writableLength;
        },
      },
      address,
      id,
    );
    ends.add(end);
    // Comments keep proxies from timing the stream out, and find dead clients by failed writes.
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      ends.delete(end);
      connection.closed();
    });
  }

  return {
    handle(req, res, url) {
      if (url.pathname === ROUTES.stream.path) {
        if (req.method !== 'GET') return res.writeHead(405, { allow: 'GET' }).end(), true;
        open(req, res);
        return true;
      }
      return false;
    },
    close(code = CloseCode.GoingAway, reason = 'server shutting down') {
      for (const end of [...ends]) end(code, reason);
      ends.clear();
    },
  };
}

