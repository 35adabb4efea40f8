/**
 * The Trackside wire protocol, shared by the server and the browser.
 * Every frame is one JSON object with a `type`. docs/protocol.md describes it for third-party clients;
 * keep the two in step.
 */
import { z } from 'zod';
import { ControlMsg, RunnerMessageMsg, VerdictSchema } from './control/schemas';
import { WaveSchema } from './course/waves';
import { JoinDetailsSchema, PublicEntrySchema } from './entries/entry';
import { cleanText, hasVisibleText } from './text';

export { cleanText, hasVisibleText };

export const PROTOCOL_VERSION = 3;
export const WS_PATH = '/ws';

export const LIMITS = {
  /** Largest text frame the server reads; larger frames close the socket with CloseCode.TooBig. */
  maxFrameBytes: 16 * 1024,
  nameMax: 40,
  eventNameMax: 60,
  cheerMax: 140,
  /** A fix may be stamped at most this far ahead of the server clock (phone clocks drift). */
  maxFutureMs: 5 * 60_000,
  /** Positions older than this are refused: the outbox never holds points that long. */
  maxPastMs: 7 * 24 * 3600_000,
  moodMin: 0,
  moodMax: 10,
  /**
   * Trail points a snapshot carries for a whole event, shared among its runners (at most `trailMaxPoints`
   * and at least `trailMinPoints` each): long or crowded trails are simplified for display, the full track
   * stays stored and is read page by page from the track endpoint.
   */
  snapshotPoints: 150_000,
  trailMaxPoints: 2000,
  trailMinPoints: 16,
  /** Highest sequence number a client may use; the server numbers tracking-app fixes above it. */
  maxSeq: 2 ** 50 - 1,
  /** Runners one subscription may follow by id. */
  followMax: 100,
  /** Runners one `who` may ask about. */
  whoMax: 200,
  viewCodeMin: 4,
  viewCodeMax: 64,
  /** Per-connection message budget: a bucket of `rateBurst` frames refilled at `ratePerSecond`. */
  rateBurst: 300,
  ratePerSecond: 100,
  /** Frames refused for rate within about ten seconds before the connection is closed with CloseCode.Policy. */
  rateStrikes: 200,
} as const;

/** Close codes the server uses; 1000–1015 are the standard ones, 4000+ are Trackside's. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** Flooding past the rate budget. */
  Policy: 1008,
  TooBig: 1009,
  /** The server could not make data durable; reconnect and resend what is unacknowledged. */
  Internal: 1011,
  /** The client stopped reading while asking for more; reconnect when able to keep up. */
  TooSlow: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Every reason the server refuses something: `error.code` in a live frame and in an HTTP error body alike.
 * One vocabulary, so a client branches on the same code whichever way it asked.
 */
