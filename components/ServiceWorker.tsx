'use client';

import { useEffect } from 'react';

/**
 * Registers the service worker that keeps the app shell for flaky connections (public/sw.js), and tells
 * it which page and build files this page loaded, including those loaded before it was in charge. Not in
 * development: hot reload serves changing files under the same names, which a cache would hold on to.
 */
export function ServiceWorker({ enabled }: { enabled: boolean }) {
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    if (!enabled) {
      void navigator.serviceWorker.getRegistrations().then((all) => all.forEach((r) => void r.unregister()));
      return;
    }
    let observer: PerformanceObserver | null = null;
    navigator.serviceWorker
      .register('/sw.js', { scope: '/' })
      .then(() => navigator.serviceWorker.ready)
      .then((reg) => {
        const tell = (assets: string[]) => reg.active?.postMessage({ type: 'keep-page', url: window.location.href, assets });
        const ours = (entries: PerformanceEntryList) =>
          entries.map((e) => e.name).filter((u) => u.startsWith(`${window.location.origin}/_next/static/`));
        const inPage = Array.from(document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>('script[src], link[rel="stylesheet"][href]'));
        tell([...new Set([...ours(performance.getEntriesByType('resource')), ...ours(inPage.map((el) => ({ name: 'src' in el ? el.src : el.href }) as PerformanceEntry))])]);
        observer = new PerformanceObserver((list) => {
          const assets = ours(list.getEntries());
          if (assets.length) tell(assets);
        });
        observer.observe({ type: 'resource' });
      })
      .catch(() => {
        // Not allowed here (an insecure address other than localhost): the app works without it.
      });
    return () => observer?.disconnect();
  }, [enabled]);
  return null;
}
