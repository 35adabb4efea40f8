'use client';

import { useEffect, useState } from 'react';
import { LinkActions } from '../LinkActions';

/** "Send this to your family": the spectator page following this runner. */
export function FamilyLink({
  eventId,
  eventName,
  runnerId,
  name,
  racing,
}: {
  eventId: string;
  eventName: string;
  runnerId: string;
  name: string;
  /** The event has a course: the page shows position, splits and predictions too. */
  racing: boolean;
}) {
  const [origin, setOrigin] = useState('');
  useEffect(() => setOrigin(window.location.origin), []);
  if (!origin) return null;
  const url = `${origin}/e/${eventId}?runner=${runnerId}`;
  return (
    <section className="panel" aria-labelledby="family-heading" data-testid="family-link">
      <h2 id="family-heading">Send this to your family</h2>
      <p className="small muted">It opens the map following you{racing ? ', with your position, splits and when you should reach the next checkpoint' : ''}.</p>
      <input readOnly aria-label="Link that follows you" value={url} onFocus={(e) => e.currentTarget.select()} />
      <LinkActions url={url} title={`Follow ${name.trim() || 'me'}: ${eventName}`} what="link" />
    </section>
  );
}
