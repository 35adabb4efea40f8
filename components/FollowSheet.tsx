'use client';

import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ReadAccess } from '../client/api';
import type { RunnerView } from '../client/event-view';
import type { CheerStatus } from '../client/event-watch';
import type { CourseScale } from '../client/race-words';
import { type DistanceUnit, formatDistance, formatPace } from '../lib/course/units';
import { CheerForm } from './CheerForm';
import { RaceCard } from './RaceCard';
import { STATUS_TEXT } from './RunnerList';
import { ago } from './useNow';
import { SIDE_BY_SIDE, useMedia } from './useWide';

/**
 * The runner followed, in view at once: on a phone a sheet over the bottom of the map (position, distance,
 * last checkpoint, what comes next and a Cheer button; "More" for the splits and the cheer form), on wider
 * screens the top of the sidebar with everything. The page follows no one: nothing.
 */
export function FollowSheet({
  runner,
  color,
  racing,
  eventId,
  unit,
  access,
  now,
  scale,
  cheer,
  finished,
  onCheer,
  onClose,
}: {
  runner: RunnerView;
  color: string;
  racing: boolean;
  eventId: string;
  unit: DistanceUnit;
  access: ReadAccess;
  now: number;
  scale: CourseScale | null;
  cheer: CheerStatus;
  finished: boolean;
  onCheer: (text: string, from: string) => void;
  onClose: () => void;
}) {
  const wide = useMedia(SIDE_BY_SIDE);
  const [open, setOpen] = useState(false);
  const [cheering, setCheering] = useState(false);
  const sheet = useRef<HTMLElement>(null);
  // Another runner: the sheet starts small again.
  useEffect(() => {
    setOpen(false);
    setCheering(false);
  }, [runner.id]);
  const full = wide || open;

  // On a phone the page keeps room for the sheet (the map shrinks above it; the list scrolls out from under it).
  useLayoutEffect(() => {
    const el = sheet.current;
    const root = document.documentElement;
    if (!el || wide) return;
    // The map fills what the sheet leaves, opened in full or not (the open sheet is capped so that the map
    // keeps its 200 px and its attribution in view); the page keeps room below for the sheet as it is now,
    // so nothing at the end of the page stays under it.
    const set = () => {
      const h = `${Math.ceil(el.getBoundingClientRect().height)}px`;
      root.style.setProperty('--sheet-h', h);
      root.style.setProperty('--sheet-now', h);
    };
    set();
    const watch = new ResizeObserver(set);
    watch.observe(el);
    return () => {
      watch.disconnect();
      root.style.removeProperty('--sheet-h');
      root.style.removeProperty('--sheet-now');
    };
  }, [wide]);

  // Cheer from the small sheet: it opens on the form, ready to type.
  useEffect(() => {
    if (cheering && full) sheet.current?.querySelector<HTMLInputElement>('input[aria-label="Your cheer"]')?.focus();
  }, [cheering, full]);

  return (
    <section className={`follow-sheet${full ? ' open' : ''}`} ref={sheet} aria-labelledby="follow-heading" data-testid="follow-sheet">
      <div className="sheet-head">
        <span className="swatch" style={{ background: color }} aria-hidden="true" />
        <h2 id="follow-heading">
          <span className="visually-hidden">Following </span>
          {runner.bib && (
            <span className="bib">
              <span className="visually-hidden">bib </span>
              {runner.bib}
            </span>
          )}{' '}
          <span className="sheet-name">{runner.name}</span>
        </h2>
        {!wide && (
          <button type="button" className="btn small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? 'Less' : 'More'}
          </button>
        )}
        <button type="button" className="btn small sheet-close" aria-label={`Stop following ${runner.name}`} title="Stop following" onClick={onClose}>
          ✕
        </button>
      </div>
      <div className="sheet-body">
        {racing && runner.race ? (
          <RaceCard runner={runner} eventId={eventId} unit={unit} access={access} now={now} scale={scale} brief={!full} />
        ) : (
          <RunnerFacts runner={runner} unit={unit} now={now} />
        )}
        {full ? (
          <CheerForm runner={runner} status={cheer} finished={finished} onSend={onCheer} />
        ) : (
          !finished && (
            <button
              type="button"
              className="btn primary sheet-cheer"
              onClick={() => {
                setOpen(true);
                setCheering(true);
              }}
            >
              Cheer for {runner.name}
            </button>
          )
        )}
      </div>
    </section>
  );
}

/** A runner of an event without a course: when last heard of, how far, how fast, how they feel. */
function RunnerFacts({ runner, unit, now }: { runner: RunnerView; unit: DistanceUnit; now: number }) {
  return (
    <dl className="race-facts" data-testid="runner-facts">
      <div>
        <dt>Last seen</dt>
        <dd>{runner.lastSeen === null ? 'never' : ago(runner.lastSeen, now)}</dd>
      </div>
      <div>
        <dt>Distance</dt>
        <dd>{formatDistance(runner.distance, unit)}</dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>{STATUS_TEXT[runner.status]}</dd>
      </div>
      <div>
        <dt>Pace</dt>
        <dd>{formatPace(runner.status === 'active' ? (runner.race?.speed ?? null) : null, unit)}</dd>
      </div>
      <div>
        <dt>Mood</dt>
        <dd>{runner.mood === null ? '—' : `${runner.mood} / 10`}</dd>
      </div>
    </dl>
  );
}