export const ErrorCode = {
  // ---- frames ----
  BadJson: 'bad_json',
  BadMessage: 'bad_message',
  UnknownType: 'unknown_type',
  BinaryFrame: 'binary_frame',
  NotJoined: 'not_joined',
  /** `interest` or `who` for an event this connection does not watch with `interest`. */
  NotSubscribed: 'not_subscribed',
  BadPosition: 'bad_position',
  RateLimited: 'rate_limited',
  // ---- who is asking ----
  BadToken: 'bad_token',
  /** The request needs the organiser token ("Authorization: Bearer …"). */
  Unauthorised: 'unauthorised',
  /** The token sent is not the one this needs. */
  Forbidden: 'forbidden',
  ViewCodeRequired: 'view_code_required',
  BadViewCode: 'bad_view_code',
  LinkRevoked: 'link_revoked',
  LinkExpired: 'link_expired',
  NoSuchLink: 'no_such_link',
  /** Too many wrong view codes, links or tokens: wait retryAfterMs before trying again. */
  TooManyAttempts: 'too_many_attempts',
  /** A tracking app's device key that belongs to no runner (revoked or replaced). */
  UnknownKey: 'unknown_key',
  // ---- what it is about ----
  NoSuchEvent: 'no_such_event',
  EventExists: 'event_exists',
  EventFinished: 'event_finished',
  NoSuchRunner: 'no_such_runner',
  RunnerRemoved: 'runner_removed',
  /** The bib belongs to another runner. */
  BibTaken: 'bib_taken',
  /** The bib is on the start list: joining with it needs the entry's claim code. */
  ClaimRequired: 'claim_required',
  BadClaimCode: 'bad_claim_code',
  /** The entry was claimed from another phone already: the organiser can issue a new claim code. */
  BibClaimed: 'bib_claimed',
  NoSuchTimingPoint: 'no_such_timing_point',
  NoSuchTracker: 'no_such_tracker',
  NoSuchAlert: 'no_such_alert',
  NoSuchMessage: 'no_such_message',
  /** A message to a wave or category nobody in the event is in. */
  NoSuchGroup: 'no_such_group',
  NoCourse: 'no_course',
  NoRace: 'no_race',
  NoAvatar: 'no_avatar',
  NoSuchStream: 'no_such_stream',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  // ---- what was sent ----
  BadRequest: 'bad_request',
  BadPath: 'bad_path',
  BadName: 'bad_name',
  BadLink: 'bad_link',
  BadQuotas: 'bad_quotas',
  BadCourse: 'bad_course',
  BadPick: 'bad_pick',
  BadCheckpoints: 'bad_checkpoints',
  BadRace: 'bad_race',
  BadBib: 'bad_bib',
  /** A DNF, DSQ or DNS that cannot be given: a DSQ without a reason, a runner giving anything but their own DNF. */
  BadVerdict: 'bad_verdict',
  BadMark: 'bad_mark',
  BadRunnerMessage: 'bad_runner_message',
  BadSettings: 'bad_settings',
  /** Some rows of a start list cannot be entries; `rows` says which and why. */
  BadEntries: 'bad_entries',
  BadEntry: 'bad_entry',
  BadTimingPoint: 'bad_timing_point',
  BadPassings: 'bad_passings',
  BadTracker: 'bad_tracker',
  /** A Web Push subscription that is not one (keys), or to a push service this server does not send to. */
  BadPushSubscription: 'bad_push_subscription',
  BadUnit: 'bad_unit',
  BadFormat: 'bad_format',
  BadCursor: 'bad_cursor',
  BadSort: 'bad_sort',
  BadLimit: 'bad_limit',
  BadFrom: 'bad_from',
  BadTo: 'bad_to',
  TooLarge: 'too_large',
  // ---- the server ----
  /** Nothing was kept: storage is failing or slow. Send it again later (retryAfterMs). */
  StorageUnavailable: 'storage_unavailable',
  /** This runner, address or event has stored as much as it may for now: send it again after retryAfterMs. */
  QuotaExceeded: 'quota_exceeded',
  TooManyExports: 'too_many_exports',
  /** A course file of this event or address is still being read. */
  UploadInProgress: 'upload_in_progress',
  /** The server is reading as many course files as it may at once. */
  UploadsBusy: 'uploads_busy',
  ExportsBusy: 'exports_busy',
  Internal: 'internal',
  /** The server is stopping: try again shortly. */
  Stopping: 'stopping',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

// ---------- shared field schemas ----------

const text = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform(cleanText)
    .pipe(
      z
        .string()
        .min(1, 'must not be empty')
        .max(max, `at most ${max} characters`)
        .refine(hasVisibleText, 'must contain a visible letter, digit or symbol'),
    );

export const EventIdSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'not an event id');
export const RunnerIdSchema = z.string().regex(/^[A-Za-z0-9_-]{6,32}$/, 'not a runner id');
export const TokenSchema = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'not a token');
export const ColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must look like #1a2b3c');
export const RunnerNameSchema = text(LIMITS.nameMax);
export const EventNameSchema = text(LIMITS.eventNameMax);
export const CheerTextSchema = text(LIMITS.cheerMax);
/** A race number: what is printed on the bib, letters and digits ("1234", "F12"). */
export const BibSchema = z.string().trim().regex(/^[A-Za-z0-9-]{1,8}$/, 'bib: 1 to 8 letters, digits or dashes');

