'use client';

import { useEffect } from 'react';

/**
 * Registers the service worker that keeps the app shell for flaky connections (public/sw.js). Not in
 * development: hot reload serves changing files under the same names, which a cache would hold on to.
 */
export function ServiceWorker({ enabled }: { enabled: boolean }) {
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    if (enabled) {
      navigator.serviceWorker
        .register('/sw.js', { scope: '/' })
        .then(() => navigator.serviceWorker.ready)
        .then((reg) => reg.active?.postMessage({ type: 'keep-page', url: window.location.href }))
        .catch(() => {
          // Not allowed here (an insecure address other than localhost): the app works without it.
        });
    } else {
      void navigator.serviceWorker.getRegistrations().then((all) => all.forEach((r) => void r.unregister()));
    }
  }, [enabled]);
  return null;
}
