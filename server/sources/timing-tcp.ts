/**
 * The TCP listener for timing decoders that push (opt-in: TIMING_TCP_PORT). The decoder, or the software
 * beside it, connects and sends its timing point's key on the first line, then passings in the decoder
 * line format (lib/timing/decoder-line.ts), one per line, and `*` now and then to say it is alive.
 *
 * The server answers with lines too: `OK <point name>` once the key is known; `ACK <n>` once the passings
 * read so far on this connection are durable (n counts every passing line taken, new or sent before); and
 * `ERR <reason>` for a line that cannot be a passing (the rest carry on) or, before closing, for a key that
 * is wrong or storage that cannot keep anything (send the unacknowledged lines again after reconnecting).
 * A connection that sends nothing for IDLE_MS, not even `*`, is closed.
 *
 * Reading stops while a batch is being written, so a decoder that sends faster than the store keeps them
 * waits in its own buffer (TCP backpressure) instead of the server's memory growing.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_DECODER_LINE } from '../../lib/timing/decoder-line';
import { passingsFromLines } from '../../lib/timing/passings';
import { cryptoCredentials } from '../credentials';
import type { Live } from '../live/live';
import { log } from '../log';

/** A connection that sends nothing, not even `*`, for this long is closed. */
export const IDLE_MS = 120_000;
/** Lines written to the store in one batch at most. */
const BATCH_LINES = 1000;
/** A heartbeat counts as the decoder being heard at most this often. */
const HEARD_EVERY_MS = 10_000;
/** Connections the listener holds at once, all addresses together. */
const MAX_CONNECTIONS = 500;

export interface TimingListenerOptions {
  port: number;
  host: string;
  idleMs?: number;
}

export interface TimingListener {
  readonly port: number;
  close(): Promise<void>;
}

interface Point {
  event: string;
  pointId: string;
  keyHash: string;
}

export async function startTimingListener(live: Live, opts: TimingListenerOptions): Promise<TimingListener> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (sockets.size >= MAX_CONNECTIONS) {
      socket.end('ERR too many decoder connections: try again shortly\r\n');
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(live, socket, opts.idleMs ?? IDLE_MS);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log('info', 'timing_listener', { host: opts.host, port });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.end('ERR the server is stopping: reconnect shortly\r\n');
        server.close(() => resolve());
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 1000).unref();
      }),
  };
}

function serve(live: Live, socket: Socket, idleMs: number): void {
  const address = socket.remoteAddress ?? 'unknown';
  socket.setEncoding('utf8');
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  socket.setTimeout(idleMs, () => socket.end('ERR nothing heard for a while: closing (send * to keep the connection)\r\n'));
  let partial = '';
  const queue: string[] = [];
  let point: Point | null = null;
  let busy = false;
  let taken = 0;
  let heardAt = 0;
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});

  const say = (line: string) => {
    if (!closed) socket.write(`${line}\r\n`);
  };
  const fail = (line: string) => {
    say(line);
    socket.end();
    closed = true;
  };

  socket.on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split(/\r\n|\r|\n/);
    partial = lines.pop() ?? '';
    if (partial.length > MAX_DECODER_LINE) return fail(`ERR a line is longer than ${MAX_DECODER_LINE} characters`);
    for (const line of lines) if (line.trim() !== '') queue.push(line);
    void pump();
  });

  async function pump(): Promise<void> {
    if (busy || closed || queue.length === 0) return;
    busy = true;
    socket.pause();
    try {
      if (!point) {
        point = await authenticate(queue.shift()!.trim());
        if (!point) return;
      }
      const lines = queue.splice(0, BATCH_LINES);
      await take(point, lines);
    } finally {
      busy = false;
      if (!closed) {
        socket.resume();
        if (queue.length) void pump();
      }
    }
  }

  async function authenticate(key: string): Promise<Point | null> {
    if (key.length > 256 || !/^[A-Za-z0-9_-]+$/.test(key)) {
      fail('ERR the first line must be the timing point’s key, as the organiser page shows it');
      return null;
    }
    if (!live.access.wrongSecrets.lookUp(address)) {
      fail('ERR too many wrong keys from this address: wait a minute');
      return null;
    }
    const keyHash = cryptoCredentials.hash(key);
    const found = await live.store.timingPointByKey(keyHash).catch(() => null);
    if (!found) {
      fail('ERR unknown key: copy the timing point’s key again from the organiser page');
      return null;
    }
    const zone = await live.query(found.event, { ask: 'pointZone', pointId: found.pointId, keyHash }).catch(() => null);
    if (!zone) {
      fail('ERR unknown key: copy the timing point’s key again from the organiser page');
      return null;
    }
    const timing = await live.query(found.event, { ask: 'timing' }).catch(() => null);
    say(`OK ${timing?.points.find((p) => p.id === found.pointId)?.name ?? found.pointId}`);
    log('info', 'decoder_connected', { event: found.event, point: found.pointId, address });
    const out = { event: found.event, pointId: found.pointId, keyHash };
    await heard(out);
    return out;
  }

  async function heard(p: Point): Promise<void> {
    if (Date.now() - heardAt < HEARD_EVERY_MS) return;
    heardAt = Date.now();
    await live.run(p.event, { do: 'decoderHeard', pointId: p.pointId, keyHash: p.keyHash }, null).catch(() => null);
  }

  async function take(p: Point, lines: string[]): Promise<void> {
    const zone = await live.query(p.event, { ask: 'pointZone', pointId: p.pointId, keyHash: p.keyHash }).catch(() => null);
    if (!zone) return fail('ERR this key was replaced or its timing point removed: copy the new key from the organiser page');
    const read = passingsFromLines(lines.join('\n'), zone);
    if (read.heartbeat) await heard(p);
    for (const problem of read.problems) say(`ERR ${problem}`);
    if (read.passings.length === 0 && read.malformed === 0) return;
    const cmd = { do: 'passings' as const, pointId: p.pointId, keyHash: p.keyHash, passings: read.passings, malformed: read.malformed };
    const over = live.writes.admit(address, p.event, cmd);
    if (over) return fail(`ERR ${over.message} Reconnect later and send what was not acknowledged.`);
    const out = await live.run(p.event, cmd, null);
    if (!out.ok) return fail(`ERR ${out.refusal.message} Reconnect and send what was not acknowledged.`);
    taken += read.passings.length + read.malformed;
    say(`ACK ${taken}`);
  }
}
