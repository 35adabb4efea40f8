'use client';

import dynamic from 'next/dynamic';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { apiUrl, call, type ListPage, type ListRow } from '../client/api';
import { assignColors, PALETTE, nearestIndex } from '../client/colors';
import { EventSession } from '../client/event-session';
import type { RunnerView } from '../client/event-view';
import { initialWatch, readAccess } from '../client/event-watch';
import { FirstRows, ListSource, LocalList } from '../client/list-source';
import { buildReplay, frameAt, type Replay } from '../client/replay';
import { loadTracks } from '../client/track-pages';
import { liveUrl } from '../client/ws-url';
import type { CourseScale } from '../client/race-words';
import type { Course } from '../lib/course/course';
import { effortProfile } from '../lib/course/effort';
import type { ClientConfig } from '../lib/page-data';
import type { EventInfo } from '../lib/protocol';
import { AlertBanner } from './AlertBanner';
import { BrandHeader } from './BrandHeader';
import { CategoryPodiums } from './CategoryPodiums';
import { CheerForm } from './CheerForm';
import { ConnectionBadge } from './ConnectionBadge';
import { ElevationProfile } from './ElevationProfile';
import { HappinessPanel } from './HappinessPanel';
import { JoinQr } from './JoinQr';
import { FollowSheet } from './FollowSheet';
import { ReplayBar, type ReplaySpeed } from './ReplayBar';
import { RunnerList } from './RunnerList';
import { SlowLink } from './SlowLink';
import { UnitSwitch, useUnit } from './UnitSwitch';
import { useCourse } from './useCourse';
import { useNow } from './useNow';
import { useSession, useStore } from './useStore';
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
/** Listed and followable: runners with a fix, and the start list's runners before any. */
const listed = (r: RunnerView) => hasFix(r) || r.entry !== undefined;
const BEFORE_SESSION = initialWatch({});
/** A replay reads every runner's track: offered for fields up to this size. */
const REPLAY_MAX = 500;

const noSubscription = () => () => {};
const rowOf = (r: RunnerView): ListRow => ({ ...r, speed: r.status === 'active' ? (r.race?.speed ?? null) : null });
/** A runner's own colour as the palette draws it, for runners the page has not placed yet. */
const paletteColor = (own: string) => PALETTE[nearestIndex(own)]!.hex;

