/**
 * Every HTTP route under /api, as one table shared by the server and the browser: method, path template,
 * who may call it, its path and query parameters, its request body, what it answers and what it may refuse.
 * The server's router binds each entry to its handler (server/http/api/routes.ts) and parses parameters and
 * bodies with these schemas; the browser's client (client/api.ts) is typed by it; the OpenAPI document
 * (lib/openapi.ts) and the docs test are made from it.
 */
import { z } from 'zod';
import * as A from './api-schemas';
import * as T from './timing-schemas';
import * as R from './results-schemas';
import { ClientMessageSchema, DistanceUnitSchema, ErrorCode, EventIdSchema, LIMITS, RunnerIdSchema } from './protocol';
import { LIST_SORTS } from './runner-order';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Who may call a route, and what they send to show it. */
export const ACCESS = {
  anyone: 'Anyone.',
  reader:
    'Anyone for a public event; for a protected one its view code (?code= or X-View-Code), a share link (?share=, which may limit the runners seen) or the organiser token.',
  organiser: 'The organiser token, as "Authorization: Bearer …".',
  runner: 'The runner\'s own token (from the live protocol\'s "joined"), as "Authorization: Bearer …".',
  organiserOrRunner: "The organiser token, or the runner's own token, as \"Authorization: Bearer …\".",
  stream: 'Whoever holds the stream id (the first event of GET /api/stream).',
  timingPoint: "The timing point's key (from the organiser page), as \"Authorization: Bearer …\".",
} as const;
export type Access = keyof typeof ACCESS;

/** An answer that refuses: its status, its code, and a message a person can act on. */
export interface Refusal {
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}

/** A path or query parameter: how its text reads, and how a text that does not read is answered. */
export interface Field<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** Left out for parameters every text passes. */
  readonly refusal?: Refusal;
}
export type Fields = Readonly<Record<string, Field>>;

/** A JSON body, checked against `schema` before the handler acts on it. */
export interface JsonBody<S extends z.ZodType = z.ZodType> {
  readonly kind: 'json';
  readonly schema: S;
  /** Larger bodies are answered 413 too_large. */
  readonly maxBytes: number;
  /** The code of a body the schema refuses (400). */
  readonly code: ErrorCode;
  /** The message for a body the schema refuses, from the first thing found wrong. */
  readonly explain: (issue: z.core.$ZodIssue) => string;
}

/** A body the handler reads as it is (a file, a frame): its schema, when it has one, only describes it. */
export interface RawBody {
  readonly kind: 'raw';
  readonly contentTypes: readonly string[];
  readonly description: string;
  readonly schema?: z.ZodType;
}

export type Body = JsonBody | RawBody;

export interface Answer {
  readonly status: number;
  readonly description: string;
  /** The JSON a success answers; null when it answers nothing or only something else. */
  readonly json: z.ZodType | null;
  /** What it answers other than JSON, by content type, and when. */
  readonly other?: Readonly<Record<string, string>>;
  /** Statuses beside success that are not refusals (304 Not Modified; health's 503 with the same body). */
  readonly also?: Readonly<Record<number, { readonly description: string; readonly body: 'same' | 'none' | 'text' }>>;
}

interface RouteInput {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly access: Access;
  readonly params?: Fields;
  readonly query?: Fields;
  readonly body?: Body;
  readonly answer: Answer;
  /** What it may refuse beyond what its access, parameters and body bring: code → status. */
  readonly errors?: Readonly<Partial<Record<ErrorCode, number>>>;
  /** Opened by a transport (transport/sse.ts) rather than the API router. */
  readonly transport?: true;
}

export interface RouteSpec extends Omit<RouteInput, 'params' | 'query' | 'body' | 'errors'> {
  readonly params: Fields;
  readonly query: Fields;
  readonly body: Body | null;
  readonly errors: Readonly<Partial<Record<ErrorCode, number>>>;
}

/** The names of a path template's parameters: '/api/events/:id/links/:link' → 'id' | 'link'. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** Exactly the path's parameters, each a field. */
type ParamsFit<R extends RouteInput> = [ParamNames<R['path']>] extends [never]
  ? { readonly params?: Readonly<Record<string, never>> }
  : { readonly params: { readonly [K in ParamNames<R['path']>]: Field } & { readonly [K in Exclude<keyof R['params'], ParamNames<R['path']>>]: never } };

/** No parameters: nothing can be read from it. */
type NoFields = Readonly<Record<string, never>>;

type Complete<R extends RouteInput> = Omit<R, 'params' | 'query' | 'body' | 'errors'> & {
  readonly params: R['params'] extends Fields ? R['params'] : NoFields;
  readonly query: R['query'] extends Fields ? R['query'] : NoFields;
  readonly body: R['body'] extends Body ? R['body'] : null;
  readonly errors: R['errors'] extends object ? R['errors'] : RouteSpec['errors'];
};

function route<const R extends RouteInput>(spec: R & ParamsFit<R>): Complete<R> {
  return { params: {}, query: {}, body: null, errors: {}, ...spec } as unknown as Complete<R>;
}

// ---------- parameters ----------

const notFound = (code: ErrorCode, message: string): Refusal => ({ status: 404, code, message });
const badQuery = (code: ErrorCode, message: string): Refusal => ({ status: 400, code, message });

