'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { assignColors } from '../client/colors';
import { emptyEventView, type LocalAction, reduceEventView, type RunnerView } from '../client/event-view';
import { buildReplay, frameAt, type Replay } from '../client/replay';
import { loadFullTrack, loadTracks } from '../client/track-pages';
import type { Course } from '../lib/course/course';
import { type ConnectionState, LiveSocket, type Transport } from '../client/live-socket';
import { ErrorCode, type EventInfo, type ServerMessage } from '../lib/protocol';
import { liveUrl } from '../client/ws-url';
import type { ClientConfig } from '../lib/page-data';
import { AlertBanner } from './AlertBanner';
import { CheerForm, type CheerStatus } from './CheerForm';
import { ConnectionBadge } from './ConnectionBadge';
import { ContrastToggle } from './ContrastToggle';
import { HappinessPanel } from './HappinessPanel';
import { JoinQr } from './JoinQr';
import { ElevationProfile } from './ElevationProfile';
import { RaceCard } from './RaceCard';
import { ReplayBar, type ReplaySpeed } from './ReplayBar';
import { RunnerList } from './RunnerList';
import { UnitSwitch, useUnit } from './UnitSwitch';
import { useCourse } from './useCourse';
import { useNow } from './useNow';
import { ViewCodeForm } from './ViewCodeForm';

const LiveMap = dynamic(() => import('./LiveMap'), {
  ssr: false,
  loading: () => (
    <div className="map-wrap">
      <div className="map-empty">
        <p>Loading map…</p>
      </div>
    </div>
  ),
});

const hasFix = (r: RunnerView) => r.lastSeen !== null || r.track.length > 0;

