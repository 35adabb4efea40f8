'use client';

import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import type { OrganiserSession } from '../client/organiser-session';
import { createRunnerSearch } from '../lib/course/search';
import { LIMITS, type RunnerInfo, type ShareLink, shareLinkState } from '../lib/protocol';
import { LinkActions } from './LinkActions';

const EXPIRY_CHOICES = [
  { label: 'Never', hours: 0 },
  { label: 'In 1 hour', hours: 1 },
  { label: 'In 3 hours', hours: 3 },
  { label: 'In 24 hours', hours: 24 },
  { label: 'In a week', hours: 24 * 7 },
];

/** Runners offered for a link at once; the rest are found by name or bib. */
const PICK_SHOWN = 30;

/** The organiser's spectator links: make one (all runners or some, expiring or not), copy, withdraw. */
export function ShareLinks({
  runners,
  origin,
  session,
}: {
  runners: RunnerInfo[];
  /** Where other devices reach this server. */
  origin: string;
  session: OrganiserSession;
}) {
  const [links, setLinks] = useState<ShareLink[]>([]);
  const [label, setLabel] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [find, setFind] = useState('');
  const [hours, setHours] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => setLinks(await session.links()), [session]);

  useEffect(() => {
    refresh().catch(() => {});
  }, [refresh]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      await session.createLink({
        label: label.trim(),
        runners: chosen.size ? [...chosen] : null,
        expiresAt: hours ? Date.now() + hours * 3600_000 : null,
      });
      setLabel('');
      setChosen(new Set());
      await refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not make the link.');
    }
  }

  // A big field is found by name or bib, not read through: the ticked ones stay in sight, then the matches.
  const search = useMemo(() => createRunnerSearch(runners.map((r) => ({ ...r, bib: r.bib ?? null }))), [runners]);
  const pickable = useMemo(() => {
    const ticked = runners.filter((r) => chosen.has(r.id));
    const found = search(find).filter((r) => !chosen.has(r.id));
    return { shown: [...ticked, ...found.slice(0, PICK_SHOWN)], more: Math.max(0, found.length - PICK_SHOWN) };
  }, [runners, chosen, search, find]);
  const url = (l: ShareLink) => `${origin}/s/${l.token}`;
  const names = new Map(runners.map((r) => [r.id, r.name]));
  const now = Date.now();

  return (
    <section className="panel" aria-labelledby="links-heading">
      <h2 id="links-heading">Spectator links</h2>
      <p className="muted">Links need no account. Limit one to some runners, let it expire, or withdraw it at any time.</p>
      <form className="link-form" onSubmit={create}>
        <input
          aria-label="Link label"
          placeholder="Label, e.g. Family of Ada"
          value={label}
          maxLength={LIMITS.nameMax}
          onChange={(e) => setLabel(e.target.value)}
        />
        {runners.length > 0 && (
          <fieldset className="link-runners">
            <legend className="small muted">Only these runners (none ticked: everyone)</legend>
            {runners.length > PICK_SHOWN && (
              <input
                type="search"
                className="link-runner-search"
                aria-label="Find runners for this link by name or bib"
                placeholder="Find by name or bib"
                value={find}
                onChange={(e) => setFind(e.target.value)}
              />
            )}
            {pickable.shown.map((r) => (
              <label key={r.id} className="small">
                <input
                  type="checkbox"
                  checked={chosen.has(r.id)}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(r.id);
                    else next.delete(r.id);
                    setChosen(next);
                  }}
                />{' '}
                {r.bib && <span className="bib">{r.bib}</span>} {r.name}
              </label>
            ))}
            {pickable.more > 0 && (
              <p className="small muted" style={{ margin: 0, flexBasis: '100%' }} data-testid="link-runners-more">
                {pickable.more} more: type a name or bib to find them.
              </p>
            )}
          </fieldset>
        )}
        <label className="small">
          Expires{' '}
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.hours} value={c.hours}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <button className="btn primary" type="submit">
          Make link
        </button>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
      {links.length > 0 && (
        <ul className="link-list">
          {links.map((l) => {
            const state = shareLinkState(l, now);
            return (
              <li key={l.id} data-link={l.id} className={state}>
                <div>
                  <strong>{l.label || 'Untitled link'}</strong>{' '}
                  <span className={`status ${state === 'active' ? 'active' : 'offline'}`}>{state}</span>
                  <div className="small muted">
                    {l.runners ? `Only ${l.runners.map((id) => names.get(id) ?? 'a removed runner').join(', ')}` : 'All runners'}
                    {l.expiresAt ? ` · until ${new Date(l.expiresAt).toLocaleString()}` : ''}
                  </div>
                </div>
                <div className="row-actions">
                  <input readOnly aria-label="Link address" value={url(l)} onFocus={(e) => e.target.select()} />
                  <LinkActions url={url(l)} title={l.label || 'Trackside'} what={`link ${l.label || 'untitled'}`} />
                  {state === 'active' && (
                    <button
                      className="btn danger"
                      type="button"
                      onClick={() => void session.revokeLink(l.id).then(refresh)}
                    >
                      Withdraw
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
