'use client';

import { type FormEvent, useEffect, useState } from 'react';
import type { Quotas } from '../client/api';

const FIELDS: Array<{ key: keyof Quotas; label: string; help: string; min: number; max: number }> = [
  { key: 'maxRunners', label: 'Runners in the event', help: 'Joins beyond this are refused.', min: 1, max: 100_000 },
  {
    key: 'fixesPerRunnerPerHour',
    label: 'Positions per runner per hour',
    help: 'After a first 600. A phone sends about 3,600 an hour; more are kept on the phone and sent later.',
    min: 60,
    max: 36_000,
  },
  { key: 'cheersPerMinute', label: 'Cheers per minute, whole event', help: 'Spectators beyond this are asked to send again in a moment.', min: 1, max: 6000 },
  {
    key: 'addressMiBPerHour',
    label: 'Storage per address per hour, MiB',
    help: 'What one address (a venue’s Wi-Fi, a phone network’s shared address) may store for this event: about 0.75 MiB for each runner there sending a fix a second. Raise it for a big venue.',
    min: 1,
    max: 1024,
  },
];

/** The event's limits, which the organiser may raise (or lower) for a big race. */
export function EventLimits({
  quotas,
  runners,
  onSave,
}: {
  quotas: Quotas | null;
  runners: number;
  /** Saves the limits that were changed. */
  onSave: (quotas: Partial<Quotas>) => Promise<void>;
}) {
  const [draft, setDraft] = useState<Quotas | null>(quotas);
  useEffect(() => setDraft(quotas), [quotas]);
  if (!quotas || !draft) return null;
  const changed = FIELDS.filter((f) => draft[f.key] !== quotas[f.key]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Only what was changed: a limit the server set above what an organiser may (its own allowance per
    // address) is left as it is.
    void onSave(Object.fromEntries(changed.map((f) => [f.key, draft[f.key]])));
  };
  return (
    <section className="panel" aria-labelledby="limits-heading">
      <h2 id="limits-heading">Limits</h2>
      <p className="muted small">
        What one event, one runner in it and one address may store: these keep a mistaken or hostile client from filling the disk. {runners} of{' '}
        {quotas.maxRunners.toLocaleString()} runners have joined.
      </p>
      <form className="limits-form" onSubmit={submit}>
        {FIELDS.map((f) => (
          <label key={f.key} className="field">
            {f.label}
            <input
              type="number"
              inputMode="numeric"
              min={f.min}
              max={Math.max(f.max, quotas[f.key])}
              step={1}
              value={draft[f.key]}
              onChange={(e) => setDraft({ ...draft, [f.key]: Number(e.target.value) })}
              aria-describedby={`limit-${f.key}-help`}
            />
            <span id={`limit-${f.key}-help`} className="small muted">
              {f.help} ({f.min.toLocaleString()}–{f.max.toLocaleString()})
            </span>
          </label>
        ))}
        <button className="btn primary" type="submit" disabled={changed.length === 0}>
          Save limits
        </button>
      </form>
    </section>
  );
}
