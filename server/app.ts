/**
 * Assembles a running Trackside: storage, the live layer, WebSocket and Server-Sent Events, the HTTP API and
 * tracking-app ingest on one HTTP(S) server, the jobs, and the demo. Pages are served by the Next handlers
 * passed in; tests start it without them.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type ClientConfig, providePageData } from '../lib/page-data';
import { CloseCode, eventShownToAnyone, WS_PATH } from '../lib/protocol';
import type { Backplane } from './backplane/ports';
import { LocalBackplane } from './backplane/local';
import { clusterNamespace, RedisBackplane } from './backplane/redis/backplane';
import type { Config } from './config';
import type { RoomTimings } from './room/deps';
import type { ApiContext } from './http/api/context';
import { ExportCache } from './exports/export-cache';
import { ExportGate } from './http/api/export-gate';
import { CourseUploads } from './http/course-upload/course-uploads';
import { CourseParserPool } from './http/course-upload/parser-pool';
import { watchEventLoop } from './http/event-loop-delay';
import { apiRouter, notFound, preflight } from './http/api/routes';
import { handleIngest } from './http/ingest/handler';
import { handleLite } from './http/lite/handler';
import { archiveInactive } from './jobs/archive';
import { FeedBudget } from './jobs/feed-plan';
import { FeedPoller } from './jobs/feeds';
import { startTimingListener, type TimingListener } from './sources/timing-tcp';
import { purgeInactive } from './jobs/retention';
import { Live } from './live/live';
import { PushService } from './push/service';
import { webPushSender } from './push/send';
import { vapidKeys } from './push/vapid';
import { log } from './log';
import { reachableUrls } from './network';
import { API_HEADERS, newNonce, pageHeaders } from './security-headers';
import { embedEventOf, frameAncestors } from '../lib/embed';
import { startSimulation, type Simulation } from './simulator';
import { openStore } from './storage/open';
import type { Store } from './storage/store';
import { loadTls } from './tls';
import { createSseTransport } from './transport/sse';
import { clientAddress } from './transport/origin';
import { createWsTransport } from './transport/ws';

export const DEMO_EVENT = { id: 'demo', name: 'Demo run: Central Park loop' } as const;

/** How often the trackers due for a poll are looked for. */
const FEED_ROUND_MS = 5000;

export interface PageHandlers {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void> | void;
}

export interface Trackside {
  live: Live;
  push: PushService;
  server: Server;
  /** Base URL on loopback, e.g. http://127.0.0.1:3000 */
  url: string;
  wsUrl: string;
  port: number;
  /** The timing decoders' TCP listener's port; null when it is off. */
  timingPort: number | null;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  pages?: PageHandlers;
  /** A store to use instead of the configured one (tests inject faults this way). */
  store?: Store;
  timings?: Partial<RoomTimings>;
  heartbeatMs?: number;
  /** Loaded rooms nobody used for this long are released. */
  roomIdleMs?: number;
  /** How long an owner's lease lasts unrenewed before another instance may take its events (several instances). */
  leaseTtlMs?: number;
}

/** The other instances: Redis (BACKPLANE_URL) with leases in the shared PostgreSQL, or none. */
async function openBackplane(config: Config, store: Store, leaseTtlMs?: number): Promise<Backplane> {
  if (!config.backplaneUrl) return new LocalBackplane();
  if (!store.leases || !config.databaseUrl) throw new Error('Several instances need DATABASE_URL (PostgreSQL) beside BACKPLANE_URL.');
  return RedisBackplane.connect({ url: config.backplaneUrl, namespace: clusterNamespace(config.databaseUrl), leases: store.leases, leaseTtlMs });
}

