'use client';

import { useState } from 'react';
import { call, type ReadAccess } from '../client/api';
import { PodiumList } from './embed/PodiumList';
import { usePoll } from './usePoll';

function Podiums({ event, access }: { event: string; access: ReadAccess }) {
  const feed = usePoll((signal) => call('feedStandings', { id: event }, { query: access, signal }), 10_000, `${event}/${JSON.stringify(access)}`);
  if (feed.error && !feed.data) return <p className="small muted">{feed.error}</p>;
  if (!feed.data) return <p className="small muted">Loading…</p>;
  return <PodiumList rows={feed.data.standings} />;
}

/** The podium of each category, read from the standings while open (every 10 s). */
export function CategoryPodiums({ event, access }: { event: string; access: ReadAccess }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="panel category-podiums" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Category podiums</summary>
      {open && <Podiums event={event} access={access} />}
    </details>
  );
}
