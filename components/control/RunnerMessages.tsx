'use client';

import { useState } from 'react';
import type { OrganiserRunner } from '../../client/organiser-roster';
import type { OrganiserSession } from '../../client/organiser-session';
import { groupLabel, type MessageGroup, messageReaches, type SentMessage } from '../../lib/control/schemas';

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
const byName = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** The choice in "Send to": "" every runner, "wave:<name>", "category:<name>", or a runner id. */
function audienceOf(choice: string): { to: string | null; group: MessageGroup | null } {
  const [kind, ...rest] = choice.split(':');
  if (kind === 'wave' || kind === 'category') return { to: null, group: { kind, name: rest.join(':') } };
  return { to: choice || null, group: null };
}

/** Messages to every runner, a wave, a category or one runner, and who has seen each. */
export function RunnerMessages({ runners, messages, session }: { runners: readonly OrganiserRunner[]; messages: readonly SentMessage[]; session: OrganiserSession }) {
  const [text, setText] = useState('');
  const [to, setTo] = useState('');
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const names = new Map(runners.map((r) => [r.id, r.name]));
  const groups = (kind: 'wave' | 'category') =>
    [...new Set(runners.flatMap((r) => (r.entry?.[kind] ? [r.entry[kind]] : [])))].sort(byName);
  const waves = groups('wave');
  const categories = groups('category');
  const audienceLabel = (m: Pick<SentMessage, 'to' | 'group'>) =>
    m.to ? (names.get(m.to) ?? 'a removed runner') : m.group ? groupLabel(m.group) : 'every runner';
  return (
    <section className="panel" aria-labelledby="messages-heading">
      <h2 id="messages-heading">Messages to runners</h2>
      <form
        className="message-form"
        onSubmit={(e) => {
          e.preventDefault();
          const audience = audienceOf(to);
          session.sendMessage(text, audience).then(
            () => {
              setSaid({ ok: true, text: `Sent to ${audienceLabel(audience)}.` });
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
            {waves.length > 0 && (
              <optgroup label="Waves">
                {waves.map((w) => (
                  <option key={w} value={`wave:${w}`}>
                    Wave {w}
                  </option>
                ))}
              </optgroup>
            )}
            {categories.length > 0 && (
              <optgroup label="Categories">
                {categories.map((c) => (
                  <option key={c} value={`category:${c}`}>
                    {c}
                  </option>
                ))}
              </optgroup>
            )}
            <optgroup label="One runner">
              {runners.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.bib ? `${r.bib} · ` : ''}
                  {r.name}
                </option>
              ))}
            </optgroup>
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
            const audience = runners.filter((r) => messageReaches(m, { id: r.id, entry: r.entry ?? null })).length;
            const seen = Object.keys(m.seen).map((id) => names.get(id) ?? 'a removed runner');
            return (
              <li key={m.id} data-testid="sent-message">
                <p>
                  <strong>{m.text}</strong>
                </p>
                <p className="muted">
                  {clock(m.sentAt)} · to {audienceLabel(m)} ·{' '}
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