/** A path segment that cannot name anything that exists is answered as if it named nothing. */
const EVENT = { schema: EventIdSchema, refusal: notFound(ErrorCode.NoSuchEvent, 'There is no such event.') } as const;
const RUNNER = { schema: RunnerIdSchema, refusal: notFound(ErrorCode.NoSuchRunner, 'That runner is not in this event.') } as const;
const LINK = {
  schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a link id'),
  refusal: notFound(ErrorCode.NoSuchLink, 'There is no such link.'),
} as const;
const MESSAGE = {
  schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a message id'),
  refusal: notFound(ErrorCode.NoSuchMessage, 'There is no such message for this runner.'),
} as const;
const MARK_KEY = {
  schema: z.string().regex(/^[a-z]{2,8}:[A-Za-z0-9_-]{1,64}$/, 'not a watchlist item'),
  refusal: { status: 400, code: ErrorCode.BadMark, message: 'That is not a watchlist item of this event ("<kind>:<runner id>").' },
} as const;
const ALERT = {
  schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an alert id'),
  refusal: notFound(ErrorCode.NoSuchAlert, 'There is no open alert with that id: it may have been acknowledged already.'),
} as const;
const STREAM = { schema: z.string().regex(/^[A-Za-z0-9_-]+$/, 'not a stream id'), refusal: notFound(ErrorCode.NoSuchStream, 'Open a stream first.') } as const;
const POINT = {
  schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a timing point id'),
  refusal: notFound(ErrorCode.NoSuchTimingPoint, 'There is no such timing point.'),
} as const;
const TRACKER = {
  schema: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a tracker id'),
  refusal: notFound(ErrorCode.NoSuchTracker, 'There is no such tracker.'),
} as const;

/** The credentials of a protected event's readers that travel in the query. */
const READER = {
  code: { schema: z.string().optional().describe('The view code of a protected event (the X-View-Code header works too).') },
  share: { schema: z.string().optional().describe("A share link's token: opens the event, limited to the link's runners.") },
} as const;

/** A whole number in [min, max]; an empty value counts as none. */
function wholeNumber(name: string, min: number, max: number, code: ErrorCode, description: string) {
  return {
    schema: z
      .preprocess((v) => (v === undefined || v === '' ? undefined : Number(v)), z.number().int().min(min).max(max).optional())
      .describe(description),
    refusal: badQuery(code, `${name} must be a whole number from ${min} to ${max}.`),
  } as const;
}

/** Largest page of the track endpoint. */
const TRACK_PAGE_MAX = 10_000;
/** Most rows one page of the runner list holds. */
export const LIST_PAGE_MAX = 500;
/** Characters of a search of the runner list that count. */
export const LIST_QUERY_MAX = 64;

/** "1700000000000:42": a track page's `next`, the time and sequence number of its last fix. */
const CURSOR = z.codec(
  z.string().regex(/^$|^-?\d{1,16}:\d{1,16}$/),
  z.object({ t: z.number().int(), seq: z.number().int() }).nullable(),
  {
    decode: (s) => {
      if (s === '') return null;
      const [t, seq] = s.split(':');
      return { t: Number(t), seq: Number(seq) };
    },
    encode: (c) => (c ? `${c.t}:${c.seq}` : ''),
  },
);

// ---------- bodies ----------

/** Every JSON body is small: names, codes, settings. */
const JSON_BODY_MAX = 4096;

/** "Invalid link: runners.0 not a runner id." from the first thing zod found wrong. */
function invalid(what: string) {
  return (issue: z.core.$ZodIssue) => `Invalid ${what}: ${issue.path.join('.') || 'body'} ${issue.message}.`;
}

function json<S extends z.ZodType>(schema: S, code: ErrorCode, explain: (issue: z.core.$ZodIssue) => string) {
  return { kind: 'json', schema, maxBytes: JSON_BODY_MAX, code, explain } as const satisfies JsonBody;
}

const GIVE_NAME = 'Give the event a name: {"name": "Sunday 10k"}.';

// ---------- answers ----------

const ok = <S extends z.ZodType>(json: S, description: string, status = 200) => ({ status, json, description }) as const;
const nothing = (description: string) => ({ status: 204, json: null, description }) as const;
const NOT_MODIFIED = { description: 'Not modified since the ETag sent in If-None-Match.', body: 'none' } as const;

/** Changes that must be made durable first: refused, and not made, while storage fails. */
const WRITES = { [ErrorCode.StorageUnavailable]: 503 } as const;
const EXPORTS = { [ErrorCode.TooManyExports]: 429, [ErrorCode.ExportsBusy]: 503 } as const;

// ---------- the table ----------