const finite = z.number().finite();
export const TimestampSchema = z.number().int().min(0).max(8.64e15);

// ---------- client → server ----------

export const JoinMsg = z.object({
  type: z.literal('join'),
  event: EventIdSchema,
  name: RunnerNameSchema,
  color: ColorSchema,
  bib: BibSchema.optional(),
  /** The claim code of the start-list entry with this bib: the runner becomes that entry's runner. */
  claim: z.string().max(40).optional(),
  /** Sex, birth year, category and club of a runner not on the start list: their entry from now on. */
  details: JoinDetailsSchema.optional(),
});
export const ResumeMsg = z.object({
  type: z.literal('resume'),
  event: EventIdSchema,
  runnerId: RunnerIdSchema,
  token: TokenSchema,
  name: RunnerNameSchema.optional(),
  color: ColorSchema.optional(),
});
export const PositionMsg = z.object({
  type: z.literal('pos'),
  /** Per-runner sequence number, starting at 1, one per fix. */
  seq: z.number().int().min(1).max(LIMITS.maxSeq),
  lat: finite.min(-90).max(90),
  lon: finite.min(-180).max(180),
  /** Time of the fix, ms since the epoch. */
  t: TimestampSchema,
  /** Horizontal accuracy, metres. */
  acc: finite.min(0).max(100_000),
  /** Altitude, metres above the WGS84 ellipsoid. */
  alt: finite.min(-1000).max(10_000).nullish(),
  /** Speed, m/s. */
  spd: finite.min(0).max(200).nullish(),
  /** Heading, degrees clockwise from true north. */
  hdg: finite.min(0).max(360).nullish(),
});
export const MoodMsg = z.object({
  type: z.literal('mood'),
  value: z.number().int().min(LIMITS.moodMin).max(LIMITS.moodMax),
});
export const StopMsg = z.object({ type: z.literal('stop') });
export const ViewCodeSchema = z
  .string()
  .min(LIMITS.viewCodeMin, `view code must have at least ${LIMITS.viewCodeMin} characters`)
  .max(LIMITS.viewCodeMax);
/** The part of the map a spectator looks at: bounds in degrees (west may exceed east across 180°) and the map's zoom. */
export const ViewSchema = z
  .object({
    west: finite.min(-180).max(180),
    south: finite.min(-90).max(90),
    east: finite.min(-180).max(180),
    north: finite.min(-90).max(90),
    zoom: z.number().min(0).max(22),
  })
  .refine((v) => v.south <= v.north, 'south must not be north of north');
/**
 * What a spectator looks at (protocol 3): runners followed in detail (every fix, their trail, as JSON) and the
 * part of the map in view (the runners there in compact binary frames within the spectator's byte budget;
 * the rest as the field summary). Only for subscriptions that may see every runner.
 */
