'use client';

import { useState } from 'react';
import type { RunnerSession } from '../../client/runner-session';

/** "I'm out": the runner tells race control they stopped racing (DNF), and may take it back. */
export function OutOfRace({ session }: { session: RunnerSession | null }) {
  const [out, setOut] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  if (!session) return null;
  const change = (next: boolean) =>
    session.setOut(next).then(
      () => {
        setOut(next);
        setSaid({ ok: true, text: next ? 'Race control knows you are out. Take care!' : 'You are back in the race.' });
      },
      (err: Error) => setSaid({ ok: false, text: err.message }),
    );
  return (
    <section className="panel" aria-labelledby="out-heading">
      <h2 id="out-heading">Stopping for good?</h2>
      {out ? (
        <button type="button" className="btn" onClick={() => void change(false)}>
          I&apos;m back in the race
        </button>
      ) : (
        <button
          type="button"
          className="btn danger"
          onClick={() => {
            if (window.confirm('Tell race control you are out of the race (DNF)?')) void change(true);
          }}
        >
          I&apos;m out (DNF)
        </button>
      )}
      {said && (
        <p className={`inline-said${said.ok ? '' : ' bad'}`} role="status">
          {said.text}
        </p>
      )}
    </section>
  );
}
