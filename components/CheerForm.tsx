'use client';

import { type FormEvent, useEffect, useState } from 'react';
import type { RunnerView } from '../client/event-view';
import type { CheerStatus } from '../client/event-watch';
import { LIMITS } from '../lib/protocol';

const FROM_KEY = 'trackside:cheer-from';

export function CheerForm({
  runner,
  status,
  finished,
  onSend,
}: {
  runner: RunnerView | null;
  status: CheerStatus;
  finished: boolean;
  onSend: (text: string, from: string) => void;
}) {
  const [text, setText] = useState('');
  const [from, setFrom] = useState('');
  useEffect(() => setFrom(localStorage.getItem(FROM_KEY) ?? ''), []);
  useEffect(() => {
    if (status.state === 'sent') setText('');
  }, [status.state]);

  if (finished) {
    return (
      <section className="panel" aria-labelledby="cheer-heading">
        <h2 id="cheer-heading">Cheer</h2>
        <p className="muted">The event has finished, so cheering is closed. Follow a runner to see where they went.</p>
      </section>
    );
  }
  if (!runner) {
    return (
      <section className="panel" aria-labelledby="cheer-heading">
        <h2 id="cheer-heading">Cheer</h2>
        <p className="muted">Pick a runner on the map or in the list to follow them and send a cheer.</p>
      </section>
    );
  }

  // Decided from what spectators know: a runner with a recent fix has the page open and hears cheers at once.
  const reachable = runner.lastSeen !== null && (runner.status === 'active' || runner.status === 'idle');

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    localStorage.setItem(FROM_KEY, from.trim());
    onSend(text, from);
  }

  return (
    <section className="panel" aria-labelledby="cheer-heading">
      <h2 id="cheer-heading">Cheer for {runner.name}</h2>
      {!reachable && <p className="small muted">{runner.name} is not sharing right now; cheers wait for them.</p>}
      <form className="cheer-form" onSubmit={submit}>
        <input
          aria-label="Your cheer"
          placeholder={`Go ${runner.name}! You've got this!`}
          value={text}
          maxLength={LIMITS.cheerMax}
          onChange={(e) => setText(e.target.value)}
        />
        <div className="row">
          <input
            aria-label="Your name"
            placeholder="Your name (optional)"
            value={from}
            maxLength={LIMITS.nameMax}
            onChange={(e) => setFrom(e.target.value)}
          />
          <button className="btn primary" type="submit" disabled={!text.trim() || status.state === 'sending'}>
            Cheer
          </button>
        </div>
        {status.state === 'sent' &&
          (reachable ? (
            <p className="cheer-sent" role="status">
              Sent! {runner.name} sees it on their phone.
            </p>
          ) : (
            <p className="cheer-later" role="status">
              Sent. {runner.name} is not sharing right now: the cheer will be shown when they are back.
            </p>
          ))}
        {status.state === 'failed' && (
          <p className="form-error" role="alert">
            {status.message}
          </p>
        )}
      </form>
    </section>
  );
}
