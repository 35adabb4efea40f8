'use client';

import { useState } from 'react';
import type { OrganiserRunner } from '../../client/organiser-roster';
import type { OrganiserSession } from '../../client/organiser-session';
import type { SentMessage } from '../../lib/control/schemas';

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** Messages to every runner or one, and who has seen each. */
export function RunnerMessages({ runners, messages, session }: { runners: readonly OrganiserRunner[]; messages: readonly SentMessage[]; session: OrganiserSession }) {
  const [text, setText] = useState('');
  const [to, setTo] = useState('');
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const names = new Map(runners.map((r) => [r.id, r.name]));
  return (
    <section className="panel" aria-labelledby="messages-heading">
      <h2 id="messages-heading">Messages to runners</h2>
      <form
        className="message-form"
        onSubmit={(e) => {
          e.preventDefault();
          session.sendMessage(text, to || null).then(
            () => {
              setSaid({ ok: true, text: `Sent to ${to ? names.get(to) : 'every runner'}.` });
              setText('');
            },
            (err: Error) => setSaid({ ok: false, text: err.message }),
          );
        }}
      >
        <label>
          Message
          <textarea value={text} maxLength={280} rows={2} required placeholder="Course change at km 12" onChange={(e) => setText(e.target.value)} />
        </label>
        <label>
          Send to
          <select value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="">Every runner</option>
            {runners.map((r) => (
              <option key={r.id} value={r.id}>
                {r.bib ? `${r.bib} · ` : ''}
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn primary">
          Send
        </button>
        {said && (
          <span className={`inline-said${said.ok ? '' : ' bad'}`} role="status">
            {said.text}
          </span>
        )}
      </form>
      {messages.length > 0 && (
        <ol className="sent-messages" data-testid="sent-messages">
          {[...messages].reverse().map((m) => {
            const audience = m.to ? 1 : runners.length;
            const seen = Object.keys(m.seen).map((id) => names.get(id) ?? 'a removed runner');
            return (
              <li key={m.id} data-testid="sent-message">
                <p>
                  <strong>{m.text}</strong>
                </p>
                <p className="muted">
                  {clock(m.sentAt)} · to {m.to ? (names.get(m.to) ?? 'a removed runner') : 'every runner'} ·{' '}
                  <span data-testid="seen-count">
                    seen by {seen.length} of {audience}
                  </span>
                  {seen.length > 0 && <span>: {seen.join(', ')}</span>}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
