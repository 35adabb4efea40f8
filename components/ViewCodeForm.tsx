'use client';

import { type FormEvent, useState } from 'react';
import { LIMITS } from '../lib/protocol';

/** Asks a spectator for the view code of a protected event. */
export function ViewCodeForm({ wrong, onSubmit }: { wrong: boolean; onSubmit: (code: string) => void }) {
  const [code, setCode] = useState('');
  function submit(e: FormEvent) {
    e.preventDefault();
    if (code.trim()) onSubmit(code.trim());
  }
  return (
    <div className="lock" role="dialog" aria-modal="true" aria-labelledby="lock-heading">
      <form className="panel lock-panel" onSubmit={submit}>
        <h2 id="lock-heading">This event is protected</h2>
        <p>Enter the view code the organiser gave you to watch it.</p>
        <input
          aria-label="View code"
          value={code}
          maxLength={LIMITS.viewCodeMax}
          autoComplete="off"
          autoFocus
          onChange={(e) => setCode(e.target.value)}
        />
        {wrong && (
          <p className="form-error" role="alert">
            That code is not right: check it with the organiser and try again.
          </p>
        )}
        <button className="btn primary" type="submit" disabled={!code.trim()}>
          Watch
        </button>
      </form>
    </div>
  );
}