export const InterestSchema = z.object({
  follow: z.array(RunnerIdSchema).max(LIMITS.followMax).default([]),
  view: ViewSchema.nullable().default(null),
});
export type InterestChoice = z.infer<typeof InterestSchema>;
export type View = z.infer<typeof ViewSchema>;
export const SubscribeMsg = z.object({
  type: z.literal('subscribe'),
  event: EventIdSchema,
  /** Required for events protected with a view code. */
  code: z.string().max(LIMITS.viewCodeMax).optional(),
  /** Follow only these runners; without it, the whole event. */
  runners: z.array(RunnerIdSchema).min(1).max(LIMITS.followMax).optional(),
  /** A share link's token: grants access (even to a protected event) and may limit the runners seen. */
  share: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a share link').optional(),
  /** The organiser token: watch the whole event, protected or not (the organiser page does). */
  organiser: TokenSchema.optional(),
  /** Say what you look at (protocol 3): a compact field instead of every runner's every update. */
  interest: InterestSchema.optional(),
});
export const InterestMsg = InterestSchema.extend({ type: z.literal('interest'), event: EventIdSchema });
/** Who runners of the field are, by index (names for the map, a runner hovered): answered with `who`. */
export const WhoMsg = z.object({
  type: z.literal('who'),
  event: EventIdSchema,
  n: z.array(z.number().int().min(0).max(2 ** 31)).min(1).max(LIMITS.whoMax),
});
export const UnsubscribeMsg = z.object({ type: z.literal('unsubscribe'), event: EventIdSchema });
export const CheerMsg = z.object({
  type: z.literal('cheer'),
  event: EventIdSchema,
  runnerId: RunnerIdSchema,
  text: CheerTextSchema,
  from: RunnerNameSchema.optional(),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  JoinMsg,
  ResumeMsg,
  PositionMsg,
  MoodMsg,
  StopMsg,
  SubscribeMsg,
  InterestMsg,
  WhoMsg,
  UnsubscribeMsg,
  CheerMsg,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];
export type PositionMessage = z.infer<typeof PositionMsg>;

export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = [
  'join',
  'resume',
  'pos',
  'mood',
  'stop',
  'subscribe',
  'interest',
  'who',
  'unsubscribe',
  'cheer',
];

// ---------- server → client ----------
// Schemas rather than bare types: the HTTP route table (lib/routes.ts), the OpenAPI document and the docs
// test read them, and every type below is what its schema describes.

export const RunnerStatusSchema = z.enum(['active', 'idle', 'offline', 'stopped']);
export type RunnerStatus = z.infer<typeof RunnerStatusSchema>;
export const EventStatusSchema = z.enum(['live', 'finished']);
export type EventStatus = z.infer<typeof EventStatusSchema>;
export const DistanceUnitSchema = z.enum(['km', 'mi']);

/** One point of a trail: [lat, lon, t]. Arrays keep update frames small. */
export type TrackPoint = [lat: number, lon: number, t: number];
export const TrackPointSchema = z.tuple([z.number(), z.number(), z.number()]).describe('[lat, lon, t]: degrees, degrees, ms since the epoch');

export const CheckpointSchema = z.object({
  name: z.string(),
  at: z.number().describe('Metres from the start along the course.'),
  cutoff: z.number().nullable().optional().describe('Cut-off: runners who have not passed by this time (ms since the epoch) are out of the race.'),
});

export const CourseInfoSchema = z
  .object({
    version: z.number().describe('Changes whenever the course does: GET /api/events/<id>/course?v=<version> is cacheable for ever.'),
    name: z.string().nullable(),
    length: z.number().describe('Metres from start to finish.'),
    checkpoints: z.array(CheckpointSchema),
    elevation: z.boolean().describe('The course file had elevations: the course endpoint gives a profile.'),
  })
  .meta({ id: 'CourseInfo' });
export type CourseInfo = z.infer<typeof CourseInfoSchema>;

/** A place on the course where a timing mat reports chips passing (docs/api.md#timing-points). */
export const TimingPointInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    at: z.number().describe("Metres from the start (0 for a start mat, the course's length for a finish mat)."),
  })
  .meta({ id: 'TimingPointInfo' });
export type TimingPointInfo = z.infer<typeof TimingPointInfoSchema>;

export const RaceInfoSchema = z
  .object({
    startsAt: z.number().nullable().describe("The organiser's start time (ms); null until set or pressed. Fixes before it are not the race."),
    unit: DistanceUnitSchema.describe("The organiser's unit; each spectator may switch."),
    course: CourseInfoSchema.nullable(),
    timing: z.array(TimingPointInfoSchema).optional().describe('Timing mats along the course, by distance (absent on events stored before them).'),
    waves: z.array(WaveSchema).optional().describe("Waves with their own guns: a runner's entry names theirs (absent: one start for everyone)."),
    order: z.enum(['chip', 'gun']).optional().describe('Finishers ranked by chip time (own start to finish; the default) or gun time (wave gun to finish).'),
    embedSites: z
      .array(z.string())
      .optional()
      .describe("Origins allowed to frame this event's embed (/embed/<id>): its Content-Security-Policy frame-ancestors. Absent or empty: none."),
  })
  .meta({ id: 'RaceInfo' });
export type RaceInfo = z.infer<typeof RaceInfoSchema>;

