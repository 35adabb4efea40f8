'use client';

import { useState } from 'react';
import { colorName } from '../client/colors';
import type { OrganiserRunner } from '../client/organiser-roster';
import { STATUS_TEXT } from './RunnerList';
import { ago } from './useNow';

/** A runner's bib, saved when the field is left or Enter is pressed, and only when it changed. */
function BibField({ runner, onSave }: { runner: { name: string; bib?: string }; onSave: (bib: string | null) => Promise<void> }) {
  const [value, setValue] = useState<string | null>(null);
  const shown = value ?? runner.bib ?? '';
  const save = () => {
    if (value === null) return;
    const bib = value.trim() || null;
    setValue(null);
    if (bib !== (runner.bib ?? null)) void onSave(bib);
  };
  return (
    <input
      className="bib-input"
      aria-label={`Bib of ${runner.name}`}
      value={shown}
      maxLength={8}
      onChange={(e) => setValue(e.target.value)}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === 'Enter') save();
      }}
    />
  );
}

/** Every runner of the event, those without a position yet included: status, SOS, bib, last seen, points, Remove. */
export function OrganiserRunners({
  runners,
  colors,
  alerted,
  now,
  onBib,
  onRemove,
}: {
  runners: OrganiserRunner[];
  /** The colours spectators see. */
  colors: ReadonlyMap<string, string>;
  /** Runners with an open SOS. */
  alerted: ReadonlySet<string>;
  now: number;
  onBib: (runner: OrganiserRunner, bib: string | null) => Promise<void>;
  onRemove: (runner: OrganiserRunner) => void;
}) {
  return (
    <section className="panel runner-list" aria-labelledby="organiser-runners-heading">
      <h2 id="organiser-runners-heading">Runners ({runners.length})</h2>
      {runners.length === 0 ? (
        <p className="muted">No runners yet.</p>
      ) : (
        <div className="runner-scroll">
          <table className="runner-table">
            <thead>
              <tr>
                <th className="col-who" scope="col">
                  Runner
                </th>
                <th className="col-bib" scope="col">
                  Bib
                </th>
                <th className="col-seen p3" scope="col">
                  Seen
                </th>
                <th className="num col-points p2" scope="col">
                  Points
                </th>
                <th className="col-actions" scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runners.map((r) => (
                <tr key={r.id} data-runner={r.id}>
                  <td className="col-who">
                    <div className="who" title={r.name}>
                      <span className="swatch" style={{ background: colors.get(r.id) ?? r.color }} aria-hidden="true" />
                      <span className="runner-name">{r.name}</span>
                      <span className="visually-hidden">, {colorName(colors.get(r.id) ?? r.color)}</span>
                    </div>
                    <div className="runner-meta">
                      <span className={`status ${r.lastSeen === null ? 'waiting' : r.status}`}>
                        {r.lastSeen === null ? 'no position yet' : STATUS_TEXT[r.status]}
                      </span>
                      {alerted.has(r.id) && (
                        <span className="pill bad" data-testid="sos-badge">
                          SOS
                        </span>
                      )}
                      <span className="alt alt-p3">{ago(r.lastSeen, now)}</span>
                      <span className="alt alt-p2">{r.points} points</span>
                    </div>
                  </td>
                  <td className="col-bib">
                    <BibField runner={r} onSave={(bib) => onBib(r, bib)} />
                  </td>
                  <td className="small p3">{ago(r.lastSeen, now)}</td>
                  <td className="num p2">{r.points}</td>
                  <td className="num">
                    <button className="btn danger small" type="button" aria-label={`Remove ${r.name}`} onClick={() => onRemove(r)}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
