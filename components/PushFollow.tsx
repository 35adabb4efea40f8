'use client';

import { useEffect, useState } from 'react';
import type { ReadAccess } from '../client/api';
import { followByPush, isRemembered, organiserByPush, pushSupport, type PushSupport, stopPush } from '../client/web-push';

/**
 * "Tell me at every checkpoint and at the finish": Web Push for the followed runner, which works with the
 * browser closed (client/web-push.ts). With `organiserToken` it is the organiser's: every SOS.
 */
export function PushFollow({ eventId, runner, access, organiserToken }: { eventId: string; runner: { id: string; name: string } | null; access: ReadAccess; organiserToken?: string }) {
  const key = runner?.id ?? '';
  const [support, setSupport] = useState<PushSupport>('unsupported');
  const [on, setOn] = useState(false);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    setSupport(pushSupport());
    setOn(isRemembered(eventId, key));
    setNote(null);
  }, [eventId, key]);
  if (support === 'unsupported') return null;
  const label = on
    ? runner
      ? `Stop telling me about ${runner.name}`
      : 'Stop telling me of SOS on this device'
    : runner
      ? 'Tell me at every checkpoint and at the finish'
      : 'Tell me of every SOS on this device';
  const toggle = async () => {
    setBusy(true);
    setNote(null);
    const failed = on
      ? await stopPush(eventId, key)
      : runner
        ? await followByPush(eventId, runner.id, access)
        : await organiserByPush(eventId, organiserToken ?? '');
    setBusy(false);
    if (failed) {
      setNote(failed);
      setSupport(pushSupport());
      return;
    }
    setOn(!on);
    setNote(on ? 'Stopped.' : runner ? `You will be told about ${runner.name} even with this page closed.` : 'You will be told of every SOS even with this page closed.');
  };
  return (
    <div className="push-follow" data-testid="push-follow">
      <button type="button" className="btn small" disabled={busy} onClick={() => void toggle()}>
        {label}
      </button>
      {support === 'blocked' && !note && <p className="small muted">Notifications are blocked for this site: allow them in the browser settings to use this.</p>}
      {note && (
        <p className="small" role="status" data-testid="push-note">
          {note}
        </p>
      )}
    </div>
  );
}