export const DEFAULT_RACE: RaceInfo = { startsAt: null, unit: 'km', course: null };

export const EventInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.number(),
    status: EventStatusSchema,
    protected: z.boolean().describe('Spectators need the view code.'),
    race: RaceInfoSchema.optional().describe("The race: its start, the organiser's unit and the course (absent on events stored before courses)."),
  })
  .meta({ id: 'EventInfo' });
export type EventInfo = z.infer<typeof EventInfoSchema>;

/**
 * What anyone may see of an event without its view code, a link or the organiser token: a protected event
 * shows its name and status only (no course, checkpoints or start time); a public one shows everything.
 */
export function eventShownToAnyone(info: EventInfo): EventInfo {
  if (!info.protected) return info;
  return { id: info.id, name: info.name, createdAt: info.createdAt, status: info.status, protected: true };
}

/** Where a runner probably is: see RunnerRaceInfo.est, docs/protocol.md and lib/course/estimate.ts. */
export const RaceEstimateSchema = z
  .object({
    src: z.enum(['gps', 'sat', 'mat']).describe('The source of the last observation: a phone or tracking app, a satellite tracker, a timing mat.'),
    t: z.number().describe('When the runner was last observed (ms).'),
    at: z.number().describe('Where: metres along the course.'),
    err: z.number().describe('1-σ error of `at`, metres (0 at a mat).'),
    v: z.number().describe('The likely speed from there as flat running: effort metres per second (lib/course/effort.ts).'),
    spread: z.number().describe("How much the runner's pace has varied from kilometre to kilometre, relative (0.05: ±5 %)."),
    basis: z
      .enum(['recent', 'observed', 'average', 'typical'])
      .describe('What `v` is measured over: the last 2 km seen, all that was seen (less), the average since the start, or a typical pace.'),
    metres: z.number().describe('Course metres `v` was measured over.'),
    until: z.number().describe("Nothing heard by then (ms), the runner is a ghost: a phone's minute or a tracker's 12 minutes after `t`, or the latest plausible arrival at the next mat."),
  })
  .meta({ id: 'RaceEstimate' });
export type RaceEstimate = z.infer<typeof RaceEstimateSchema>;

export const RaceEtaSchema = z
  .object({
    name: z.string(),
    kind: z.enum(['checkpoint', 'finish']),
    at: z.number().describe('Metres from the start.'),
    t: z.number().describe('Likely arrival (ms).'),
    lo: z.number().describe('Earliest plausible arrival (ms).'),
    hi: z.number().describe('Latest plausible arrival (ms).'),
  })
  .meta({ id: 'RaceEta' });
export type RaceEta = z.infer<typeof RaceEtaSchema>;

/** Where a runner is in the race, on events with a course. Times are ms since the epoch, speeds m/s. */
export const RunnerRaceInfoSchema = z
  .object({
    pos: z.number().int().nullable().describe('1 for the leader; null before the runner is seen on the course.'),
    state: z.enum(['finished', 'running', 'not-started']),
    at: z.number().nullable().describe('Metres along the course; null before the runner is seen on it.'),
    off: z.boolean().describe('Off the course for a while (a detour, a wrong turn, a lift home).'),
    offSince: z.number().optional().describe('While off the course: when this spell off it began (ms).'),
    start: z.number().nullable().describe("The runner's own start; null before it."),
    finish: z.number().nullable().describe("Seconds from the runner's start to the finish line (chip time)."),
    gun: z.number().nullable().optional().describe("Seconds from the runner's wave gun to the finish line (gun time); absent or null without a gun or a finish."),
    cat: z.number().int().nullable().optional().describe("Place within the runner's category (from the start list); absent or null without one."),
    gap: z.number().nullable().describe('Seconds behind the leader, measured at the same spot of the course.'),
    ahead: z.number().nullable().describe('Seconds behind the runner ahead, measured at the same spot of the course.'),
    aheadM: z.number().nullable().describe('Metres behind the runner ahead.'),
    speed: z.number().nullable().describe('Current speed along the course (about the last minute).'),
    avg: z.number().nullable().describe('Average speed since the start.'),
    cp: z.object({ name: z.string(), t: z.number() }).nullable().describe("The last checkpoint passed (organiser's checkpoints and the finish)."),
    est: RaceEstimateSchema.nullable().describe(
      "The estimator's anchor: the last observation and the pace that moves the runner on from it; whereabouts() in lib/course/estimate.ts gives the likely position and the band at any moment, and says whether the runner is seen, predicted (between mats) or a ghost (silent past `until`). Null before the start and after the finish.",
    ),
    eta: z.array(RaceEtaSchema).describe('The next checkpoint ahead (when there is one) and the finish: likely arrival with the earliest and latest plausible.'),
  })
  .meta({ id: 'RunnerRaceInfo' });
