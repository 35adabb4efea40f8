'use client';

import { useEffect } from 'react';

/**
 * Keep the screen on while `active`, where the browser has the Wake Lock API. The browser lets the lock go
 * when the page is hidden: it is asked for again when the page shows.
 */
export function useWakeLock(active: boolean): void {
  useEffect(() => {
    if (!active || !('wakeLock' in navigator)) return;
    let lock: WakeLockSentinel | null = null;
    let done = false;
    const request = async () => {
      if (document.visibilityState !== 'visible') return;
      try {
        const got = await navigator.wakeLock.request('screen');
        if (done) void got.release().catch(() => {});
        else lock = got;
      } catch {
        // Refused (battery saver, or not allowed here): sharing goes on, the screen may dim.
      }
    };
    void request();
    const visible = () => void request();
    document.addEventListener('visibilitychange', visible);
    return () => {
      done = true;
      document.removeEventListener('visibilitychange', visible);
      void lock?.release().catch(() => {});
    };
  }, [active]);
}
