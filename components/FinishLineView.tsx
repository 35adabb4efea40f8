'use client';

import { useState } from 'react';
import { type Answer, call } from '../client/api';
import { ordinal } from '../client/race-words';
import { formatDuration } from '../lib/course/units';
import type { EventInfo } from '../lib/protocol';
import { BrandHeader } from './BrandHeader';
import { usePoll } from './usePoll';
import { useNow } from './useNow';
import { ViewCodeForm } from './ViewCodeForm';

type Line = Answer<'finishLine'>;
type Runner = Line['approaching'][number];

/** How long a finisher stays highlighted as "just finished". */
const JUST_MS = 60_000;

const who = (r: Runner) => [r.club, r.category].filter(Boolean).join(' · ');

/**
 * "in 1:05", "now", or "due 2:10 ago" for a runner later than expected (still out there: the ETA is a guess,
 * so whole seconds and no more).
 */
function arrivesIn(t: number, now: number): string {
  const s = Math.round((t - now) / 1000);
  if (s < -60) return `due ${formatDuration(-s)} ago`;
  return s <= 5 ? 'now' : `in ${formatDuration(s)}`;
}

/**
 * The announcer's screen at the finish: who comes next, in the order the estimator expects them, and who
 * just crossed, in type large enough to read from a metre or two. Reads the finish-line answer every 2 s.
 */
export function FinishLineView({ event }: { event: EventInfo }) {
  const codeKey = `trackside:${event.id}:code`;
  const [code, setCode] = useState<string | undefined>(() => (typeof sessionStorage === 'undefined' ? undefined : (sessionStorage.getItem(codeKey) ?? undefined)));
  const line = usePoll((signal) => call('finishLine', { id: event.id }, { query: code ? { code } : {}, signal }), 2000, code ?? '');
  const now = useNow(1000);
  const locked = line.code === 'view_code_required' || line.code === 'bad_view_code';
  const data = line.data;
  return (
    <main className="finish-page">
      <BrandHeader heading={`${data?.event.name ?? event.name} · Finish`}>
        <span className="finish-count" data-testid="finishers">
          {data ? `${data.finishers} finished` : '…'}
        </span>
      </BrandHeader>
      {locked && (
        <ViewCodeForm
          wrong={line.code === 'bad_view_code'}
          onSubmit={(c) => {
            sessionStorage.setItem(codeKey, c);
            setCode(c);
          }}
        />
      )}
      {line.error && !locked && (
        <p className="form-error" role="alert">
          {line.error}
        </p>
      )}
      <div className="finish-columns">
        <section aria-labelledby="approaching-heading" className="finish-section">
          <h2 id="approaching-heading">Approaching</h2>
          {data && data.approaching.length === 0 && <p className="finish-empty">Nobody expected in the next 15 minutes.</p>}
          <ol className="finish-list" data-testid="approaching">
            {data?.approaching.map((r) => (
              <li key={r.id} className="finish-row" data-testid="approaching-runner" data-bib={r.bib ?? ''}>
                <span className="finish-bib">{r.bib ?? '—'}</span>
                <span className="finish-name">
                  {r.name}
                  <small>{who(r)}</small>
                </span>
                <span className="finish-when">
                  {arrivesIn(r.t, now)}
                  <small>{r.toGo !== null ? `${r.toGo < 1000 ? `${r.toGo} m` : `${(r.toGo / 1000).toFixed(1)} km`} to go` : ''}</small>
                </span>
              </li>
            ))}
          </ol>
        </section>
        <section aria-labelledby="finished-heading" className="finish-section">
          <h2 id="finished-heading">Finished</h2>
          {data && data.finished.length === 0 && <p className="finish-empty">No finishers yet.</p>}
          <ol className="finish-list" data-testid="finished">
            {data?.finished.map((r) => (
              <li key={r.id} className={`finish-row${now - r.t < JUST_MS ? ' just' : ''}`} data-testid="finished-runner" data-bib={r.bib ?? ''}>
                <span className="finish-bib">{r.bib ?? '—'}</span>
                <span className="finish-name">
                  {r.name}
                  <small>{who(r)}</small>
                </span>
                <span className="finish-when">
                  {r.time !== null ? formatDuration(Math.round(r.time)) : ''}
                  <small>
                    {r.pos !== null ? `${ordinal(r.pos)} overall` : ''}
                    {r.cat !== null && r.category ? ` · ${ordinal(r.cat)} ${r.category}` : ''}
                  </small>
                </span>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </main>
  );
}
