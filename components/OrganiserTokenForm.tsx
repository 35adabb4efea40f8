'use client';

import Link from 'next/link';
import { type FormEvent, useState } from 'react';
import { call } from '../client/api';
import { keepToken, tokenFromLink } from '../client/organiser-token';

/** The organiser page opened without its token: paste the organiser link (checked with the server). */
export function OrganiserTokenForm({ eventId, onToken }: { eventId: string; onToken: (token: string) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const token = tokenFromLink(text);
    if (!token) {
      setError('That is not an organiser link: paste the whole link you kept, with the part after #token=.');
      return;
    }
    try {
      // An organiser-only read: it answers only to this event's organiser token.
      await call('links', { id: eventId }, { token });
    } catch {
      setError('That link does not manage this event: check it is the organiser link for this event.');
      return;
    }
    keepToken(eventId, token);
    onToken(token);
  }
  return (
    <main className="not-found">
      <h1>Organiser link needed</h1>
      <p className="muted">
        This page manages the event. Open it with the organiser link shown when the event was created, or paste that link here.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          Organiser link
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder={`…/e/${eventId}/organise#token=…`} autoComplete="off" />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="btn primary" type="submit" disabled={!text.trim()}>
          Open
        </button>
      </form>
      <Link className="btn" href={`/e/${eventId}`}>
        Watch the event
      </Link>
    </main>
  );
}
