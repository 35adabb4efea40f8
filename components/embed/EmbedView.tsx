'use client';

import dynamic from 'next/dynamic';
import { useCourse } from '../useCourse';
import type { EmbedTheme, EmbedView as View } from '../../lib/embed';
import type { EventInfo } from '../../lib/protocol';
import { EmbedLeaderboard } from './EmbedLeaderboard';
import { EmbedRunner } from './EmbedRunner';

const EmbedMap = dynamic(() => import('./EmbedMap'), { ssr: false, loading: () => <p className="embed-note">Loading map…</p> });

const NO_ACCESS = {};

/**
 * An event inside a race website's page: the leaderboard, the podiums, the map or one runner, light or
 * dark. A protected event stays protected: the embed shows its name and a link, nothing of the race.
 */
export function EmbedView({ event, view, theme, runner, tileUrl, tileAttribution }: { event: EventInfo; view: View; theme: EmbedTheme; runner: string | null; tileUrl: string; tileAttribution: string }) {
  const course = useCourse(event.id, view === 'map' && !event.protected ? event.race?.course : null, NO_ACCESS);
  const watch = `/e/${encodeURIComponent(event.id)}`;
  return (
    <div className="embed" data-theme={theme} data-testid="embed">
      <header className="embed-head">
        <h1>{event.name}</h1>
        <a href={watch} target="_blank" rel="noopener">
          Live on Trackside
        </a>
      </header>
      {event.protected ? (
        <p className="embed-note" data-testid="embed-protected">
          This event is protected: open it on Trackside with its view code.
        </p>
      ) : view === 'map' ? (
        <EmbedMap event={event.id} course={course} tileUrl={tileUrl} tileAttribution={tileAttribution} />
      ) : view === 'runner' && runner ? (
        <EmbedRunner event={event.id} runner={runner} />
      ) : (
        <EmbedLeaderboard event={event.id} podium={view === 'podium'} />
      )}
    </div>
  );
}
