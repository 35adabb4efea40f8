/**
 * The runner list a spectator pages through: the whole field sorted (race order, name, distance, pace or
 * happiness) or searched (a bib, a name), a window of it at a time. Sorting 30,000 runners is a few
 * milliseconds, so each order is worked out at most every LIST_EVERY_MS and shared by everyone who pages
 * through it meanwhile; the rows themselves are read fresh.
 */
import { createRunnerSearch } from '../../lib/course/search';
import type { RunnerInfo } from '../../lib/protocol';
import { LIST_SORTS, type ListSort, orderRunners } from '../../lib/runner-order';
import { type Facets, facets, filterKey, isEmptyFilter, type ListFilter, passes } from '../../lib/runner-filter';
import { recentPace } from '../../lib/track';
import type { RunnerTrack } from './runner-track';
import type { Room } from './state';

export { LIST_SORTS, type ListSort };
/** An order (and a search index) is worked out again after this long, or at once when runners came or went. */
export const LIST_EVERY_MS = 2000;

export interface ListQuery {
  sort: ListSort;
  desc: boolean;
  /** A bib or part of a name; '' for everyone. A search keeps its own order (best match first) unless sorted by another column. */
  q: string;
  from: number;
  limit: number;
  /** The runners this reader may see (a share link's); null for all. */
  only: string[] | null;
  /** Only runners whose entry has these values (category, sex, age group, club, wave); absent: everyone. */
  filter?: ListFilter;
}

/** One row: the runner as spectators see them, with the distance covered and the speed now. */
export interface ListRow extends RunnerInfo {
  /** Metres covered (from the fixes; along the course, see `race.at`). */
  distance: number;
  /** Speed now, m/s: along the course on race events, from the last minute of the trail otherwise; null when not moving. */
  speed: number | null;
}

export interface ListPage {
  /** Runners matching (everyone visible without `q`). */
  total: number;
  from: number;
  rows: ListRow[];
  /** The values the filters can take, over everyone visible; absent when nobody has an entry. */
  facets?: Facets;
}

interface Ordered {
  at: number;
  visible: number;
  ids: string[];
}

/** Kept per room: orders and the search index, with when they were made. */
const kept = new WeakMap<
  Room,
  { orders: Map<string, Ordered>; search: { at: number; visible: number; find: (q: string) => RunnerTrack[] } | null; facets: { at: number; visible: number; facets: Facets | null } | null }
>();

function speedOf(r: RunnerTrack): number | null {
  if (r.status !== 'active') return null;
  if (r.raceView) return r.raceView.speed;
  const pace = recentPace(r.trail.recent(32));
  return pace ? 1000 / pace : null;
}

function rowOf(r: RunnerTrack): ListRow {
  return { ...r.info(), distance: Math.round(r.distance * 10) / 10, speed: speedOf(r) };
}

/** The filters' values over everyone visible (a share link's runners only); null when nobody has an entry. */
function facetsOf(room: Room, only: ReadonlySet<string> | null): Facets | null {
  const entries = [];
  for (const r of room.runners.values()) if (r.visible && r.record.entry && (!only || only.has(r.id))) entries.push(r.record.entry);
  return entries.length ? facets(entries) : null;
}

/** A window of the list for `q`. */
export function listPage(room: Room, q: ListQuery): ListPage {
  let state = kept.get(room);
  if (!state) kept.set(room, (state = { orders: new Map(), search: null, facets: null }));
  const now = room.now();
  const fresh = (x: { at: number; visible: number } | null) => !!x && now - x.at < LIST_EVERY_MS && x.visible === room.visibleCount && x.at <= now;
  const filter = q.filter ?? {};
  const key = `${q.sort}|${q.desc ? 1 : 0}|${q.q}|${q.only ? [...q.only].sort().join(',') : '*'}|${filterKey(filter)}`;
  let order = state.orders.get(key);
  if (!order || !fresh(order)) {
    let runners: RunnerTrack[];
    if (q.q) {
      if (!fresh(state.search)) {
        const all = [...room.runners.values()].filter((r) => r.visible);
        const search = createRunnerSearch(all.map((r) => ({ id: r.id, name: r.record.name, bib: r.record.bib, r })));
        state.search = { at: now, visible: room.visibleCount, find: (text) => search(text).map((x) => x.r) };
      }
      runners = state.search!.find(q.q);
    } else runners = [...room.runners.values()].filter((r) => r.visible);
    if (q.only) {
      const only = new Set(q.only);
      runners = runners.filter((r) => only.has(r.id));
    }
    if (!isEmptyFilter(filter)) runners = runners.filter((r) => passes(r.record.entry, filter));
    // A search keeps its best-match order unless another column is chosen.
    const sort = q.q && q.sort === 'order' ? null : q.sort;
    const rows = runners.map(rowOf);
    const sorted = sort === null ? (q.desc ? rows.reverse() : rows) : orderRunners(rows, sort, q.desc, room.course !== null);
    order = { at: now, visible: room.visibleCount, ids: sorted.map((r) => r.id) };
    // Orders nobody asked for lately go; a handful of sorts and searches stay.
    if (state.orders.size > 64) state.orders.clear();
    state.orders.set(key, order);
  }
  const rows: ListRow[] = [];
  for (const id of order.ids.slice(q.from, q.from + q.limit)) {
    const r = room.runners.get(id);
    if (!r?.visible) continue;
    rows.push(rowOf(r));
  }
  let found: Facets | null;
  if (q.only) found = facetsOf(room, new Set(q.only));
  else {
    if (!state.facets || !fresh(state.facets)) state.facets = { at: now, visible: room.visibleCount, facets: facetsOf(room, null) };
    found = state.facets.facets;
  }
  return { total: order.ids.length, from: q.from, rows, ...(found ? { facets: found } : {}) };
}
