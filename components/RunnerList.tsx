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
  sos,
  avatarSrc,
}: {
  runner: RunnerView;
  selected: boolean;
  now: number;
  onSelect: (id: string | null) => void;
  sos: boolean;
  /** The runner's picture, when their app sent one. */
  avatarSrc: string | null;
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
          {avatarSrc ? (
            <img className="swatch" src={avatarSrc} alt="" width={20} height={20} style={{ width: 20, height: 20, borderColor: r.color }} />
          ) : (
            <span className="swatch" style={{ background: r.color }} />
          )}
          <span className="runner-name">{r.name}</span>
        </div>
        <span className={`status ${r.status}`}>{STATUS_TEXT[r.status]}</span>
        {sos && (
          <span className="pill bad" data-testid="sos-badge" style={{ marginLeft: 6 }}>
            SOS
          </span>
        )}
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

function avatarSrc(eventId: string, runnerId: string, version: number, query: string): string {
  const q = new URLSearchParams(query.replace(/^\?/, ''));
  q.set('v', String(version));
  return `/api/events/${eventId}/runners/${runnerId}/avatar?${q.toString()}`;
}

export function RunnerList({
  runners,
  clockOffset,
  selected,
  onSelect,
  alerted,
  eventId,
  avatarQuery = '',
}: {
  runners: RunnerView[];
  clockOffset: number;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Runners with an open SOS alert. */
  alerted?: ReadonlySet<string>;
  /** For runners' pictures: the event, and what grants access to it (?code= or ?share=). */
  eventId?: string;
  avatarQuery?: string;
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
              <RunnerRow
                key={r.id}
                runner={r}
                selected={r.id === selected}
                now={now}
                onSelect={onSelect}
                sos={alerted?.has(r.id) ?? false}
                avatarSrc={eventId && r.avatar !== undefined ? avatarSrc(eventId, r.id, r.avatar, avatarQuery) : null}
              />
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
