'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { EntryView, TimingView, TrackerView } from '../client/api';
import type { OrganiserSession } from '../client/organiser-session';
import type { DistanceUnit } from '../lib/course/units';
import type { EventInfo } from '../lib/protocol';
import { SatelliteTrackers } from './SatelliteTrackers';
import { StartListEntries } from './StartListEntries';
import { StartListImport } from './StartListImport';
import { TimingPoints } from './TimingPoints';

/** What the live stream does not carry is read again after a change, and as runners move, at most this often. */
const READ_EVERY_MS = 10_000;
/**
 * Decoders' heartbeats, unknown chips and satellite polls change nothing the live stream carries: while the
 * page is in sight, they are read this often too.
 */
const QUIET_READ_MS = 15_000;

/**
 * The organiser's race timing: the start list (import with preview, entries with claim codes), the timing
 * points with their keys and unknown chips, and satellite trackers. Its reads follow the event: after each
 * change made here, again while live updates come (at most every READ_EVERY_MS), and every QUIET_READ_MS
 * while the page is in sight.
 */
export function RaceTiming({
  event,
  session,
  token,
  origin,
  tcpPort,
  runners,
  liveSeq,
  now,
  act,
}: {
  event: EventInfo;
  session: OrganiserSession;
  token: string;
  /** Where decoders reach this server (the organiser link's origin). */
  origin: string;
  tcpPort: number | null;
  runners: Array<{ id: string; name: string; bib?: string }>;
  /** The live view's offset: moves when anything happens in the event. */
  liveSeq: number;
  now: number;
  act: (what: () => Promise<unknown>, done: string) => Promise<void>;
}) {
  const [entries, setEntries] = useState<EntryView[]>([]);
  const [timing, setTiming] = useState<TimingView | null>(null);
  const [trackers, setTrackers] = useState<TrackerView[]>([]);
  const lastRead = useRef(0);
  const finished = event.status === 'finished';
  const unit: DistanceUnit = event.race?.unit ?? 'km';

  const read = useCallback(async () => {
    lastRead.current = Date.now();
    const [e, t, k] = await Promise.all([session.entries(), session.timing(), session.trackers()]).catch(() => [null, null, null] as const);
    if (e) setEntries(e);
    if (t) setTiming(t);
    if (k) setTrackers(k);
  }, [session]);

  useEffect(() => {
    void read();
  }, [read]);
  // As the event moves: at once when the last read is old enough, else once it is (the last change counts).
  useEffect(() => {
    const wait = lastRead.current + READ_EVERY_MS - Date.now();
    if (wait <= 0) return void read();
    const timer = setTimeout(() => void read(), wait);
    return () => clearTimeout(timer);
  }, [liveSeq, read]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && Date.now() - lastRead.current >= QUIET_READ_MS) void read();
    }, QUIET_READ_MS);
    return () => clearInterval(timer);
  }, [read]);

  const then = <T,>(p: Promise<T>) => p.then(async (v) => (await read(), v));
  const tcp = tcpPort === null || !origin ? null : `${new URL(origin).hostname}:${tcpPort}`;

  return (
    <>
      <section className="panel start-list" aria-labelledby="start-list-heading" data-testid="start-list">
        <h2 id="start-list-heading">Start list</h2>
        <StartListImport disabled={finished} onSave={(list) => then(session.importEntries(list))} />
        <StartListEntries
          eventId={event.id}
          token={token}
          entries={entries}
          onEdit={(e, fields) => act(() => then(session.editEntry(e.runnerId, fields)), `Bib ${fields.bib} is saved.`)}
          onNewCode={(e) =>
            act(async () => {
              const code = await then(session.newClaimCode(e.runnerId));
              window.alert(`The new claim code of bib ${e.bib} is ${code}.`);
            }, `Bib ${e.bib} has a new claim code.`)
          }
        />
      </section>
      <TimingPoints
        eventId={event.id}
        origin={origin}
        tcp={tcp}
        view={timing}
        course={event.race?.course ?? null}
        unit={unit}
        now={now}
        finished={finished}
        onAdd={(point) => then(session.addTimingPoint(point))}
        onNewKey={(pointId) => then(session.timingKey(pointId))}
        onRemove={(pointId) => act(() => then(session.removeTimingPoint(pointId)), 'The timing point was removed.')}
      />
      <SatelliteTrackers
        runners={runners}
        trackers={trackers}
        now={now}
        finished={finished}
        onAdd={async (body) => {
          await then(session.addTracker(body));
        }}
        onRemove={(k) => act(() => then(session.removeTracker(k.id)), `The tracker of ${k.runnerName} was removed.`)}
      />
    </>
  );
}