export function SpectatorView({ event, config, share }: { event: EventInfo; config: ClientConfig; share?: string }) {
  // Messages are applied in batches, once per animation frame, however fast they arrive.
  const [view, dispatchBatch] = useReducer(
    (state: typeof emptyEventView, batch: Array<ServerMessage | LocalAction>) => batch.reduce((s, m) => reduceEventView(s, m), state),
    emptyEventView,
  );
  const queue = useRef<Array<ServerMessage | LocalAction>>([]);
  const dispatch = useCallback((msg: ServerMessage | LocalAction) => {
    queue.current.push(msg);
    if (queue.current.length > 1) return;
    const flush = () => {
      const batch = queue.current;
      queue.current = [];
      dispatchBatch(batch);
    };
    // Hidden tabs get no animation frames: apply twice a second so the queue stays short.
    if (document.hidden) setTimeout(flush, 500);
    else requestAnimationFrame(flush);
  }, []);
  const [conn, setConn] = useState<{ state: ConnectionState; retryInMs: number | null; transport: Transport }>({
    state: 'connecting',
    retryInMs: null,
    transport: 'websocket',
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [cheer, setCheer] = useState<CheerStatus>({ state: 'idle' });
  const [lock, setLock] = useState<'required' | 'wrong' | null>(null);
  const [gone, setGone] = useState<string | null>(null);
  const socket = useRef<LiveSocket | null>(null);
  const code = useRef<string | null>(null);
  const now = useNow();
  const codeKey = `trackside:${event.id}:code`;

  useEffect(() => {
    code.current = sessionStorage.getItem(codeKey);
    const subscribe = () =>
      live.send({ type: 'subscribe', event: event.id, ...(share ? { share } : code.current ? { code: code.current } : {}) });
    const live: LiveSocket = new LiveSocket({
      url: liveUrl(),
      onOpen: subscribe,
      onMessage: (msg) => {
        if (msg.type === 'cheered') setCheer({ state: 'sent' });
        else if (msg.type === 'error' && msg.ref === 'cheer') setCheer({ state: 'failed', message: msg.message });
        else if (
          msg.type === 'error' &&
          (msg.code === ErrorCode.LinkRevoked || msg.code === ErrorCode.LinkExpired || msg.code === ErrorCode.NoSuchLink)
        ) {
          // Nothing more will come through this link: stop trying.
          setGone(msg.message);
          live.close();
        } else if (msg.type === 'error' && msg.ref === 'subscribe' && (msg.code === ErrorCode.RateLimited || msg.code === ErrorCode.StorageUnavailable)) {
          // The server is busy: ask for the snapshot again when it says.
          setTimeout(subscribe, Math.max(1000, msg.retryAfterMs ?? 3000));
        } else if (msg.type === 'error' && (msg.code === ErrorCode.ViewCodeRequired || msg.code === ErrorCode.BadViewCode)) {
          setLock(msg.code === ErrorCode.BadViewCode ? 'wrong' : 'required');
        } else {
          if (msg.type === 'snapshot') {
            setLock(null);
            if (code.current) sessionStorage.setItem(codeKey, code.current);
          }
          dispatch(msg);
        }
      },
      onState: (state, detail) => setConn({ state, retryInMs: detail.retryInMs ?? null, transport: detail.transport }),
    });
    socket.current = live;
    return () => {
      live.close();
      socket.current = null;
    };
  }, [event.id, codeKey, dispatch, share]);

  // An update showed a gap (or the server's live state was rebuilt): start again from a fresh snapshot.
  useEffect(() => {
    if (view.resync === 0) return;
    socket.current?.send({ type: 'subscribe', event: event.id, ...(share ? { share } : code.current ? { code: code.current } : {}) });
  }, [view.resync, event.id, share]);

  // A followed runner's trail is drawn in full detail: their whole stored track, read page by page.
  const detailFor = useRef<string | null>(null);
  useEffect(() => {
    if (!selected || detailFor.current === selected || !view.runners[selected]) return;
    detailFor.current = selected;
    const query = share ? { share } : code.current ? { code: code.current } : {};
    const abort = new AbortController();
    loadFullTrack(event.id, selected, query, abort.signal)
      .then((track) => dispatch({ type: 'detail', runnerId: selected, track }))
      .catch(() => {
        detailFor.current = null;
      });
    return () => abort.abort();
  }, [selected, view.runners, event.id, share, dispatch]);
  useEffect(() => {
    // A new snapshot replaces detailed trails with display trails: load again.
    detailFor.current = null;
  }, [view.generation]);

  // A runner appears to spectators with their first fix (someone whose location is blocked never does).
  const liveRunners = useMemo(
    () => view.order.flatMap((id) => (view.runners[id] && hasFix(view.runners[id]) ? [view.runners[id]] : [])),
    [view],
  );
  const [replay, setReplay] = useState<{ t: number; playing: boolean; speed: ReplaySpeed } | null>(null);
  const [replayData, setReplayData] = useState<Replay | null>(null);
  // While playing, frames are worked out about eight times a second of wall time, whatever the speed.
  const replayStep = replay ? replay.speed * 125 : 1;
  const replayT =
    replay && replayData ? Math.min(replayData.to, replay.playing ? Math.ceil(replay.t / replayStep) * replayStep : replay.t) : null;
  const runners = useMemo(
    () => (replayData && replayT !== null ? frameAt(replayData, liveRunners, replayT) : liveRunners),
    [replayData, replayT, liveRunners],
  );
  // Colours are assigned again only when someone joins or changes colour, so the map keeps its caches.
  const colorKey = runners.map((r) => `${r.id}${r.color}`).join();
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const colors = useMemo(() => assignColors(runners), [colorKey]);
  const selectedRunner = selected && view.runners[selected] && hasFix(view.runners[selected]) ? view.runners[selected] : null;
  const alerts = useMemo(() => Object.values(view.alerts), [view.alerts]);
  const alerted = useMemo(() => new Set(alerts.map((a) => a.runnerId)), [alerts]);
  const select = useCallback((id: string | null) => {
    setSelected(id);
    setCheer({ state: 'idle' });
    // The address follows the choice, so that it can be shared: /e/<id>?runner=<runner id>.
    const url = new URL(window.location.href);
    if (id) url.searchParams.set('runner', id);
    else url.searchParams.delete('runner');
    window.history.replaceState(window.history.state, '', url);
  }, []);
  // Opened as /e/<id>?runner=<runner id>: follow that runner once they are on the map.
  const wanted = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (wanted.current === undefined) wanted.current = new URLSearchParams(window.location.search).get('runner');
    const id = wanted.current;
    if (id && view.runners[id] && hasFix(view.runners[id])) {
      wanted.current = null;
      setSelected(id);
    }
  }, [view.runners]);

  const replayCourse = useRef<Course | null>(null);
  const [replayLoading, setReplayLoading] = useState(false);
  // Markers move along the runners' stored tracks (display trails are thinned by shape, not by time).
  const startReplay = useCallback(
    async (at?: number) => {
      setReplayLoading(true);
      try {
        const access = share ? { share } : code.current ? { code: code.current } : {};
        const tracks = await loadTracks(event.id, liveRunners.map((r) => r.id), access);
        const full = liveRunners.map((r) => (tracks.has(r.id) ? { ...r, track: tracks.get(r.id)! } : r));
        const data = buildReplay(full, replayCourse.current, (view.event ?? event).race?.startsAt ?? null);
        setReplayData(data);
        setReplay({ t: Math.max(data.from, Math.min(data.to, at ?? data.from)), playing: at === undefined, speed: 60 });
      } finally {
        setReplayLoading(false);
      }
    },
    [liveRunners, view.event, event, share],
  );
  const stopReplay = useCallback(() => {
    setReplay(null);
    setReplayData(null);
    const url = new URL(window.location.href);
    url.searchParams.delete('t');
    window.history.replaceState(window.history.state, '', url);
  }, []);
  // The address keeps the moment, so it can be shared: ?t=<ms>.
  const shownT = replay ? Math.round(replay.t / 1000) * 1000 : null;
  useEffect(() => {
    if (shownT === null) return;
    const timer = setTimeout(() => {
      const url = new URL(window.location.href);
      url.searchParams.set('t', String(shownT));
      window.history.replaceState(window.history.state, '', url);
    }, 400);
    return () => clearTimeout(timer);
  }, [shownT]);
  // Opened with ?t=: replay from that moment once the picture (and the course, if any) is in.
  const wantedT = useRef<number | null | undefined>(undefined);

  const sendCheer = (text: string, from: string) => {
    if (!selected) return;
    const sent = socket.current?.send({
      type: 'cheer',
      event: event.id,
      runnerId: selected,
      text,
      ...(from.trim() ? { from } : {}),
    });
    setCheer(sent ? { state: 'sending' } : { state: 'failed', message: 'Not connected: the cheer was not sent. Try again in a moment.' });
  };

  const unlock = (entered: string) => {
    code.current = entered;
    socket.current?.send({ type: 'subscribe', event: event.id, code: entered });
  };
  const [unit, setUnit] = useUnit(view.event?.race?.unit ?? event.race?.unit ?? 'km');
  const codeQuery = share
    ? `?share=${share}`
    : view.event?.protected && code.current
      ? `?code=${encodeURIComponent(code.current)}`
      : '';
  const course = useCourse(event.id, (view.event ?? event).race?.course, codeQuery);
  replayCourse.current = course;
  useEffect(() => {
    if (wantedT.current === undefined) {
      const t = Number(new URLSearchParams(window.location.search).get('t'));
      wantedT.current = Number.isFinite(t) && t > 0 ? t : null;
    }
    const courseReady = !(view.event ?? event).race?.course || course !== null;
    if (wantedT.current !== null && view.generation > 0 && liveRunners.length > 0 && courseReady) {
      const t = wantedT.current;
      wantedT.current = null;
      void startReplay(t);
    }
  }, [view.generation, liveRunners.length, course, view.event, event, startReplay]);
  if (gone) {
    return (
      <main className="not-found" data-testid="link-gone">
        <h1>This link no longer works</h1>
        <p className="muted">{gone} Ask the organiser for a new one.</p>
      </main>
    );
  }

  const info = view.event ?? event;
  const racing = !!info.race?.course;
  return (
    <div className="spectator">
      <header className="topbar">
        <Link href="/" className="brand">
          Track<span>side</span>
        </Link>
        <h1 title={info.name}>{info.name}</h1>
        <div className="links">
          {info.status === 'finished' ? (
            <span className="pill neutral" role="status" data-testid="event-status">
              Finished
            </span>
          ) : (
            <ConnectionBadge state={conn.state} retryInMs={conn.retryInMs} transport={conn.transport} />
          )}
          {info.status === 'live' && !share && <JoinQr path={`/e/${event.id}/run`} reachable={config.reachableUrls} eventName={info.name} />}
          <ContrastToggle />
        </div>
      </header>
      <AlertBanner alerts={alerts} now={now + view.clockOffset} onShow={(id) => view.runners[id] && select(id)} />
      {lock && <ViewCodeForm wrong={lock === 'wrong'} onSubmit={unlock} />}
      <main className={`spectator-main${info.status === 'finished' ? ' has-banner' : ''}`}>
        {info.status === 'finished' && (
          <p className="finished-banner" role="status">
            This event has finished. The map shows where everyone went.{' '}
            {!replay && liveRunners.length > 0 && (
              <button type="button" className="btn small" disabled={replayLoading} onClick={() => void startReplay()}>
                {replayLoading ? 'Loading the replay…' : 'Replay the race'}
              </button>
            )}
          </p>
        )}
        <LiveMap
          runners={runners}
          colors={colors}
          generation={view.generation}
          followId={selected}
          onSelect={select}
          tileUrl={config.tileUrl}
          tileAttribution={config.tileAttribution}
          course={course}
          unit={unit}
          overlay={
            replay && replayData ? (
              <ReplayBar
                from={replayData.from}
                to={replayData.to}
                t={replay.t}
                playing={replay.playing}
                speed={replay.speed}
                onTime={(t) => setReplay((r) => (r ? { ...r, t } : r))}
                onPlaying={(playing) => setReplay((r) => (r ? { ...r, playing } : r))}
                onSpeed={(speed) => setReplay((r) => (r ? { ...r, speed } : r))}
                onClose={stopReplay}
              />
            ) : null
          }
        />
        <aside className="sidebar">
          <RunnerList
            runners={runners}
            colors={colors}
            // In a replay, "seen 20 s ago" is as of the moment shown.
            clockOffset={replayT !== null ? replayT - Date.now() : view.clockOffset}
            selected={selected}
            onSelect={select}
            alerted={alerted}
            avatarQuery={codeQuery}
            eventId={event.id}
            unit={unit}
            racing={racing}
            tools={racing ? <UnitSwitch unit={unit} onChange={setUnit} /> : null}
          />
          {info.status === 'live' && !replay && liveRunners.length > 0 && (
            <button type="button" className="btn small replay-start" disabled={replayLoading} onClick={() => void startReplay()}>
              {replayLoading ? 'Loading the replay…' : 'Replay so far'}
            </button>
          )}
          {racing && selectedRunner && !replay && (
            <RaceCard runner={selectedRunner} eventId={event.id} unit={unit} query={codeQuery} now={now + view.clockOffset} />
          )}
          {course && course.elevations && <ElevationProfile course={course} runners={runners} colors={colors} followId={selected} unit={unit} />}
          <CheerForm runner={selectedRunner} status={cheer} finished={info.status === 'finished'} onSend={sendCheer} />
          <HappinessPanel samples={view.happiness} />
          <section className="panel downloads" aria-labelledby="downloads-heading">
            <h2 id="downloads-heading">Download</h2>
            <a href={`/api/events/${event.id}/export.json${codeQuery}`} download>
              Whole event (JSON)
            </a>
            {selectedRunner && (
              <a href={`/api/events/${event.id}/runners/${selectedRunner.id}/track.gpx${codeQuery}`} download>
                {selectedRunner.name}&apos;s track (GPX)
              </a>
            )}
          </section>
        </aside>
      </main>
    </div>
  );
}
