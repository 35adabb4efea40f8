'use client';

import { type FormEvent, useState } from 'react';
import type { Wave } from '../lib/course/waves';
import type { RaceInfo } from '../lib/protocol';

const pad = (n: number) => String(n).padStart(2, '0');
/** A time for a datetime-local input with seconds, in the browser's zone. */
export const toLocalSeconds = (t: number | null) => {
  if (t === null) return '';
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
};

interface Draft {
  /** Keeps each row's inputs with it when another row is removed. */
  key: number;
  name: string;
  at: string;
}

let nextKey = 1;

/**
 * The organiser's waves: each a name (as the start list's wave column says it) and its gun. Runners of a
 * wave are timed from their own gun; finishers are ranked by chip time, or gun time when chosen here.
 */
export function WavesForm({
  race,
  disabled,
  save,
}: {
  race: RaceInfo;
  disabled: boolean;
  save: (changes: { waves?: Wave[]; order?: 'chip' | 'gun' }, done: string) => Promise<void>;
}) {
  const saved = race.waves ?? [];
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [savedRows] = useState(() => new Map<string, number>());
  const keyOf = (name: string) => savedRows.get(name) ?? (savedRows.set(name, nextKey++), savedRows.get(name)!);
  const rows = drafts ?? saved.map((w) => ({ key: keyOf(w.name), name: w.name, at: toLocalSeconds(w.startsAt) }));
  const edit = (i: number, change: Partial<Draft>) => setDrafts(rows.map((r, k) => (k === i ? { ...r, ...change } : r)));
  function submit(e: FormEvent) {
    e.preventDefault();
    const waves = rows.filter((r) => r.name.trim()).map((r) => ({ name: r.name.trim(), startsAt: r.at ? new Date(r.at).getTime() : null }));
    void save({ waves }, waves.length ? `${waves.length} wave${waves.length === 1 ? '' : 's'} saved.` : 'No waves: everyone starts with the event.').then(() => setDrafts(null));
  }
  return (
    <div className="waves">
      <h3>Waves</h3>
      <p className="small muted">
        A runner is in the wave their start-list entry names. Chip time runs from their own crossing of the start line (a start mat or their phone), gun
        time from their wave&apos;s gun (the event&apos;s start for a wave without one).
      </p>
      <form onSubmit={submit} aria-label="Waves">
        {rows.map((r, i) => (
          <div className="inline-form" key={r.key}>
            <label className="field">
              <span>Wave</span>
              <input value={r.name} maxLength={40} disabled={disabled} onChange={(e) => edit(i, { name: e.target.value })} />
            </label>
            <label className="field">
              <span>Gun</span>
              <input type="datetime-local" step="1" value={r.at} disabled={disabled} onChange={(e) => edit(i, { at: e.target.value })} />
            </label>
            <button className="btn ghost" type="button" disabled={disabled} onClick={() => setDrafts(rows.filter((_, k) => k !== i))}>
              Remove
            </button>
          </div>
        ))}
        {!disabled && (
          <div className="inline-form">
            <button className="btn" type="button" onClick={() => setDrafts([...rows, { key: nextKey++, name: '', at: '' }])}>
              Add a wave
            </button>
            <button className="btn primary" type="submit" disabled={drafts === null}>
              Save waves
            </button>
          </div>
        )}
      </form>
      <fieldset className="order-choice" disabled={disabled}>
        <legend>Rank finishers by</legend>
        <label>
          <input type="radio" name="order" checked={(race.order ?? 'chip') === 'chip'} onChange={() => void save({ order: 'chip' }, 'Finishers are ranked by chip time.')} /> chip time (own
          start to finish)
        </label>
        <label>
          <input type="radio" name="order" checked={race.order === 'gun'} onChange={() => void save({ order: 'gun' }, 'Finishers are ranked by gun time.')} /> gun time (wave gun to
          finish)
        </label>
      </fieldset>
    </div>
  );
}
