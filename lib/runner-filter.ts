/**
 * Filters of the runner list by what the start list says of a runner: category, sex, age group, club,
 * wave. The server applies them before sorting (so positions stay the race's, and a filtered list reads
 * "3rd of F40"), and answers which values there are to choose from.
 */
import type { PublicEntry } from './entries/entry';

export const FILTER_FIELDS = ['category', 'sex', 'ageGroup', 'club', 'wave'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];
export type ListFilter = Partial<Record<FilterField, string>>;
export type Facets = Record<FilterField, string[]>;

/** The list's query parameter for each field. */
export const FILTER_PARAM: Record<FilterField, string> = { category: 'cat', sex: 'sex', ageGroup: 'ag', club: 'club', wave: 'wave' };

export const FILTER_LABEL: Record<FilterField, string> = { category: 'Category', sex: 'Sex', ageGroup: 'Age group', club: 'Club', wave: 'Wave' };

/** Values past this many per field are left out of the choices (a list of 3,000 clubs is a search, not a menu). */
export const FACET_MAX = 200;

/** Whether a runner's entry passes the filter; a runner without an entry passes only an empty filter. */
export function passes(entry: PublicEntry | null | undefined, filter: ListFilter): boolean {
  for (const field of FILTER_FIELDS) {
    const want = filter[field];
    if (want && entry?.[field] !== want) return false;
  }
  return true;
}

export const isEmptyFilter = (filter: ListFilter) => FILTER_FIELDS.every((f) => !filter[f]);

/** A stable key of a filter (for caching an order). */
export const filterKey = (filter: ListFilter) => FILTER_FIELDS.map((f) => filter[f] ?? '').join('\u0001');

/** The values of each field among these entries, sorted. */
export function facets(entries: Iterable<PublicEntry | null | undefined>): Facets {
  const sets = Object.fromEntries(FILTER_FIELDS.map((f) => [f, new Set<string>()])) as Record<FilterField, Set<string>>;
  for (const e of entries) {
    if (!e) continue;
    for (const f of FILTER_FIELDS) {
      const v = e[f];
      if (v && sets[f].size < FACET_MAX) sets[f].add(v);
    }
  }
  return Object.fromEntries(FILTER_FIELDS.map((f) => [f, [...sets[f]].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))])) as Facets;
}
