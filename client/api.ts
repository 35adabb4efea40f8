/**
 * The browser's one HTTP client: every /api route the pages call, link to or open, as a table (method, path
 * template, what a success answers), and one way to call a route. Errors come back as an ApiError with the
 * server's code and message (docs/api.md), or a message that says what to do when the server was not reached.
 *
 * The table mirrors server/http/api/routes.ts route for route (plus the live stream's fallback, transport/sse.ts),
 * so that both can later be derived from one table in lib/.
 */
import type { CompactCourse } from '../lib/course/compact';
import type { Forecast, Split } from '../lib/course/forecast';
import type { Alert, AppRefusal, CourseInfo, EventInfo, RaceInfo, RunnerInfo, ShareLink } from '../lib/protocol';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * One route. `answer` says what a success carries: a JSON body (typed `A`), nothing (204), or a file, picture
 * or stream that a link, an image or an EventSource opens (those are only ever addressed, with `apiUrl`).
 */
export interface Route<M extends Method = Method, P extends string = string, A = unknown> {
  readonly method: M;
  readonly path: P;
  readonly answer: 'json' | 'none' | 'open';
  /** Type only, never set: the JSON a success answers. */
  readonly returns?: A;
}

const json =
  <A>() =>
  <M extends Method, P extends string>(method: M, path: P): Route<M, P, A> => ({ method, path, answer: 'json' });
const none = <M extends Method, P extends string>(method: M, path: P): Route<M, P, null> => ({ method, path, answer: 'none' });
const open = <P extends string>(path: P): Route<'GET', P, never> => ({ method: 'GET', path, answer: 'open' });

/** The event's limits, which its organiser may change. */
export interface Quotas {
  maxRunners: number;
  fixesPerRunnerPerHour: number;
  cheersPerMinute: number;
}

/** A runner as the summary read gives them: the organiser's read includes runners without a fix yet. */
export interface RunnerSummary extends RunnerInfo {
  /** Fixes stored. */
  points: number;
  /** Metres covered. */
  distance: number;
  joinedAt: number;
}

export interface EventSummary {
  event: EventInfo;
  runners: RunnerSummary[];
  /** Only with the organiser token. */
  organiser?: { failedAttempts: number; quotas: Quotas; runners: number };
}

/** A runner's splits and predictions (server/domain/race-course.ts). */
export interface RunnerRaceDetail {
  splits: Split[];
  checkpoints: Split[];
  forecast: Forecast;
}

/** One runner of the list: as spectators see them, with distance covered (m) and speed now (m/s). */
export interface ListRow extends RunnerInfo {
  distance: number;
  speed: number | null;
}

/** A window of the runner list. */
export interface ListPage {
  /** Runners matching (everyone visible without a search). */
  total: number;
  from: number;
  rows: ListRow[];
}

/** One page of a runner's stored track with format=trail: encoded in milliseconds (lib/polyline.ts). */
export interface TrailPage {
  trail: string;
  count: number;
  /** The `after` of the next page; null at the end. */
  next: string | null;
}

