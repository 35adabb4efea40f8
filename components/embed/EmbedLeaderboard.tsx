'use client';

import { useMemo, useState } from 'react';
import { type Answer, call } from '../../client/api';
import { formatDistance, formatDuration } from '../../lib/course/units';
import { usePoll } from '../usePoll';
import { PodiumList } from './PodiumList';

type Row = Answer<'feedStandings'>['standings'][number];

const progress = (r: Row) =>
  r.state === 'finished' && r.finish !== null ? formatDuration(r.finish) : r.state === 'running' && r.at !== null ? formatDistance(r.at, 'km', 1) : '—';

/**
 * The embed's leaderboard: the open standings feed, read every 5 s, with a category filter and, as
 * ?view=podium, the first three of every category.
 */
export function EmbedLeaderboard({ event, podium, limit = 50 }: { event: string; podium: boolean; limit?: number }) {
  const feed = usePoll((signal) => call('feedStandings', { id: event }, { signal }), 5000, event);
  const [category, setCategory] = useState('');
  const rows = useMemo(() => feed.data?.standings ?? [], [feed.data]);
  const categories = useMemo(() => [...new Set(rows.map((r) => r.entry?.category).filter((c): c is string => !!c))].sort(), [rows]);
  const shown = useMemo(() => rows.filter((r) => !category || r.entry?.category === category).slice(0, limit), [rows, category, limit]);
  if (feed.error && !feed.data) return <p className="embed-note">{feed.error}</p>;
  if (!feed.data) return <p className="embed-note">Loading…</p>;
  if (podium) return <PodiumList rows={rows} />;
  return (
    <div className="embed-board">
      {categories.length > 1 && (
        <label className="embed-filter">
          Category{' '}
          <select value={category} onChange={(e) => setCategory(e.target.value)} data-testid="embed-category">
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      )}
      <table className="embed-table" data-testid="embed-leaderboard">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Bib</th>
            <th scope="col">Name</th>
            <th scope="col" className="wide">
              Category
            </th>
            <th scope="col" className="wide">
              Club
            </th>
            <th scope="col" className="num">
              Time / km
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.id} data-testid="embed-row" data-bib={r.bib ?? ''}>
              <td className="num">{r.pos ?? '—'}</td>
              <td>{r.bib ?? ''}</td>
              <td>
                {r.name}
                {r.entry?.category && (
                  <small className="narrow">
                    {r.entry.category}
                    {r.cat !== null ? ` · ${r.cat}` : ''}
                  </small>
                )}
              </td>
              <td className="wide">
                {r.entry?.category ?? ''}
                {r.cat !== null && r.entry?.category ? <small> ({r.cat})</small> : null}
              </td>
              <td className="wide">{r.entry?.club ?? ''}</td>
              <td className="num">{progress(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length && !category && <p className="embed-note">Top {limit} of {rows.length}.</p>}
    </div>
  );
}
