'use client';

import { type DependencyList, useEffect, useState, useSyncExternalStore } from 'react';
import type { Store } from '../client/store';

const noSubscription = () => () => {};
const nothing = () => null;

/** What a session's store holds now, re-rendering when it changes; null while there is no session. */
export function useStore<S>(store: Store<S> | null): S | null {
  // A store that exists while rendering on the server (rows a page came with) renders there as it is.
  return useSyncExternalStore(store?.subscribe ?? noSubscription, store?.getSnapshot ?? nothing, store?.getSnapshot ?? nothing);
}

/**
 * A session made in the browser (never while rendering on the server) and closed when the page leaves or
 * `deps` change; null until it is made, and when `create` gives none.
 */
export function useSession<T extends { close(): void }>(create: () => T | null, deps: DependencyList): T | null {
  const [session, setSession] = useState<T | null>(null);
  // The caller's `deps` say when the session is made again, like a hook's own dependency list.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => {
    const made = create();
    setSession(made);
    return () => {
      made?.close();
      setSession(null);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return session;
}
