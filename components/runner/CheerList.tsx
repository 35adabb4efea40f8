'use client';

import type { Cheer } from '../../lib/protocol';
import { ago, useNow } from '../useNow';

/** The cheers spectators sent this runner, newest first. */
export function CheerList({ cheers }: { cheers: readonly Cheer[] }) {
  const now = useNow();
  return (
    <section className="panel" aria-labelledby="cheers-heading">
      <h2 id="cheers-heading">Cheers</h2>
      {cheers.length === 0 ? (
        <p className="muted">Cheers from spectators appear here.</p>
      ) : (
        <ul className="cheers" data-testid="cheers">
          {[...cheers].reverse().map((c) => (
            <li key={`${c.t}|${c.from}|${c.text}`}>
              <time>{ago(c.t, now)}</time>
              <span className="from">{c.from}</span>: {c.text}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