export type RunnerRaceInfo = z.infer<typeof RunnerRaceInfoSchema>;

export const RunnerInfoSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    color: z.string(),
    status: RunnerStatusSchema,
    lastSeen: z.number().nullable().describe('Time of the latest fix, ms since the epoch; null before the first. Updates move it on with their points.'),
    mood: z.number().int().nullable(),
    moodAt: z.number().optional().describe('When the runner last said how they feel (ms); present with a mood.'),
    avatar: z
      .number()
      .optional()
      .describe("Present when the runner's tracking app sent a picture (an OwnTracks card): its version, to be read from GET /api/events/<id>/runners/<runner-id>/avatar?v=<avatar>."),
    bib: z.string().optional().describe('Race number, as given when joining or set by the organiser.'),
    entry: PublicEntrySchema.optional().describe('From the start list: what spectators may know of the entry (never birth year, chip or claim code).'),
    race: RunnerRaceInfoSchema.optional().describe('On events with a course.'),
    still: z
      .number()
      .optional()
      .describe('Present while the runner has not moved (more than 25 m) for a minute or more: since when, ms since the epoch.'),
    verdict: VerdictSchema.optional().describe('DNF, DSQ or DNS, when the runner or the organiser gave one.'),
  })
  .meta({ id: 'RunnerInfo' });
export type RunnerInfo = z.infer<typeof RunnerInfoSchema>;

export const RunnerSnapshotSchema = RunnerInfoSchema.extend({
  trail: z
    .string()
    .describe(
      'The trail so far for display, encoded (lib/polyline.ts: [lat, lon, t] to 1e-5 degrees and whole seconds). Long trails and crowded events are simplified to the snapshot budget; the full track is read from GET /api/events/<id>/runners/<runner-id>/track.',
    ),
  last: TrackPointSchema.nullable().describe('The latest fix exactly as stored; null before the first.'),
  distance: z.number().describe('Metres covered, counted as fixes arrived in time order (jitter under 5 m left out).'),
  points: z.number().int().describe('Fixes stored for this runner.'),
  n: z.number().int().optional().describe("With interest: the runner's index in the field (binary frames name runners by it)."),
}).meta({ id: 'RunnerSnapshot' });
export type RunnerSnapshot = z.infer<typeof RunnerSnapshotSchema>;

/** A spectator link made by the organiser; the token in its URL is the only key. */
export const ShareLinkSchema = z
  .object({
    id: z.string(),
    token: z.string(),
    label: z.string(),
    runners: z.array(z.string()).nullable().describe('Runner ids this link shows; null for all.'),
    createdAt: z.number(),
    expiresAt: z.number().nullable(),
    revokedAt: z.number().nullable(),
  })
  .meta({ id: 'ShareLink' });
export type ShareLink = z.infer<typeof ShareLinkSchema>;

export type ShareLinkState = 'active' | 'expired' | 'revoked';

export function shareLinkState(link: Pick<ShareLink, 'expiresAt' | 'revokedAt'>, now: number): ShareLinkState {
  if (link.revokedAt !== null) return 'revoked';
  if (link.expiresAt !== null && now >= link.expiresAt) return 'expired';
  return 'active';
}

export const HappinessSampleSchema = z
  .object({
    t: z.number(),
    mean: z.number().nullable().describe('Mean latest happiness of the runners active in the window; null when none reported.'),
    count: z.number().int(),
  })
  .meta({ id: 'HappinessSample' });
