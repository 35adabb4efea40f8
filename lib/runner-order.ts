/**
 * The orders of the runner list, shared by the server (which pages the whole field) and the browser (a
 * replay's moment, ordered in the page): race position, name (numbers by value), distance, pace or happiness,
 * either way round; runners without a value go last either way; ties keep the order given (join order, or a
 * search's best match first).
 */
import { compareNatural } from './course/search';

export const LIST_SORTS = ['order', 'name', 'distance', 'pace', 'mood'] as const;
export type ListSort = (typeof LIST_SORTS)[number];

export interface Orderable {
  id: string;
  name: string;
  bib?: string | null;
  /** Metres covered. */
  distance: number;
  /** Speed now, m/s; null when not moving. */
  speed: number | null;
  mood: number | null;
  race?: { pos: number | null; at: number | null } | null;
}

function keyOf(sort: ListSort, racing: boolean): ((r: Orderable) => number | null) | null {
  switch (sort) {
    case 'order':
      return racing ? (r) => r.race?.pos ?? null : null;
    case 'distance':
      return racing ? (r) => r.race?.at ?? null : (r) => r.distance;
    case 'pace':
      return (r) => r.speed;
    case 'mood':
      return (r) => r.mood;
    case 'name':
      return null;
  }
}

export function orderRunners<T extends Orderable>(items: readonly T[], sort: ListSort, desc: boolean, racing: boolean): T[] {
  if (sort === 'name') {
    const out = items.slice().sort((a, b) => compareNatural(a.name, b.name) || compareNatural(a.bib ?? '', b.bib ?? '') || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return desc ? out.reverse() : out;
  }
  const key = keyOf(sort, racing);
  if (!key) return desc ? items.slice().reverse() : items.slice();
  const keyed = items.map((r, i) => ({ r, i, k: key(r) }));
  keyed.sort((a, b) => {
    if (a.k === null || b.k === null) return a.k === null ? (b.k === null ? a.i - b.i : 1) : -1;
    return (desc ? b.k - a.k : a.k - b.k) || a.i - b.i;
  });
  return keyed.map((e) => e.r);
}
