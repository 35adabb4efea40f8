/**
 * The runner list as the server pages it (GET /api/events/<id>/list): the page holds only the rows in sight
 * (and a few around), read a hundred at a time, and reads them again every few seconds with the ETag it was
 * given, so rows that did not change cost a 304. Sorting and searching happen on the server, over the whole
 * field. Other columns or filters (categories, statuses) are more query parameters of the same window.
 */
import { createRunnerSearch } from '../lib/course/search';
import { type ListSort, orderRunners } from '../lib/runner-order';
import { type Facets, facets, FILTER_FIELDS, FILTER_PARAM, filterKey, isEmptyFilter, type ListFilter, passes } from '../lib/runner-filter';
import { apiUrl, type ListPage, type ListRow, type ReadAccess } from './api';
import { Listeners, type Store } from './store';

export type { ListSort };

export interface ListQuery {
  sort: ListSort;
  desc: boolean;
  q: string;
  /** Category, sex, age group, club, wave: only runners whose entry says so. */
  filter?: ListFilter;
}

export interface ListState {
  query: ListQuery;
  /** Runners matching; null until the first answer. */
  total: number | null;
  /** Rows read so far, by position in the list. */
  rows: ReadonlyMap<number, ListRow>;
  /** Bumped whenever rows change. */
  version: number;
  /** The last read failed: what to tell the reader. */
  error: string | null;
  /** The values the filters can take (from the server's answer); absent when nobody is on the start list. */
  facets?: Facets;
}

/** Rows per read: pages start at multiples of it. */
export const LIST_PAGE = 100;
/** Pages in sight are read again this often. */
const REFRESH_MS = 3000;

/** What the runner list reads from: the server's pages, or rows the page holds (a replay's moment). */
export interface RunnerListStore extends Store<ListState> {
  setQuery(query: ListQuery): void;
  setWindow(from: number, to: number): void;
}

export interface ListSourceOptions {
  event: string;
  access: ReadAccess;
  /** Rows the page came with (race order, from the top): shown until they are read again. */
  initial?: ListPage | null;
  fetch?: typeof fetch;
  refreshMs?: number;
  /** Every timer goes through here (tests hold them). */
  setTimer?: (fn: () => void, ms: number) => () => void;
}

interface Page {
  etag: string | null;
  at: number;
  loading: boolean;
}

export class ListSource implements RunnerListStore {
  private state: ListState = { query: { sort: 'order', desc: false, q: '' }, total: null, rows: new Map(), version: 0, error: null };
  private readonly listeners = new Listeners();
  private pages = new Map<number, Page>();
  private window: [number, number] = [0, LIST_PAGE];
  private generation = 0;
  private stopTimer: (() => void) | null = null;
  private closed = false;
  private refreshed = 0;

  constructor(private readonly opts: ListSourceOptions) {
    if (opts.initial) this.state = { ...this.state, ...pageState(opts.initial) };
    this.schedule();
  }

  readonly subscribe = (listener: () => void): (() => void) => this.listeners.add(listener);
  readonly getSnapshot = (): ListState => this.state;

  /** Another order or search: the list starts again from its top. */
  setQuery(query: ListQuery): void {
    const q = this.state.query;
    if (q.sort === query.sort && q.desc === query.desc && q.q === query.q && filterKey(q.filter ?? {}) === filterKey(query.filter ?? {})) return;
    this.generation++;
    this.pages = new Map();
    this.set({ query, total: null, rows: new Map(), error: null });
    this.load();
  }

  /** Rows from..to (end excluded) are in sight. */
  setWindow(from: number, to: number): void {
    if (from === this.window[0] && to === this.window[1]) return;
    this.window = [Math.max(0, from), Math.max(from, to)];
    this.load();
  }

  /** Read the pages in sight now (runners came or went), at most once a second. */
  refresh(): void {
    const now = Date.now();
    if (now - this.refreshed < 1000) return;
    this.refreshed = now;
    for (const page of this.pages.values()) page.at = 0;
    this.load();
  }

  close(): void {
    this.closed = true;
    this.stopTimer?.();
  }

  private set(patch: Partial<ListState>): void {
    this.state = { ...this.state, ...patch, version: this.state.version + 1 };
    this.listeners.notify();
  }

