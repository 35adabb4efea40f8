'use client';

import Link from 'next/link';
import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { LiveSocket } from '../client/live-socket';
import { liveUrl } from '../client/ws-url';
import { type Alert, ErrorCode, type EventInfo, LIMITS, type RunnerInfo } from '../lib/protocol';
import { AlertBanner } from './AlertBanner';
import { QrCode } from './QrCode';
import { ShareLinks } from './ShareLinks';
import { ago, useNow } from './useNow';

type Summary = RunnerInfo & { points: number };

/** The organiser token arrives in the link's #fragment (never sent to the server's logs) and is kept on this device. */
function takeToken(eventId: string): string | null {
  const key = `trackside:${eventId}:organiser`;
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromLink) {
    localStorage.setItem(key, fromLink);
    history.replaceState(null, '', window.location.pathname);
    return fromLink;
  }
  return localStorage.getItem(key);
}

async function call(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!res.ok && res.status !== 204) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
  }
  return res;
}

export function OrganiserView({ event: initial }: { event: EventInfo }) {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [event, setEvent] = useState(initial);
  const [runners, setRunners] = useState<Summary[]>([]);
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [origin, setOrigin] = useState('');
  const [alerts, setAlerts] = useState<Record<string, Alert>>({});
  const now = useNow(5000);

  useEffect(() => {
    setToken(takeToken(initial.id));
    setOrigin(window.location.origin);
  }, [initial.id]);

  const refresh = useCallback(async () => {
    if (!token) return;
    const res = await call(`/api/events/${initial.id}`, token);
    const body = (await res.json()) as { event: EventInfo; runners: Summary[] };
    setEvent(body.event);
    setRunners(body.runners);
  }, [token, initial.id]);

  useEffect(() => {
    if (!token) return;
    refresh().catch(() => {});
    const timer = setInterval(() => refresh().catch(() => {}), 5000);
    return () => clearInterval(timer);
  }, [token, refresh]);

  // Alerts come live, the moment they are raised: this page watches the event with the organiser token.
  useEffect(() => {
    if (!token) return;
    const subscribe = () => live.send({ type: 'subscribe', event: initial.id, organiser: token });
    const live: LiveSocket = new LiveSocket({
      url: liveUrl(),
      onOpen: subscribe,
      onMessage: (msg) => {
        if (msg.type === 'snapshot') setAlerts(Object.fromEntries(msg.alerts.map((a) => [a.id, a])));
        else if (msg.type === 'alert') {
          setAlerts((open) => {
            const next = { ...open };
            if (msg.alert.ackedAt === null) next[msg.alert.id] = msg.alert;
            else delete next[msg.alert.id];
            return next;
          });
          refresh().catch(() => {});
        }
        // Protected just now: the view code is not needed with the organiser token.
        else if (msg.type === 'error' && msg.code === ErrorCode.ViewCodeRequired) subscribe();
      },
    });
    return () => live.close();
  }, [token, initial.id, refresh]);
  const openAlerts = useMemo(() => Object.values(alerts), [alerts]);
  useEffect(() => {
    const base = document.title.replace(/^SOS · /, '');
    document.title = openAlerts.length ? `SOS · ${base}` : base;
  }, [openAlerts.length]);

  async function act(what: () => Promise<unknown>, done: string) {
    try {
      await what();
      setMessage({ ok: true, text: done });
      await refresh();
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : 'That did not work: try again.' });
    }
  }

  if (token === undefined) return null;
  if (!token) {
    return (
      <main className="not-found">
        <h1>Organiser link needed</h1>
        <p className="muted">
          This page opens with the organiser link you were given when the event was created, on the device that created it.
        </p>
        <Link className="btn primary" href={`/e/${initial.id}`}>
          Watch the event
        </Link>
      </main>
    );
  }

  const spectatorPath = `/e/${event.id}`;
  const runnerPath = `/e/${event.id}/run`;
  const setViewCode = (e: FormEvent) => {
    e.preventDefault();
    void act(
      () => call(`/api/events/${event.id}/view-code`, token, { method: 'PUT', body: JSON.stringify({ code: code.trim() }) }),
      'Protected: spectators now need the view code.',
    ).then(() => setCode(''));
  };

  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Track<span>side</span>
        </Link>
        <h1>Organise: {event.name}</h1>
        <span className={`pill ${event.status === 'live' ? 'ok' : 'warn'}`} data-testid="event-status">
          {event.status === 'live' ? 'Live' : 'Finished'}
        </span>
      </header>
      <main className="organiser">
        <AlertBanner
          alerts={openAlerts}
          now={now}
          onAcknowledge={(a) =>
            void act(async () => {
              await call(`/api/events/${event.id}/alerts/${a.id}/ack`, token, { method: 'POST' });
              setAlerts(({ [a.id]: _gone, ...rest }) => rest);
            }, `The SOS from ${a.name} is acknowledged.`)
          }
        />
        {message && (
          <div className={`alert${message.ok ? ' info' : ''}`} role="status">
            {message.text}
          </div>
        )}
        <section className="panel">
          <h2>Share</h2>
          <div className="links-grid">
            <div className="link-box">
              <strong>Spectators</strong>
              <QrCode path={spectatorPath} label="the spectator link" />
              <Link href={spectatorPath}>Open the spectator view</Link>
            </div>
            <div className="link-box">
              <strong>Runners</strong>
              <QrCode path={runnerPath} label="the runner link" />
              <Link href={runnerPath}>Open the runner page</Link>
            </div>
          </div>
          <p className="small muted">
            Keep this page&apos;s own address private: it lets whoever has it manage the event. Bookmark it as{' '}
            <code>{`${origin}/e/${event.id}/organise#token=…`}</code> from the link you received.
          </p>
        </section>

        <ShareLinks eventId={event.id} runners={runners} call={(path, init) => call(path, token, init)} />

        <section className="panel">
          <h2>View code</h2>
          <p className="muted">
            {event.protected
              ? 'This event is protected: spectators must enter the view code.'
              : 'Anyone with the link can watch. Set a view code to protect the event.'}
          </p>
          <form className="row-actions" onSubmit={setViewCode}>
            <input
              aria-label="New view code"
              placeholder={`At least ${LIMITS.viewCodeMin} characters`}
              value={code}
              maxLength={LIMITS.viewCodeMax}
              onChange={(e) => setCode(e.target.value)}
              style={{ maxWidth: 260 }}
            />
            <button className="btn primary" type="submit" disabled={code.trim().length < LIMITS.viewCodeMin}>
              {event.protected ? 'Change code' : 'Protect'}
            </button>
            {event.protected && (
              <button
                className="btn"
                type="button"
                onClick={() =>
                  void act(
                    () => call(`/api/events/${event.id}/view-code`, token, { method: 'PUT', body: JSON.stringify({ code: null }) }),
                    'The event is public again.',
                  )
                }
              >
                Remove protection
              </button>
            )}
          </form>
        </section>

        <section className="panel">
          <h2>Runners ({runners.length})</h2>
          {runners.length === 0 ? (
            <p className="muted">No runners yet.</p>
          ) : (
            <table className="runner-table">
              <thead>
                <tr>
                  <th>Runner</th>
                  <th>Seen</th>
                  <th className="num">Points</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {runners.map((r) => (
                  <tr key={r.id} data-runner={r.id}>
                    <td>
                      <div className="who">
                        <span className="swatch" style={{ background: r.color }} />
                        <span>{r.name}</span>
                      </div>
                      <span className={`status ${r.status}`}>{r.status}</span>
                      {openAlerts.some((a) => a.runnerId === r.id) && (
                        <span className="pill bad" data-testid="sos-badge" style={{ marginLeft: 6 }}>
                          SOS
                        </span>
                      )}
                    </td>
                    <td className="small">{ago(r.lastSeen, now)}</td>
                    <td className="num">{r.points}</td>
                    <td className="num">
                      <button
                        className="btn danger"
                        type="button"
                        onClick={() => {
                          if (!window.confirm(`Remove ${r.name} and delete their track?`)) return;
                          void act(() => call(`/api/events/${event.id}/runners/${r.id}`, token, { method: 'DELETE' }), `${r.name} was removed.`);
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section className="panel">
          <h2>End the event</h2>
          <p className="muted">Sharing stops for every runner; spectators see that it has finished and can still view the map.</p>
          <button
            className="btn danger"
            type="button"
            disabled={event.status !== 'live'}
            onClick={() => {
              if (!window.confirm('End this event for everyone?')) return;
              void act(() => call(`/api/events/${event.id}/finish`, token, { method: 'POST' }), 'The event has ended.');
            }}
          >
            {event.status === 'live' ? 'End event' : 'Event has ended'}
          </button>
        </section>
      </main>
    </>
  );
}
