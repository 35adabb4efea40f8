/**
 * WebSocket transport: upgrades from allowed origins, frames in and out through the live gateway,
 * heartbeats, size limits and close codes. Budgets and refusals are the gateway's, as for every transport.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as wsLib from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, LIMITS } from '../../lib/protocol';
import type { Gateway } from '../live/gateway';
import { clientAddress, originAllowed } from './origin';

export interface WsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every socket with `code` and stop the heartbeat. */
  close(code: number, reason: string): Promise<void>;
  readonly clients: number;
}

export interface WsTransportOptions {
  heartbeatMs?: number;
  allowedOrigins?: string[] | null;
  trustProxy?: boolean;
}

/** `Sender.frame` is public in ws but missing from its type definitions. */
const sender = (wsLib as unknown as { Sender: SenderStatics }).Sender;
interface SenderStatics {
  frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }): Buffer[];
}

function refuse(socket: Duplex, status: string, message: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${message}\n`);
}

export function createWsTransport(gateway: Gateway, opts: WsTransportOptions): WsTransport {
  const { heartbeatMs = 30_000, allowedOrigins = null, trustProxy = false } = opts;
  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxFrameBytes, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();

  function connected(ws: WebSocket, address: string): void {
    alive.set(ws, true);
    const connection = gateway.connect(
      {
        send: (data) => ws.send(data, { binary: false }),
        sendShared(frame) {
          if (ws.readyState !== WebSocket.OPEN) return;
          // Frame once for every subscriber, then write the same buffer to each socket. Safe beside
          // ws.send: without compression ws writes each frame whole and synchronously too.
          frame.ws ??= Buffer.concat(sender.frame(frame.bytes, { fin: true, rsv1: false, opcode: frame.binary ? 2 : 1, mask: false, readOnly: true }));
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
      if (isBinary) connection.receiveBinary();
      else connection.receive(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'));
    });
    ws.on('close', () => connection.closed());
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
      if (!upgraded) gateway.release(address);
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      connected(ws, address);
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      if (!gateway.accepting) return refuse(socket, '503 Service Unavailable', 'The server is not taking connections right now: try again shortly.');
      if (!originAllowed(req, allowedOrigins)) return refuse(socket, '403 Forbidden', 'This origin may not connect.');
      const address = clientAddress(req, trustProxy);
      const allowed = gateway.admit(address);
      if (!(allowed instanceof Promise)) {
        if (!allowed) return refuse(socket, '429 Too Many Requests', 'Too many connections from this address.');
        return upgrade(req, socket, head, address);
      }
      // Counted across instances: the upgrade goes on once the count answers.
      void allowed.then((ok) => {
        if (socket.destroyed) {
          if (ok) gateway.release(address);
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
