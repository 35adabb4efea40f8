/**
 * Peer (b): the naive relay, as the first version of any tracker is written. Every runner message is
 * forwarded at once, as its own frame, to every spectator. No batching, validation or storage.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.env.PORT ?? 4001);
const wss = new WebSocketServer({ port, host: '127.0.0.1', path: '/ws', perMessageDeflate: false });
const spectators = new Set<WebSocket>();

wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.includes('"type":"pos"')) {
      for (const s of spectators) s.send(text);
    } else if (text.includes('"type":"subscribe"')) {
      spectators.add(ws);
    } else if (text.includes('"type":"join"')) {
      ws.send(JSON.stringify({ type: 'joined' }));
    }
  });
  ws.on('close', () => spectators.delete(ws));
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`naive relay on ${port}`));

// Profiled runs (--cpu-prof) stop it with SIGTERM: exit so that the profile is written.
process.on('SIGTERM', () => process.exit(0));
