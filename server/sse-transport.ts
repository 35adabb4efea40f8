/**
 * The fallback transport for networks that block WebSocket: Server-Sent Events down, HTTP posts up.
 * GET /api/stream opens a stream (its first event names it); POST /api/stream/<id> carries one client
 * message, with the same validation, budget and replies (over the stream) as a WebSocket frame.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode, ErrorCode, LIMITS } from '../lib/protocol';
import type { ConnId } from './hub';
import type { Core } from './core';
import { clientAddress, type ConnectionLimiter, originAllowed } from './net-policy';
import { TokenBucket } from './token-bucket';

interface Stream {
  connId: ConnId;
  res: ServerResponse;
  budget: TokenBucket;
  strikes: TokenBucket;
  end(code: number, reason: string): void;
}

export interface SseTransport {
  /** Answers /api/stream requests; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  close(code: number, reason: string): void;
}

export function createSseTransport(
  core: Core,
  {
    limiter,
    trustProxy,
    allowedOrigins = null,
    heartbeatMs = 25_000,
  }: { limiter: ConnectionLimiter; trustProxy: boolean; allowedOrigins?: string[] | null; heartbeatMs?: number },
): SseTransport {
  const streams = new Map<string, Stream>();

  function open(req: IncomingMessage, res: ServerResponse): void {
    if (!originAllowed(req, allowedOrigins)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('This origin may not connect.\n');
      return;
    }
    const address = clientAddress(req, trustProxy);
    if (!limiter.open(address)) {
      res.writeHead(429, { 'content-type': 'text/plain' }).end('Too many connections from this address.\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the stream back in their buffers.
      'x-accel-buffering': 'no',
    });
    const id = randomBytes(18).toString('base64url');
    res.write(`event: stream\ndata: ${JSON.stringify({ id })}\n\n`);
    let ended = false;
    const end = (code: number, reason: string) => {
      if (ended) return;
      ended = true;
      res.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    };
    const connId = core.attach({
      // JSON.stringify never writes a raw line break, so one message is always one data line.
      send: (data) => void res.write(`data: ${data.toString()}\n\n`),
      sendShared(frame) {
        frame.sse ??= Buffer.concat([Buffer.from('data: '), frame.bytes, Buffer.from('\n\n')]);
        res.write(frame.sse);
      },
      close: end,
      get bufferedAmount() {
        return res.writableLength;
      },
    });
    streams.set(id, {
      connId,
      res,
      budget: new TokenBucket(LIMITS.rateBurst, LIMITS.ratePerSecond),
      strikes: new TokenBucket(LIMITS.rateStrikes, LIMITS.rateStrikes / 10),
      end,
    });
    // Comments keep proxies from timing the stream out, and find dead clients by failed writes.
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(id);
      limiter.close(address);
      core.detach(connId);
    });
  }

  function post(req: IncomingMessage, res: ServerResponse, id: string): void {
    const stream = streams.get(id);
    if (!stream) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"no_such_stream","message":"Open a stream first."}}');
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= LIMITS.maxFrameBytes) chunks.push(c);
      else if (size > LIMITS.maxFrameBytes * 64) req.destroy();
    });
    req.on('end', () => {
      if (size > LIMITS.maxFrameBytes) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":{"code":"too_large","message":"At most 16 KiB a message."}}');
        return;
      }
      if (!stream.budget.take()) {
        // As on WebSocket: refused, and cut off when it keeps flooding.
        if (!stream.strikes.take()) stream.end(CloseCode.Policy, 'message rate exceeded');
        else core.refuse(stream.connId, ErrorCode.RateLimited, `Too many messages: at most ${LIMITS.ratePerSecond} a second.`);
      } else {
        core.receiveFrame(stream.connId, Buffer.concat(chunks).toString('utf8'));
      }
      // Replies travel over the stream, in order with everything else.
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
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
      post(req, res, m[1]!);
      return true;
    },
    close(code = CloseCode.GoingAway, reason = 'server shutting down') {
      for (const { res } of streams.values()) res.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
      streams.clear();
    },
  };
}