export type HappinessSample = z.infer<typeof HappinessSampleSchema>;

export const CheerSchema = z.object({ from: z.string(), text: z.string(), t: z.number() }).meta({ id: 'Cheer' });
export type Cheer = z.infer<typeof CheerSchema>;

/**
 * An alarm raised from a runner's tracking app (Traccar Client's SOS button). It stays open until the
 * organiser acknowledges it; spectators who see the runner see it too.
 */
export const AlertSchema = z
  .object({
    id: z.string(),
    runnerId: z.string(),
    name: z.string().describe("The runner's name when it was raised."),
    kind: z.literal('sos'),
    raisedAt: z.number().describe('Server time it was raised, ms since the epoch.'),
    at: z
      .object({ lat: z.number(), lon: z.number(), t: z.number(), acc: z.number() })
      .nullable()
      .describe('Where the runner was: the fix sent with the alarm, else their latest one; null when none is known.'),
    source: z.string().describe('The app that raised it, as shown to people ("Traccar Client").'),
    ackedAt: z.number().nullable().describe('When the organiser acknowledged it; null while it is open.'),
  })
  .meta({ id: 'Alert' });
export type Alert = z.infer<typeof AlertSchema>;

/**
 * Why the server kept a tracking app's fix out of the track. The app was answered 2xx anyway (a retry could
 * never succeed, and an app that got an error would hold back everything after it); the runner page counts
 * these per reason.
 */
export const AppRefusal = {
  TooOld: 'too_old',
  InFuture: 'in_future',
  OutOfRange: 'out_of_range',
  Malformed: 'malformed',
  TooLarge: 'too_large',
  NotValid: 'not_valid',
  Encrypted: 'encrypted',
  EventFinished: 'event_finished',
} as const;
export type AppRefusal = (typeof AppRefusal)[keyof typeof AppRefusal];

/** How each refusal reads after "N fixes refused: ". */
export const APP_REFUSAL_TEXT: Record<AppRefusal, string> = {
  too_old: 'older than 7 days',
  in_future: 'more than 5 minutes ahead of the server clock (set the phone clock automatically)',
  out_of_range: 'a value out of range',
  malformed: 'not readable',
  too_large: 'larger than 16 KiB',
  not_valid: 'marked as no fix by the app',
  encrypted: 'encrypted (turn Encryption off in OwnTracks)',
  event_finished: 'sent after the event finished',
};

