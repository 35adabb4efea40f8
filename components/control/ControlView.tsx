'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { beep } from '../../client/alarm';
import type { RunnerSummary as FullRunnerSummary } from '../../lib/api-schemas';
import { organiserRunners } from '../../client/organiser-roster';
import { OrganiserSession } from '../../client/organiser-session';
import { takeToken } from '../../client/organiser-token';
import { liveUrl } from '../../client/ws-url';
import { watchlist, type WatchRunner } from '../../lib/control/watchlist';
import type { ClientConfig } from '../../lib/page-data';
import type { EventInfo } from '../../lib/protocol';
import { BrandHeader } from '../BrandHeader';
import { OrganiserTokenForm } from '../OrganiserTokenForm';
import { useCourse } from '../useCourse';
import { useNow } from '../useNow';
import { useSession, useStore } from '../useStore';
import { ConsoleSettingsForm } from './ConsoleSettingsForm';
import { RunnerMessages } from './RunnerMessages';
import { Watchlist } from './Watchlist';

const ControlMap = dynamic(() => import('./ControlMap'), { ssr: false, loading: () => <div className="control-map map-empty">Loading the map…</div> });

/** The console reads the organiser's summary again this often: battery readings come with it. */
const SUMMARY_EVERY_MS = 30_000;
const HELPER_KEY = 'trackside:control:name';
const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The race director's console: one ranked watchlist of runners who need looking at, a map to see where, the
 * thresholds, and messages to runners. Several directors can have it open: marks travel live between them.
 */
export function ControlView({ event: initial, config }: { event: EventInfo; config: ClientConfig }) {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [helper, setHelper] = useState('');
  const [muted, setMuted] = useState(false);
  const [alarms, setAlarms] = useState(0);
  const [focus, setFocus] = useState<string | null>(null);
  const now = useNow(5000);

  useEffect(() => {
    setToken(takeToken(initial.id).token);
    setHelper(localStorage.getItem(HELPER_KEY) ?? '');
  }, [initial.id]);

  const session = useSession(() => (token ? new OrganiserSession({ url: liveUrl(), event: initial.id, token }) : null), [token, initial.id]);
  const state = useStore(session);
  const view = state?.watch.view;
  const roster = state?.roster;
  const control = state?.control ?? null;
  const event = view?.event ?? roster?.summary?.event ?? initial;
  const course = useCourse(event.id, event.race?.course ?? null, {});

  useEffect(() => {
    if (!session) return;
    const t = setInterval(() => void session.refresh(), SUMMARY_EVERY_MS);
    return () => clearInterval(t);
  }, [session]);

  const runners = useMemo(() => (view && roster ? organiserRunners(view, roster) : []), [view, roster]);
  const items = useMemo(() => {
    if (!view || !control) return [];
    // The summary carries each runner's latest fix with its battery reading (the live stream does not).
    const battery = new Map((roster?.summary?.runners as FullRunnerSummary[] | undefined)?.map((r) => [r.id, r.latest?.bat ?? null]) ?? []);
    const watched: WatchRunner[] = runners.map((r) => {
      const last = view.runners[r.id]?.track.at(-1);
      return { ...r, where: last ? [last[0], last[1]] : null, battery: battery.get(r.id) ?? null };
    });
    return watchlist({
      runners: watched,
      alerts: Object.values(view.alerts),
      marks: control.marks,
      settings: control.settings,
      checkpoints: event.race?.course?.checkpoints ?? [],
      now: now + (view.clockOffset ?? 0),
      unit: event.race?.unit ?? 'km',
      clock,
    });
  }, [view, control, roster, runners, event.race, now]);

  // A new SOS sounds the alarm (once per alert), unless muted.
  const heard = useRef(new Set<string>());
  const sosKeys = items.filter((i) => i.kind === 'sos' && !i.acknowledged).map((i) => `${i.key}@${i.identity}`);
  useEffect(() => {
    const fresh = sosKeys.filter((k) => !heard.current.has(k));
    if (fresh.length === 0) return;
    for (const k of fresh) heard.current.add(k);
    if (!muted) {
      beep();
      setAlarms((n) => n + 1);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sosKeys.join(','), muted]);

  useEffect(() => {
    const open = items.filter((i) => i.kind === 'sos' && !i.acknowledged).length;
    document.title = `${open ? `SOS (${open}) · ` : ''}Race control: ${event.name}`;
  }, [items, event.name]);

  const keepHelper = useCallback((name: string) => {
    setHelper(name);
    localStorage.setItem(HELPER_KEY, name);
  }, []);

  if (token === undefined) return null;
  if (!token) return <OrganiserTokenForm eventId={initial.id} onToken={setToken} />;
  if (!session) return null;

  const open = items.filter((i) => !i.acknowledged).length;
  const focused = items.find((i) => i.runnerId === focus)?.where ?? null;
  return (
    <>
      <BrandHeader heading={`Race control: ${event.name}`}>
        <button
          type="button"
          className={`btn small${muted ? '' : ' primary'}`}
          aria-pressed={!muted}
          data-testid="alarm-toggle"
          data-alarms={alarms}
          onClick={() => {
            // Also the touch that lets the page make sound at all.
            if (muted) beep();
            setMuted(!muted);
          }}
        >
          {muted ? 'SOS sound off' : 'SOS sound on'}
        </button>
      </BrandHeader>
      <main className="control">
        <div className="control-top">
          <p className="control-count" role="status" data-testid="watch-count">
            {open === 0 ? 'Nothing needs looking at.' : `${open} ${open === 1 ? 'item needs' : 'items need'} looking at.`}
          </p>
          <label className="control-helper">
            Your name
            <input value={helper} maxLength={40} onChange={(e) => keepHelper(e.target.value)} />
          </label>
          <Link href={`/e/${event.id}/organise`}>Organiser page</Link>
        </div>
        <div className="control-grid">
          <Watchlist items={items} now={now} session={session} helper={helper} focus={focus} onFocus={setFocus} />
          <div className="control-side">
            <ControlMap items={items} course={course} focus={focused} focusId={focus} onFocus={setFocus} tileUrl={config.tileUrl} tileAttribution={config.tileAttribution} />
            <RunnerMessages runners={runners} messages={control?.messages ?? []} session={session} />
            {control && <ConsoleSettingsForm settings={control.settings} session={session} />}
          </div>
        </div>
      </main>
    </>
  );
}
