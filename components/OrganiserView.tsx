'use client';

import { CourseSetup } from './CourseSetup';
import Link from 'next/link';
import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { shareableOrigin } from '../client/addresses';
import { assignColors, colorName } from '../client/colors';
import { LiveSocket } from '../client/live-socket';
import { liveUrl } from '../client/ws-url';
import type { ClientConfig } from '../lib/page-data';
import { type Alert, ErrorCode, type EventInfo, LIMITS, type RunnerInfo } from '../lib/protocol';
import { AlertBanner } from './AlertBanner';
import { EventLimits, type Quotas } from './EventLimits';
import { ContrastToggle } from './ContrastToggle';
import { LinkActions } from './LinkActions';
import { AddressNote, QrCode } from './QrCode';
import { STATUS_TEXT } from './RunnerList';
import { ShareLinks } from './ShareLinks';
import { ago, useNow } from './useNow';

type Summary = RunnerInfo & { points: number };

const tokenKey = (eventId: string) => `trackside:${eventId}:organiser`;
/** Set by the landing page for the event it just created: the organiser link is shown once, big. */
export const createdKey = (eventId: string) => `trackside:${eventId}:created`;

/**
 * The organiser token arrives in the link's #fragment (never sent to the server's logs) and is kept on
 * this device; the address bar loses it so it is not left in the history or on screen.
 */
function takeToken(eventId: string): { token: string | null; fresh: boolean } {
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromLink) {
    localStorage.setItem(tokenKey(eventId), fromLink);
    history.replaceState(null, '', window.location.pathname);
    return { token: fromLink, fresh: sessionStorage.getItem(createdKey(eventId)) === '1' };
  }
  return { token: localStorage.getItem(tokenKey(eventId)), fresh: false };
}

/** The token in a pasted organiser link (or a bare token). */
export function tokenFromLink(text: string): string | null {
  const t = text.trim();
  const m = /[#&?]token=([A-Za-z0-9_-]+)/.exec(t);
  const token = m ? m[1]! : t;
  return /^[A-Za-z0-9_-]{16,128}$/.test(token) ? token : null;
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

function OrganiserLink({ url, fresh, onKept }: { url: string; fresh: boolean; onKept: () => void }) {
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

function NeedsToken({ eventId, onToken }: { eventId: string; onToken: (token: string) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const token = tokenFromLink(text);
    if (!token) {
      setError('That is not an organiser link: paste the whole link you kept, with the part after #token=.');
      return;
    }
    try {
      // An organiser-only read: it answers only to this event's organiser token.
      await call(`/api/events/${eventId}/links`, token);
    } catch {
      setError('That link does not manage this event: check it is the organiser link for this event.');
      return;
    }
    localStorage.setItem(tokenKey(eventId), token);
    onToken(token);
  }
  return (
    <main className="not-found">
      <h1>Organiser link needed</h1>
      <p className="muted">
        This page manages the event. Open it with the organiser link shown when the event was created, or paste that link here.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label className="field">
          Organiser link
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder={`…/e/${eventId}/organise#token=…`} autoComplete="off" />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="btn primary" type="submit" disabled={!text.trim()}>
          Open
        </button>
      </form>
      <Link className="btn" href={`/e/${eventId}`}>
        Watch the event
      </Link>
    </main>
  );
}

/** A runner's bib, saved when the field is left or Enter is pressed, and only when it changed. */
function BibField({ runner, onSave }: { runner: { name: string; bib?: string }; onSave: (bib: string | null) => Promise<void> }) {
  const [value, setValue] = useState<string | null>(null);
  const shown = value ?? runner.bib ?? '';
  const save = () => {
    if (value === null) return;
    const bib = value.trim() || null;
    setValue(null);
    if (bib !== (runner.bib ?? null)) void onSave(bib);
  };
  return (
    <input
      className="bib-input"
      aria-label={`Bib of ${runner.name}`}
      value={shown}
      maxLength={8}
      onChange={(e) => setValue(e.target.value)}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === 'Enter') save();
      }}
    />
  );
}

