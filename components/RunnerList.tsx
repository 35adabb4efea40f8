'use client';

import { memo, type ReactNode, useMemo, useRef, useState } from 'react';
import { apiUrl, type ReadAccess } from '../client/api';
import type { RunnerView } from '../client/event-view';
import { colorName } from '../client/colors';
import { createRunnerSearch } from '../lib/course/search';
import { type DistanceUnit, formatDistance, formatGap, formatPace } from '../lib/course/units';
import { recentPace } from '../lib/track';
import { type CourseScale, estimateNow, etaText, whereaboutsText } from '../client/race-words';
import { useWindowedRows } from './useWindowedRows';
import { ago, useNow } from './useNow';

export const STATUS_TEXT = { active: 'moving', idle: 'idle', offline: 'offline', stopped: 'stopped' } as const;
const SEARCH_FROM = 25;
/** Past this many rows the list scrolls in a box of its own and only the rows in sight are drawn. */
const WINDOW_FROM = 60;

type SortKey = 'order' | 'name' | 'distance' | 'pace' | 'mood';
interface Sort {
  key: SortKey;
  descending: boolean;
}

/** Speed now, m/s: along the course on race events, from the trail otherwise. */
function speedOf(r: RunnerView): number | null {
  if (r.status !== 'active') return null;
  if (r.race) return r.race.speed;
  const pace = recentPace(r.track);
  return pace ? 1000 / pace : null;
}

/** "Finished 1:23:45", "+2:10 behind", "off course". */
function raceNote(r: RunnerView): string | null {
  const race = r.race;
  if (!race) return null;
  if (race.state === 'finished') return `finished ${formatGap(race.finish).slice(1)}`;
  if (race.state === 'not-started') return 'not started';
  if (race.off) return 'off course';
  return null;
}

/**
 * One runner. Columns carry a priority (p1 most important); as the list narrows the lower ones hide and
 * their values move onto the row's second line, so new columns fit in by picking a priority.
 */
const RunnerRow = memo(function RunnerRow({
  runner: r,
  color,
  selected,
  now,
  onSelect,
  sos,
  avatarSrc,
  unit,
  racing,
  scale,
}: {
  runner: RunnerView;
  color: string;
  selected: boolean;
  now: number;
  onSelect: (id: string | null) => void;
  /** The runner's app raised an SOS the organiser has not acknowledged yet. */
  sos: boolean;
  /** The picture the runner's app sent, if any. */
  avatarSrc: string | null;
  unit: DistanceUnit;
  /** The event has a course: distance is along it, and the list is in race order. */
  racing: boolean;
  /** The course as the estimator needs it: a runner not heard from gets where they probably are. */
  scale: CourseScale | null;
}) {
  const race = racing ? r.race : undefined;
  const estimate = whereaboutsText(estimateNow(race, scale, now), unit);
  const finishEta = race?.eta.find((e) => e.kind === 'finish');
  const distance = race ? (race.at === null ? '—' : formatDistance(race.at, unit)) : r.track.length === 0 && r.entry ? '—' : formatDistance(r.distance, unit);
  const pace = formatPace(speedOf(r), unit);
  const mood = r.mood === null ? '—' : String(r.mood);
  const gap = race ? (race.pos === 1 ? 'leader' : formatGap(race.gap)) : null;
  const note = raceNote(r);
  return (
    <tr className={`runner${selected ? ' selected' : ''}`} data-runner={r.id} onClick={() => onSelect(selected ? null : r.id)}>
      {racing && (
        <td className="num col-pos" data-testid="position">
          {race?.pos ?? '—'}
        </td>
      )}
      <td className="col-who">
        {/* The button makes the row reachable by keyboard; a click anywhere on the row does the same. */}
        <button type="button" className="follow-btn" aria-pressed={selected} title={r.bib ? `${r.name} (bib ${r.bib})` : r.name}>
          {avatarSrc ? (
            <img className="swatch" src={avatarSrc} alt="" width={20} height={20} style={{ width: 20, height: 20, borderColor: color }} />
          ) : (
            <span className="swatch" style={{ background: color }} aria-hidden="true" />
          )}
          {r.bib && (
            <span className="bib" data-testid="bib">
              <span className="visually-hidden">bib </span>
              {r.bib}
            </span>
          )}
          <span className="runner-name">{r.name}</span>
          <span className="visually-hidden">, {colorName(color)}</span>
        </button>
        <div className="runner-meta">
          {/* A phone's connection: nothing to say of a runner from the start list no phone or app has placed. */}
          {(r.lastSeen !== null || !r.entry) && <span className={`status ${r.status}`}>{STATUS_TEXT[r.status]}</span>}
          {note && <span className={`race-note${race?.off ? ' off' : ''}`}>{note}</span>}
          {sos && (
            <span className="pill bad" data-testid="sos-badge">
              SOS
            </span>
          )}
          {!estimate && r.lastSeen !== null && <span>{ago(r.lastSeen, now)}</span>}
          {!estimate && r.lastSeen === null && !race?.start && <span>no position yet</span>}
          {race?.cp && race.state !== 'finished' && <span>{race.cp.name}</span>}
          {estimate && (
            <span className="race-estimate" data-testid="estimate">
              {estimate}
            </span>
          )}
          {finishEta && race?.state === 'running' && (
            <span className="race-eta-line" data-testid="finish-eta">
              finish {etaText(finishEta)}
            </span>
          )}
          <span className="alt alt-p1">{distance}</span>
          {gap && <span className="alt alt-p2">{gap}</span>}
          {pace !== '—' && <span className="alt alt-p2">{pace}</span>}
          <span className="alt alt-p3">mood {mood}</span>
        </div>
      </td>
      <td className="num p1" data-testid="distance">
        {distance}
      </td>
      {racing && (
        <td className="num p2" data-testid="gap">
          {gap}
        </td>
      )}
      <td className="num p2">{pace}</td>
      <td className="num p3" data-testid="mood">
        {mood}
      </td>
    </tr>
  );
});

