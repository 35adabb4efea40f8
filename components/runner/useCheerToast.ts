'use client';

import { useCallback, useEffect, useState } from 'react';
import type { RunnerSessionState } from '../../client/runner-session';
import type { Cheer } from '../../lib/protocol';

/** A cheer that arrives while the page is open pops up, and the phone buzzes where it can. */
export function useCheerToast(state: RunnerSessionState | null): { toast: { cheer: Cheer; n: number } | null; close: () => void } {
  const [toast, setToast] = useState<{ cheer: Cheer; n: number } | null>(null);
  const fresh = state?.freshCheers ?? 0;
  const latest = state?.cheers.at(-1);
  useEffect(() => {
    if (fresh === 0 || !latest) return;
    setToast({ cheer: latest, n: fresh });
    try {
      navigator.vibrate?.([200, 100, 200]);
    } catch {
      // Not allowed before the page was touched: the toast still shows.
    }
    // A new cheer is a new count, whatever else changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fresh]);
  const close = useCallback(() => setToast(null), []);
  return { toast, close };
}