export const HelloMsg = z.object({ type: z.literal('hello'), v: z.number().int(), now: z.number() });
export const JoinedMsg = z.object({
  type: z.literal('joined'),
  event: z.string(),
  runnerId: z.string(),
  token: z.string().optional().describe('Present only when the runner is new: keep it, it is never sent again.'),
  name: z.string(),
  color: z.string(),
  lastSeq: z.number().int().describe('Highest sequence number the server holds for this runner, 0 if none.'),
  cheers: z.array(CheerSchema),
});
export const AckMsg = z.object({ type: z.literal('ack'), seq: z.number().int() });
export const SnapshotMsg = z.object({
  type: z.literal('snapshot'),
  event: EventInfoSchema,
  epoch: z.string().describe("Changes whenever the server rebuilt this event's live state: offsets of another epoch do not follow on."),
  seq: z.number().int().describe('Offset of the last update this snapshot includes; the next update that follows on has `prev` ≤ this.'),
  runners: z.array(RunnerSnapshotSchema),
  happiness: z.array(HappinessSampleSchema).describe("The event's happiness so far, thinned to at most a few hundred samples for a long event."),
  alerts: z.array(AlertSchema).describe('Open alerts of the runners this snapshot shows (of every runner, for a subscription with `interest`).'),
  now: z.number(),
  field: z
    .object({ gen: z.number().int(), count: z.number().int() })
    .optional()
    .describe('With `interest`: the field this picture goes with. A binary field frame of this generation follows (unless the field is the one the client holds already), then binary position frames.'),
});
export const UpdateMsg = z.object({
  type: z.literal('update'),
  event: z.string(),
  epoch: z.string(),
  seq: z.number().int().describe("This update's offset: one more than the event's previous update."),
  prev: z
    .number()
    .int()
    .describe(
      'Offset of the previous update that carried anything for this subscriber. If it is above the last offset the client holds, the client missed something: it should subscribe again for a snapshot.',
    ),
  now: z.number(),
  runners: z.array(RunnerInfoSchema).describe('Runners whose name, colour, status or mood changed since the last update, or who are new.'),
  points: z
    .record(z.string(), z.array(TrackPointSchema))
    .describe('New trail points per runner id. Insert each by its time (a late fix may belong before the latest); a point whose time the client already holds is one it has.'),
  distance: z.record(z.string(), z.number()).describe('Metres covered so far, for runners with new points.'),
  removed: z.array(z.string()).optional().describe('Runners the organiser removed or who deleted their track: drop them.'),
});
/** Who runners of the field are: the answer to `who`, for the generation `gen` of the field. */
export const WhoAnswerMsg = z.object({
  type: z.literal('who'),
  event: z.string(),
  gen: z.number().int(),
  runners: z.array(RunnerInfoSchema.extend({ n: z.number().int() })),
});
export const EventMsg = z.object({ type: z.literal('event'), event: EventInfoSchema });
export const HappinessMsg = z.object({ type: z.literal('happiness'), event: z.string(), sample: HappinessSampleSchema });
/** An alert was raised (`ackedAt` null) or acknowledged, for a runner this subscriber sees: sent at once, not with the next update. */
export const AlertMsg = z.object({ type: z.literal('alert'), event: z.string(), alert: AlertSchema });
export const CheerReceivedMsg = z.object({ type: z.literal('cheer'), cheer: CheerSchema });
/** The cheer was kept; `online` says whether the runner's phone is connected to see it now. */
export const CheeredMsg = z.object({ type: z.literal('cheered'), runnerId: z.string(), online: z.boolean() });
export const ErrorMsg = z.object({
  type: z.literal('error'),
  code: z.enum(ErrorCode),
  message: z.string(),
  ref: z.string().optional().describe('Type of the client message refused, when known.'),
  seq: z.number().int().optional().describe('Sequence number of a refused fix: the server will not ask for it again.'),
  retryAfterMs: z.number().optional().describe('For storage_unavailable, too_many_attempts, quota_exceeded and rate_limited: when to try again.'),
});

export const ServerMessageSchema = z.discriminatedUnion('type', [
  HelloMsg,
  JoinedMsg,
  AckMsg,
  SnapshotMsg,
  UpdateMsg,
  WhoAnswerMsg,
  EventMsg,
  HappinessMsg,
  AlertMsg,
  CheerReceivedMsg,
  CheeredMsg,
  ControlMsg,
  RunnerMessageMsg,
  ErrorMsg,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageType = ServerMessage['type'];

/** Parse a text frame into a client message, or explain why not. */
export function parseClientFrame(
  data: string,
):
  | { ok: true; msg: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; ref?: string; seq?: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return { ok: false, code: ErrorCode.BadJson, message: 'Frame is not valid JSON.' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: ErrorCode.BadMessage, message: 'Frame must be a JSON object with a "type".' };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      code: ErrorCode.UnknownType,
      message: `Unknown message type; expected one of ${CLIENT_MESSAGE_TYPES.join(', ')}.`,
    };
  }
  const parsed = ClientMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'message';
    // A refused fix still settles its sequence number, so later ones can be acknowledged past it.
    const seq = (raw as { seq?: unknown }).seq;
    const settles = type === 'pos' && Number.isSafeInteger(seq) && (seq as number) >= 1;
    return {
      ok: false,
      code: type === 'pos' ? ErrorCode.BadPosition : ErrorCode.BadMessage,
      message: `Invalid ${type}: ${where} ${issue?.message ?? 'is invalid'}.`,
      ref: type,
      ...(settles ? { seq: seq as number } : {}),
    };
  }
  return { ok: true, msg: parsed.data };
}