export const ROUTES = {
  health: route({
    method: 'GET',
    path: '/api/health',
    summary: 'Liveness, counts and the state of storage and the backplane, for monitoring and load balancers.',
    access: 'anyone',
    answer: { ...ok(A.HealthAnswer, 'The instance works.'), also: { 503: { description: 'Storage is failing or a commit has stalled: the same body, with retry-after.', body: 'same' } } },
  }),
  listEvents: route({
    method: 'GET',
    path: '/api/events',
    summary: 'Every event, newest first, with runner counts for public ones.',
    access: 'anyone',
    answer: ok(A.EventListAnswer, 'The events.'),
  }),
  createEvent: route({
    method: 'POST',
    path: '/api/events',
    summary: 'Create an event; its organiser token is answered this once.',
    access: 'anyone',
    body: json(A.CreateEventBody, ErrorCode.BadName, (issue) => (issue.code === 'invalid_type' ? GIVE_NAME : `Event name ${issue.message}.`)),
    answer: ok(A.CreatedEventAnswer, 'The event, its organiser token and its pages.', 201),
    errors: { [ErrorCode.RateLimited]: 429, ...WRITES },
  }),
  eventSummary: route({
    method: 'GET',
    path: '/api/events/:id',
    summary: 'The event and a summary of each runner (with the organiser token, also runners without a fix, attempts and limits).',
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: ok(A.EventSummaryAnswer, 'The event and its runners.'),
  }),
  snapshot: route({
    method: 'GET',
    path: '/api/events/:id/snapshot',
    summary: "What a live subscriber gets first: the live protocol's snapshot without its type.",
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: ok(A.SnapshotAnswer, 'The snapshot.'),
  }),
  runnerList: route({
    method: 'GET',
    path: '/api/events/:id/list',
    summary: 'A window of the runner list, the whole field sorted, searched or filtered (category, sex, age group, club, wave) on the server (each order shared for 2 s).',
    access: 'reader',
    params: { id: EVENT },
    query: {
      ...READER,
      sort: {
        schema: z.enum(LIST_SORTS).default('order').describe('order (race order with a course, join order without), name, distance, pace or mood.'),
        refusal: badQuery(ErrorCode.BadSort, `sort must be one of ${LIST_SORTS.join(', ')}.`),
      },
      desc: { schema: z.enum(['1', '0', '']).optional().describe('1: the other way round (runners without a value stay last).') },
      q: { schema: z.string().optional().describe(`A bib or part of a name (its first ${LIST_QUERY_MAX} characters): the best matches first unless sort says otherwise.`) },
      from: wholeNumber('from', 0, 10_000_000, ErrorCode.BadFrom, 'The first row, counted from 0.'),
      limit: wholeNumber('limit', 1, LIST_PAGE_MAX, ErrorCode.BadLimit, 'Rows (100 when left out).'),
      cat: { schema: z.string().max(60).optional().describe('Only runners of this category (as the start list names it).') },
      sex: { schema: z.string().max(1).optional().describe('Only runners of this sex: F, M or X.') },
      ag: { schema: z.string().max(60).optional().describe('Only runners of this age group.') },
      club: { schema: z.string().max(60).optional().describe('Only runners of this club.') },
      wave: { schema: z.string().max(60).optional().describe('Only runners of this wave.') },
    },
    answer: { ...ok(A.ListPageAnswer, 'The window and how many runners match.'), also: { 304: NOT_MODIFIED } },
  }),
  happiness: route({
    method: 'GET',
    path: '/api/events/:id/happiness',
    summary: "The event's happiness history, oldest first.",
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: ok(A.HappinessAnswer, 'The samples.'),
  }),
  exportJson: route({
    method: 'GET',
    path: '/api/events/:id/export.json',
    summary: 'Everything stored about the event, streamed as a download.',
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: { status: 200, json: null, description: 'The export.', other: { 'application/json': 'The whole event as a JSON attachment, one position per line.' } },
    errors: EXPORTS,
  }),
  results: route({
    method: 'GET',
    path: '/api/events/:id/results',
    summary: 'Results: place overall, in category, sex and age group, gun and chip time, every split (JSON, or ?format=csv), streamed as a download.',
    access: 'reader',
    params: { id: EVENT },
    query: { ...READER, format: { schema: z.string().optional().describe('csv for a CSV download; otherwise JSON.') } },
    answer: {
      ...ok(R.ResultsAnswer, 'The results in race order, as an attachment.'),
      other: {
        'text/csv': 'With format=csv: Place, Category Place, Sex Place, Age Group Place, Bib, Name, Sex, Age Group, Category, Club, Wave, Status, Gun Time, Chip Time, then one column per split (h:mm:ss.t).',
      },
    },
    errors: EXPORTS,
  }),
  finishLine: route({
    method: 'GET',
    path: '/api/events/:id/finish-line',
    summary: "The announcer's view: runners expected at the finish soonest first, and the latest finishers.",
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: ok(R.FinishLineAnswer, 'Who arrives next and who just finished.'),
  }),
  finish: route({
    method: 'POST',
    path: '/api/events/:id/finish',
    summary: 'End the event: sharing stops, the map and the reads stay.',
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(A.EventAnswer, 'The finished event.'),
    errors: WRITES,
  }),
  setViewCode: route({
    method: 'PUT',
    path: '/api/events/:id/view-code',
    summary: 'Protect the event with a view code, have the server pick one, or lift it.',
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.ViewCodeBody, ErrorCode.BadViewCode, (issue) =>
      issue.code === 'custom' || issue.path.length === 0 ? issue.message : `The ${issue.message}; send {"code": null} to lift it.`,
    ),
    answer: ok(A.ViewCodeAnswer, 'The event (and the code, when the server picked it).'),
    errors: WRITES,
  }),
  quotas: route({
    method: 'GET',
    path: '/api/events/:id/quotas',
    summary: "The event's limits.",
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(A.QuotasAnswer, 'The limits.'),
  }),
  setQuotas: route({
    method: 'PUT',
    path: '/api/events/:id/quotas',
    summary: "Change some of the event's limits, within their ceilings.",
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.QuotasBody, ErrorCode.BadQuotas, invalid('limits')),
    answer: ok(A.QuotasAnswer, 'The limits now.'),
    errors: WRITES,
  }),
  links: route({
    method: 'GET',
    path: '/api/events/:id/links',
    summary: 'Every share link of the event, newest first, expired and withdrawn ones too.',
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(A.LinksAnswer, 'The links.'),
  }),
  createLink: route({
    method: 'POST',
    path: '/api/events/:id/links',
    summary: 'Make a spectator link: for all runners or some, expiring or not.',
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.LinkBody, ErrorCode.BadLink, invalid('link')),
    answer: ok(A.CreatedLinkAnswer, 'The link and the page to share.', 201),
    // What it stores counts against the address's write budget.
    errors: { [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  revokeLink: route({
    method: 'DELETE',
    path: '/api/events/:id/links/:link',
    summary: 'Withdraw a share link: its spectators are dropped, its reads answer 410.',
    access: 'organiser',
    params: { id: EVENT, link: LINK },
    answer: nothing('Withdrawn (also when it was already).'),
    errors: WRITES,
  }),
  acknowledgeAlert: route({
    method: 'POST',
    path: '/api/events/:id/alerts/:alert/ack',
    summary: 'Acknowledge an SOS: it closes for everyone.',
    access: 'organiser',
    params: { id: EVENT, alert: ALERT },
    answer: ok(A.AlertAnswer, 'The alert, with ackedAt.'),
    errors: WRITES,
  }),
  control: route({
    method: 'GET',
    path: '/api/events/:id/control',
    summary: "Race control's thresholds, the marks on watchlist items, and every message sent to runners with who saw it.",
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(A.ControlAnswer, 'What race control has written down.'),
  }),
  setConsoleSettings: route({
    method: 'PUT',
    path: '/api/events/:id/control/settings',
    summary: "Change the console's thresholds (minutes stopped, minutes silent, battery, mood); the rest stay.",
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.ConsoleSettingsBody, ErrorCode.BadSettings, invalid('settings')),
    answer: ok(A.ConsoleSettingsAnswer, 'The thresholds now.'),
    errors: WRITES,
  }),
  markWatch: route({
    method: 'PUT',
    path: '/api/events/:id/control/marks/:key',
    summary: 'Acknowledge, assign or note a watchlist item ("stopped:<runner id>"); every director sees it at once.',
    access: 'organiser',
    params: { id: EVENT, key: MARK_KEY },
    body: json(A.MarkBody, ErrorCode.BadMark, invalid('mark')),
    answer: ok(A.MarkAnswer, 'The mark now.'),
    errors: WRITES,
  }),
  setVerdicts: route({
    method: 'POST',
    path: '/api/events/:id/verdicts',
    summary: 'DNF, DSQ or DNS for many runners at once (everyone past a cut-off), or null to take it back.',
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.VerdictsBody, ErrorCode.BadVerdict, invalid('verdict')),
    answer: ok(A.VerdictsAnswer, 'The verdicts given.'),
    errors: { [ErrorCode.NoSuchRunner]: 404, ...WRITES },
  }),
  setVerdict: route({
    method: 'PUT',
    path: '/api/events/:id/runners/:runner/verdict',
    summary: "One runner's DNF, DSQ or DNS (organiser), or the runner's own DNF; null takes it back.",
    access: 'organiserOrRunner',
    params: { id: EVENT, runner: RUNNER },
    body: json(A.VerdictBody, ErrorCode.BadVerdict, invalid('verdict')),
    answer: ok(A.VerdictsAnswer, 'The verdict given (none when the runner had it already or it was taken back).'),
    errors: WRITES,
  }),
  sendMessage: route({
    method: 'POST',
    path: '/api/events/:id/messages',
    summary: 'Send a message to every runner, a wave, a category or one runner: their page shows it large, with vibration, and keeps it in a list.',
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.MessageBody, ErrorCode.BadRunnerMessage, invalid('message')),
    answer: ok(A.MessageAnswer, 'The message as sent.', 201),
    errors: { [ErrorCode.NoSuchRunner]: 404, [ErrorCode.NoSuchGroup]: 404, ...WRITES },
  }),
  runnerMessages: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner/messages',
    summary: "The organiser's messages for this runner, oldest first: a phone that was offline reads them when it is back.",
    access: 'runner',
    params: { id: EVENT, runner: RUNNER },
    answer: ok(A.RunnerMessagesAnswer, 'The messages.'),
  }),
  messageSeen: route({
    method: 'POST',
    path: '/api/events/:id/runners/:runner/messages/:message/seen',
    summary: "The runner's page showed this message: the console sees who has.",
    access: 'runner',
    params: { id: EVENT, runner: RUNNER, message: MESSAGE },
    answer: ok(A.SeenAnswer, 'When it was first seen.'),
    errors: WRITES,
  }),
  course: route({
    method: 'GET',
    path: '/api/events/:id/course',
    summary: 'The course line and its checkpoints (JSON), or the course as a GPX file.',
    access: 'reader',
    params: { id: EVENT },
    query: {
      ...READER,
      v: { schema: z.string().optional().describe("The course's version (from the race info): the answer may then be kept for ever.") },
      format: { schema: z.string().optional().describe('gpx for the course as a GPX 1.1 file; otherwise JSON.') },
    },
    answer: { ...ok(A.CourseAnswer, 'The course.'), other: { 'application/gpx+xml': 'With format=gpx: the course as a GPX download, checkpoints as waypoints.' } },
    errors: { [ErrorCode.NoCourse]: 404 },
  }),
  setCourse: route({
    method: 'PUT',
    path: '/api/events/:id/course',
    summary: 'Upload the course: the body is the file as it is (GPX, KML or GeoJSON, up to 20 MiB).',
    access: 'organiser',
    params: { id: EVENT },
    query: {
      pick: {
        schema: z
          .preprocess((v) => (v === undefined ? undefined : Number(v)), z.number().int().min(0).optional())
          .describe('Which line of a file with several (the index in the bad_course answer).'),
        refusal: badQuery(ErrorCode.BadPick, 'pick must be the index of one of the lines listed.'),
      },
    },
    body: {
      kind: 'raw',
      contentTypes: ['application/gpx+xml', 'application/vnd.google-earth.kml+xml', 'application/geo+json', 'application/octet-stream'],
      description: 'The course file as it is; its content type is not read.',
    },
    answer: ok(A.CourseChangeAnswer, 'The race info with the new course, and what was done to the file.'),
    errors: {
      [ErrorCode.BadCourse]: 400,
      [ErrorCode.EventFinished]: 403,
      [ErrorCode.TooLarge]: 413,
      // Uploads per event and per address, and files read at once (server/http/course-upload).
      [ErrorCode.RateLimited]: 429,
      [ErrorCode.UploadInProgress]: 429,
      [ErrorCode.UploadsBusy]: 503,
      [ErrorCode.Stopping]: 503,
      ...WRITES,
    },
  }),
  deleteCourse: route({
    method: 'DELETE',
    path: '/api/events/:id/course',
    summary: 'Remove the course.',
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(A.CourseChangeAnswer, 'The race info without a course.'),
    errors: { [ErrorCode.EventFinished]: 403, ...WRITES },
  }),
  courseFromTrack: route({
    method: 'POST',
    path: '/api/events/:id/course/from-track',
    summary: "Make a runner's recorded track (between from and to) the course.",
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.FromTrackBody, ErrorCode.BadRequest, invalid('request')),
    answer: ok(A.CourseChangeAnswer, 'The race info with the new course.'),
    errors: { [ErrorCode.NoSuchRunner]: 404, [ErrorCode.BadCourse]: 400, [ErrorCode.EventFinished]: 403, ...WRITES },
  }),
  setCheckpoints: route({
    method: 'PUT',
    path: '/api/events/:id/checkpoints',
    summary: 'Name points along the course, in metres from the start.',
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.CheckpointsBody, ErrorCode.BadCheckpoints, invalid('checkpoints')),
    answer: ok(A.RaceAnswer, 'The race info.'),
    errors: { [ErrorCode.NoCourse]: 409, [ErrorCode.EventFinished]: 403, ...WRITES },
  }),
  setRace: route({
    method: 'PUT',
    path: '/api/events/:id/race',
    summary: "Set or clear the start time, start now, set the event's unit, its waves, the order of finishers (chip or gun time) or the sites that may frame its embed.",
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.RaceSettingsBody, ErrorCode.BadRace, invalid('race settings')),
    answer: ok(A.RaceAnswer, 'The race info.'),
    errors: { [ErrorCode.EventFinished]: 403, ...WRITES },
  }),
  runner: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner',
    summary: "One runner's info, how many fixes are stored, and the latest.",
    access: 'reader',
    params: { id: EVENT, runner: RUNNER },
    query: READER,
    answer: ok(A.RunnerAnswer, 'The runner.'),
  }),
  setBib: route({
    method: 'PUT',
    path: '/api/events/:id/runners/:runner/bib',
    summary: "Set or clear a runner's race number.",
    access: 'organiser',
    params: { id: EVENT, runner: RUNNER },
    body: json(A.BibBody, ErrorCode.BadBib, invalid('bib')),
    answer: ok(A.BibAnswer, 'The bib now.'),
    errors: WRITES,
  }),
  runnerRace: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner/race',
    summary: "A runner's race: splits at every km or mile and checkpoint, and predictions.",
    access: 'reader',
    params: { id: EVENT, runner: RUNNER },
    query: {
      ...READER,
      unit: { schema: DistanceUnitSchema.default('km').describe('Splits every km or every mile.'), refusal: badQuery(ErrorCode.BadUnit, 'unit must be km or mi.') },
    },
    answer: ok(A.RunnerRaceDetailSchema, 'The splits and predictions.'),
    errors: { [ErrorCode.NoRace]: 404 },
  }),
  removeRunner: route({
    method: 'DELETE',
    path: '/api/events/:id/runners/:runner',
    summary: 'Remove a runner and everything stored about them.',
    access: 'organiserOrRunner',
    params: { id: EVENT, runner: RUNNER },
    answer: nothing('Removed.'),
    errors: WRITES,
  }),
  trackPage: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner/track',
    summary: "One page of a runner's stored track in time order, complete: every fix, or an encoded trail.",
    access: 'reader',
    params: { id: EVENT, runner: RUNNER },
    query: {
      ...READER,
      after: {
        schema: CURSOR.optional().describe("The previous page's next; left out for the first page."),
        refusal: badQuery(ErrorCode.BadCursor, 'after must be the "next" value of the previous page, like 1700000000000:42.'),
      },
      limit: wholeNumber('limit', 1, TRACK_PAGE_MAX, ErrorCode.BadLimit, 'Fixes per page (1000 when left out).'),
      from: wholeNumber('from', 0, 8.64e15, ErrorCode.BadFrom, 'Only fixes from this time on (ms).'),
      to: wholeNumber('to', 0, 8.64e15, ErrorCode.BadTo, 'Only fixes up to this time (ms).'),
      format: {
        schema: z.enum(['fixes', 'trail']).default('fixes').describe('fixes: every field of every fix; trail: the page as an encoded trail in milliseconds.'),
        refusal: badQuery(ErrorCode.BadFormat, 'format must be fixes or trail.'),
      },
    },
    answer: { ...ok(A.TrackPageAnswer, 'The page, and the next one’s `after`.'), also: { 304: NOT_MODIFIED } },
  }),
  trackGpx: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner/track.gpx',
    summary: "A runner's whole track as a GPX 1.1 download.",
    access: 'reader',
    params: { id: EVENT, runner: RUNNER },
    query: READER,
    answer: { status: 200, json: null, description: 'The track.', other: { 'application/gpx+xml': 'The track as a GPX attachment.' } },
    errors: EXPORTS,
  }),
  avatar: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner/avatar',
    summary: "The picture the runner's tracking app sent.",
    access: 'reader',
    params: { id: EVENT, runner: RUNNER },
    query: { ...READER, v: { schema: z.string().optional().describe("The picture's version (RunnerInfo.avatar): the answer may then be kept for a year.") } },
    answer: {
      status: 200,
      json: null,
      description: 'The picture.',
      other: { 'image/png': 'A PNG picture.', 'image/jpeg': 'A JPEG picture.' },
      also: { 304: NOT_MODIFIED },
    },
    errors: { [ErrorCode.NoAvatar]: 404 },
  }),
  deviceKey: route({
    method: 'GET',
    path: '/api/events/:id/runners/:runner/device-key',
    summary: "Whether the runner has a key for tracking apps, and how many of the apps' fixes were kept out, per reason.",
    access: 'runner',
    params: { id: EVENT, runner: RUNNER },
    answer: ok(A.DeviceKeyAnswer, 'The key state.'),
  }),
  issueDeviceKey: route({
    method: 'POST',
    path: '/api/events/:id/runners/:runner/device-key',
    summary: 'Issue a key for tracking apps; the old one stops working.',
    access: 'runner',
    params: { id: EVENT, runner: RUNNER },
    answer: ok(A.IssuedKeyAnswer, 'The new key, shown this once.', 201),
    errors: WRITES,
  }),
  revokeDeviceKey: route({
    method: 'DELETE',
    path: '/api/events/:id/runners/:runner/device-key',
    summary: "Revoke the runner's key for tracking apps.",
    access: 'runner',
    params: { id: EVENT, runner: RUNNER },
    answer: nothing('Revoked (also when there was none).'),
    errors: WRITES,
  }),
  stream: route({
    method: 'GET',
    path: '/api/stream',
    summary: 'Open a live stream (Server-Sent Events): the live protocol for networks that block WebSocket.',
    access: 'anyone',
    transport: true,
    answer: {
      status: 200,
      json: null,
      description: 'The stream.',
      other: { 'text/event-stream': 'First `event: stream` with the stream id, then one server message per event.' },
      also: {
        403: { description: 'The request has an Origin that may not connect.', body: 'text' },
        405: { description: 'A method other than GET.', body: 'none' },
        429: { description: 'Too many live connections from this address.', body: 'text' },
        503: { description: 'The server is not taking connections right now.', body: 'text' },
      },
    },
  }),
  streamPost: route({
    method: 'POST',
    path: '/api/stream/:stream',
    summary: "One client message for a live stream; the server's replies come over the stream.",
    access: 'stream',
    params: { stream: STREAM },
    body: { kind: 'raw', contentTypes: ['application/json'], description: `One client message of the live protocol, at most ${LIMITS.maxFrameBytes} bytes.`, schema: ClientMessageSchema },
    answer: ok(A.AcceptedAnswer, 'Taken (also when it is then refused with an error on the stream).', 202),
    errors: { [ErrorCode.TooLarge]: 413 },
  }),
  entries: route({
    method: 'GET',
    path: '/api/events/:id/entries',
    summary: 'The start list with claim codes (JSON), or as a CSV file to print.',
    access: 'organiser',
    params: { id: EVENT },
    query: { format: { schema: z.string().optional().describe('csv for the list as a CSV download; otherwise JSON.') } },
    answer: { ...ok(T.EntriesAnswer, 'The entries, by bib.'), other: { 'text/csv': 'With format=csv: bib, names, claim code, sex, year of birth, age group, category, club, wave, chip, claimed.' } },
  }),
  importEntries: route({
    method: 'POST',
    path: '/api/events/:id/entries',
    summary: 'Import a start list (CSV as timing software exports it, or JSON): all of it or nothing; ?dryRun=1 checks it only.',
    access: 'organiser',
    params: { id: EVENT },
    query: { dryRun: { schema: z.string().optional().describe('1 to check the list against the event and save nothing.') } },
    body: {
      kind: 'raw',
      contentTypes: ['text/csv', 'application/json'],
      description: 'The start list as CSV (text/csv, up to 4 MiB), or JSON {"entries": [...]}.',
      schema: T.ImportBody,
    },
    answer: ok(T.ImportAnswer, 'Saved (or, with dryRun=1, ready to save).'),
    errors: { [ErrorCode.BadEntries]: 400, [ErrorCode.BadJson]: 400, [ErrorCode.BadFormat]: 415, [ErrorCode.EventFinished]: 403, [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  editEntry: route({
    method: 'PUT',
    path: '/api/events/:id/entries/:runner',
    summary: 'Correct one entry (every field; its claim code stays).',
    access: 'organiser',
    params: { id: EVENT, runner: RUNNER },
    body: json(T.EntryBody, ErrorCode.BadEntry, invalid('entry')),
    answer: ok(T.SavedAnswer, 'Saved.'),
    errors: { [ErrorCode.NoSuchRunner]: 404, ...WRITES },
  }),
  newClaimCode: route({
    method: 'POST',
    path: '/api/events/:id/entries/:runner/claim-code',
    summary: 'A new claim code for an entry; a phone that claimed it is let go.',
    access: 'organiser',
    params: { id: EVENT, runner: RUNNER },
    answer: ok(T.ClaimCodeAnswer, 'The new code.'),
    errors: { [ErrorCode.NoSuchRunner]: 404, ...WRITES },
  }),
  timing: route({
    method: 'GET',
    path: '/api/events/:id/timing',
    summary: 'The timing points with what their decoders sent, and the chips no entry carries.',
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(T.TimingViewSchema, 'The points and unknown chips.'),
  }),
  addTimingPoint: route({
    method: 'POST',
    path: '/api/events/:id/timing',
    summary: 'Add a timing point at a distance; its key is answered this once.',
    access: 'organiser',
    params: { id: EVENT },
    body: json(T.TimingPointBody, ErrorCode.BadTimingPoint, invalid('timing point')),
    answer: ok(T.AddedPointAnswer, 'The point and its key.', 201),
    errors: { [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  updateTimingPoint: route({
    method: 'PUT',
    path: '/api/events/:id/timing/:point',
    summary: "Rename a point, change its decoder's time zone, or move it while it has no passings.",
    access: 'organiser',
    params: { id: EVENT, point: POINT },
    body: json(T.TimingPointChanges, ErrorCode.BadTimingPoint, invalid('timing point')),
    answer: ok(T.PointAnswer, 'The point now.'),
    errors: WRITES,
  }),
  removeTimingPoint: route({
    method: 'DELETE',
    path: '/api/events/:id/timing/:point',
    summary: "Remove a timing point: its key stops working; its passings stay.",
    access: 'organiser',
    params: { id: EVENT, point: POINT },
    answer: nothing('Removed.'),
    errors: WRITES,
  }),
  timingKey: route({
    method: 'POST',
    path: '/api/events/:id/timing/:point/key',
    summary: "A new key for a point's decoder; the old one stops working.",
    access: 'organiser',
    params: { id: EVENT, point: POINT },
    answer: ok(T.KeyAnswer, 'The new key.', 201),
    errors: WRITES,
  }),
  passings: route({
    method: 'POST',
    path: '/api/events/:id/timing/:point/passings',
    summary: "A decoder's passings, with the point's key: JSON or decoder lines; kept once, answered once durable.",
    access: 'timingPoint',
    params: { id: EVENT, point: POINT },
    body: {
      kind: 'raw',
      contentTypes: ['application/json', 'text/plain'],
      description: 'JSON {"passings": [{"chip", "t" | "time", …}]}, or decoder lines chip;dd-mm-yyyy hh:mm:ss.ccc;loop;lap;battery;rewind, at most 5000.',
      schema: T.PassingsBody,
    },
    answer: ok(T.PassingsAnswer, 'What was stored, sent again, unknown or refused.'),
    errors: { [ErrorCode.UnknownKey]: 401, [ErrorCode.BadPassings]: 400, [ErrorCode.BadJson]: 400, [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  trackers: route({
    method: 'GET',
    path: '/api/events/:id/trackers',
    summary: 'The satellite trackers with their last poll.',
    access: 'organiser',
    params: { id: EVENT },
    answer: ok(T.TrackersAnswer, 'The trackers (never their passwords).'),
  }),
  addTracker: route({
    method: 'POST',
    path: '/api/events/:id/trackers',
    summary: "Follow a runner's Garmin inReach (MapShare) or SPOT shared page.",
    access: 'organiser',
    params: { id: EVENT },
    body: json(T.TrackerBody, ErrorCode.BadTracker, invalid('tracker')),
    answer: ok(T.TrackerAnswer, 'The tracker.', 201),
    errors: { [ErrorCode.NoSuchRunner]: 404, [ErrorCode.EventFinished]: 403, [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  removeTracker: route({
    method: 'DELETE',
    path: '/api/events/:id/trackers/:tracker',
    summary: 'Stop polling a tracker.',
    access: 'organiser',
    params: { id: EVENT, tracker: TRACKER },
    answer: nothing('Removed.'),
    errors: WRITES,
  }),
  feedStandings: route({
    method: 'GET',
    path: '/api/events/:id/feed/standings',
    summary: 'The open race feed: every runner in race order.',
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: { ...ok(T.StandingsAnswer, 'The standings.'), also: { 304: NOT_MODIFIED } },
  }),
  feedPassings: route({
    method: 'GET',
    path: '/api/events/:id/feed/passings',
    summary: 'The open race feed: each timing point with the runners it saw, earliest first.',
    access: 'reader',
    params: { id: EVENT },
    query: { ...READER, point: { schema: z.string().optional().describe('One timing point only.') } },
    answer: { ...ok(T.PointPassingsAnswer, 'The passings.'), also: { 304: NOT_MODIFIED } },
    errors: { [ErrorCode.NoSuchTimingPoint]: 404 },
  }),
  feedPositions: route({
    method: 'GET',
    path: '/api/events/:id/feed/positions.geojson',
    summary: 'The open race feed: where every runner is now, as GeoJSON (a fix, or where the estimator puts them).',
    access: 'reader',
    params: { id: EVENT },
    query: READER,
    answer: {
      status: 200,
      json: null,
      description: 'The positions.',
      other: {
        'application/geo+json': 'A FeatureCollection: a Point per runner, with id, name, bib, color, basis (gps, predicted or ghost), t and at; lo and hi for an estimate.',
      },
      also: { 304: NOT_MODIFIED },
    },
  }),
  pushKey: route({
    method: 'GET',
    path: '/api/push/key',
    summary: "The server's VAPID public key, to subscribe a browser to Web Push with.",
    access: 'anyone',
    answer: ok(A.PushKeyAnswer, 'The key.'),
  }),
  followPush: route({
    method: 'PUT',
    path: '/api/events/:id/runners/:runner/push',
    summary: 'Be told by Web Push, with the browser closed, when this runner passes a checkpoint and when they finish.',
    access: 'reader',
    params: { id: EVENT, runner: RUNNER },
    query: READER,
    body: json(A.PushSubscriptionBody, ErrorCode.BadPushSubscription, invalid('push subscription')),
    answer: ok(A.PushSubscribedAnswer, 'Subscribed (again: the same browser and runner make one subscription).', 201),
    errors: { [ErrorCode.NoSuchRunner]: 404, [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  unfollowPush: route({
    method: 'DELETE',
    path: '/api/events/:id/runners/:runner/push',
    summary: "Stop a browser's pushes about this runner.",
    access: 'anyone',
    params: { id: EVENT, runner: RUNNER },
    body: json(A.PushEndpointBody, ErrorCode.BadPushSubscription, invalid('push subscription')),
    answer: nothing('Stopped (also when there was no such subscription).'),
    errors: WRITES,
  }),
  organiserPush: route({
    method: 'PUT',
    path: '/api/events/:id/push',
    summary: "Tell the organiser's browser by Web Push of every SOS, with the browser closed.",
    access: 'organiser',
    params: { id: EVENT },
    body: json(A.PushSubscriptionBody, ErrorCode.BadPushSubscription, invalid('push subscription')),
    answer: ok(A.PushSubscribedAnswer, 'Subscribed.', 201),
    errors: { [ErrorCode.QuotaExceeded]: 429, ...WRITES },
  }),
  organiserUnpush: route({
    method: 'DELETE',
    path: '/api/events/:id/push',
    summary: "Stop the organiser's SOS pushes to a browser.",
    access: 'anyone',
    params: { id: EVENT },
    body: json(A.PushEndpointBody, ErrorCode.BadPushSubscription, invalid('push subscription')),
    answer: nothing('Stopped (also when there was no such subscription).'),
    errors: WRITES,
  }),
  openapi: route({
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document.',
    access: 'anyone',
    answer: ok(z.record(z.string(), z.unknown()), 'The document.'),
  }),
} satisfies Record<string, RouteSpec>;

export type Routes = typeof ROUTES;
export type RouteName = keyof Routes;
export const ROUTE_NAMES = Object.keys(ROUTES) as RouteName[];

// ---------- what a route reads and answers, as types ----------

type Out<F> = F extends Field<infer S> ? z.output<S> : never;
type In<F> = F extends Field<infer S> ? z.input<S> : never;

/** Path parameters as the handler gets them. */
export type ParamsOf<R extends RouteSpec> = { readonly [K in keyof R['params']]: Out<R['params'][K]> };
/** Query parameters as the handler gets them. */
export type QueryOf<R extends RouteSpec> = { readonly [K in keyof R['query']]: Out<R['query'][K]> };
/** Query parameters as a client sends them: text, or the number a text stands for. */
export type QueryInput<R extends RouteSpec> = {
  readonly [K in keyof R['query']]?: unknown extends In<R['query'][K]> ? string | number : Extract<In<R['query'][K]>, string>;
};
/** The JSON body as the handler gets it (never for routes without one). */
export type BodyOf<R extends RouteSpec> = R['body'] extends JsonBody<infer S> ? z.output<S> : never;
/** The JSON body as a client sends it. */
export type BodyInput<R extends RouteSpec> = R['body'] extends JsonBody<infer S> ? z.input<S> : never;
/** What a success answers: its JSON, null for nothing, never for what is only ever opened by its address. */
export type AnswerOf<R extends RouteSpec> = R['answer']['json'] extends z.ZodType
  ? z.output<R['answer']['json']>
  : R['answer']['status'] extends 204
    ? null
    : never;

// ---------- parsing ----------

/** Read one parameter's text (undefined when absent) with its field, or say how it is refused. */
export function readField(name: string, field: Field, text: string | undefined): { ok: true; value: unknown } | { ok: false; refusal: Refusal } {
  const parsed = field.schema.safeParse(text);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, refusal: field.refusal ?? badQuery(ErrorCode.BadRequest, `${name} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}.`) };
}

/** Every refusal a route may answer, code → status: its own, and those its access, parameters and body bring. */
export function routeErrors(r: RouteSpec): Partial<Record<ErrorCode, number>> {
  // What a transport answers is not the router's: it says so itself.
  if (r.transport) return { ...r.errors };
  const out: Partial<Record<ErrorCode, number>> = { [ErrorCode.MethodNotAllowed]: 405, [ErrorCode.Internal]: 500 };
  if (Object.keys(r.params).length) out[ErrorCode.BadPath] = 400;
  for (const f of [...Object.values(r.params), ...Object.values(r.query)]) if (f.refusal) out[f.refusal.code] = f.refusal.status;
  if (r.body?.kind === 'json') Object.assign(out, { [ErrorCode.BadJson]: 400, [r.body.code]: 400, [ErrorCode.TooLarge]: 413 });
  if (r.body?.kind === 'raw') out[ErrorCode.TooLarge] = 413;
  Object.assign(out, ACCESS_ERRORS[r.access], r.errors);
  return out;
}

const ACCESS_ERRORS: Record<Access, Partial<Record<ErrorCode, number>>> = {
  anyone: {},
  reader: {
    [ErrorCode.NoSuchEvent]: 404,
    [ErrorCode.ViewCodeRequired]: 403,
    [ErrorCode.BadViewCode]: 403,
    // A wrong organiser token, without the view code, on a protected event.
    [ErrorCode.Forbidden]: 403,
    [ErrorCode.NoSuchLink]: 404,
    [ErrorCode.LinkExpired]: 410,
    [ErrorCode.LinkRevoked]: 410,
    // Only view codes are attempt-limited: tokens and links are too long to guess.
    [ErrorCode.TooManyAttempts]: 429,
  },
  organiser: { [ErrorCode.NoSuchEvent]: 404, [ErrorCode.Unauthorised]: 401, [ErrorCode.Forbidden]: 403 },
  runner: { [ErrorCode.NoSuchEvent]: 404, [ErrorCode.Unauthorised]: 401, [ErrorCode.Forbidden]: 403 },
  organiserOrRunner: { [ErrorCode.NoSuchEvent]: 404, [ErrorCode.Unauthorised]: 401, [ErrorCode.Forbidden]: 403 },
  stream: {},
  timingPoint: { [ErrorCode.NoSuchEvent]: 404, [ErrorCode.Unauthorised]: 401 },
};

/** A route's path with its parameters filled in, escaped. */
export function fillPath(path: string, params: Readonly<Record<string, string>>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, key: string) => encodeURIComponent(params[key] ?? ''));
}
