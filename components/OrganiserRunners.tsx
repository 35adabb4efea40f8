'use client';

import { useState } from 'react';
import { colorName } from '../client/colors';
import type { OrganiserRunner } from '../client/organiser-roster';
import { raceStatus } from '../lib/control/status';
import type { Verdict } from '../lib/control/schemas';
import { type DistanceUnit, formatDistance } from '../lib/course/units';
import { ago } from './useNow';

type VerdictChoice = { kind: Verdict['kind']; reason: string | null } | null;

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

/** DNF, DSQ (with a reason asked for) or DNS for a runner, or none. */
function VerdictField({ runner, onVerdict }: { runner: OrganiserRunner; onVerdict: (v: VerdictChoice) => void }) {
  return (
    <select
      className="verdict-input"
      aria-label={`Race status of ${runner.name}`}
      value={runner.verdict?.kind ?? ''}
      onChange={(e) => {
        const kind = e.target.value as Verdict['kind'] | '';
        if (!kind) return onVerdict(null);
        const reason = kind === 'dsq' ? window.prompt(`Why is ${runner.name} disqualified?`) : null;
        if (kind === 'dsq' && !reason) return;
        onVerdict({ kind, reason });
      }}
    >
      <option value="">In the race</option>
      <option value="dnf">DNF</option>
      <option value="dsq">DSQ</option>
      <option value="dns">DNS</option>
    </select>
  );
}

/** Every runner of the event, those without a position yet included: search, race state, SOS, bib, verdict, Remove. */
export function OrganiserRunners({
  runners,
  colors,
  alerted,
  now,
  unit,
  onBib,
  onVerdict,
  onRemove,
}: {
  runners: OrganiserRunner[];
  /** The colours spectators see. */
  colors: ReadonlyMap<string, string>;
  /** Runners with an open SOS. */
  alerted: ReadonlySet<string>;
  now: number;
  unit: DistanceUnit;
  onBib: (runner: OrganiserRunner, bib: string | null) => Promise<void>;
  /** Answers the confirmation to show beside the table. */
  onVerdict: (runner: OrganiserRunner, verdict: VerdictChoice) => Promise<{ ok: boolean; text: string }>;
  onRemove: (runner: OrganiserRunner) => void;
}) {
  const [query, setQuery] = useState('');
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const q = query.trim().toLocaleLowerCase();
  const shown = q ? runners.filter((r) => r.name.toLocaleLowerCase().includes(q) || (r.bib ?? '').toLocaleLowerCase() === q) : runners;
  return (
    <section className="panel runner-list" aria-labelledby="organiser-runners-heading">
      <h2 id="organiser-runners-heading">Runners ({runners.length})</h2>
      {runners.length > 0 && (
        <div className="organiser-search">
          <label>
            Find a runner
            <input type="search" value={query} placeholder="Name or bib" onChange={(e) => setQuery(e.target.value)} data-testid="organiser-search" />
          </label>
          {said && (
            <span className={`inline-said${said.ok ? '' : ' bad'}`} role="status">
              {said.text}
            </span>
          )}
        </div>
      )}
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
                <th className="col-state" scope="col">
                  Race
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
              {shown.map((r) => {
                const status = raceStatus(r, { now, unit, alert: alerted.has(r.id) });
                const race = r.race;
                return (
                <tr key={r.id} data-runner={r.id}>
                  <td className="col-who">
                    <div className="who" title={r.name}>
                      <span className="swatch" style={{ background: colors.get(r.id) ?? r.color }} aria-hidden="true" />
                      <span className="runner-name">{r.name}</span>
                      <span className="visually-hidden">, {colorName(colors.get(r.id) ?? r.color)}</span>
                    </div>
                    <div className="runner-meta">
                      <span className={`race-status ${status.tone}`} data-testid="race-status" data-status={status.key}>
                        {status.words}
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
                  <td className="small col-state">
                    {race?.pos ? `#${race.pos} · ` : ''}
                    {race?.at != null ? formatDistance(race.at, unit, 1) : '—'}
                    {race?.cp && race.state !== 'finished' ? ` · ${race.cp.name}` : ''}
                    {race?.off && race.state === 'running' ? ' · off course' : ''}
                    <div>
                      <VerdictField
                        runner={r}
                        onVerdict={(v) => {
                          void onVerdict(r, v).then(setSaid);
                        }}
                      />
                    </div>
                  </td>
                  <td className="small p3">{ago(r.lastSeen, now)}</td>
                  <td className="num p2">{r.points}</td>
                  <td className="num">
                    <button className="btn danger small" type="button" aria-label={`Remove ${r.name}`} onClick={() => onRemove(r)}>
                      Remove
                    </button>
                  </td>
                </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
