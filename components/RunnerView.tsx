'use client';

import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Fix } from '../client/outbox';
import { type EventInfo, LIMITS } from '../lib/protocol';
import { loadIdentity, RunnerSession, type RunnerSessionState } from '../client/runner-session';
import { liveUrl } from '../client/ws-url';
import { ConnectionBadge } from './ConnectionBadge';
import { TrackerApps } from './TrackerApps';
import { ago, useNow } from './useNow';

const COLORS = ['#e6194b', '#f58231', '#ffb000', '#3cb44b', '#008080', '#4363d8', '#911eb4', '#f032e6'];
const PROFILE_KEY = 'trackside:profile';
const MOOD_WORDS = ['Awful', 'Terrible', 'Bad', 'Rough', 'Meh', 'OK', 'Fine', 'Good', 'Great', 'Brilliant', 'Flying!'];

type GpsProblem = { title: string; text: string } | null;

function insecureProblem(): GpsProblem {
  return {
    title: 'This page cannot use GPS',
    text:
      `Browsers share location only with secure pages, and ${window.location.origin} is not one. ` +
      'Open the https:// address of this server instead (start it with `npm start -- --https` or TLS_CERT/TLS_KEY), or use localhost on this device.',
  };
}

function geoProblem(err: GeolocationPositionError): GpsProblem {
  if (err.code === err.PERMISSION_DENIED) {
    return {
      title: 'Location is blocked for this site',
      text: 'Allow it in the browser settings (tap the icon left of the address → Permissions → Location → Allow), then tap Start sharing again.',
    };
  }
  if (err.code === err.POSITION_UNAVAILABLE) {
    return {
      title: 'No GPS position available',
      text: "Turn on Location in your phone's settings, step outside and away from tall buildings, and wait a moment; sharing resumes by itself.",
    };
  }
  return {
    title: 'Still waiting for GPS',
    text: 'Your phone has not found a position yet. Keep the page open outdoors; sharing starts with the first fix.',
  };
}

/** A browser fix in protocol units, with values the server would refuse left out. */
function toFix(p: GeolocationPosition): Fix {
  const c = p.coords;
  const ok = (v: number | null, min: number, max: number) => (v !== null && Number.isFinite(v) && v >= min && v <= max ? v : null);
  return {
    lat: c.latitude,
    lon: c.longitude,
    t: Math.round(p.timestamp) || Date.now(),
    acc: Math.min(Math.max(c.accuracy || 0, 0), 100_000),
    alt: ok(c.altitude, -1000, 10_000),
    spd: ok(c.speed, 0, 200),
    hdg: ok(c.heading, 0, 360),
  };
}

