'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
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
      const res = await fetch('/api/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      const body = (await res.json()) as { event?: { id: string }; organiserToken?: string; error?: { message: string } };
      if (!res.ok || !body.event || !body.organiserToken) throw new Error(body.error?.message ?? `The server answered ${res.status}.`);
      // The organiser page shows its link once, big, to the device that created the event.
      sessionStorage.setItem(`trackside:${body.event.id}:created`, '1');
      router.push(`/e/${body.event.id}/organise#token=${body.organiserToken}`);
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
