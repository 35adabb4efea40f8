'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { call } from '../client/api';
import { markCreated } from '../client/organiser-token';
import { LIMITS } from '../lib/protocol';

export function CreateEventForm() {
  const router = useRouter();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { event, organiserToken } = await call('createEvent', {}, { body: { name } });
      // The organiser page shows its link once, big, to the device that created the event.
      markCreated(event.id);
      router.push(`/e/${event.id}/organise#token=${organiserToken}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Could not create the event: check your connection and try again.');
      setBusy(false);
    }
  }

  return (
    <form className="create-form" onSubmit={submit}>
      <input
        aria-label="Event name"
        placeholder="Event name, e.g. Sunday 10k"
        value={name}
        maxLength={LIMITS.eventNameMax}
        onChange={(e) => setName(e.target.value)}
        required
      />
      <button className="btn primary" type="submit" disabled={busy || !name.trim()}>
        {busy ? 'Creating…' : 'Create event'}
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
