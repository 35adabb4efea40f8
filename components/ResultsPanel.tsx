'use client';

import Link from 'next/link';
import { useState } from 'react';
import { apiUrl } from '../client/api';
import { embedSnippet, type EmbedTheme, type EmbedView } from '../lib/embed';
import type { RaceSettings } from '../client/organiser-session';
import type { EventInfo } from '../lib/protocol';
import { CopyField } from './CopyField';
import { WavesForm } from './WavesForm';

/** Downloads an export with the organiser token (a protected event's results need it) and saves it. */
async function download(url: string, token: string, name: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`The results could not be downloaded (${res.status}): try again in a few seconds.`);
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/**
 * Race day: waves and the order of finishers, the results (CSV and JSON for a results service), the
 * announcer's finish-line view, and the embed for the race website with the sites allowed to frame it.
 */
export function ResultsPanel({
  event,
  token,
  origin,
  setRace,
  act,
}: {
  event: EventInfo;
  token: string;
  origin: string;
  setRace: (changes: RaceSettings, done: string) => Promise<void>;
  act: (what: () => Promise<unknown>, done: string) => Promise<void>;
}) {
  const race = event.race ?? { startsAt: null, unit: 'km' as const, course: null };
  const finished = event.status === 'finished';
  const [sites, setSites] = useState<string | null>(null);
  const [view, setView] = useState<EmbedView>('leaderboard');
  const [theme, setTheme] = useState<EmbedTheme>('light');
  const savedSites = (race.embedSites ?? []).join('\n');
  const csv = apiUrl('results', { id: event.id }, { format: 'csv' });
  const json = apiUrl('results', { id: event.id });
  return (
    <section className="panel results-panel" aria-labelledby="results-heading">
      <h2 id="results-heading">Waves, results and embeds</h2>
      <WavesForm race={race} disabled={finished} save={(changes, done) => setRace(changes, done)} />

      <h3>Results</h3>
      <p className="small muted">Place overall, in category, sex and age group; gun and chip time; every checkpoint and {race.unit === 'mi' ? 'mile' : 'kilometre'} split.</p>
      <div className="inline-form">
        <button className="btn" type="button" onClick={() => void act(() => download(csv, token, `${event.id}-results.csv`), 'The results (CSV) are downloaded.')}>
          Download CSV
        </button>
        <button className="btn" type="button" onClick={() => void act(() => download(json, token, `${event.id}-results.json`), 'The results (JSON) are downloaded.')}>
          Download JSON
        </button>
        <Link className="btn" href={`/e/${event.id}/finish`} target="_blank">
          Open the finish-line view
        </Link>
      </div>

      <h3>Embed on the race website</h3>
      <div className="inline-form">
        <label className="field">
          <span>Show</span>
          <select value={view} onChange={(e) => setView(e.target.value as EmbedView)}>
            <option value="leaderboard">the leaderboard</option>
            <option value="podium">the podium of each category</option>
            <option value="map">the map</option>
          </select>
        </label>
        <label className="field">
          <span>Theme</span>
          <select value={theme} onChange={(e) => setTheme(e.target.value as EmbedTheme)}>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
      </div>
      <CopyField label="Snippet for the race website" value={embedSnippet(origin, event.id, { view, theme })} />
      <p className="small muted">For one runner, add ?runner=&lt;runner id&gt; to the address. {event.protected ? 'This event is protected: its embed shows only its name and a link.' : ''}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const list = (sites ?? savedSites).split(/[\s,]+/).filter(Boolean);
          void setRace({ embedSites: list }, list.length ? `${list.length} site${list.length === 1 ? '' : 's'} may show the embed.` : 'No site may show the embed now.').then(() => setSites(null));
        }}
      >
        <label className="field">
          <span>Sites allowed to show it (one per line, such as https://www.myrace.org)</span>
          <textarea rows={3} value={sites ?? savedSites} onChange={(e) => setSites(e.target.value)} data-testid="embed-sites" />
        </label>
        <button className="btn primary" type="submit" disabled={sites === null}>
          Save sites
        </button>
      </form>
    </section>
  );
}
