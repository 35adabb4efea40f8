'use client';

import { memo, type ReactNode, useEffect, useRef, useState } from 'react';
import { apiUrl, type ListRow, type ReadAccess } from '../client/api';
import { colorName } from '../client/colors';
import type { ListSort, RunnerListStore } from '../client/list-source';
import { type DistanceUnit, formatDistance, formatGap, formatPace } from '../lib/course/units';
import { useStore } from './useStore';
import { raceStatus } from '../lib/control/status';
import { type CourseScale, estimateNow, etaText, ordinal, whereaboutsText } from '../client/race-words';
import { useWindowedRows } from './useWindowedRows';
import { ListFilters } from './ListFilters';
import type { ListFilter } from '../lib/runner-filter';
import { ago, useNow } from './useNow';

export const STATUS_TEXT = { active: 'moving', idle: 'idle', offline: 'offline', stopped: 'stopped' } as const;
const SEARCH_FROM = 25;
/** Past this many rows the list scrolls in a box of its own and only the rows in sight are drawn. */
const WINDOW_FROM = 60;

type SortKey = ListSort;
interface Sort {
  key: SortKey;
  descending: boolean;
}
/** A search is sent once typing pauses this long. */
const TYPING_MS = 250;

/** "Finished 1:23:45", "+2:10 behind", "off course". */
/** What the status words leave unsaid: off the course. */
function raceNote(r: ListRow): string | null {
  const race = r.race;
  if (!race || race.state !== 'running' || r.verdict) return null;
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
  runner: ListRow;
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
  const status = raceStatus(r, { now, unit, alert: sos });
  // No forecast for a runner who is out, home, or not moving.
  const estimate = status.noForecast ? null : whereaboutsText(estimateNow(race, scale, now), unit);
  const finishEta = status.noForecast ? undefined : race?.eta.find((e) => e.kind === 'finish');
  const distance = race ? (race.at === null ? '—' : formatDistance(race.at, unit)) : r.lastSeen === null && r.entry ? '—' : formatDistance(r.distance, unit);
  const pace = formatPace(r.speed, unit);
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
          <span className={`race-status ${status.tone}`} data-testid="race-status" data-status={status.key}>
            {status.words}
          </span>
          {note && <span className={`race-note${race?.off ? ' off' : ''}`}>{note}</span>}
          {sos && (
            <span className="pill bad" data-testid="sos-badge">
              SOS
            </span>
          )}
          {!estimate && r.lastSeen !== null && status.key === 'moving' && <span>{ago(r.lastSeen, now)}</span>}
          {race?.cat != null && r.entry?.category && (
            <span className="cat-place" data-testid="category-place">
              {ordinal(race.cat)} {r.entry.category}
            </span>
          )}
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

/** A row not read yet: the list keeps its height while the page of rows is on the way. */
function Placeholder({ racing }: { racing: boolean }) {
  return (
    <tr className="runner placeholder" aria-hidden="true">
      {racing && <td className="num col-pos" />}
      <td className="col-who">
        <span className="muted">…</span>
      </td>
      <td className="num p1" />
      {racing && <td className="num p2" />}
      <td className="num p2" />
      <td className="num p3" />
    </tr>
  );
}

export function RunnerList({
  list,
  count,
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
  selectedAt = null,
}: {
  /** Where the rows come from: the server's pages, or rows the page holds (a replay). */
  list: RunnerListStore;
  /** Runners on the map, for the heading until the list has answered. */
  count: number;
  /** Display colour per runner id (see client/colors.ts); the runner's own colour otherwise. */
  colors: (id: string, own: string) => string;
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
  /** Where the runner followed stands in race order (0 first), so the list can show them. */
  selectedAt?: number | null;
}) {
  const now = useNow() + clockOffset;
  const state = useStore(list);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<Sort>({ key: 'order', descending: false });
  const [filter, setFilter] = useState<ListFilter>({});
  const q = query.trim();
  useEffect(() => {
    const timer = setTimeout(() => list.setQuery({ sort: sort.key, desc: sort.descending, q, filter }), q ? TYPING_MS : 0);
    return () => clearTimeout(timer);
  }, [list, q, sort, filter]);
  const onSort = (key: SortKey) =>
    setSort((s) => (s.key === key ? { key, descending: !s.descending } : { key, descending: key === 'distance' || key === 'pace' || key === 'mood' }));
  const box = useRef<HTMLDivElement>(null);
  const total = state?.total ?? (q ? 0 : count);
  const anyone = Math.max(count, state?.total ?? 0) > 0;
  const windowed = total > WINDOW_FROM;
  const view = useWindowedRows(box, windowed ? total : 0);
  const from = windowed ? view.from : 0;
  const to = windowed ? view.to : total;
  useEffect(() => list.setWindow(from, to), [list, from, to]);
  // Someone followed from the map, an alert or a family link: the list shows them, not a search that hides them.
  const shownFor = useRef<string | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!selected || shownFor.current === selected || !el) return;
    const rows = [...(state?.rows.values() ?? [])];
    if (q && !rows.some((r) => r.id === selected)) return setQuery('');
    const row = el.querySelector<HTMLElement>(`tr[data-runner="${CSS.escape(selected)}"]`);
    const head = el.querySelector('thead')?.offsetHeight ?? 0;
    let top: number | null = null;
    if (row) top = row.offsetTop;
    else if (windowed && selectedAt !== null && sort.key === 'order' && !sort.descending && !q) {
      const first = el.querySelector<HTMLElement>('tbody tr:not(.spacer)');
      top = head + selectedAt * (first?.offsetHeight ?? 52);
    }
    if (top === null) return;
    shownFor.current = selected;
    // The box alone scrolls (never the page): the row in its middle, unless it is in sight already.
    const inSight = top >= el.scrollTop + head && top + 40 <= el.scrollTop + el.clientHeight;
    if (!inSight) el.scrollTop = Math.max(0, top - el.clientHeight / 2);
  }, [selected, selectedAt, state, q, windowed, sort]);
  const shown: Array<ListRow | number> = [];
  for (let i = from; i < to; i++) shown.push(state?.rows.get(i) ?? i);
  const heading = state?.total !== null && state?.total !== undefined && !q ? state.total : count;
  return (
    <section className="panel runner-list" aria-labelledby="runners-heading">
      <div className="panel-head">
        <h2 id="runners-heading">Runners ({heading})</h2>
        {tools}
      </div>
      {Math.max(count, state?.total ?? 0) >= SEARCH_FROM && (
        <input
          className="runner-search"
          type="search"
          aria-label="Find a runner by name or bib"
          placeholder="Find a runner by name or bib"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      )}
      <ListFilters facets={state?.facets} filter={filter} onChange={setFilter} />
      {!anyone && !q ? (
        <p className="muted">No runners yet. Share the runner link to get started.</p>
      ) : (
        <div className={`runner-scroll${windowed ? ' windowed' : ''}`} ref={box} data-testid="runner-scroll">
          <table className={`runner-table${racing ? ' racing' : ''}${q ? ' searching' : ''}`} aria-rowcount={total + 1}>
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
              {shown.map((r) =>
                typeof r === 'number' ? (
                  <Placeholder key={`at-${r}`} racing={racing} />
                ) : (
                  <RunnerRow
                    key={r.id}
                    runner={r}
                    color={colors(r.id, r.color)}
                    selected={r.id === selected}
                    now={now}
                    onSelect={onSelect}
                    sos={alerted?.has(r.id) ?? false}
                    avatarSrc={eventId && r.avatar !== undefined ? avatarSrc(eventId, r.id, r.avatar, access) : null}
                    unit={unit}
                    racing={racing}
                    scale={scale}
                  />
                ),
              )}
              {windowed && view.after > 0 && (
                <tr aria-hidden="true" className="spacer" style={{ height: view.after }}>
                  <td />
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {q && state?.total === 0 && <p className="small muted">No runner called “{q}” and no such bib.</p>}
      {!q && state?.total === 0 && Object.values(filter).some(Boolean) && <p className="small muted">No runner matches these filters.</p>}
      {state?.error && <p className="small muted" role="status">{state.error}</p>}
    </section>
  );
}