export function SpectatorView({
  event,
  config,
  share,
  firstRows = null,
}: {
  event: EventInfo;
  config: ClientConfig;
  share?: string;
  /** The list's first rows, rendered with the page. */
  firstRows?: ListPage | null;
}) {
  const codeKey = `trackside:${event.id}:code`;
  const session = useSession(
    () =>
      new EventSession({
        url: liveUrl(),
        event: event.id,
        access: share ? { share } : { code: sessionStorage.getItem(codeKey) ?? undefined },
        keepCode: (code) => sessionStorage.setItem(codeKey, code),
        // The page says what it looks at: the field in compact frames, the runner followed in detail.
        interest: true,
      }),
    [event.id, share, codeKey],
  );
  const watch = useStore(session) ?? BEFORE_SESSION;
  const view = watch.view;
  const access = useMemo(() => readAccess(watch.access), [watch.access]);
  // Every runner is in the field; the page holds whole only the one followed (a share link's page: all of them).
  const interest = view.field !== null;
  const field = interest ? (session?.field ?? null) : null;
  const accessKey = JSON.stringify(access);
  const serverList = useSession(() => new ListSource({ event: event.id, access, initial: firstRows }), [event.id, accessKey]);
  // Until the page's own list reads its rows (and while rendering on the server): the rows it came with.
  const pageRows = useMemo(() => (firstRows ? new FirstRows(firstRows) : null), [firstRows]);
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow();

  // A followed runner's trail is drawn in full detail: their whole stored track, read page by page.
  useEffect(() => session?.follow(selected), [session, selected]);

  // A runner appears to spectators with their first fix (someone whose location is blocked never does), or
  // from the start list.
  const liveRunners = useMemo(
    () => view.order.flatMap((id) => (view.runners[id] && listed(view.runners[id]) ? [view.runners[id]] : [])),
    [view],
  );
  const [replay, setReplay] = useState<{ t: number; playing: boolean; speed: ReplaySpeed } | null>(null);
  const [replayData, setReplayData] = useState<Replay | null>(null);
  /** Everyone in the replay (with interest the page holds only the runner followed otherwise). */
  const [replayRunners, setReplayRunners] = useState<RunnerView[]>([]);
  // While playing, frames are worked out about eight times a second of wall time, whatever the speed.
  const replayStep = replay ? replay.speed * 125 : 1;
  const replayT =
    replay && replayData ? Math.min(replayData.to, replay.playing ? Math.ceil(replay.t / replayStep) * replayStep : replay.t) : null;
  const runners = useMemo(
    () => (replayData && replayT !== null ? frameAt(replayData, replayRunners, replayT) : liveRunners),
    [replayData, replayRunners, replayT, liveRunners],
  );
  // Colours are assigned again only when someone joins or changes colour (or, with a field, when the field
  // places or learns someone), so the map keeps its caches.
  const colorKey = runners.map((r) => `${r.id}${r.color}`).join();
  const fieldColors = useSyncExternalStore(
    field?.subscribe.bind(field) ?? noSubscription,
    () => field?.colorsVersion ?? 0,
    () => 0,
  );
  const colors = useMemo(
    () => (field ? new Map(runners.map((r) => [r.id, field.displayColorOf(r.id) ?? paletteColor(r.color)])) : assignColors(runners)),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [colorKey, field, fieldColors],
  );
  const colorOf = useCallback(
    (id: string, own: string) => colors.get(id) ?? (field ? (field.displayColorOf(id) ?? paletteColor(own)) : own),
    [colors, field],
  );
  // The list: the server's pages, or in a replay the moment's runners ordered here.
  const replayList = useMemo(() => new LocalList(), []);
  const racingNow = !!(view.event ?? event).race?.course;
  useEffect(() => {
    if (replayData) replayList.setRows(runners.map(rowOf), racingNow);
  }, [replayData, runners, replayList, racingNow]);
  const placed = useSyncExternalStore(
    field?.subscribe.bind(field) ?? noSubscription,
    () => field?.placedTotal ?? 0,
    () => 0,
  );
  const fieldCount = interest ? placed : liveRunners.length;
  // On the elevation profile: the runners whose rows the list has read, and whoever is followed.
  const listState = useStore(serverList);
  const profileRunners = useMemo(() => {
    const byId = new Map<string, ListRow | RunnerView>();
    for (const row of listState?.rows.values() ?? []) byId.set(row.id, row);
    for (const r of liveRunners) byId.set(r.id, r);
    return [...byId.values()];
  }, [listState, liveRunners]);
  // Someone appeared or left: the list reads its rows again now rather than at its next turn.
  useEffect(() => serverList?.refresh(), [serverList, fieldCount]);
  const selectedRunner = selected && view.runners[selected] && listed(view.runners[selected]) ? view.runners[selected] : null;
  const alerts = useMemo(() => Object.values(view.alerts), [view.alerts]);
  const alerted = useMemo(() => new Set(alerts.map((a) => a.runnerId)), [alerts]);
  const select = useCallback(
    (id: string | null) => {
      setSelected(id);
      session?.resetCheer();
      // The address follows the choice, so that it can be shared: /e/<id>?runner=<runner id>.
      const url = new URL(window.location.href);
      if (id) url.searchParams.set('runner', id);
      else url.searchParams.delete('runner');
      window.history.replaceState(window.history.state, '', url);
    },
    [session],
  );
  // Opened as /e/<id>?runner=<runner id>: follow that runner once they are on the map.
  const wanted = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (wanted.current === undefined) wanted.current = new URLSearchParams(window.location.search).get('runner');
    const id = wanted.current;
    // With interest the page holds only runners it follows: follow the one asked for, and the server sends them.
    if (id && ((interest && view.generation > 0) || (view.runners[id] && listed(view.runners[id])))) {
      wanted.current = null;
      setSelected(id);
    }
  }, [view.runners, interest, view.generation]);

  const replayCourse = useRef<Course | null>(null);
  const [replayLoading, setReplayLoading] = useState(false);
  // Markers move along the runners' stored tracks (display trails are thinned by shape, not by time).
  const startReplay = useCallback(
    async (at?: number) => {
      setReplayLoading(true);
      try {
        // With interest the page holds only the runner followed: the others' infos come from the list.
        const everyone: RunnerView[] = interest
          ? (await call('runnerList', { id: event.id }, { query: { ...access, limit: String(REPLAY_MAX) } })).rows.map((r) => ({ ...r, track: [], points: 0 }))
          : liveRunners;
        const tracks = await loadTracks(event.id, everyone.map((r) => r.id), access);
        const full = everyone.map((r) => (tracks.has(r.id) ? { ...r, track: tracks.get(r.id)! } : r));
        const data = buildReplay(full, replayCourse.current, (view.event ?? event).race?.startsAt ?? null);
        setReplayRunners(everyone);
        setReplayData(data);
        setReplay({ t: Math.max(data.from, Math.min(data.to, at ?? data.from)), playing: at === undefined, speed: 60 });
      } finally {
        setReplayLoading(false);
      }
    },
    [liveRunners, view.event, event, access, interest],
  );
  const stopReplay = useCallback(() => {
    setReplay(null);
    setReplayData(null);
    setReplayRunners([]);
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
    if (selected) session?.cheer(selected, text, from);
  };

  const [unit, setUnit] = useUnit(view.event?.race?.unit ?? event.race?.unit ?? 'km');
  const course = useCourse(event.id, (view.event ?? event).race?.course, access);
  replayCourse.current = course;
  const scale = useMemo<CourseScale | null>(() => (course ? { effort: effortProfile(course), length: course.length } : null), [course]);
  useEffect(() => {
    if (wantedT.current === undefined) {
      const t = Number(new URLSearchParams(window.location.search).get('t'));
      wantedT.current = Number.isFinite(t) && t > 0 ? t : null;
    }
    const courseReady = !(view.event ?? event).race?.course || course !== null;
    if (wantedT.current !== null && view.generation > 0 && fieldCount > 0 && courseReady) {
      const t = wantedT.current;
      wantedT.current = null;
      void startReplay(t);
    }
  }, [view.generation, fieldCount, course, view.event, event, startReplay]);
  if (watch.gone) {
    return (
      <main className="not-found" data-testid="link-gone">
        <h1>This link no longer works</h1>
        <p className="muted">{watch.gone} Ask the organiser for a new one.</p>
      </main>
    );
  }

  const info = view.event ?? event;
  const racing = !!info.race?.course;
  // The runner followed, in view at once (a sheet over the map on a phone); a replay shows its own moment.
  const sheet = selectedRunner && !replay ? selectedRunner : null;
  return (
    <div className={`spectator${sheet ? ' following' : ''}`}>
      <BrandHeader heading={info.name}>
        {info.status === 'finished' ? (
          <span className="pill neutral" role="status" data-testid="event-status">
            Finished
          </span>
        ) : (
          <ConnectionBadge state={watch.connection.state} retryInMs={watch.connection.retryInMs} transport={watch.connection.transport} />
        )}
        {info.status === 'live' && !share && <JoinQr path={`/e/${event.id}/run`} reachable={config.reachableUrls} eventName={info.name} />}
      </BrandHeader>
      <SlowLink eventId={event.id} arrived={view.generation > 0} />
      <AlertBanner alerts={alerts} now={now + view.clockOffset} onShow={(id) => view.runners[id] && select(id)} />
      {watch.lock && <ViewCodeForm wrong={watch.lock === 'wrong'} onSubmit={(code) => session?.unlock(code)} />}
      <main className={`spectator-main${info.status === 'finished' ? ' has-banner' : ''}`}>
        {info.status === 'finished' && (
          <p className="finished-banner" role="status">
            This event has finished. The map shows where everyone went.{' '}
            {!replay && fieldCount > 0 && fieldCount <= REPLAY_MAX && (
              <button type="button" className="btn small" disabled={replayLoading} onClick={() => void startReplay()}>
                {replayLoading ? 'Loading the replay…' : 'Replay the race'}
              </button>
            )}
          </p>
        )}
        <LiveMap
          field={replayData ? null : field}
          onView={(v) => session?.setView(v)}
          onWho={(ns) => session?.who(ns)}
          runners={runners}
          colors={colors}
          generation={view.generation}
          followId={selected}
          onSelect={select}
          tileUrl={config.tileUrl}
          tileAttribution={config.tileAttribution}
          course={course}
          unit={unit}
          scale={scale}
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
          {sheet && (
            <FollowSheet
              runner={sheet}
              color={colorOf(sheet.id, sheet.color)}
              racing={racing}
              eventId={event.id}
              unit={unit}
              access={access}
              now={now + view.clockOffset}
              scale={scale}
              cheer={watch.cheer}
              finished={info.status === 'finished'}
              onCheer={sendCheer}
              onClose={() => select(null)}
            />
          )}
          <RunnerList
            list={replayData ? replayList : (serverList ?? pageRows ?? replayList)}
            count={replayData ? runners.length : Math.max(fieldCount, serverList || !firstRows ? 0 : firstRows.total)}
            colors={colorOf}
            // In a replay, "seen 20 s ago" is as of the moment shown.
            clockOffset={replayT !== null ? replayT - Date.now() : view.clockOffset}
            selected={selected}
            onSelect={select}
            alerted={alerted}
            access={access}
            eventId={event.id}
            unit={unit}
            racing={racing}
            scale={replay ? null : scale}
            tools={racing ? <UnitSwitch unit={unit} onChange={setUnit} /> : null}
            selectedAt={selectedRunner?.race?.pos ? selectedRunner.race.pos - 1 : null}
          />
          {info.status === 'live' && !replay && fieldCount > 0 && fieldCount <= REPLAY_MAX && (
            <button type="button" className="btn small replay-start" disabled={replayLoading} onClick={() => void startReplay()}>
              {replayLoading ? 'Loading the replay…' : 'Replay so far'}
            </button>
          )}
          {racing && !replay && <CategoryPodiums event={event.id} access={access} />}
          {course && course.elevations && (
            <ElevationProfile course={course} runners={replayData ? runners : profileRunners} colors={colors} followId={selected} unit={unit} />
          )}
          {!sheet && <CheerForm runner={selectedRunner} status={watch.cheer} finished={info.status === 'finished'} onSend={sendCheer} />}
          <HappinessPanel samples={view.happiness} />
          <section className="panel downloads" aria-labelledby="downloads-heading">
            <h2 id="downloads-heading">Download</h2>
            <a href={apiUrl('exportJson', { id: event.id }, access)} download>
              Whole event (JSON)
            </a>
            {racing && (
              <a href={apiUrl('results', { id: event.id }, { ...access, format: 'csv' })} download>
                Results (CSV)
              </a>
            )}
            {selectedRunner && (
              <a href={apiUrl('trackGpx', { id: event.id, runner: selectedRunner.id }, access)} download>
                {selectedRunner.name}&apos;s track (GPX)
              </a>
            )}
          </section>
        </aside>
      </main>
    </div>
  );
}