const NO_ACCESS: ReadAccess = {};

/** A runner's picture from their tracking app (OwnTracks cards), by version so browsers may cache it. */
function avatarSrc(eventId: string, runnerId: string, version: number, access: ReadAccess): string {
  return apiUrl('avatar', { id: eventId, runner: runnerId }, { ...access, v: String(version) });
}

/** Race order: finished, then running by distance, then the rest (the server's positions). */
function byPosition(a: RunnerView, b: RunnerView): number {
  return (a.race?.pos ?? Infinity) - (b.race?.pos ?? Infinity);
}

function sorter(key: SortKey, racing: boolean): ((a: RunnerView, b: RunnerView) => number) | null {
  switch (key) {
    case 'order':
      return racing ? byPosition : null;
    case 'name':
      return (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' });
    case 'distance':
      return racing ? (a, b) => (a.race?.at ?? -1) - (b.race?.at ?? -1) : (a, b) => a.distance - b.distance;
    case 'pace':
      // Fastest first; runners with no pace last either way round (see below).
      return (a, b) => (speedOf(a) ?? -1) - (speedOf(b) ?? -1);
    case 'mood':
      return (a, b) => (a.mood ?? -1) - (b.mood ?? -1);
  }
}

function SortHeader({
  label,
  sortKey,
  sort,
  onSort,
  className,
  title,
}: {
  label: string;
  sortKey: SortKey;
  sort: Sort;
  onSort: (key: SortKey) => void;
  className: string;
  title?: string;
}) {
  const active = sort.key === sortKey;
  return (
    <th className={className} scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-btn" onClick={() => onSort(sortKey)} title={title ? `${title}: sort` : `Sort by ${label.toLowerCase()}`}>
        {title ? <abbr title={title}>{label}</abbr> : label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (sort.descending ? '▼' : '▲') : ''}
        </span>
      </button>
    </th>
  );
}

export function RunnerList({
  runners,
  colors,
  clockOffset,
  selected,
  onSelect,
  alerted,
  eventId,
  access = NO_ACCESS,
  unit = 'km',
  racing = false,
  tools = null,
  scale = null,
}: {
  runners: RunnerView[];
  colors: ReadonlyMap<string, string>;
  clockOffset: number;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Runners with an open SOS. */
  alerted?: ReadonlySet<string>;
  eventId?: string;
  /** Access for the pictures (share link or view code). */
  access?: ReadAccess;
  unit?: DistanceUnit;
  /** The event has a course: race order, distance along the course, gaps. */
  racing?: boolean;
  /** Controls beside the heading (the unit switch). */
  tools?: ReactNode;
  /** The course as the estimator needs it (null: no estimates, as in a replay). */
  scale?: CourseScale | null;
}) {
  const now = useNow() + clockOffset;
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<Sort>({ key: 'order', descending: false });
  const search = useMemo(() => createRunnerSearch(runners.map((r) => ({ ...r, bib: r.bib ?? null }))), [runners]);
  const q = query.trim();
  const rows = useMemo(() => {
    // A search keeps its own order (exact bib, then names starting with it …) until a column is chosen.
    if (q) {
      const found = search(q) as RunnerView[];
      const compare = sort.key === 'order' ? null : sorter(sort.key, racing);
      return compare ? found.slice().sort((a, b) => (sort.descending ? -compare(a, b) : compare(a, b))) : found;
    }
    const compare = sorter(sort.key, racing);
    if (!compare) return sort.descending ? runners.slice().reverse() : runners;
    const sorted = runners.slice().sort((a, b) => (sort.descending ? -compare(a, b) : compare(a, b)));
    return sorted;
  }, [q, search, runners, sort, racing]);
  const onSort = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, descending: !s.descending } : { key, descending: key === 'distance' || key === 'pace' || key === 'mood' }));
  const box = useRef<HTMLDivElement>(null);
  const windowed = rows.length > WINDOW_FROM;
  const view = useWindowedRows(box, windowed ? rows.length : 0);
  const shown = windowed ? rows.slice(view.from, view.to) : rows;
  return (
    <section className="panel runner-list" aria-labelledby="runners-heading">
      <div className="panel-head">
        <h2 id="runners-heading">Runners ({runners.length})</h2>
        {tools}
      </div>
      {runners.length >= SEARCH_FROM && (
        <input
          className="runner-search"
          type="search"
          aria-label="Find a runner by name or bib"
          placeholder="Find a runner by name or bib"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      )}
      {runners.length === 0 ? (
        <p className="muted">No runners yet. Share the runner link to get started.</p>
      ) : (
        <div className={`runner-scroll${windowed ? ' windowed' : ''}`} ref={box} data-testid="runner-scroll">
          <table className={`runner-table${racing ? ' racing' : ''}`} aria-rowcount={rows.length + 1}>
            <caption className="visually-hidden">Runners: choose one to follow on the map and cheer</caption>
            <thead>
              <tr>
                {racing && <SortHeader label="#" title="Position" sortKey="order" sort={sort} onSort={onSort} className="num col-pos" />}
                <SortHeader label="Runner" sortKey="name" sort={sort} onSort={onSort} className="col-who" />
                <SortHeader
                  label="Dist."
                  title={racing ? 'Distance along the course' : 'Distance covered'}
                  sortKey="distance"
                  sort={sort}
                  onSort={onSort}
                  className={`num ${racing ? 'col-along' : 'col-dist'} p1`}
                />
                {racing && (
                  <th className="num col-gap p2" scope="col">
                    <abbr title="Time behind the leader, at the same spot of the course">Gap</abbr>
                  </th>
                )}
                <SortHeader label="Pace" sortKey="pace" sort={sort} onSort={onSort} className="num col-pace p2" />
                <SortHeader label="Mood" title="Happiness (0–10)" sortKey="mood" sort={sort} onSort={onSort} className="num col-mood p3" />
              </tr>
            </thead>
            <tbody>
              {windowed && view.before > 0 && (
                <tr aria-hidden="true" className="spacer" style={{ height: view.before }}>
                  {/* One cell: a colspan over columns hidden at this width would add empty ones. */}
                  <td />
                </tr>
              )}
              {shown.map((r) => (
                <RunnerRow
                  key={r.id}
                  runner={r}
                  color={colors.get(r.id) ?? r.color}
                  selected={r.id === selected}
                  now={now}
                  onSelect={onSelect}
                  sos={alerted?.has(r.id) ?? false}
                  avatarSrc={eventId && r.avatar !== undefined ? avatarSrc(eventId, r.id, r.avatar, access) : null}
                  unit={unit}
                  racing={racing}
                  scale={scale}
                />
              ))}
              {windowed && view.after > 0 && (
                <tr aria-hidden="true" className="spacer" style={{ height: view.after }}>
                  <td />
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {q && rows.length === 0 && <p className="small muted">No runner called “{q}” and no such bib.</p>}
    </section>
  );
}