export const ROUTES = {
  createEvent: json<{ event: EventInfo; organiserToken: string }>()('POST', '/api/events'),
  eventSummary: json<EventSummary>()('GET', '/api/events/:id'),
  exportJson: open('/api/events/:id/export.json'),
  finish: json<{ event: EventInfo }>()('POST', '/api/events/:id/finish'),
  setViewCode: json<{ event: EventInfo; code?: string }>()('PUT', '/api/events/:id/view-code'),
  setQuotas: json<{ quotas: Quotas }>()('PUT', '/api/events/:id/quotas'),
  links: json<{ links: ShareLink[] }>()('GET', '/api/events/:id/links'),
  createLink: json<{ link: ShareLink; path: string }>()('POST', '/api/events/:id/links'),
  revokeLink: none('DELETE', '/api/events/:id/links/:link'),
  acknowledgeAlert: json<{ alert: Alert }>()('POST', '/api/events/:id/alerts/:alert/ack'),
  /** The course line (with ?v=<version>, cacheable for ever); with ?format=gpx, a GPX download. */
  course: json<{ info: CourseInfo; course: CompactCourse }>()('GET', '/api/events/:id/course'),
  setCourse: json<{ race: RaceInfo; warnings: string[] }>()('PUT', '/api/events/:id/course'),
  courseFromTrack: json<{ race: RaceInfo; warnings: string[] }>()('POST', '/api/events/:id/course/from-track'),
  setCheckpoints: json<{ race: RaceInfo }>()('PUT', '/api/events/:id/checkpoints'),
  setRace: json<{ race: RaceInfo }>()('PUT', '/api/events/:id/race'),
  setBib: json<{ bib: string | null }>()('PUT', '/api/events/:id/runners/:runner/bib'),
  runnerRace: json<RunnerRaceDetail>()('GET', '/api/events/:id/runners/:runner/race'),
  /** With the organiser token, or the runner's own. */
  removeRunner: none('DELETE', '/api/events/:id/runners/:runner'),
  trackPage: json<TrailPage>()('GET', '/api/events/:id/runners/:runner/track'),
  /** A window of the runner list (?sort=&desc=1&q=&from=&limit=), sorted or searched on the server. */
  runnerList: json<ListPage>()('GET', '/api/events/:id/list'),
  trackGpx: open('/api/events/:id/runners/:runner/track.gpx'),
  avatar: open('/api/events/:id/runners/:runner/avatar'),
  deviceKey: json<{ issued: boolean; refused: Partial<Record<AppRefusal, number>> }>()('GET', '/api/events/:id/runners/:runner/device-key'),
  issueDeviceKey: json<{ key: string }>()('POST', '/api/events/:id/runners/:runner/device-key'),
  revokeDeviceKey: none('DELETE', '/api/events/:id/runners/:runner/device-key'),
  /** The live stream's fallback: Server-Sent Events down (an EventSource opens it)… */
  stream: open('/api/stream'),
  /** …and one client message per post up. */
  streamPost: json<Record<string, never>>()('POST', '/api/stream/:stream'),
} as const satisfies Record<string, Route>;

export type RouteName = keyof typeof ROUTES;
type RouteOf<N extends RouteName> = (typeof ROUTES)[N];

/** The names of a path template's parameters: '/api/events/:id/links/:link' → 'id' | 'link'. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;
export type Params<N extends RouteName> = { readonly [K in ParamNames<RouteOf<N>['path']>]: string };
export type Answer<N extends RouteName> = RouteOf<N> extends Route<Method, string, infer A> ? A : never;

/** Query parameters; those left undefined are left out. */
export type Query = Readonly<Record<string, string | undefined>>;

/** The address of a route: relative to this site, or on `origin` ("https://host:port"). */
export function apiUrl<N extends RouteName>(name: N, params: Params<N>, query: Query = {}, origin = ''): string {
  const values = params as Readonly<Record<string, string>>;
  const path = ROUTES[name].path.replace(/:([A-Za-z]+)/g, (_, key: string) => encodeURIComponent(values[key] ?? ''));
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  const search = q.toString();
  return `${origin}${path}${search ? `?${search}` : ''}`;
}

export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when the server was not reached. */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  /** Sent as "Authorization: Bearer …": the organiser token, or the runner's own. */
  token?: string;
  query?: Query;
  /** A JSON body. */
  body?: unknown;
  /** A body sent as it is (a course file, a frame already serialised), of type `rawType`. */
  raw?: BodyInit;
  rawType?: string;
  signal?: AbortSignal;
  /** Where the server is, when not this page's origin. */
  origin?: string;
}

/** Call a route; resolves with what a success answers (null for routes that answer nothing). */
export async function call<N extends RouteName>(name: N, params: Params<N>, opts: CallOptions = {}): Promise<Answer<N>> {
  const route: Route = ROUTES[name];
  if (route.answer === 'open') throw new Error(`${name} is opened by its address (apiUrl), not called.`);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  } else if (opts.raw !== undefined) headers['content-type'] = opts.rawType ?? 'application/octet-stream';
  let res: Response;
  try {
    res = await fetch(apiUrl(name, params, opts.query, opts.origin), { method: route.method, headers, body, signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new ApiError(0, 'unreachable', 'Could not reach the server: check your connection and try again.');
  }
  if (!res.ok) {
    const answer = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiError(res.status, answer?.error?.code ?? 'http_error', answer?.error?.message ?? `The server answered ${res.status}.`);
  }
  if (route.answer === 'none') return null as Answer<N>;
  return (await res.json()) as Answer<N>;
}
