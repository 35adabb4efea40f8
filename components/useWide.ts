'use client';

import { useSyncExternalStore } from 'react';

/** The spectator page puts map and sidebar side by side from here (the same query as globals.css). */
export const SIDE_BY_SIDE = '(min-width: 900px), (orientation: landscape) and (min-width: 640px)';

/** Whether `query` matches now, kept up as the window changes; false while rendering on the server. */
export function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (changed) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', changed);
      return () => list.removeEventListener('change', changed);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}