  private schedule(): void {
    const timer = this.opts.setTimer ?? ((fn, ms) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    });
    this.stopTimer = timer(() => {
      if (this.closed) return;
      this.load();
      this.schedule();
    }, this.opts.refreshMs ?? REFRESH_MS);
  }

  /** Read the pages covering the window that are missing or older than the refresh period. */
  private load(): void {
    if (this.closed) return;
    const [from, to] = this.window;
    const first = Math.floor(from / LIST_PAGE) * LIST_PAGE;
    const total = this.state.total;
    const now = Date.now();
    for (let start = first; start < Math.max(to, first + 1); start += LIST_PAGE) {
      if (total !== null && start >= total && start > 0) break;
      const page = this.pages.get(start);
      if (page && (page.loading || now - page.at < (this.opts.refreshMs ?? REFRESH_MS) - 100)) continue;
      void this.read(start);
    }
  }

  private async read(start: number): Promise<void> {
    const generation = this.generation;
    const page = this.pages.get(start) ?? { etag: null, at: 0, loading: false };
    page.loading = true;
    this.pages.set(start, page);
    const { sort, desc, q, filter = {} } = this.state.query;
    const filters: Record<string, string> = {};
    for (const f of FILTER_FIELDS) if (filter[f]) filters[FILTER_PARAM[f]] = filter[f];
    const url = apiUrl('runnerList', { id: this.opts.event }, { ...this.opts.access, sort, ...(desc ? { desc: '1' } : {}), ...(q ? { q } : {}), ...filters, from: String(start), limit: String(LIST_PAGE) });
    try {
      const res = await (this.opts.fetch ?? fetch)(url, { headers: page.etag ? { 'if-none-match': page.etag } : {} });
      if (generation !== this.generation) return;
      page.at = Date.now();
      if (res.status === 304) return;
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        this.set({ error: body?.error?.message ?? `The server answered ${res.status}.` });
        return;
      }
      const body = (await res.json()) as ListPage;
      if (generation !== this.generation) return;
      page.etag = res.headers.get('etag');
      const rows = new Map(this.state.rows);
      // Rows past the end of this page's answer are gone (the field shrank, a search found fewer).
      for (let i = start; i < start + LIST_PAGE; i++) rows.delete(i);
      body.rows.forEach((row, i) => rows.set(body.from + i, row));
      if (body.total < (this.state.total ?? 0)) for (const k of rows.keys()) if (k >= body.total) rows.delete(k);
      this.set({ rows, total: body.total, error: null, ...(body.facets ? { facets: body.facets } : {}) });
    } catch {
      if (generation === this.generation) this.set({ error: 'Could not read the runner list: check your connection.' });
    } finally {
      page.loading = false;
    }
  }
}

/** A page of rows as the list holds them. */
function pageState(page: ListPage): Pick<ListState, 'total' | 'rows'> {
  return { total: page.total, rows: new Map(page.rows.map((r, i) => [page.from + i, r])) };
}

/** The rows a page came with, as they are: the list until the page's own reading of it begins. */
export class FirstRows implements RunnerListStore {
  private readonly state: ListState;
  constructor(page: ListPage) {
    this.state = { query: { sort: 'order', desc: false, q: '' }, ...pageState(page), version: 0, error: null };
  }
  readonly subscribe = (): (() => void) => () => {};
  readonly getSnapshot = (): ListState => this.state;
  setQuery(): void {}
  setWindow(): void {}
}

/** Rows the page holds, ordered and searched here by the same rules as the server's (a replay's moment). */
export class LocalList implements RunnerListStore {
  private state: ListState = { query: { sort: 'order', desc: false, q: '' }, total: 0, rows: new Map(), version: 0, error: null };
  private readonly listeners = new Listeners();
  private all: readonly ListRow[] = [];
  private racing = false;

  readonly subscribe = (listener: () => void): (() => void) => this.listeners.add(listener);
  readonly getSnapshot = (): ListState => this.state;

  /** The rows as they are now (in their own order: race order or join order). */
  setRows(rows: readonly ListRow[], racing: boolean): void {
    this.all = rows;
    this.racing = racing;
    this.build(this.state.query);
  }

  setQuery(query: ListQuery): void {
    this.build(query);
  }

  setWindow(): void {}

  private build(query: ListQuery): void {
    let rows: ListRow[];
    if (query.q) {
      const found = createRunnerSearch(this.all.map((r) => ({ ...r, bib: r.bib ?? null })))(query.q) as ListRow[];
      rows = query.sort === 'order' ? found : orderRunners(found, query.sort, query.desc, this.racing);
    } else rows = orderRunners(this.all, query.sort, query.desc, this.racing);
    if (query.filter && !isEmptyFilter(query.filter)) rows = rows.filter((r) => passes(r.entry, query.filter!));
    const found = this.all.some((r) => r.entry) ? facets(this.all.map((r) => r.entry)) : undefined;
    this.state = { query, total: rows.length, rows: new Map(rows.map((r, i) => [i, r])), version: this.state.version + 1, error: null, ...(found ? { facets: found } : {}) };
    this.listeners.notify();
  }
}
