'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeyValueStorage } from '../../client/outbox';
import { RunnerSession, type RunnerSessionState } from '../../client/runner-session';
import { liveUrl } from '../../client/ws-url';
import { useStore } from '../useStore';

/**
 * The runner's session on this page: opened when the runner first starts sharing (or at once when this device
 * has shared in the event before), read as it changes, closed when the page goes.
 */
export function useRunnerSession(
  eventId: string,
  storage: KeyValueStorage | null,
): {
  session: RunnerSession | null;
  state: RunnerSessionState | null;
  /** The open session, or a new one introducing the runner with this name and colour. */
  open: (name: string, color: string) => RunnerSession;
  /** Close the session and let a later open start afresh. */
  drop: () => void;
} {
  const ref = useRef<RunnerSession | null>(null);
  const [session, setSession] = useState<RunnerSession | null>(null);
  const open = useCallback(
    (name: string, color: string) => {
      if (ref.current) return ref.current;
      if (!storage) throw new Error('The runner session opens in the browser only.');
      const made = new RunnerSession({ url: liveUrl(), event: eventId, name, color, storage });
      ref.current = made;
      setSession(made);
      return made;
    },
    [eventId, storage],
  );
  const drop = useCallback(() => {
    ref.current?.close();
    ref.current = null;
    setSession(null);
  }, []);
  useEffect(() => drop, [drop, eventId]);
  return { session, state: useStore(session), open, drop };
}
