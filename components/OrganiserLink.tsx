'use client';

import { useState } from 'react';
import { LinkActions } from './LinkActions';

/**
 * The organiser link: shown once, big, to the device that created the event (with a warning to keep it),
 * and on request afterwards.
 */
export function OrganiserLink({ url, fresh, onKept }: { url: string; fresh: boolean; onKept: () => void }) {
  const [shown, setShown] = useState(false);
  if (fresh) {
    return (
      <section className="panel organiser-link fresh" aria-labelledby="organiser-link-heading" data-testid="organiser-link-fresh">
        <h2 id="organiser-link-heading">Keep your organiser link</h2>
        <p style={{ margin: 0 }}>
          This link is the key to manage the event: ending it, removing runners, protecting it. It is kept on this device; to
          manage the event from another device, save it now (in a password manager, or send it to yourself). Whoever has it can
          manage the event, so share it with nobody else.
        </p>
        <input readOnly aria-label="Organiser link" value={url} onFocus={(e) => e.currentTarget.select()} />
        <LinkActions url={url} title="Organiser link" what="organiser link" />
        <div>
          <button type="button" className="btn primary" onClick={onKept}>
            I have kept it
          </button>
        </div>
      </section>
    );
  }
  return (
    <section className="panel organiser-link" aria-labelledby="organiser-link-heading">
      <h2 id="organiser-link-heading">Organiser link</h2>
      <p className="small muted" style={{ margin: 0 }}>
        Kept on this device. Open it on another device to manage the event there; whoever has it can manage the event.
      </p>
      <div>
        <button type="button" className="btn" aria-expanded={shown} onClick={() => setShown((s) => !s)}>
          {shown ? 'Hide organiser link' : 'Show organiser link'}
        </button>
      </div>
      {shown && (
        <>
          <input readOnly aria-label="Organiser link" value={url} onFocus={(e) => e.currentTarget.select()} />
          <LinkActions url={url} title="Organiser link" what="organiser link" />
        </>
      )}
    </section>
  );
}
