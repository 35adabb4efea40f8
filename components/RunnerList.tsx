'use client';

import { memo, useState } from 'react';
import type { RunnerView } from '../client/event-view';
import { colorName } from '../client/colors';
import { formatDistance, formatPace } from '../lib/geo';
import { recentPace } from '../lib/track';
import { ago, useNow } from './useNow';

export const STATUS_TEXT = { active: 'moving', idle: 'idle', offline: 'offline', stopped: 'stopped' } as const;
/** Rows drawn at once; a big field is searched rather than scrolled. */
const MAX_ROWS = 100;
const SEARCH_FROM = 25;

/**
 * One runner. Columns carry a priority (p1 most important); as the list narrows the lower ones hide and
 * their values move onto the row's second line, so new columns fit in by picking a priority.
 */
const RunnerRow = memo(function RunnerRow({
  runner: r,
  color,
  selected,
  now,
  onSelect,
  sos,
  avatarSrc,
}: {
  runner: RunnerView;
  color: string;
  selected: boolean;
  now: number;
  onSelect: (id: string | null) => void;
  /** The runner's app raised an SOS the organiser has not acknowledged yet. */
  sos: boolean;
  /** The picture the runner's app sent, if any. */
  avatarSrc: string | null;
}) {
  const distance = formatDistance(r.distance);
  const pace = r.status === 'active' ? formatPace(recentPace(r.track)) : '—';
  const mood = r.mood === null ? '—' : String(r.mood);
  return (
    <tr className={`runner${selected ? ' selected' : ''}`} data-runner={r.id} onClick={() => onSelect(selected ? null : r.id)}>
      <td className="col-who">
        {/* The button makes the row reachable by keyboard; a click anywhere on the row does the same. */}
        <button type="button" className="follow-btn" aria-pressed={selected} title={r.name}>
          {avatarSrc ? (
            <img className="swatch" src={avatarSrc} alt="" width={20} height={20} style={{ width: 20, height: 20, borderColor: color }} />
          ) : (
            <span className="swatch" style={{ background: color }} aria-hidden="true" />
          )}
          <span className="runner-name">{r.name}</span>
          <span className="visually-hidden">, {colorName(color)}</span>
        </button>
        <div className="runner-meta">
          <span className={`status ${r.status}`}>{STATUS_TEXT[r.status]}</span>
          {sos && (
            <span className="pill bad" data-testid="sos-badge">
              SOS
            </span>
          )}
          <span>{ago(r.lastSeen, now)}</span>
          <span className="alt alt-p1">{distance}</span>
          {pace !== '—' && <span className="alt alt-p2">{pace}</span>}
          <span className="alt alt-p3">mood {mood}</span>
        </div>
      </td>
      <td className="num p1" data-testid="distance">
        {distance}
      </td>
      <td className="num p2">{pace}</td>
      <td className="num p3" data-testid="mood">
        {mood}
      </td>
    </tr>
  );
});

/** A runner's picture from their tracking app (OwnTracks cards), by version so browsers may cache it. */
function avatarSrc(eventId: string, runnerId: string, version: number, query: string): string {
  const q = new URLSearchParams(query.replace(/^\?/, ''));
  q.set('v', String(version));
  return `/api/events/${eventId}/runners/${runnerId}/avatar?${q.toString()}`;
}

export function RunnerList({
  runners,
  colors,
  clockOffset,
  selected,
  onSelect,
  alerted,
  eventId,
  avatarQuery = '',
}: {
  runners: RunnerView[];
  colors: ReadonlyMap<string, string>;
  clockOffset: number;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Runners with an open SOS. */
  alerted?: ReadonlySet<string>;
  eventId?: string;
  /** Access for the pictures (share link or view code), as a query string. */
  avatarQuery?: string;
}) {
  const now = useNow() + clockOffset;
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const matching = q ? runners.filter((r) => r.name.toLowerCase().includes(q)) : runners;
  const shown = matching.slice(0, MAX_ROWS);
  return (
    <section className="panel runner-list" aria-labelledby="runners-heading">
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
        <div className="runner-scroll">
          <table className="runner-table">
            <caption className="visually-hidden">Runners: choose one to follow on the map and cheer</caption>
            <thead>
              <tr>
                <th className="col-who" scope="col">
                  Runner
                </th>
                <th className="num col-dist p1" scope="col">
                  Dist.
                </th>
                <th className="num col-pace p2" scope="col">
                  Pace
                </th>
                <th className="num col-mood p3" scope="col">
                  <abbr title="Happiness (0–10)">Mood</abbr>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <RunnerRow
                  key={r.id}
                  runner={r}
                  color={colors.get(r.id) ?? r.color}
                  selected={r.id === selected}
                  now={now}
                  onSelect={onSelect}
                  sos={alerted?.has(r.id) ?? false}
                  avatarSrc={eventId && r.avatar !== undefined ? avatarSrc(eventId, r.id, r.avatar, avatarQuery) : null}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {matching.length > shown.length && (
        <p className="small muted">
          Showing {shown.length} of {matching.length}: search to find others.
        </p>
      )}
      {q && matching.length === 0 && <p className="small muted">No runner called “{query.trim()}”.</p>}
    </section>
  );
}
