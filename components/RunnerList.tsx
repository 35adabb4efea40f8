'use client';

import { memo, useState } from 'react';
import type { RunnerView } from '../client/event-view';
import { formatDistance, formatPace } from '../lib/geo';
import { recentPace } from '../lib/track';
import { ago, useNow } from './useNow';

const STATUS_TEXT = { active: 'moving', idle: 'idle', offline: 'offline', stopped: 'stopped' } as const;
/** Rows drawn at once; a big field is searched rather than scrolled. */
const MAX_ROWS = 100;
const SEARCH_FROM = 25;

const RunnerRow = memo(function RunnerRow({
  runner: r,
  selected,
  now,
  onSelect,
}: {
  runner: RunnerView;
  selected: boolean;
  now: number;
  onSelect: (id: string | null) => void;
}) {
  return (
    <tr
      className={`runner${selected ? ' selected' : ''}`}
      data-runner={r.id}
      onClick={() => onSelect(selected ? null : r.id)}
      aria-selected={selected}
    >
      <td>
        <div className="who">
          <span className="swatch" style={{ background: r.color }} />
          <span className="runner-name">{r.name}</span>
        </div>
        <span className={`status ${r.status}`}>{STATUS_TEXT[r.status]}</span>
      </td>
      <td className="small">{ago(r.lastSeen, now)}</td>
      <td className="num" data-testid="distance">
        {formatDistance(r.distance)}
      </td>
      <td className="num">{r.status === 'active' ? formatPace(recentPace(r.track)) : '—'}</td>
      <td className="num" data-testid="mood">
        {r.mood ?? '—'}
      </td>
    </tr>
  );
});

export function RunnerList({
  runners,
  clockOffset,
  selected,
  onSelect,
}: {
  runners: RunnerView[];
  clockOffset: number;
  selected: string | null;
  onSelect: (id: string | null) => void;
}) {
  const now = useNow() + clockOffset;
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const matching = q ? runners.filter((r) => r.name.toLowerCase().includes(q)) : runners;
  const shown = matching.slice(0, MAX_ROWS);
  return (
    <section className="panel" aria-labelledby="runners-heading">
      <h2 id="runners-heading">Runners ({runners.length})</h2>
      {runners.length >= SEARCH_FROM && (
        <input
          className="runner-search"
          aria-label="Find a runner"
          placeholder="Find a runner by name"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      )}
      {runners.length === 0 ? (
        <p className="muted">No runners yet. Share the runner link to get started.</p>
      ) : (
        <table className="runner-table">
          <thead>
            <tr>
              <th>Runner</th>
              <th>Seen</th>
              <th className="num">Dist.</th>
              <th className="num">Pace</th>
              <th className="num" title="Happiness (0–10)">
                Mood
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <RunnerRow key={r.id} runner={r} selected={r.id === selected} now={now} onSelect={onSelect} />
            ))}
          </tbody>
        </table>
      )}
      {matching.length > shown.length && (
        <p className="small muted">
          Showing {shown.length} of {matching.length}: search to find others.
        </p>
      )}
    </section>
  );
}
