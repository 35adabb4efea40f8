/**
 * Peer (c): socket.io broadcasting every position to a room, the way its documentation suggests.
 * Spectators join the room; each runner position is one emit to the room.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 4002);
const http = createServer();
const io = new Server(http, { perMessageDeflate: false, httpCompression: false, transports: ['websocket'] });

io.on('connection', (socket) => {
  socket.on('subscribe', (room: string) => void socket.join(room));
  socket.on('pos', (room: string, position: unknown) => {
    io.to(room).emit('pos', position);
  });
});
http.listen(port, '127.0.0.1', () => console.log(`socket.io rooms on ${port}`));

// Profiled runs (--cpu-prof) stop it with SIGTERM: exit so that the profile is written.
process.on('SIGTERM', () => process.exit(0));
