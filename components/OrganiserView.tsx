'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { shareableOrigin } from '../client/addresses';
import { assignColors } from '../client/colors';
import { organiserRunners } from '../client/organiser-roster';
import { OrganiserSession } from '../client/organiser-session';
import { forgetCreated, takeToken } from '../client/organiser-token';
import { liveUrl } from '../client/ws-url';
import type { ClientConfig } from '../lib/page-data';
import type { EventInfo } from '../lib/protocol';
import { AlertBanner } from './AlertBanner';
import { PushFollow } from './PushFollow';
import { BrandHeader } from './BrandHeader';
import { CourseSetup } from './CourseSetup';
import { EventLimits } from './EventLimits';
import { OrganiserLink } from './OrganiserLink';
import { OrganiserRunners } from './OrganiserRunners';
import { OrganiserTokenForm } from './OrganiserTokenForm';
import { RaceTiming } from './RaceTiming';
import { ResultsPanel } from './ResultsPanel';
import { AddressNote, QrCode } from './QrCode';
import { ShareLinks } from './ShareLinks';
import { useNow } from './useNow';
import { useSession, useStore } from './useStore';
import { ViewCodePanel } from './ViewCodePanel';

/** The organiser's page: everything comes live from the organiser's session; changes go through it. */
export function OrganiserView({ event: initial, config }: { event: EventInfo; config: ClientConfig }) {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  const [fresh, setFresh] = useState(false);
  const [origin, setOrigin] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const now = useNow(5000);

  useEffect(() => {
    const found = takeToken(initial.id);
    setToken(found.token);
    setFresh(found.fresh);
    setOrigin(shareableOrigin(window.location.origin, config.reachableUrls).origin);
  }, [initial.id, config.reachableUrls]);

  const session = useSession(() => (token ? new OrganiserSession({ url: liveUrl(), event: initial.id, token }) : null), [token, initial.id]);
  const state = useStore(session);
  const view = state?.watch.view;
  const roster = state?.roster;
  const runners = useMemo(() => (view && roster ? organiserRunners(view, roster) : []), [view, roster]);
  const alerts = useMemo(() => Object.values(view?.alerts ?? {}), [view?.alerts]);
  const alerted = useMemo(() => new Set(alerts.map((a) => a.runnerId)), [alerts]);
  // The colours spectators see: assigned among the runners they are shown (those with a fix).
  const colors = useMemo(() => assignColors(runners.filter((r) => r.lastSeen !== null)), [runners]);

  useEffect(() => {
    const base = document.title.replace(/^SOS · /, '');
    document.title = alerts.length ? `SOS · ${base}` : base;
  }, [alerts.length]);

  const act = useCallback(async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setMessage({ ok: true, text: done });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : 'That did not work: try again.' });
    }
  }, []);

  if (token === undefined) return null;
  if (!token) return <OrganiserTokenForm eventId={initial.id} onToken={setToken} />;
  if (!session) return null;

  const event = view?.event ?? roster?.summary?.event ?? initial;
  const organiser = roster?.summary?.organiser ?? null;
  const spectatorPath = `/e/${event.id}`;
  const runnerPath = `/e/${event.id}/run`;

  return (
    <>
      <BrandHeader heading={`Organise: ${event.name}`}>
        <span className={`pill ${event.status === 'live' ? 'ok' : 'neutral'}`} data-testid="event-status" role="status">
          {event.status === 'live' ? 'Live' : 'Finished'}
        </span>
      </BrandHeader>
      <main className="organiser">
        <AlertBanner
          alerts={alerts}
          now={now}
          onAcknowledge={(a) => void act(() => session.acknowledge(a.id), `The SOS from ${a.name} is acknowledged.`)}
        />
        {event.status === 'live' && <PushFollow eventId={event.id} runner={null} access={{}} organiserToken={token} />}
        {message && (
          <div className={`alert${message.ok ? ' info' : ''}`} role="status">
            {message.text}
          </div>
        )}
        {origin && (
          <OrganiserLink
            url={`${origin}/e/${event.id}/organise#token=${token}`}
            fresh={fresh}
            onKept={() => {
              forgetCreated(event.id);
              setFresh(false);
            }}
          />
        )}
        <p className="panel control-link">
          Race day: <Link href={`/e/${event.id}/control`}>open the race-control console</Link>, one watchlist of who needs help, for the director and the medics.
        </p>
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

        <CourseSetup event={event} runners={runners} session={session} />

        <RaceTiming
          event={event}
          session={session}
          token={token}
          origin={origin}
          tcpPort={config.timingTcpPort ?? null}
          runners={runners}
          liveSeq={view?.seq ?? 0}
          now={now}
          act={act}
        />

        <ResultsPanel event={event} token={token} origin={origin} setRace={(changes, done) => act(() => session.setRace(changes), done)} act={act} />

        <ShareLinks runners={runners} origin={origin} session={session} />

        <ViewCodePanel isProtected={event.protected} failedAttempts={organiser?.failedAttempts ?? null} session={session} act={act} />

        <EventLimits quotas={organiser?.quotas ?? null} runners={runners.length} onSave={(quotas) => act(() => session.setQuotas(quotas), 'The limits are saved.')} />

        <OrganiserRunners
          runners={runners}
          colors={colors}
          alerted={alerted}
          now={now}
          unit={event.race?.unit ?? 'km'}
          onVerdict={(r, v) =>
            session.setVerdict(r.id, v).then(
              () => ({ ok: true, text: v ? `${r.name}: ${v.kind.toUpperCase()}.` : `${r.name} is back in the race.` }),
              (err: Error) => ({ ok: false, text: err.message }),
            )
          }
          onBib={(r, bib) => act(() => session.setBib(r.id, bib), bib ? `${r.name} has bib ${bib}.` : `${r.name} has no bib now.`)}
          onRemove={(r) => {
            if (!window.confirm(`Remove ${r.name} and delete their track?`)) return;
            void act(() => session.removeRunner(r.id), `${r.name} was removed.`);
          }}
        />

        <section className="panel" aria-labelledby="end-heading">
          <h2 id="end-heading">End the event</h2>
          <p className="muted">Sharing stops for every runner; spectators see that it has finished and can still view the map.</p>
          <button
            className="btn danger"
            type="button"
            disabled={event.status !== 'live'}
            onClick={() => {
              if (!window.confirm('End this event for everyone?')) return;
              void act(() => session.finish(), 'The event has ended.');
            }}
          >
            {event.status === 'live' ? 'End event' : 'Event has ended'}
          </button>
        </section>
      </main>
    </>
  );
}
