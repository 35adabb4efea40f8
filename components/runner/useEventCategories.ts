'use client';

import { useEffect, useState } from 'react';
import { call } from '../../client/api';

/**
 * The categories the event's runners are in (from the list's choices), to offer as a runner types theirs.
 * Nothing when the list cannot be read (a protected event without its code): the field stays free text.
 */
export function useEventCategories(eventId: string): readonly string[] {
  const [categories, setCategories] = useState<readonly string[]>([]);
  useEffect(() => {
    let live = true;
    call('runnerList', { id: eventId }, { query: { limit: '1' } }).then(
      (page) => {
        if (live) setCategories(page.facets?.category ?? []);
      },
      () => {},
    );
    return () => {
      live = false;
    };
  }, [eventId]);
  return categories;
}
