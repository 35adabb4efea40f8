/**
 * The browser's one HTTP client, typed by the route table (lib/routes.ts): a route's path parameters, query,
 * body and answer are the table's, and its address is made from the table's path, so no page writes an /api
 * path by hand. Errors come back as an ApiError with the server's code and message (docs/api.md), or a
 * message that says what to do when the server was not reached.
 */
import type { RunnerSummary as FullRunnerSummary } from '../lib/api-schemas';
import { type AnswerOf, type BodyInput, fillPath, type ParamNames, type QueryInput, ROUTES, type RouteName, type Routes, type RouteSpec } from '../lib/routes';

export { ROUTES, type RouteName };
export type { ListPage, ListRow, Quotas, RunnerRaceDetail, TrailPage } from '../lib/api-schemas';
export type { EntryRowProblem, EntryView, TimingView, TrackerView } from '../lib/timing-schemas';
export type { EntryFields } from '../lib/entries/entry';

export type Params<N extends RouteName> = { readonly [K in ParamNames<Routes[N]['path']>]: string };
/** What a success of route N answers: its JSON, null for nothing; never for a file, picture or stream. */
export type Answer<N extends RouteName> = AnswerOf<Routes[N]>;
/** The query route N reads; values left undefined are left out. */
export type Query<N extends RouteName> = QueryInput<Routes[N]>;
/** What opens a protected event's reads: its view code or a share link. */
export type ReadAccess = Query<'eventSummary'>;

/** A runner as the organiser page reads them from the event summary (the summary carries more). */
export type RunnerSummary = Omit<FullRunnerSummary, 'movingMs' | 'latest' | 'alert'>;
/** The event summary as the organiser page reads it. */
export type EventSummary = Omit<Answer<'eventSummary'>, 'runners'> & { runners: RunnerSummary[] };

/** The address of a route: relative to this site, or on `origin` ("https://host:port"). */
export function apiUrl<N extends RouteName>(name: N, params: Params<N>, query: Query<N> = {}, origin = ''): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query as Readonly<Record<string, string | number | undefined>>)) if (v !== undefined) q.set(k, String(v));
  const search = q.toString();
  return `${origin}${fillPath(ROUTES[name].path, params)}${search ? `?${search}` : ''}`;
}

export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when the server was not reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    /** What else the refusal said (a start list's `rows` to fix). */
    readonly detail: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

interface Options {
  /** Sent as "Authorization: Bearer …": the organiser token, or the runner's own. */
  token?: string;
  signal?: AbortSignal;
  /** Where the server is, when not this page's origin. */
  origin?: string;
}

/** A JSON body for routes that read one, a body as it is (a course file, a frame) for those that read that. */
type BodyOptions<R extends RouteSpec> = R['body'] extends { kind: 'json' }
  ? { body?: BodyInput<R>; raw?: never }
  : R['body'] extends { kind: 'raw' }
    ? { body?: never; raw?: BodyInit; rawType?: string }
    : { body?: never; raw?: never };

export type CallOptions<N extends RouteName = RouteName> = Options & { query?: Query<N> } & BodyOptions<Routes[N]>;

/** Call a route; resolves with what a success answers (null for routes that answer nothing). */
export async function call<N extends RouteName>(name: N, params: Params<N>, opts: CallOptions<N> = {}): Promise<Answer<N>> {
  const route: RouteSpec = ROUTES[name];
  const { answer } = route;
  if (!answer.json && answer.status !== 204) throw new Error(`${name} is opened by its address (apiUrl), not called.`);
  const { body: json, raw, rawType } = opts as { body?: unknown; raw?: BodyInit; rawType?: string };
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined = raw;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (raw !== undefined) headers['content-type'] = rawType ?? 'application/octet-stream';
  let res: Response;
  try {
    res = await fetch(apiUrl(name, params, opts.query, opts.origin), { method: route.method, headers, body, signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new ApiError(0, 'unreachable', 'Could not reach the server: check your connection and try again.');
  }
  if (!res.ok) {
    const refusal = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } & Record<string, unknown> } | null;
    throw new ApiError(res.status, refusal?.error?.code ?? 'http_error', refusal?.error?.message ?? `The server answered ${res.status}.`, refusal?.error ?? {});
  }
  if (!answer.json) return null as Answer<N>;
  return (await res.json()) as Answer<N>;
}
