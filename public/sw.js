/*
 * Trackside's service worker: it keeps the app shell (the runner page, its scripts and styles, icons)
 * so a runner's page opens on a flaky connection. It never holds live data or answers from the API:
 * the WebSocket never passes through here, and /api/ (including the event stream used where WebSocket
 * is blocked), /ingest/, /ws and share links go straight to the network. Pages are fetched from the
 * network first and the copy is used only when the network fails or is too slow, so nobody is shown
 * a stale page while online.
 *
 * It also shows Web Push messages (a followed runner's checkpoints and finish, an SOS for the organiser):
 * the server encrypts them for this browser, so they arrive with every Trackside page closed. A click on
 * one opens the page it names (always a page of this site).
 */
const SHELL = 'trackside-shell-v1';
const PRECACHE = ['/manifest.webmanifest', '/icons/icon.svg', '/icons/icon-192.png'];
/** Kept pages: runner pages, which must open when the connection does not. */
const CACHED_PAGE = /^\/e\/[a-z0-9-]+\/run$/;
const NEVER = /^\/(api|ingest|ws|s)(\/|$)/;
const NETWORK_TIMEOUT_MS = 4000;
/** Old builds' scripts are dropped past this many entries. */
const MAX_ENTRIES = 300;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('trackside-') && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

/** The page that registered us, and its build files, were loaded before we could keep them: keep them now. */
self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'keep-page' || typeof data.url !== 'string') return;
  const url = new URL(data.url);
  if (url.origin !== self.location.origin) return;
  const assets = (Array.isArray(data.assets) ? data.assets : [])
    .map((a) => new URL(String(a), self.location.origin))
    .filter((a) => a.origin === self.location.origin && a.pathname.startsWith('/_next/static/'));
  const keep = async () => {
    const cache = await caches.open(SHELL);
    if (CACHED_PAGE.test(url.pathname) && !(await cache.match(url.pathname))) {
      const res = await fetch(url.pathname, { credentials: 'same-origin' });
      if (res.ok) await cache.put(url.pathname, res);
    }
    for (const a of assets) {
      if (await cache.match(a.href)) continue;
      const res = await fetch(a.href);
      if (res.ok) await cache.put(a.href, res);
    }
  };
  event.waitUntil(keep().catch(() => undefined));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) return;
  if ((req.headers.get('accept') || '').includes('text/event-stream')) return;
  if (url.pathname.startsWith('/_next/static/')) {
    event.respondWith(cacheFirst(req));
  } else if (req.mode === 'navigate' && CACHED_PAGE.test(url.pathname) && !url.search) {
    event.respondWith(networkFirst(req, url.pathname));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(networkFirst(req, url.pathname));
  }
});

/** Build files have the content's hash in their names: a kept copy is always right. */
async function cacheFirst(req) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) {
    await cache.put(req, res.clone());
    void trim(cache);
  }
  return res;
}

async function networkFirst(req, key) {
  const cache = await caches.open(SHELL);
  const network = fetch(req).then(async (res) => {
    if (res.ok) await cache.put(key, res.clone());
    return res;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
    const kept = await cache.match(key);
    return kept || (await network);
  } catch {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw new Error('offline and not kept');
  }
}

async function trim(cache) {
  const keys = await cache.keys();
  const scripts = keys.filter((k) => new URL(k.url).pathname.startsWith('/_next/static/'));
  for (const k of scripts.slice(0, Math.max(0, scripts.length - MAX_ENTRIES))) await cache.delete(k);
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(typeof data.title === 'string' ? data.title : 'Trackside', {
      body: typeof data.body === 'string' ? data.body : '',
      tag: typeof data.tag === 'string' ? data.tag : undefined,
      timestamp: typeof data.t === 'number' ? data.t : undefined,
      icon: '/icons/icon-192.png',
      data: { url: typeof data.url === 'string' ? data.url : '/' },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((open) => {
      const same = open.find((c) => c.url === url.href);
      return same ? same.focus() : self.clients.openWindow(url.href);
    }),
  );
});
