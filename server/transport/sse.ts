/**
 * The fallback transport for networks that block WebSocket: Server-Sent Events down, HTTP posts up.
 * GET /api/stream opens a stream (its first event names it); POST /api/stream/<id> carries one client
 * message, with the same validation, budget and replies (over the stream) as a WebSocket frame.
 * Behind a round-robin proxy a post may reach another instance than the one holding its stream: stream ids
 * start with the holder's name, and the post is handed to it over the backplane.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode, ErrorCode, LIMITS } from '../../lib/protocol';
import { readBody } from '../http/body';
import { fail, sendJson } from '../http/errors';
import type { Live } from '../live/core';
import type { Session } from '../live/sessions';
import { type AddressLimiter, clientAddress, originAllowed } from './admission';

interface Stream {
  session: Session;
  end(code: number, reason: string): void;
}

export interface SseTransport {
  /** Answers /api/stream requests; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  close(code: number, reason: string): void;
}

export function createSseTransport(
  live: Live,
  {
    limiter,
    trustProxy,
    allowedOrigins = null,
    heartbeatMs = 25_000,
    accepting = () => true,
  }: { limiter: AddressLimiter; trustProxy: boolean; allowedOrigins?: string[] | null; heartbeatMs?: number; accepting?: () => boolean },
): SseTransport {
  const streams = new Map<string, Stream>();
  live.streams = (id, body) => {
    const stream = streams.get(id);
    if (!stream) return 'gone';
    receive(stream, body);
    return 'ok';
  };

  function open(req: IncomingMessage, res: ServerResponse): void {
    if (!accepting()) return void res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('Not taking connections right now.\n');
    if (!originAllowed(req, allowedOrigins)) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('This origin may not connect.\n');
    const address = clientAddress(req, trustProxy);
    const allowed = limiter.open(address);
    if (allowed instanceof Promise) {
      void allowed.then((ok) => {
        if (res.destroyed) {
          if (ok) limiter.close(address);
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
    const id = live.backplane.streamTag + randomBytes(18).toString('base64url');
    res.write(`event: stream\ndata: ${JSON.stringify({ id })}\n\n`);
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      res.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    };
    const session = live.attach(
      {
        // JSON.stringify never writes a raw line break, so one message is always one data line.
        send: (data) => void res.write(`data: ${data}\n\n`),
        sendShared(frame) {
          frame.sse ??= Buffer.concat([Buffer.from('data: '), frame.bytes, Buffer.from('\n\n')]);
          res.write(frame.sse);
        },
        close: end,
        get bufferedAmount() {
          return res.writableLength;
        },
      },
      address,
    );
    streams.set(id, { session, end });
    // Comments keep proxies from timing the stream out, and find dead clients by failed writes.
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(id);
      limiter.close(address);
      live.sessions.detach(session);
    });
  }

  /** One client message for a stream held here. */
  function receive(stream: Stream, body: string): void {
    const verdict = stream.session.budget.take(1);
    // As on WebSocket: refused, and cut off when it keeps flooding.
    if (verdict === 'close') stream.end(CloseCode.Policy, 'message rate exceeded');
    else if (verdict === 'refuse') {
      live.sessions.refuse(stream.session, ErrorCode.RateLimited, `Too many messages: at most ${LIMITS.ratePerSecond} a second.`, { retryAfterMs: 1000 });
    } else live.sessions.receive(stream.session, body);
  }

  async function post(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const stream = streams.get(id);
    const elsewhere = !stream && live.backplane.streamTag !== '' && !id.startsWith(live.backplane.streamTag);
    if (!stream && !elsewhere) return noStream(res);
    const body = (await readBody(req, LIMITS.maxFrameBytes)).toString('utf8');
    if (stream) receive(stream, body);
    else if ((await live.backplane.streamPost(id, body)) === 'gone') return noStream(res);
    // Replies travel over the stream, in order with everything else.
    sendJson(res, 202, {});
  }

  function noStream(res: ServerResponse): void {
    sendJson(res, 404, { error: { code: ErrorCode.NoSuchStream, message: 'Open a stream first.' } });
  }

  return {
    handle(req, res, url) {
      if (url.pathname === '/api/stream') {
        if (req.method !== 'GET') return res.writeHead(405, { allow: 'GET' }).end(), true;
        open(req, res);
        return true;
      }
      const m = /^\/api\/stream\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
      if (!m) return false;
      if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end(), true;
      post(req, res, m[1]!).catch((err: unknown) => fail(res, err, { path: url.pathname }));
      return true;
    },
    close(code = CloseCode.GoingAway, reason = 'server shutting down') {
      for (const s of streams.values()) s.end(code, reason);
      streams.clear();
    },
  };
}
