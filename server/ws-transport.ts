/** WebSocket transport: frames in and out of the core, heartbeats, size limits and close codes. */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, LIMITS } from '../lib/protocol';
import type { Core } from './core';

export interface WsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every socket with `code` and stop the heartbeat. */
  close(code: number, reason: string): Promise<void>;
  readonly clients: number;
}

export function createWsTransport(core: Core, { heartbeatMs = 30_000 } = {}): WsTransport {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: LIMITS.maxFrameBytes,
    perMessageDeflate: false,
  });
  const alive = new WeakMap<WebSocket, boolean>();

  wss.on('connection', (ws) => {
    alive.set(ws, true);
    const id = core.attach({
      send: (data) => ws.send(data, { binary: false }),
      close: (code, reason) => ws.close(code, reason),
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
    });
    ws.on('pong', () => alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      if (isBinary) core.refuseBinary(id);
      else core.receiveFrame(id, data.toString());
    });
    ws.on('close', () => core.detach(id));
    // 'close' always follows 'error' (oversized frames close with 1009 by themselves).
    ws.on('error', () => {});
  });

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

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
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
