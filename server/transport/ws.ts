/**
 * WebSocket transport: who may connect (origin, connections per address), frames in and out of the live
 * sessions, the first token of each frame's budget, heartbeats, size limits and close codes.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as wsLib from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, ErrorCode, LIMITS } from '../../lib/protocol';
import type { Live } from '../live/core';
import { type AddressLimiter, clientAddress, originAllowed } from './admission';

export interface WsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every socket with `code` and stop the heartbeat. */
  close(code: number, reason: string): Promise<void>;
  readonly clients: number;
}

export interface WsTransportOptions {
  heartbeatMs?: number;
  allowedOrigins?: string[] | null;
  /** Shared with the other transports: the limit is per address, whatever the transport. */
  limiter: AddressLimiter;
  trustProxy?: boolean;
  /** While false, upgrades are refused with 503 (the server is stopping or cannot store data). */
  accepting?: () => boolean;
}

/** `Sender.frame` is public in ws but missing from its type definitions. */
const sender = (wsLib as unknown as { Sender: SenderStatics }).Sender;
interface SenderStatics {
  frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[];
}

function refuse(socket: Duplex, status: string, message: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${message}\n`);
}

export function createWsTransport(live: Live, opts: WsTransportOptions): WsTransport {
  const { heartbeatMs = 30_000, allowedOrigins = null, limiter, trustProxy = false, accepting = () => true } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();

  function connected(ws: WebSocket, address: string): void {
    alive.set(ws, true);
    const session = live.attach(
      {
        send: (data) => ws.send(data, { binary: false }),
        sendShared(frame) {
          if (ws.readyState !== WebSocket.OPEN) return;
          // Frame once for every subscriber, then write the same buffer to each socket. Safe beside
          // ws.send: without compression ws writes each frame whole and synchronously too.
          frame.ws ??= Buffer.concat(sender.frame(frame.bytes, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true }));
          (ws as unknown as { _socket: Socket })._socket.write(frame.ws);
        },
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
      },
      address,
    );
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      // Every frame pays before it is read; refused frames are not even parsed.
      const verdict = session.budget.take(1);
      if (verdict === 'close') return ws.close(CloseCode.Policy, 'message rate exceeded');
      if (verdict === 'refuse') {
        return live.sessions.refuse(session, ErrorCode.RateLimited, `Too many messages: at most ${LIMITS.ratePerSecond} a second.`, { retryAfterMs: 1000 });
      }
      if (isBinary) live.sessions.refuse(session, ErrorCode.BinaryFrame, 'Frames must be JSON text, not binary.');
      else live.sessions.receive(session, data.toString());
    });
    ws.on('close', () => {
      limiter.close(address);
      live.sessions.detach(session);
    });
    // 'close' always follows 'error' (oversized frames close with 1009 by themselves).
    ws.on('error', () => {});
  }

  // A phone that lost its network never sends a close: find it by its missing pong.
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): void {
    let upgraded = false;
    socket.once('close', () => {
      // An upgrade that failed before 'connection' must not hold its slot.
      if (!upgraded) limiter.close(address);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      connected(ws, address);
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      if (!accepting()) return refuse(socket, '503 Service Unavailable', 'The server is not taking connections right now: try again shortly.');
      if (!originAllowed(req, allowedOrigins)) return refuse(socket, '403 Forbidden', 'This origin may not connect.');
      const address = clientAddress(req, trustProxy);
      const allowed = limiter.open(address);
      if (!(allowed instanceof Promise)) {
        if (!allowed) return refuse(socket, '429 Too Many Requests', 'Too many connections from this address.');
        return upgrade(req, socket, head, address);
      }
      // Counted across instances: the upgrade goes on once the count answers.
      void allowed.then((ok) => {
        if (socket.destroyed) {
          if (ok) limiter.close(address);
          return;
        }
        if (!ok) return refuse(socket, '429 Too Many Requests', 'Too many connections from this address.');
        upgrade(req, socket, head, address);
      });
    },
    async close(code = CloseCode.GoingAway, reason = 'server shutting down') {
      clearInterval(heartbeat);
      const closed = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(code, reason);
            setTimeout(() => {
              ws.terminate();
              resolve();
            }, 1000).unref();
          }),
      );
      await Promise.all(closed);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    get clients() {
      return wss.clients.size;
    },
  };
}
