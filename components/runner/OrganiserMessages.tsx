'use client';

import { useEffect, useRef } from 'react';
import type { RunnerInbox } from '../../client/runner-inbox';
import { useStore } from '../useStore';

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The organiser's messages: a new one covers the top of the screen, large, and the phone vibrates; once
 * closed it stays in the list below. The console sees who has seen it.
 */
export function OrganiserMessages({ inbox }: { inbox: RunnerInbox | null }) {
  const state = useStore(inbox);
  const fresh = state?.fresh ?? null;
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!fresh) return;
    try {
      navigator.vibrate?.([400, 150, 400, 150, 400]);
    } catch {
      // Not allowed before the page was touched: the message still shows.
    }
    close.current?.focus();
  }, [fresh]);
  if (!inbox || !state) return null;
  return (
    <>
      {fresh && (
        <div className="organiser-toast" role="alertdialog" aria-labelledby="organiser-toast-text" data-testid="organiser-toast">
          <p className="organiser-toast-from">From the organiser · {clock(fresh.sentAt)}</p>
          <p id="organiser-toast-text" className="organiser-toast-text">
            {fresh.text}
          </p>
          <button ref={close} type="button" className="btn big" onClick={() => inbox.shown(fresh.id)}>
            Got it
          </button>
        </div>
      )}
      {state.messages.length > 0 && (
        <section className="panel" aria-labelledby="organiser-messages-heading">
          <h2 id="organiser-messages-heading">From the organiser</h2>
          <ol className="organiser-messages" data-testid="organiser-messages">
            {[...state.messages].reverse().map((m) => (
              <li key={m.id}>
                <span className="muted">{clock(m.sentAt)}</span> {m.text}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  );
}