export function OrganiserView({ event: initial, config }: { event: EventInfo; config: ClientConfig }) {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [fresh, setFresh] = useState(false);
  const [event, setEvent] = useState(initial);
  const [runners, setRunners] = useState<Summary[]>([]);
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [origin, setOrigin] = useState('');
  const [organiser, setOrganiser] = useState<{ failedAttempts: number; quotas: Quotas } | null>(null);
  const [pickedCode, setPickedCode] = useState<string | null>(null);
  const now = useNow(5000);

  useEffect(() => {
    const found = takeToken(initial.id);
    setToken(found.token);
    setFresh(found.fresh);
    setOrigin(shareableOrigin(window.location.origin, config.reachableUrls).origin);
  }, [initial.id, config.reachableUrls]);

  const refresh = useCallback(async () => {
    if (!token) return;
    const res = await call(`/api/events/${initial.id}`, token);
    const body = (await res.json()) as { event: EventInfo; runners: Summary[]; organiser?: { failedAttempts: number; quotas: Quotas } };
    setEvent(body.event);
    setRunners(body.runners);
    if (body.organiser) setOrganiser(body.organiser);
  }, [token, initial.id]);

  useEffect(() => {
    if (!token) return;
    refresh().catch(() => {});
    const timer = setInterval(() => refresh().catch(() => {}), 5000);
    return () => clearInterval(timer);
  }, [token, refresh]);

  const [alerts, setAlerts] = useState<Record<string, Alert>>({});
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
  if (!token) return <NeedsToken eventId={initial.id} onToken={setToken} />;

  // The colours spectators see: assigned among the runners they are shown (those with a fix).
  const colors = assignColors(runners.filter((r) => r.lastSeen !== null));
  const spectatorPath = `/e/${event.id}`;
  const runnerPath = `/e/${event.id}/run`;
  const organiserUrl = `${origin}/e/${event.id}/organise#token=${token}`;
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
        <h1 title={`Organise: ${event.name}`}>Organise: {event.name}</h1>
        <div className="links">
          <span className={`pill ${event.status === 'live' ? 'ok' : 'neutral'}`} data-testid="event-status" role="status">
            {event.status === 'live' ? 'Live' : 'Finished'}
          </span>
          <ContrastToggle />
        </div>
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
        {origin && (
          <OrganiserLink
            url={organiserUrl}
            fresh={fresh}
            onKept={() => {
              sessionStorage.removeItem(createdKey(event.id));
              setFresh(false);
            }}
          />
        )}
        <section className="panel" aria-labelledby="share-heading">
          <h2 id="share-heading">Share</h2>
          <div className="links-grid">
            <div className="link-box">
              <strong>Spectators</strong>
              <QrCode path={spectatorPath} label="the spectator link" reachable={config.reachableUrls} title={`Watch: ${event.name}`} quiet />
              <Link href={spectatorPath}>Open the spectator view</Link>
            </div>
            <div className="link-box">
              <strong>Runners</strong>
              <QrCode path={runnerPath} label="the runner link" reachable={config.reachableUrls} title={`Run: ${event.name}`} quiet />
              <Link href={runnerPath}>Open the runner page</Link>
            </div>
          </div>
          <AddressNote path={runnerPath} reachable={config.reachableUrls} gps />
        </section>

        <CourseSetup event={event} runners={runners} call={(path, init) => call(path, token, init)} act={act} />

        <ShareLinks eventId={event.id} runners={runners} origin={origin} call={(path, init) => call(path, token, init)} />

        <section className="panel" aria-labelledby="code-heading">
          <h2 id="code-heading">View code</h2>
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
            <button
              className="btn"
              type="button"
              onClick={() =>
                void act(async () => {
                  const res = await call(`/api/events/${event.id}/view-code`, token, { method: 'PUT', body: JSON.stringify({ generate: true }) });
                  setPickedCode(((await res.json()) as { code: string }).code);
                }, 'Protected with a code the server picked: give it to your spectators.')
              }
            >
              Pick a code for me
            </button>
          </form>
          {pickedCode && (
            <p data-testid="picked-code">
              The view code is <strong className="picked-code">{pickedCode}</strong>. It is shown only now: write it down or share it.
            </p>
          )}
          {organiser && organiser.failedAttempts > 0 && (
            <p className="small muted" data-testid="failed-attempts">
              {organiser.failedAttempts} wrong {organiser.failedAttempts === 1 ? 'try' : 'tries'} at a view code, share link or organiser link since the
              server started. Each address may try a few times, then waits longer after every wrong try.
            </p>
          )}
        </section>

        <EventLimits
          quotas={organiser?.quotas ?? null}
          runners={runners.length}
          onSave={(quotas) =>
            act(() => call(`/api/events/${event.id}/quotas`, token, { method: 'PUT', body: JSON.stringify(quotas) }), 'The limits are saved.')
          }
        />

        <section className="panel runner-list" aria-labelledby="organiser-runners-heading">
          <h2 id="organiser-runners-heading">Runners ({runners.length})</h2>
          {runners.length === 0 ? (
            <p className="muted">No runners yet.</p>
          ) : (
            <div className="runner-scroll">
              <table className="runner-table">
                <thead>
                  <tr>
                    <th className="col-who" scope="col">
                      Runner
                    </th>
                    <th className="col-bib" scope="col">
                      Bib
                    </th>
                    <th className="col-seen p3" scope="col">
                      Seen
                    </th>
                    <th className="num col-points p2" scope="col">
                      Points
                    </th>
                    <th className="col-actions" scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {runners.map((r) => (
                    <tr key={r.id} data-runner={r.id}>
                      <td className="col-who">
                        <div className="who" title={r.name}>
                          <span className="swatch" style={{ background: colors.get(r.id) ?? r.color }} aria-hidden="true" />
                          <span className="runner-name">{r.name}</span>
                          <span className="visually-hidden">, {colorName(colors.get(r.id) ?? r.color)}</span>
                        </div>
                        <div className="runner-meta">
                          <span className={`status ${r.lastSeen === null ? 'waiting' : r.status}`}>
                            {r.lastSeen === null ? 'no position yet' : STATUS_TEXT[r.status]}
                          </span>
                          {openAlerts.some((a) => a.runnerId === r.id) && (
                            <span className="pill bad" data-testid="sos-badge">
                              SOS
                            </span>
                          )}
                          <span className="alt alt-p3">{ago(r.lastSeen, now)}</span>
                          <span className="alt alt-p2">{r.points} points</span>
                        </div>
                      </td>
                      <td className="col-bib">
                        <BibField
                          runner={r}
                          onSave={(bib) =>
                            act(
                              () => call(`/api/events/${event.id}/runners/${r.id}/bib`, token, { method: 'PUT', body: JSON.stringify({ bib }) }),
                              bib ? `${r.name} has bib ${bib}.` : `${r.name} has no bib now.`,
                            )
                          }
                        />
                      </td>
                      <td className="small p3">{ago(r.lastSeen, now)}</td>
                      <td className="num p2">{r.points}</td>
                      <td className="num">
                        <button
                          className="btn danger small"
                          type="button"
                          aria-label={`Remove ${r.name}`}
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
            </div>
          )}
        </section>

        <section className="panel" aria-labelledby="end-heading">
          <h2 id="end-heading">End the event</h2>
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
