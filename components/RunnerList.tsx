'use client';

import type { RunnerView } from '../lib/event-view';
import { recentPace } from '../lib/track';
import { formatDistance, formatPace } from '../lib/geo';
import { ago, useNow } from './useNow';

const STATUS_TEXT = { active: 'moving', idle: 'idle', offline: 'offline', stopped: 'stopped' } as const;

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
  return (
    <section className="panel" aria-labelledby="runners-heading">
      <h2 id="runners-heading">Runners ({runners.length})</h2>
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
              <th className="num" title="Happiness (0–10)">Mood</th>
            </tr>
          </thead>
          <tbody>
            {runners.map((r) => (
              <tr
                key={r.id}
                className={`runner${r.id === selected ? ' selected' : ''}`}
                data-runner={r.id}
                onClick={() => onSelect(r.id === selected ? null : r.id)}
                aria-selected={r.id === selected}
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
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
