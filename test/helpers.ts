/** Test helpers: a real Trackside on loopback, and a WebSocket client that waits for messages. */
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { decodeTrail } from '../lib/polyline';
import type { ClientMessage, EventInfo, RunnerSnapshot, ServerMessage, TrackPoint } from '../lib/protocol';
import { startTrackside, type StartOptions, type Trackside } from '../server/app';
import { loadConfig } from '../server/config';
import { cryptoCredentials } from '../server/credentials';
import type { StoredPosition } from '../server/storage/store';
import { waitFor, within } from './support/wait';

process.env.LOG_LEVEL = 'silent';

export interface TestServer extends Trackside {
  dataDir: string;
  /** Close the server and delete its data. */
  dispose(): Promise<void>;
}

export async function startTestServer(
  env: Record<string, string> = {},
  extra: Omit<StartOptions, 'config'> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'trackside-test-')),
): Promise<TestServer> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DEMO: '0',
    DATA_DIR: dataDir,
    TICK_MS: '20',
    HAPPINESS_INTERVAL_MS: '100000',
    NODE_ENV: 'production',
    ...env,
  });
  const app = await startTrackside({ config, ...extra });
  return {
    ...app,
    dataDir,
    async dispose() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export class TestClient {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as ServerMessage);
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    this.ws.on('error', () => {});
  }

  static async connect(url: string, headers?: Record<string, string>): Promise<TestClient> {
    const c = new TestClient(url, headers);
    await c.next('hello');
    return c;
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(msg: ClientMessage | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Wait for a message matching `pred`, consuming messages before it. */
  async until<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  async until(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  async until(pred: (m: ServerMessage) => boolean, timeoutMs = 15_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex(pred);
      if (i >= 0) return this.received.splice(0, i + 1)[i]!;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; have: ${JSON.stringify(this.received).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  next<T extends ServerMessage['type']>(type: T, timeoutMs?: number): Promise<Of<T>> {
    return this.until((m): m is Of<T> => m.type === type, timeoutMs);
  }

  waitClose(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { timeout: timeoutMs, what: 'the socket to close' });
  }

  /**
   * A WebSocket ping, answered: everything the server sent this client before it read the ping has arrived
   * (frames come in order). The way to say "nothing more is on its way" without waiting a while.
   */
  roundTrip(timeoutMs = 15_000): Promise<void> {
    return within(
      new Promise<void>((resolve) => {
        this.ws.once('pong', () => resolve());
        this.ws.ping();
      }),
      { timeout: timeoutMs, what: 'the answer to a ping' },
    );
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Publish the pending tick now, as the server's timer would a moment later. Snapshots are as of the last tick
 * and updates carry what arrived since: after this, a change that was applied is in both, without waiting.
 */
export function publishTick(srv: Trackside): void {
  srv.live.tick();
}

/** Join `event` as a new runner; returns the client and its credentials. */
export async function joinAsRunner(url: string, event: string, name = 'Ada', color = '#123456') {
  const c = await TestClient.connect(url);
  c.send({ type: 'join', event, name, color });
  const joined = await c.next('joined');
  return { client: c, runnerId: joined.runnerId, token: joined.token! };
}

export function fix(seq: number, t: number, i = seq) {
  return { type: 'pos' as const, seq, lat: 51.5 + i * 0.0001, lon: -0.12 + i * 0.0001, t, acc: 5 };
}

/** A port nothing listens on right now, chosen by the system, for a server started in another process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A new event with an organiser, made durable: its info and the organiser token. */
export async function makeEvent(srv: Trackside, name: string): Promise<{ event: EventInfo; organiserToken: string }> {
  const organiserToken = cryptoCredentials.newToken();
  const out = await srv.live.createEvent(name, cryptoCredentials.hash(organiserToken));
  if (!out.ok) throw new Error(out.refusal.message);
  return { event: out.result!.info, organiserToken };
}

/** A runner's whole stored track in time order, once everything written so far is durable. */
export async function storedTrack(srv: Trackside, event: string, runnerId: string): Promise<StoredPosition[]> {
  await srv.live.pipeline.idle();
  const out: StoredPosition[] = [];
  let after = null as { t: number; seq: number } | null;
  for (;;) {
    const page = await srv.live.store.trackPage(event, runnerId, after, 10_000);
    out.push(...page);
    if (page.length < 10_000) return out;
    after = { t: page.at(-1)!.t, seq: page.at(-1)!.seq };
  }
}

/** The trail a snapshot carries for a runner, decoded (to 1e-5 degrees and whole seconds). */
export function snapshotTrail(r: RunnerSnapshot): TrackPoint[] {
  return decodeTrail(r.trail);
}
