'use client';

import { type FormEvent, useMemo, useState } from 'react';
import type { TrackerView } from '../client/api';
import { createRunnerSearch } from '../lib/course/search';
import { ago } from './useNow';

const KIND = { inreach: 'Garmin inReach (MapShare)', spot: 'SPOT (shared page)' } as const;

/**
 * Satellite trackers for the organiser: a runner's Garmin inReach MapShare page or SPOT shared page, polled by
 * the server every few minutes; each with its last poll, last message and what went wrong. docs/trackers.md.
 */
export function SatelliteTrackers({
  runners,
  trackers,
  now,
  finished,
  onAdd,
  onRemove,
}: {
  runners: Array<{ id: string; name: string; bib?: string }>;
  trackers: TrackerView[];
  now: number;
  finished: boolean;
  onAdd: (body: { runner: string; kind: 'inreach' | 'spot'; feed: string; password: string | null }) => Promise<void>;
  onRemove: (tracker: TrackerView) => Promise<void>;
}) {
  const [who, setWho] = useState('');
  const [kind, setKind] = useState<'inreach' | 'spot'>('inreach');
  const [feed, setFeed] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const search = useMemo(() => createRunnerSearch(runners.map((r) => ({ ...r, bib: r.bib ?? null }))), [runners]);
  const found = who.trim() ? search(who, 1)[0] : undefined;

  const add = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!found) return setError('Find the runner by bib or name first.');
    if (!feed.trim()) return setError(kind === 'inreach' ? 'Give the MapShare name (share.garmin.com/<name>).' : 'Give the SPOT XML feed id.');
    void onAdd({ runner: found.id, kind, feed: feed.trim(), password: password || null })
      .then(() => {
        setWho('');
        setFeed('');
        setPassword('');
      })
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'The tracker could not be added: try again.'));
  };

  return (
    <section className="panel satellite-trackers" aria-labelledby="trackers-heading" data-testid="satellite-trackers">
      <h2 id="trackers-heading">Satellite trackers</h2>
      <p className="small muted">
        Runners with a Garmin inReach or a SPOT are followed through the tracker’s shared page, polled every few minutes; an SOS from the device raises an
        alert here.
      </p>
      {trackers.length > 0 && (
        <ul className="tracker-list">
          {trackers.map((k) => (
            <li key={k.id}>
              <strong>{k.runnerName}</strong>: {KIND[k.kind]} <code>{k.feed}</code>
              {k.hasPassword && ' (with password)'} ·{' '}
              {k.polledAt === null ? 'not polled yet' : `polled ${ago(k.polledAt, now)}`}
              {k.lastT !== null && `, last message ${ago(k.lastT, now)}`}
              {k.error && <span className="form-error"> · {k.error}</span>}{' '}
              {!finished && (
                <button className="btn small" type="button" onClick={() => void onRemove(k)}>
                  Remove the tracker of {k.runnerName}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!finished && (
        <form className="inline-form" onSubmit={add} aria-label="Add a satellite tracker">
          <label className="field">
            <span>Runner (bib or name)</span>
            <input value={who} onChange={(e) => setWho(e.target.value)} placeholder="88" />
            {found && <span className="small muted">{found.bib ? `Bib ${found.bib}, ` : ''}{found.name}</span>}
          </label>
          <label className="field">
            <span>Tracker</span>
            <select value={kind} onChange={(e) => setKind(e.target.value as 'inreach' | 'spot')}>
              <option value="inreach">{KIND.inreach}</option>
              <option value="spot">{KIND.spot}</option>
            </select>
          </label>
          <label className="field">
            <span>{kind === 'inreach' ? 'MapShare name or address' : 'XML feed id'}</span>
            <input value={feed} onChange={(e) => setFeed(e.target.value)} placeholder={kind === 'inreach' ? 'share.garmin.com/…' : '0abc…'} />
          </label>
          <label className="field">
            <span>Password (if the page has one)</span>
            <input type="password" value={password} autoComplete="off" onChange={(e) => setPassword(e.target.value)} />
          </label>
          <button className="btn" type="submit">
            Add tracker
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
