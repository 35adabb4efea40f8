'use client';

import { type FormEvent, useState } from 'react';
import type { OrganiserSession } from '../client/organiser-session';
import { LIMITS } from '../lib/protocol';

/** Protect the event with a view code (typed, or picked by the server), lift it, and see wrong tries. */
export function ViewCodePanel({
  isProtected,
  failedAttempts,
  session,
  act,
}: {
  isProtected: boolean;
  /** Wrong tries at a view code, share link or organiser link since the server started; null before the first read. */
  failedAttempts: number | null;
  session: OrganiserSession;
  /** Runs a change, then says `done` (or the error). */
  act: (what: () => Promise<unknown>, done: string) => Promise<void>;
}) {
  const [code, setCode] = useState('');
  const [pickedCode, setPickedCode] = useState<string | null>(null);
  const protect = (e: FormEvent) => {
    e.preventDefault();
    void act(() => session.setViewCode(code.trim()), 'Protected: spectators now need the view code.').then(() => setCode(''));
  };
  return (
    <section className="panel" aria-labelledby="code-heading">
      <h2 id="code-heading">View code</h2>
      <p className="muted">
        {isProtected ? 'This event is protected: spectators must enter the view code.' : 'Anyone with the link can watch. Set a view code to protect the event.'}
      </p>
      <form className="row-actions" onSubmit={protect}>
        <input
          aria-label="New view code"
          placeholder={`At least ${LIMITS.viewCodeMin} characters`}
          value={code}
          maxLength={LIMITS.viewCodeMax}
          onChange={(e) => setCode(e.target.value)}
          style={{ maxWidth: 260 }}
        />
        <button className="btn primary" type="submit" disabled={code.trim().length < LIMITS.viewCodeMin}>
          {isProtected ? 'Change code' : 'Protect'}
        </button>
        {isProtected && (
          <button className="btn" type="button" onClick={() => void act(() => session.setViewCode(null), 'The event is public again.')}>
            Remove protection
          </button>
        )}
        <button
          className="btn"
          type="button"
          onClick={() =>
            void act(
              async () => setPickedCode(await session.pickViewCode()),
              'Protected with a code the server picked: give it to your spectators.',
            )
          }
        >
          Pick a code for me
        </button>
      </form>
      {pickedCode && (
        <p data-testid="picked-code">
          The view code is <strong className="picked-code">{pickedCode}</strong>. It is shown only now: write it down or share it.
        </p>
      )}
      {failedAttempts !== null && failedAttempts > 0 && (
        <p className="small muted" data-testid="failed-attempts">
          {failedAttempts} wrong {failedAttempts === 1 ? 'try' : 'tries'} at a view code, share link or organiser link since the server started. Each
          address may try a few times, then waits longer after every wrong try.
        </p>
      )}
    </section>
  );
}