export function RunnerView({ event }: { event: EventInfo }) {
  const sharingKey = `trackside:${event.id}:sharing`;
  const moodKey = `trackside:${event.id}:mood`;
  const [name, setName] = useState('');
  const [color, setColor] = useState(COLORS[0]!);
  const [sharing, setSharing] = useState(false);
  const [session, setSession] = useState<RunnerSessionState | null>(null);
  const [gps, setGps] = useState<{ acc: number | null; lastFix: number | null }>({ acc: null, lastFix: null });
  const [problem, setProblem] = useState<GpsProblem>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [mood, setMood] = useState<number | null>(null);
  const [deleted, setDeleted] = useState(false);
  const now = useNow();

  const sessionRef = useRef<RunnerSession | null>(null);
  const watchId = useRef<number | null>(null);
  const wakeLock = useRef<WakeLockSentinel | null>(null);
  const moodTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const openSession = useCallback(
    (runnerName: string, runnerColor: string) => {
      if (sessionRef.current) return sessionRef.current;
      const s = new RunnerSession({
        url: liveUrl(),
        event: event.id,
        name: runnerName,
        color: runnerColor,
        storage: window.localStorage,
        onChange: setSession,
      });
      const savedMood = Number(localStorage.getItem(moodKey) ?? 'NaN');
      if (Number.isInteger(savedMood)) s.setMood(savedMood);
      sessionRef.current = s;
      setSession(s.snapshot);
      return s;
    },
    [event.id, moodKey],
  );

  const keepAwake = useCallback(async () => {
    if (!('wakeLock' in navigator) || document.visibilityState !== 'visible') return;
    try {
      wakeLock.current = await navigator.wakeLock.request('screen');
    } catch {
      // Refused (battery saver, or not allowed here): sharing goes on, the screen may dim.
    }
  }, []);

  const startWatching = useCallback((): boolean => {
    if (!window.isSecureContext) {
      setProblem(insecureProblem());
      return false;
    }
    if (!('geolocation' in navigator)) {
      setProblem({ title: 'This browser cannot share location', text: 'Open this page in Chrome, Safari or Firefox on your phone.' });
      return false;
    }
    if (watchId.current !== null) return true;
    watchId.current = navigator.geolocation.watchPosition(
      (p) => {
        sessionRef.current?.record(toFix(p));
        setGps({ acc: p.coords.accuracy, lastFix: Date.now() });
        setProblem(null);
      },
      (err) => {
        // A page being hidden or closed can hear errors too; they say nothing about the runner's wish to share.
        if (document.visibilityState !== 'visible') return;
        setProblem(geoProblem(err));
        if (err.code === err.PERMISSION_DENIED) stopWatching();
      },
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
    );
    void keepAwake();
    return true;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [keepAwake]);

  function stopWatching() {
    if (watchId.current !== null) navigator.geolocation.clearWatch(watchId.current);
    watchId.current = null;
    void wakeLock.current?.release().catch(() => {});
    wakeLock.current = null;
    setSharing(false);
    localStorage.removeItem(sharingKey);
  }

  // Restore the profile, and carry on where a reload left off.
  useEffect(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(PROFILE_KEY) ?? 'null') as { name?: string; color?: string } | null;
      if (saved?.name) setName(saved.name);
      if (saved?.color && COLORS.includes(saved.color)) setColor(saved.color);
      const savedMood = Number(localStorage.getItem(moodKey) ?? 'NaN');
      if (Number.isInteger(savedMood)) setMood(savedMood);
      if (!window.isSecureContext) setProblem(insecureProblem());
      if (loadIdentity(localStorage, event.id)) {
        openSession(saved?.name ?? 'Runner', saved?.color ?? COLORS[0]!);
        if (localStorage.getItem(sharingKey) === '1' && startWatching()) setSharing(true);
      }
    } catch {
      // Storage blocked (private mode): the page still works, without memory across reloads.
    }
    const visible = () => {
      if (document.visibilityState === 'visible' && watchId.current !== null) void keepAwake();
    };
    document.addEventListener('visibilitychange', visible);
    return () => {
      document.removeEventListener('visibilitychange', visible);
      if (watchId.current !== null) navigator.geolocation.clearWatch(watchId.current);
      sessionRef.current?.close();
      sessionRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [event.id]);

  function start() {
    const clean = name.trim();
    if (!clean) {
      setFormError('Type your name so spectators know who you are.');
      return;
    }
    setFormError(null);
    setDeleted(false);
    localStorage.setItem(PROFILE_KEY, JSON.stringify({ name: clean, color }));
    const s = openSession(clean, color);
    s.setProfile(clean, color);
    if (startWatching()) {
      setSharing(true);
      localStorage.setItem(sharingKey, '1');
    }
  }

  function stop() {
    stopWatching();
    sessionRef.current?.stop();
  }

  // The server ended this runner's sharing (event finished, runner removed): stop using GPS too.
  useEffect(() => {
    if (session?.problem && watchId.current !== null) stopWatching();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session?.problem]);

  async function deleteTrack() {
    const identity = loadIdentity(localStorage, event.id);
    if (!identity || !window.confirm('Delete your track from this event? Spectators will no longer see you.')) return;
    const res = await fetch(`/api/events/${event.id}/runners/${identity.runnerId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${identity.token}` },
    }).catch(() => null);
    if (!res || (res.status !== 204 && res.status !== 403)) {
      setFormError('Could not delete your track: check your connection and try again.');
      return;
    }
    stopWatching();
    sessionRef.current?.forget();
    sessionRef.current?.close();
    sessionRef.current = null;
    setSession(null);
    setGps({ acc: null, lastFix: null });
    setDeleted(true);
  }

  function changeMood(value: number) {
    setMood(value);
    localStorage.setItem(moodKey, String(value));
    if (moodTimer.current) clearTimeout(moodTimer.current);
    // Dragging the slider fires many changes: send where the finger settles.
    moodTimer.current = setTimeout(() => sessionRef.current?.setMood(value), 250);
  }

  const cheers = session?.cheers ?? [];
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Track<span>side</span>
        </Link>
        <h1>{event.name}</h1>
        {session ? (
          <ConnectionBadge state={session.connection} retryInMs={session.retryInMs} transport={session.transport} />
        ) : (
          <span className="pill">Not sharing</span>
        )}
      </header>
      <main className="runner-page">
        {problem && (
          <div className="alert" role="alert" data-testid="gps-problem">
            <strong>{problem.title}</strong>
            {problem.text}
          </div>
        )}
        {session?.problem && (
          <div className="alert" role="alert" data-testid="server-problem">
            <strong>Sharing has stopped</strong>
            {session.problem}
          </div>
        )}
        {deleted && (
          <div className="alert info" role="status">
            <strong>Your track was deleted</strong>
            Spectators no longer see you. Tap Start sharing to join again as a new runner.
          </div>
        )}

        <section className="panel">
          <label className="field">
            Your name
            <input
              value={name}
              maxLength={LIMITS.nameMax}
              placeholder="As spectators will see it"
              onChange={(e) => setName(e.target.value)}
              disabled={sharing}
              autoComplete="nickname"
            />
          </label>
          <div className="colors" role="group" aria-label="Your colour on the map">
            {COLORS.map((c) => (
              <button
                key={c}
                type="button"
                style={{ background: c }}
                aria-label={`Colour ${c}`}
                aria-pressed={c === color}
                disabled={sharing}
                onClick={() => setColor(c)}
              />
            ))}
          </div>
          {formError && (
            <p className="form-error" role="alert">
              {formError}
            </p>
          )}
        </section>

        {sharing ? (
          <button className="btn big stop" type="button" onClick={stop}>
            Stop sharing
          </button>
        ) : (
          <button className="btn big primary" type="button" onClick={start} disabled={event.status !== 'live'}>
            Start sharing
          </button>
        )}

        <section className="panel" aria-label="Sharing status">
          <div className="stats">
            <div className="stat">
              <div className="label">GPS accuracy</div>
              <div className="value" data-testid="accuracy">
                {gps.acc === null ? '—' : `±${Math.round(gps.acc)} m`}
              </div>
            </div>
            <div className="stat">
              <div className="label">Last fix</div>
              <div className="value" data-testid="last-fix">
                {gps.lastFix === null ? '—' : ago(gps.lastFix, now)}
              </div>
            </div>
            <div className="stat">
              <div className="label">Points sent</div>
              <div className="value" data-testid="sent">
                {session?.sent ?? 0}
              </div>
            </div>
            <div className="stat">
              <div className="label">Acknowledged</div>
              <div className="value" data-testid="acked">
                {session?.acked ?? 0}
                {session && session.pending > 0 ? <span className="small muted"> ({session.pending} waiting)</span> : null}
              </div>
            </div>
          </div>
        </section>

        <section className="panel mood">
          <div className="mood-head">
            <label htmlFor="mood">How do you feel?</label>
            <span className="mood-value" data-testid="mood-value">
              {mood ?? '–'}
            </span>
          </div>
          <input
            id="mood"
            type="range"
            min={LIMITS.moodMin}
            max={LIMITS.moodMax}
            step={1}
            value={mood ?? 5}
            onChange={(e) => changeMood(Number(e.target.value))}
            aria-valuetext={mood === null ? 'not set' : `${mood}: ${MOOD_WORDS[mood]}`}
          />
          <div className="mood-scale">
            <span>0 · awful</span>
            <span>{mood === null ? 'Slide to tell spectators' : MOOD_WORDS[mood]}</span>
            <span>10 · flying</span>
          </div>
        </section>

        <section className="panel" aria-labelledby="cheers-heading">
          <h2 id="cheers-heading">Cheers</h2>
          {cheers.length === 0 ? (
            <p className="muted">Cheers from spectators appear here.</p>
          ) : (
            <ul className="cheers" data-testid="cheers">
              {[...cheers].reverse().map((c, i) => (
                <li key={`${c.t}-${i}`}>
                  <time>{ago(c.t, now)}</time>
                  <span className="from">{c.from}</span>: {c.text}
                </li>
              ))}
            </ul>
          )}
        </section>

        <TrackerApps eventId={event.id} runnerId={session?.runnerId ?? null} name={name} />

        {session?.runnerId && !sharing && (
          <button className="btn danger" type="button" onClick={() => void deleteTrack()}>
            Delete my track
          </button>
        )}

        <p className="small muted">
          Keep this page open while you run; the screen stays on where the phone allows it.{' '}
          <Link href={`/e/${event.id}`}>Watch the event</Link>
        </p>
      </main>
    </>
  );
}