export async function startTrackside({ config, pages, store, timings, heartbeatMs, roomIdleMs, leaseTtlMs }: StartOptions): Promise<Trackside> {
  watchEventLoop();
  const db = store ?? (await openStore(config));
  let backplane: Backplane;
  try {
    backplane = await openBackplane(config, db, leaseTtlMs);
  } catch (err) {
    await db.close();
    throw err;
  }
  const live = new Live({
    backplane,
    store: db,
    tickMs: config.tickMs,
    happinessIntervalMs: config.happinessIntervalMs,
    timings,
    roomIdleMs,
    // The demo's simulated runners join from this server's own address, on top of everyone else's allowance.
    joinsPerHourPerIp: config.runnersPerHourPerIp + (config.demo ? config.demoRunners : 0),
    snapshotsPerSecondPerIp: config.snapshotsPerSecondPerIp,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    spectatorBytesPerSecond: config.spectatorBytesPerSecond,
    writeMiBPerHourPerIp: config.writeMiBPerHourPerIp,
  });
  await live.load();
  const vapid = await vapidKeys(config.push.vapid, db.push, Date.now());
  const push = new PushService({
    store: db.push,
    events: { get: (id) => live.index.get(id), linkById: (event, id) => live.index.linkById(event, id) },
    sender: webPushSender(vapid, config.push.subject),
    publicKey: vapid.publicKey,
    extraOrigins: config.push.endpoints,
    now: live.now,
  });
  live.watchTicks((room, changed) => push.observe(room, changed));
  live.every(60_000, () => push.keepOnly(new Set([...live.rooms.all()].map((r) => r.id))));

  const ws = createWsTransport(live.gateway, { heartbeatMs, allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy });
  const sse = createSseTransport(live.gateway, { trustProxy: config.trustProxy, allowedOrigins: config.allowedOrigins, heartbeatMs });
  // The reachable addresses are known once the server listens (PORT=0 picks the port).
  const clientConfig: ClientConfig = { tileUrl: config.tileUrl, tileAttribution: config.tileAttribution, reachableUrls: [] };
  providePageData({
    listEvents: () => live.index.list(),
    publicEvent: (id) => {
      const info = live.index.info(id);
      return info && eventShownToAnyone(info);
    },
    firstRows: async (id, limit) => {
      if (live.index.info(id)?.protected !== false) return null;
      const page = await live.query(id, { ask: 'list', sort: 'order', desc: false, q: '', from: 0, limit, only: null });
      return page && { total: page.total, from: page.from, rows: page.rows };
    },
    resolveShareLink: (token) => live.index.resolveLink(token),
    clientConfig,
  });

  const api = apiRouter();
  const apiContext: ApiContext = {
    live,
    push,
    trustProxy: config.trustProxy,
    creations: backplane.limits.buckets('event-creations', config.eventsPerHourPerIp, config.eventsPerHourPerIp / 3600),
    exports: new ExportGate(),
    exportCache: new ExportCache(join(config.dataDir, 'exports')),
    courseUploads: new CourseUploads(new CourseParserPool(), (name, capacity, perSecond) => backplane.limits.buckets(name, capacity, perSecond)),
  };
  const tls = await loadTls(config);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // The one place every answer gets its security headers: handlers add their own on top and never repeat
    // these; pages replace the policy with their own below.
    for (const [name, value] of Object.entries(API_HEADERS)) res.setHeader(name, value);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400).end('Bad request');
      return;
    }
    if (!live.gateway.accepting) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5', connection: 'close' }).end('The server is stopping: try again shortly.\n');
      return;
    }
    if (sse.handle(req, res, url)) return;
    if (handleIngest(live, req, res, url, config.trustProxy)) return;
    if (url.pathname.startsWith('/api/')) {
      if (req.method === 'OPTIONS') return preflight(res);
      if (!api.handle(req, res, url, apiContext)) notFound(res);
      return;
    }
    const lite = { address: (r: IncomingMessage) => clientAddress(r, config.trustProxy), nonce: newNonce, headers: (nonce: string) => pageHeaders({ tileUrl: config.tileUrl, nonce, dev: config.dev, tls: !!tls }) };
    if (handleLite(live, req, res, url, lite)) return;
    if (pages) {
      const nonce = newNonce();
      const embedded = embedEventOf(url.pathname);
      const ancestors = embedded === null ? undefined : frameAncestors(live.index.info(embedded)?.race?.embedSites);
      const headers = pageHeaders({ tileUrl: config.tileUrl, nonce, dev: config.dev, tls: !!tls, frameAncestors: ancestors });
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      // Next reads the nonce from the request's policy and puts it on every script it writes.
      req.headers['content-security-policy'] = headers['content-security-policy'];
      void Promise.resolve(pages.handle(req, res)).catch((err: unknown) => {
        log('error', 'page_failed', { path: url.pathname, error: String(err) });
        if (!res.headersSent) res.writeHead(500).end('Internal error');
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  };
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
  await live.start();
  // Each instance finishes the events it owns; events nobody has loaded are looked for by one instance a period.
  if (config.archiveAfterMs > 0) {
    const period = Math.min(60_000, config.archiveAfterMs);
    live.every(period, async () => archiveInactive(live, config.archiveAfterMs, await backplane.ownership.once('archive', period)));
  }
  // Satellite trackers: one instance polls in each round, within a request budget the cluster shares.
  const feedBudget = new FeedBudget(config.feedRequestsPerHour, (capacity, perSecond) => backplane.limits.buckets('feed-polls', capacity, perSecond));
  const poller = new FeedPoller(
    { liveTrackers: () => db.liveTrackers(), run: (event, cmd) => live.run(event, cmd, null), now: live.now, fetch: (url, init) => fetch(url, init) },
    config.feeds,
    feedBudget,
    config.trackerPollMs,
  );
  live.every(FEED_ROUND_MS, async () => {
    if (await backplane.ownership.once('feeds', FEED_ROUND_MS)) await poller.round();
  });
  const timingTcp: TimingListener | null =
    config.timingTcpPort === null ? null : await startTimingListener(live, { port: config.timingTcpPort, host: config.host });
  clientConfig.timingTcpPort = timingTcp?.port ?? null;
  if (config.retentionMs > 0) {
    const purge = async () => {
      if (await backplane.ownership.once('retention', 3600_000)) await purgeInactive(live, config.retentionMs);
    };
    await purge();
    live.every(3600_000, purge);
  }

  const port = (server.address() as AddressInfo).port;
  const scheme = tls ? 'https' : 'http';
  clientConfig.reachableUrls = reachableUrls(scheme, config.host, port);
  const url = `${scheme}://127.0.0.1:${port}`;
  const wsUrl = `${tls ? 'wss' : 'ws'}://127.0.0.1:${port}${WS_PATH}`;

  let demo: Simulation | null = null;
  if (config.demo) {
    await live.ensureEvent(DEMO_EVENT.id, DEMO_EVENT.name);
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
    live,
    push,
    server,
    url,
    wsUrl,
    port,
    timingPort: timingTcp?.port ?? null,
    close() {
      closing ??= (async () => {
        live.gateway.stopAccepting();
        demo?.stop();
        await timingTcp?.close();
        sse.close(CloseCode.GoingAway, 'server shutting down');
        await ws.close(CloseCode.GoingAway, 'server shutting down');
        await live.stop();
        await push.stop();
        await apiContext.courseUploads.close();
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close();
      })();
      return closing;
    },
  };
}
