'use client';

import { LinkActions } from './LinkActions';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULT_COLOR, PICKABLE } from '../client/colors';
import type { Fix } from '../client/outbox';
import { formatElapsed, OwnTrack } from '../client/own-track';
import { loadIdentity, RunnerSession, type RunnerSessionState } from '../client/runner-session';
import { type GpsState, runnerStatus } from '../client/runner-status';
import { liveUrl } from '../client/ws-url';
import { formatDistance, formatPace } from '../lib/geo';
import type { ClientConfig } from '../lib/page-data';
import { type Cheer, type EventInfo, LIMITS } from '../lib/protocol';
import { CheerToast } from './CheerToast';
import { ConnectionBadge } from './ConnectionBadge';
import { ContrastToggle } from './ContrastToggle';
import { TrackerApps } from './TrackerApps';
import { ago, useNow } from './useNow';

const OwnMap = dynamic(() => import('./OwnMap'), {
  ssr: false,
  loading: () => <div className="own-map" />,
});

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

function geoProblem(err: GeolocationPositionError): { state: GpsState; problem: GpsProblem } {
  if (err.code === err.PERMISSION_DENIED) {
    return {
      state: 'blocked',
      problem: {
        title: 'Location is blocked for this site',
        text: 'Allow it in the browser settings (tap the icon left of the address → Permissions → Location → Allow), then tap Start sharing again.',
      },
    };
  }
  if (err.code === err.POSITION_UNAVAILABLE) {
    return {
      state: 'unavailable',
      problem: {
        title: 'No GPS position available',
        text: "Turn on Location in your phone's settings, step outside and away from tall buildings, and wait a moment; sharing resumes by itself.",
      },
    };
  }
  return {
    state: 'waiting',
    problem: {
      title: 'Still waiting for GPS',
      text: 'Your phone has not found a position yet. Keep the page open outdoors; sharing starts with the first fix.',
    },
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

/** What BibSchema accepts (lib/protocol.ts): checked here so the runner hears why at once. */
const BIB_PATTERN = /^[A-Za-z0-9-]{1,8}$/;

export function RunnerView({ event, config }: { event: EventInfo; config: ClientConfig }) {
  const sharingKey = `trackside:${event.id}:sharing`;
  const moodKey = `trackside:${event.id}:mood`;
  const removedKey = `trackside:${event.id}:removed`;
  const [name, setName] = useState('');
  const [color, setColor] = useState(DEFAULT_COLOR);
  const [bib, setBib] = useState('');
  const [origin, setOrigin] = useState('');
  useEffect(() => setOrigin(window.location.origin), []);
  const [sharing, setSharing] = useState(false);
  const [session, setSession] = useState<RunnerSessionState | null>(null);
  const [gps, setGps] = useState<{ acc: number | null; lastFix: number | null }>({ acc: null, lastFix: null });
  const [gpsState, setGpsState] = useState<GpsState>('waiting');
  const [problem, setProblem] = useState<GpsProblem>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [mood, setMood] = useState<number | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [removedHere, setRemovedHere] = useState(false);
  const [toast, setToast] = useState<{ cheer: Cheer; n: number } | null>(null);
  const [trackVersion, setTrackVersion] = useState(0);
  const closeToast = useCallback(() => setToast(null), []);
  const now = useNow();

  const sessionRef = useRef<RunnerSession | null>(null);
  const own = useRef<OwnTrack | null>(null);
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
      setGpsState('insecure');
      return false;
    }
    if (!('geolocation' in navigator)) {
      setProblem({ title: 'This browser cannot share location', text: 'Open this page in Chrome, Safari or Firefox on your phone.' });
      setGpsState('unsupported');
      return false;
    }
    if (watchId.current !== null) return true;
    setGpsState('waiting');
    watchId.current = navigator.geolocation.watchPosition(
      (p) => {
        const fix = toFix(p);
        sessionRef.current?.record(fix);
        own.current?.add(fix.lat, fix.lon, fix.t, fix.acc);
        setTrackVersion((v) => v + 1);
        setGps({ acc: p.coords.accuracy, lastFix: Date.now() });
        setGpsState('ok');
        setProblem(null);
      },
      (err) => {
        // A page being hidden or closed can hear errors too; they say nothing about the runner's wish to share.
        if (document.visibilityState !== 'visible') return;
        const found = geoProblem(err);
        setProblem(found.problem);
        setGpsState(found.state);
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
    own.current?.save();
  }

  // Restore the profile, and carry on where a reload left off.
  useEffect(() => {
    try {
      own.current = new OwnTrack(window.localStorage, `trackside:${event.id}:own-track`);
      setTrackVersion((v) => v + 1);
      const saved = JSON.parse(localStorage.getItem(PROFILE_KEY) ?? 'null') as { name?: string; color?: string } | null;
      if (saved?.name) setName(saved.name);
      const savedColor = PICKABLE.find((c) => c.hex === saved?.color)?.hex ?? DEFAULT_COLOR;
      setColor(savedColor);
      const savedMood = Number(localStorage.getItem(moodKey) ?? 'NaN');
      if (Number.isInteger(savedMood)) setMood(savedMood);
      if (localStorage.getItem(removedKey)) setRemovedHere(true);
      if (!window.isSecureContext) {
        setProblem(insecureProblem());
        setGpsState('insecure');
      }
      if (loadIdentity(localStorage, event.id)) {
        openSession(saved?.name ?? 'Runner', savedColor);
        if (localStorage.getItem(sharingKey) === '1' && startWatching()) setSharing(true);
      }
    } catch {
      // Storage blocked (private mode): the page still works, without memory across reloads.
      own.current ??= new OwnTrack();
    }
    const visible = () => {
      if (document.visibilityState === 'visible' && watchId.current !== null) void keepAwake();
    };
    const save = () => own.current?.save();
    const saver = setInterval(save, 5000);
    document.addEventListener('visibilitychange', visible);
    window.addEventListener('pagehide', save);
    return () => {
      clearInterval(saver);
      save();
      document.removeEventListener('visibilitychange', visible);
      window.removeEventListener('pagehide', save);
      if (watchId.current !== null) navigator.geolocation.clearWatch(watchId.current);
      sessionRef.current?.close();
      sessionRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [event.id]);

  const removed = removedHere || !!session?.removed;
  const finished = event.status === 'finished' || !!session?.finished;

  function start() {
    if (removed || finished) return;
    const clean = name.trim();
    if (!clean) {
      setFormError('Type your name so spectators know who you are.');
      return;
    }
    const cleanBib = bib.trim();
    if (cleanBib && !BIB_PATTERN.test(cleanBib)) {
      setFormError('A bib is up to 8 letters, digits or dashes, as printed on it (“1234”, “F12”); or leave it empty.');
      return;
    }
    setFormError(null);
    setDeleted(false);
    localStorage.setItem(PROFILE_KEY, JSON.stringify({ name: clean, color }));
    const s = openSession(clean, color);
    s.setProfile(clean, color, cleanBib || null);
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

  // A removed runner's device must not join again as someone new.
  useEffect(() => {
    if (!session?.removed) return;
    localStorage.setItem(removedKey, '1');
    own.current?.clear();
    setTrackVersion((v) => v + 1);
    setRemovedHere(true);
  }, [session?.removed, removedKey]);

  // A cheer that arrives while the page is open pops up, and the phone buzzes where it can.
  const freshCheers = session?.freshCheers ?? 0;
  useEffect(() => {
    const latest = sessionRef.current?.snapshot.cheers.at(-1);
    if (freshCheers === 0 || !latest) return;
    setToast({ cheer: latest, n: freshCheers });
    try {
      navigator.vibrate?.([200, 100, 200]);
    } catch {
      // Not allowed before the page was touched: the toast still shows.
    }
  }, [freshCheers]);

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
    own.current?.clear();
    setTrackVersion((v) => v + 1);
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

  const status = runnerStatus({
    wantsToShare: sharing,
    hasShared: !!session?.runnerId,
    gps: gpsState,
    connection: session?.connection ?? null,
    joined: !!session?.joined,
    waiting: session?.pending ?? 0,
    finished,
    removed,
  });
  const track = own.current;
  // A new array per fix, so the small map redraws and refits.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const ownPoints = useMemo(() => own.current?.points.slice() ?? [], [trackVersion]);
  const cheers = session?.cheers ?? [];
  const colorName = PICKABLE.find((c) => c.hex === color)?.name ?? 'Red';
  return (
    <>
      <header className="topbar">
        <Link href="/" className="brand">
          Track<span>side</span>
        </Link>
        <h1 title={event.name}>{event.name}</h1>
        <div className="links">
          <span className={`pill ${status.tone}`} role="status" data-testid="runner-status" data-status={status.key}>
            {status.label}
          </span>
          <ContrastToggle />
        </div>
      </header>
      <CheerToast toast={toast} onClose={closeToast} />
      <main className="runner-page">
        {problem && (
          <div className="alert" role="alert" data-testid="gps-problem">
            <strong>{problem.title}</strong>
            {problem.text}
          </div>
        )}
        {session?.problem ? (
          <div className="alert" role="alert" data-testid="server-problem">
            <strong>Sharing has stopped</strong>
            {session.problem}
            {removed && <p>This page can no longer share your position in this event. Ask the organiser if this is a mistake.</p>}
          </div>
        ) : (
          removed && (
            <div className="alert" role="alert" data-testid="server-problem">
              <strong>The organiser removed you from this event</strong>
              This page can no longer share your position here. Ask the organiser if this is a mistake.
            </div>
          )
        )}
        {deleted && (
          <div className="alert info" role="status">
            <strong>Your track was deleted</strong>
            Spectators no longer see you. Tap Start sharing to join again as a new runner.
          </div>
        )}

        <section className="panel" aria-label="You">
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
          {!session?.runnerId && (
            <label className="field">
              Bib number (optional)
              <input
                value={bib}
                maxLength={8}
                inputMode="text"
                autoCapitalize="characters"
                placeholder="As printed on your bib"
                onChange={(e) => setBib(e.target.value)}
                disabled={sharing}
              />
            </label>
          )}
          <div className="colors" role="group" aria-label={`Your colour on the map: ${colorName}`}>
            {PICKABLE.map((c) => (
              <button
                key={c.hex}
                type="button"
                style={{ background: c.hex }}
                aria-label={c.name}
                title={c.name}
                aria-pressed={c.hex === color}
                disabled={sharing}
                onClick={() => setColor(c.hex)}
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
          <button className="btn big primary" type="button" onClick={start} disabled={finished || removed}>
            Start sharing
          </button>
        )}

        <section className="panel" aria-labelledby="run-heading">
          <h2 id="run-heading">Your run</h2>
          <div className="stats own-stats">
            <div className="stat">
              <div className="label">Distance</div>
              <div className="value" data-testid="own-distance">
                {track && track.points.length ? formatDistance(track.distance) : '—'}
              </div>
            </div>
            <div className="stat">
              <div className="label">Time</div>
              <div className="value" data-testid="own-elapsed">
                {formatElapsed(track?.elapsed(now, sharing) ?? null)}
              </div>
            </div>
            <div className="stat">
              <div className="label">Average pace</div>
              <div className="value" data-testid="own-pace">
                {formatPace(track?.averagePace() ?? null)}
              </div>
            </div>
            <div className="stat">
              <div className="label">Pace now</div>
              <div className="value">{sharing ? formatPace(track?.currentPace() ?? null) : '—'}</div>
            </div>
          </div>
          <OwnMap points={ownPoints} color={color} tileUrl={config.tileUrl} tileAttribution={config.tileAttribution} />
        </section>

        <section className="panel" aria-labelledby="sharing-heading">
          <h2 id="sharing-heading">Sharing</h2>
          <div className="status-line">
            <span className="small muted">Connection</span>
            {session ? (
              <ConnectionBadge state={session.connection} retryInMs={session.retryInMs} transport={session.transport} openText="Connected" />
            ) : (
              <span className="pill neutral" data-testid="connection">
                Not connected
              </span>
            )}
          </div>
          <div className="stats" style={{ marginTop: 8 }}>
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
          </div>
          <div className="counters" aria-label="Points">
            <div className="stat" title="Positions this phone took">
              <div className="label">Taken</div>
              <div className="value" data-testid="taken">
                {session?.taken ?? 0}
              </div>
            </div>
            <div className="stat" title="Positions sent over the connection">
              <div className="label">Sent</div>
              <div className="value" data-testid="sent">
                {session?.sent ?? 0}
              </div>
            </div>
            <div className="stat" title="Positions the server confirmed it has stored">
              <div className="label">Confirmed</div>
              <div className="value" data-testid="acked">
                {session?.acked ?? 0}
              </div>
            </div>
            <div className="stat" title="Positions kept on this phone until the server confirms them">
              <div className="label">Waiting</div>
              <div className="value" data-testid="waiting">
                {session?.pending ?? 0}
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
            className={`mood-range${mood === null ? ' unset' : ''}`}
            min={LIMITS.moodMin}
            max={LIMITS.moodMax}
            step={1}
            value={mood ?? 5}
            onChange={(e) => changeMood(Number(e.target.value))}
            aria-valuetext={mood === null ? 'not set' : `${mood}: ${MOOD_WORDS[mood]}`}
          />
          <div className="mood-scale">
            <span>0 · awful</span>
            <span>{mood === null ? 'Tap the scale to tell spectators' : MOOD_WORDS[mood]}</span>
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

        {session?.runnerId && origin && (
          <section className="panel" aria-labelledby="family-heading" data-testid="family-link">
            <h2 id="family-heading">Send this to your family</h2>
            <p className="small muted">It opens the map following you{event.race?.course ? ', with your position, splits and when you should reach the next checkpoint' : ''}.</p>
            <input readOnly aria-label="Link that follows you" value={`${origin}/e/${event.id}?runner=${session.runnerId}`} onFocus={(e) => e.currentTarget.select()} />
            <LinkActions url={`${origin}/e/${event.id}?runner=${session.runnerId}`} title={`Follow ${name.trim() || 'me'}: ${event.name}`} what="link" />
          </section>
        )}

        <TrackerApps eventId={event.id} runnerId={session?.runnerId ?? null} name={name} reachable={config.reachableUrls} />

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
