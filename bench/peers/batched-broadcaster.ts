/**
 * Peer (d): the practical ceiling for Node. Positions are collected as they arrive and, once per tick,
 * sent as one frame that is framed once and written to every spectator socket. No validation, auth or storage.
 */
import type { Socket } from 'node:net';
import * as ws from 'ws';

const port = Number(process.env.PORT ?? 4003);
const tickMs = Number(process.env.TICK_MS ?? 100);
const wss = new ws.WebSocketServer({ port, host: '127.0.0.1', path: '/ws', perMessageDeflate: false });
const spectators = new Set<ws.WebSocket>();
let pending: string[] = [];

const sender = (ws as unknown as { Sender: { frame(data: Buffer, o: object): Buffer[] } }).Sender;

wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    const text = data.toString();
    if (text.includes('"type":"pos"')) pending.push(text);
    else if (text.includes('"type":"subscribe"')) spectators.add(socket);
    else if (text.includes('"type":"join"')) socket.send(JSON.stringify({ type: 'joined' }));
  });
  socket.on('close', () => spectators.delete(socket));
  socket.on('error', () => {});
});

setInterval(() => {
  if (pending.length === 0) return;
  const body = Buffer.from(`{"type":"batch","items":[${pending.join(',')}]}`);
  pending = [];
  const frame = Buffer.concat(sender.frame(body, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: true }));
  for (const s of spectators) (s as unknown as { _socket: Socket })._socket.write(frame);
}, tickMs);
wss.on('listening', () => console.log(`batched broadcaster on ${port}`));

// Profiled runs (--cpu-prof) stop it with SIGTERM: exit so that the profile is written.
process.on('SIGTERM', () => process.exit(0));
