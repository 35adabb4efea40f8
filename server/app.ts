/**
 * Assembles a running Trackside: storage, core, WebSocket and HTTP API on one HTTP(S) server, and the
 * demo. Pages are served by the Next handlers passed in; tests start it without them.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CloseCode, WS_PATH } from '../lib/protocol';
import { handleApi } from './api';
import { handleIngest } from './ingest/handler';
import type { Config } from './config';
import { Core, type CoreOptions } from './core';
import { log } from './log';
import { type ClientConfig, providePageData } from '../lib/page-data';
import { reachableUrls } from './network';
import { newNonce, pageHeaders } from './security-headers';
import { KeyedBuckets } from './token-bucket';
import { startSimulation, type Simulation } from './simulator';
import { SqliteStore } from './sqlite-store';
import type { Store } from './store';
import { loadTls } from './tls';
import { ConnectionLimiter } from './net-policy';
import { createSseTransport } from './sse-transport';
import { createWsTransport } from './ws-transport';

export const DEMO_EVENT = { id: 'demo', name: 'Demo run: Central Park loop' } as const;

export interface PageHandlers {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void> | void;
}

export interface Trackside {
  core: Core;
  server: Server;
  /** Base URL on loopback, e.g. http://127.0.0.1:3000 */
  url: string;
  wsUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  pages?: PageHandlers;
  store?: Store;
  hubTimings?: CoreOptions['hubTimings'];
  heartbeatMs?: number;
}

export async function startTrackside({ config, pages, store, hubTimings, heartbeatMs }: StartOptions): Promise<Trackside> {
  const db = store ?? new SqliteStore(join(config.dataDir, 'trackside.db'));
  const core = new Core({
    store: db,
    tickMs: config.tickMs,
    happinessIntervalMs: config.happinessIntervalMs,
    archiveAfterMs: config.archiveAfterMs,
    hubTimings,
    onStoreFailure: () => {
      // Fail-stop: nothing unwritten was acknowledged; after a restart clients resend it.
      sse.close(CloseCode.Internal, 'storage failed');
      void ws.close(CloseCode.Internal, 'storage failed').finally(() => process.exit(1));
    },
  });
  const limiter = new ConnectionLimiter(config.maxConnectionsPerIp);
  const ws = createWsTransport(core, {
    heartbeatMs,
    allowedOrigins: config.allowedOrigins,
    limiter,
    trustProxy: config.trustProxy,
  });
  const sse = createSseTransport(core, { limiter, trustProxy: config.trustProxy, allowedOrigins: config.allowedOrigins, heartbeatMs });
  // The reachable addresses are known once the server listens (PORT=0 picks the port).
  const clientConfig: ClientConfig = { tileUrl: config.tileUrl, tileAttribution: config.tileAttribution, reachableUrls: [] };
  providePageData({
    listEvents: () => core.hub.listEvents(),
    getEvent: (id) => core.hub.getEvent(id),
    resolveShareLink: (token) => core.hub.resolveShareLink(token),
    clientConfig,
  });

  const apiOptions = {
    trustProxy: config.trustProxy,
    creations: new KeyedBuckets(config.eventsPerHourPerIp, config.eventsPerHourPerIp / 3600),
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400).end('Bad request');
      return;
    }
    const pathname = url.pathname;
    if (sse.handle(req, res, url)) return;
    if (handleIngest(core, req, res, url)) return;
    if (handleApi(core, req, res, url, apiOptions)) return;
    if (pages) {
      const nonce = newNonce();
      const headers = pageHeaders({ tileUrl: config.tileUrl, nonce, dev: config.dev, tls: !!tls });
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      // Next reads the nonce from the request's policy and puts it on every script it writes.
      req.headers['content-security-policy'] = headers['content-security-policy'];
      void Promise.resolve(pages.handle(req, res)).catch((err: unknown) => {
        log('error', 'page_failed', { path: pathname, error: String(err) });
        if (!res.headersSent) res.writeHead(500).end('Internal error');
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  };
  const tls = await loadTls(config);
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) : createHttpServer(onRequest);

  // Next adds its own upgrade listener once it serves a page; it leaves paths that are not its routes alone,
  // so /ws must never be a page route.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === WS_PATH) ws.handleUpgrade(req, socket, head);
    else if (pages) void pages.upgrade(req, socket, head);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  core.start();
  let retention: NodeJS.Timeout | null = null;
  if (config.retentionMs > 0) {
    core.purgeInactive(config.retentionMs);
    retention = setInterval(() => core.purgeInactive(config.retentionMs), 3600_000);
    retention.unref();
  }

  const port = (server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  clientConfig.reachableUrls = reachableUrls(scheme, config.host, port);
  const url = `${scheme}://127.0.0.1:${port}`;
  const wsUrl = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}${WS_PATH}`;

  let demo: Simulation | null = null;
  if (config.demo) {
    core.ensureEvent(DEMO_EVENT.id, DEMO_EVENT.name);
    demo = startSimulation({
      url: wsUrl,
      event: DEMO_EVENT.id,
      runners: config.demoRunners,
      stateFile: join(config.dataDir, 'demo-runners.json'),
      insecure: true,
    });
  }

  let closing: Promise<void> | null = null;
  return {
    core,
    server,
    url,
    wsUrl,
    port,
    close() {
      closing ??= (async () => {
        demo?.stop();
        if (retention) clearInterval(retention);
        sse.close(CloseCode.GoingAway, 'server shutting down');
        await ws.close(CloseCode.GoingAway, 'server shutting down');
        core.stop();
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        db.close();
      })();
      return closing;
    },
  };
}
