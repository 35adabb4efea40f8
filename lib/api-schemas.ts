/**
 * The JSON the HTTP API reads and answers, as schemas: request bodies (checked by the server before a
 * handler acts on them) and answers (the types the browser's client gets, and the OpenAPI document's
 * schemas). The route table (routes.ts) says which route takes and answers which.
 */
import { z } from 'zod';
import * as C from './control/schemas';
import { WaveSchema, WAVES_MAX, wavesProblems } from './course/waves';
import { EmbedSitesSchema } from './embed';
import { FILTER_FIELDS, type FilterField } from './runner-filter';
import { CourseErrorCode } from './course/errors';
import {
  AlertSchema,
  AppRefusal,
  BibSchema,
  CheckpointSchema,
  cleanText,
  CourseInfoSchema,
  DistanceUnitSchema,
  ErrorCode,
  EventInfoSchema,
  EventNameSchema,
  HappinessSampleSchema,
  LIMITS,
  RaceEstimateSchema,
  RaceInfoSchema,
  RunnerIdSchema,
  RunnerInfoSchema,
  ShareLinkSchema,
  SnapshotMsg,
  ViewCodeSchema,
} from './protocol';

// ---------- shared shapes ----------

/** The highest an organiser may set each of an event's limits to. */
export const QUOTA_CEILINGS = {
  maxRunners: 100_000,
  fixesPerRunnerPerHour: 36_000,
  cheersPerMinute: 6000,
  // About 1,300 runners on one address, each sending a fix a second.
  addressMiBPerHour: 1024,
} as const;

/** An event's limits as they stand (the server's own allowance for one address may be above the ceiling). */
export const QuotasSchema = z
  .object({
    maxRunners: z.number().int().describe('Runners who may join.'),
    fixesPerRunnerPerHour: z.number().int().describe('Fixes one runner may store per hour (beyond a first 600 for an outbox that catches up).'),
    cheersPerMinute: z.number().int().describe('Cheers the event takes per minute.'),
    addressMiBPerHour: z.number().int().describe('MiB one address may store for the event per hour (a venue whose runners share one address).'),
  })
  .meta({ id: 'Quotas' });
export type Quotas = z.infer<typeof QuotasSchema>;

/** A fix as stored, with everything the store keeps about it. */
export const StoredPositionSchema = z
  .object({
    seq: z.number().int().describe("The runner's own sequence number, or above 2^50 for a tracking app's fix."),
    lat: z.number(),
    lon: z.number(),
    t: z.number().describe('Time of the fix (the device clock), ms since the epoch.'),
    acc: z.number().describe('Accuracy, metres; 0 when unknown.'),
    alt: z.number().nullable(),
    spd: z.number().nullable(),
    hdg: z.number().nullable(),
    bat: z.number().nullable().describe('Phone battery, percent, where a tracking app reports it.'),
  })
  .meta({ id: 'StoredPosition' });

/** A runner as the summary read gives them: the organiser's read includes runners without a fix yet. */
export const RunnerSummarySchema = RunnerInfoSchema.extend({
  points: z.number().int().describe('Fixes stored.'),
  distance: z.number().describe('Metres covered.'),
  movingMs: z.number(),
  joinedAt: z.number(),
  latest: StoredPositionSchema.nullable().describe('The latest fix with everything stored about it.'),
  alert: AlertSchema.nullable().describe("The runner's open alert, if any."),
}).meta({ id: 'RunnerSummary' });
export type RunnerSummary = z.infer<typeof RunnerSummarySchema>;

/** A runner summary without its counts and latest fix, which the runner reads answer beside it. */
const RunnerHeadSchema = RunnerSummarySchema.omit({ points: true, latest: true });

export const CompactCourseSchema = z
  .object({
    v: z.literal(1),
    name: z.string().nullable(),
    line: z.string().describe('Encoded polyline of [lat, lon] at 6 decimals.'),
    elevations: z.string().nullable().describe('Elevations in metres at 1 decimal, encoded the same way; null when the course has none.'),
    checkpoints: z.array(CheckpointSchema),
  })
  .meta({ id: 'CompactCourse' });

const SplitSchema = z
  .object({
    label: z.string(),
    kind: z.enum(['km', 'mi', 'checkpoint', 'finish']),
    at: z.number().describe('Metres from the start.'),
    t: z.number().nullable().describe('Clock time of the passing (ms); null when the runner was not seen there.'),
    elapsed: z.number().nullable().describe("Seconds from the runner's start."),
    split: z.number().nullable().describe('Seconds since the previous row (or the start).'),
    speed: z.number().nullable().describe('m/s over that stretch.'),
    estimated: z.boolean().describe('Interpolated from the start because the runner was first seen farther on.'),
  })
  .meta({ id: 'Split' });

export const RunnerRaceDetailSchema = z
  .object({
    race: RunnerInfoSchema.shape.race.unwrap(),
    splits: z
      .array(SplitSchema)
      .describe('Every kilometre or mile passed, in the unit asked for, and the finish; each split since the row before in this series.'),
    checkpoints: z.array(SplitSchema).describe('Every checkpoint passed, and the finish; each split since the checkpoint before.'),
    forecast: z.object({
      basis: z
        .object({
          kind: z.enum(['recent', 'observed', 'average']).describe('The last 2 km seen; all that was seen of a runner first seen after their start; the average since the start.'),
          metres: z.number().describe('Metres of course the pace was measured over.'),
          speed: z.number(),
        })
        .nullable(),
      estimate: RaceEstimateSchema.nullable().describe("The estimator's anchor the intervals come from."),
      ahead: z
        .array(
          z.object({
            label: z.string(),
            kind: z.enum(['checkpoint', 'finish']),
            at: z.number(),
            t: z.number().describe('Likely clock time (ms).'),
            lo: z.number().describe('Earliest plausible clock time (ms).'),
            hi: z.number().describe('Latest plausible clock time (ms).'),
            elapsed: z.number().describe("Likely seconds from the runner's start."),
          }),
        )
        .describe('Checkpoints ahead, nearest first, then the finish.'),
    }),
    whereabouts: z
      .object({
        kind: z.enum(['seen', 'predicted', 'ghost']),
        at: z.number().describe('Likely metres along the course.'),
        lo: z.number().describe('Slowest plausible progress, metres.'),
        hi: z.number().describe('Fastest plausible progress, metres.'),
        silentMs: z.number().describe('Milliseconds since the runner was last observed.'),
        t: z.number().describe('The time of this answer (ms).'),
      })
      .nullable()
      .describe('Where the estimator puts the runner at the time of the answer; null before the start and after the finish.'),
  })
  .meta({ id: 'RunnerRaceDetail' });
export type RunnerRaceDetail = z.infer<typeof RunnerRaceDetailSchema>;

const BackplaneHealthSchema = z.object({
  kind: z.enum(['local', 'redis']),
  state: z.enum(['local', 'up', 'down']),
  since: z.number().optional(),
  lastError: z.string().nullable().optional(),
  relayed: z.number().optional().describe('Events whose updates this instance relays from their owners.'),
  published: z
    .object({
      messages: z.number(),
      bytes: z.number(),
      dropped: z.number(),
      events: z.object({ messages: z.number(), bytes: z.number() }),
    })
    .optional(),
  owned: z.array(z.string()).optional(),
  lease: z.object({ ttlMs: z.number(), lastRenewError: z.string().nullable() }).optional(),
});

/** The body of every refusal: branch on `code`; `message` is for people. */
export const ErrorAnswerSchema = z
  .object({
    error: z.object({
      code: z.enum(ErrorCode),
      message: z.string(),
      reason: z.enum(CourseErrorCode).optional().describe('bad_course: what is wrong with the file.'),
      lines: z
        .array(z.object({ kind: z.enum(['track', 'route', 'line']), name: z.string().nullable(), points: z.number().int(), lengthM: z.number() }))
        .optional()
        .describe('bad_course with reason several-lines: the lines in the file, to pick one by its index with ?pick=<index>.'),
    }),
  })
  .meta({ id: 'Error' });

// ---------- answers ----------

export const HealthAnswer = z.object({
  ok: z.boolean().describe('True while storage works (the status is 503 otherwise).'),
  degraded: z.boolean().describe('True while the backplane (Redis) is unreachable: the instance serves what it can.'),
  instance: z.string(),
  owned: z.array(z.string()),
  backplane: BackplaneHealthSchema,
  storage: z.object({
    engine: z.enum(['sqlite', 'postgres']),
    state: z.enum(['ok', 'stalled', 'failing']),
    commitMs: z.number().nullable(),
    queuedOps: z.number().int(),
    lastError: z.string().nullable(),
    failingSince: z.number().nullable(),
  }),
  connections: z.number().int(),
  peers: z.number().int(),
  subscriptions: z.number().int(),
  events: z.number().int(),
  rooms: z.number().int(),
  runners: z.number().int(),
  exports: z.number().int(),
  eventLoopDelayMs: z
    .object({ p99: z.number(), max: z.number() })
    .describe("How late the event loop's timer ran lately, ms: a request that holds the loop shows here."),
});

export const EventListAnswer = z.object({
  events: z.array(
    EventInfoSchema.extend({
      runners: z.number().int().nullable().describe('Runners with a fix, for public events; null for protected ones.'),
      active: z.number().int().nullable(),
    }),
  ),
});

export const CreatedEventAnswer = z.object({
  event: EventInfoSchema,
  organiserToken: z.string().describe('Shown this once: keep it.'),
  links: z.object({ spectator: z.string(), runner: z.string(), organiser: z.string() }),
});

export const EventSummaryAnswer = z.object({
  event: EventInfoSchema,
  runners: z.array(RunnerSummarySchema),
  organiser: z
    .object({ failedAttempts: z.number().int(), quotas: QuotasSchema, runners: z.number().int() })
    .optional()
    .describe('Only with the organiser token.'),
});
export type EventSummary = z.infer<typeof EventSummaryAnswer>;

export const SnapshotAnswer = SnapshotMsg.omit({ type: true });
export const HappinessAnswer = z.object({ samples: z.array(HappinessSampleSchema) });
export const EventAnswer = z.object({ event: EventInfoSchema });
export const ViewCodeAnswer = z.object({ event: EventInfoSchema, code: z.string().optional().describe('The code the server picked, answered this once.') });
export const QuotasAnswer = z.object({ quotas: QuotasSchema });
export const LinksAnswer = z.object({ links: z.array(ShareLinkSchema) });
export const CreatedLinkAnswer = z.object({ link: ShareLinkSchema, path: z.string().describe('The page to share: /s/<token>.') });
export const AlertAnswer = z.object({ alert: AlertSchema });
export const CourseAnswer = z.object({ info: CourseInfoSchema, course: CompactCourseSchema });
export const CourseChangeAnswer = z.object({ race: RaceInfoSchema, warnings: z.array(z.string()) });
export const RaceAnswer = z.object({ race: RaceInfoSchema });
export const BibAnswer = z.object({ bib: BibSchema.nullable() });
export const RunnerAnswer = z.object({ runner: RunnerHeadSchema, points: z.number().int(), latest: StoredPositionSchema.nullable() });

export const TrackFixesAnswer = z.object({
  runner: RunnerHeadSchema,
  points: z.array(StoredPositionSchema),
  next: z.string().nullable().describe('The `after` of the next page; null at the end.'),
});
export const TrackTrailAnswer = z.object({
  runner: RunnerHeadSchema,
  trail: z.string().describe('The page as an encoded trail (lib/polyline.ts) in milliseconds.'),
  timeStepMs: z.literal(1),
  count: z.number().int(),
  next: z.string().nullable(),
});
export const TrackPageAnswer = z.union([TrackFixesAnswer, TrackTrailAnswer]);
export type TrailPage = z.infer<typeof TrackTrailAnswer>;

/** One row of the runner list: the runner as spectators see them, with distance covered and speed now. */
export const ListRowSchema = RunnerInfoSchema.extend({
  distance: z.number().describe('Metres covered (from the fixes; along the course, see race.at).'),
  speed: z.number().nullable().describe('Speed now, m/s: along the course on race events, from the last minute of fixes otherwise; null when not moving.'),
}).meta({ id: 'ListRow' });
export type ListRow = z.infer<typeof ListRowSchema>;
export const ListPageAnswer = z.object({
  total: z.number().int().describe('Runners matching: everyone who sent a fix without q (those of a share link limited to some).'),
  from: z.number().int(),
  rows: z.array(ListRowSchema),
  facets: z
    .object(Object.fromEntries(FILTER_FIELDS.map((f) => [f, z.array(z.string())])) as Record<FilterField, z.ZodArray<z.ZodString>>)
    .optional()
    .describe("The values the filters can take (category, sex, ageGroup, club, wave) over everyone listed; absent when nobody is on the start list."),
});
export type ListPage = z.infer<typeof ListPageAnswer>;

export const DeviceKeyAnswer = z.object({
  issued: z.boolean(),
  refused: z.partialRecord(z.enum(AppRefusal), z.number().int()).describe("Fixes from the runner's tracking apps kept out of the track, per reason."),
});
export const IssuedKeyAnswer = z.object({ key: z.string().describe('Shown this once; the server keeps only a hash.') });
export const AcceptedAnswer = z.strictObject({});

// ---------- request bodies ----------

export const CreateEventBody = z.object({ name: EventNameSchema });

/** {"code": "…"} sets the view code, {"code": null} lifts it, {"generate": true} has the server pick one. */
export const ViewCodeBody = z
  .object({
    code: ViewCodeSchema.nullable().optional(),
    generate: z.boolean().optional().describe('true: the server picks a code that is hard to guess, answered once.'),
  })
  .refine((b) => b.generate === true || b.code !== undefined, {
    message: 'Send {"code": "…"} to set a view code, {"generate": true} for one the server picks, or {"code": null} to lift it.',
  });

/** Any of the limits, within their ceilings; the others stay as they are. */
export const QuotasBody = z
  .object({
    maxRunners: z.number().int().min(1).max(QUOTA_CEILINGS.maxRunners),
    fixesPerRunnerPerHour: z.number().int().min(60).max(QUOTA_CEILINGS.fixesPerRunnerPerHour),
    cheersPerMinute: z.number().int().min(1).max(QUOTA_CEILINGS.cheersPerMinute),
    addressMiBPerHour: z.number().int().min(1).max(QUOTA_CEILINGS.addressMiBPerHour),
  })
  .partial()
  .strict();

export const LinkBody = z.object({
  label: z.string().max(LIMITS.nameMax * 4).transform(cleanText).pipe(z.string().max(LIMITS.nameMax)).default(''),
  runners: z.array(RunnerIdSchema).min(1).max(LIMITS.followMax).nullish().describe('The runners the link shows; null or absent for all.'),
  expiresAt: z.number().int().positive().nullish().describe('When the link stops working, ms since the epoch; null or absent for never.'),
});

export const FromTrackBody = z.object({
  runner: RunnerIdSchema,
  from: z.number().int().nonnegative().optional().describe('Leave out fixes before this time (ms).'),
  to: z.number().int().nonnegative().optional().describe('Leave out fixes after this time (ms).'),
});

export const CheckpointsBody = z.object({
  checkpoints: z.array(z.object({ name: z.string().max(200), at: z.number().finite().describe('Metres from the start.'), cutoff: z.number().finite().positive().nullable().optional().describe('Cut-off time, ms since the epoch.') })).max(1000),
});

export const RaceSettingsBody = z
  .object({
    startsAt: z.number().int().positive().nullable().optional().describe('ms since the epoch; null clears it.'),
    startNow: z.literal(true).optional().describe("Start now, by the server's clock (the organiser's Start button)."),
    unit: z.enum(DistanceUnitSchema.options, { error: 'unit: "km" or "mi"' }).optional(),
    waves: z
      .array(WaveSchema)
      .max(WAVES_MAX)
      .refine((w) => wavesProblems(w).length === 0, { message: 'each wave once, by name' })
      .optional()
      .describe("The waves and their guns (ms; null: the event's start). Runners are in the wave their entry names."),
    order: z.enum(['chip', 'gun'], { error: 'order: "chip" or "gun"' }).optional().describe('Rank finishers by chip time (default) or gun time.'),
    embedSites: EmbedSitesSchema.optional().describe('Origins allowed to frame /embed/<id> (CSP frame-ancestors); [] for none.'),
  })
  .strict();
export type RaceSettings = z.input<typeof RaceSettingsBody>;

export const BibBody = z.object({ bib: BibSchema.nullable() });

// ---------- race control (lib/control/schemas.ts) ----------

export const VerdictBody = z.object({
  verdict: z
    .object({ kind: z.enum(C.VERDICT_KINDS), reason: z.string().max(C.MAX_REASON).nullable().optional() })
    .nullable()
    .describe('DNF, DSQ (with a reason) or DNS; null takes it back. A runner may give only their own DNF, and take it back.'),
});
export const VerdictsBody = VerdictBody.extend({ runners: z.array(z.string().max(64)).min(1).max(5000).describe('The runners (ids) it is for.') });
export const VerdictsAnswer = z.object({ verdicts: z.array(C.VerdictSchema).describe('The verdicts given (none for runners who had that one already).') });
export const ControlAnswer = z.object({
  settings: C.ConsoleSettingsSchema,
  marks: z.array(C.MarkSchema),
  messages: z.array(C.SentMessageSchema).describe('Every message sent to runners, oldest first, with who has seen it.'),
});
export const ConsoleSettingsBody = C.ConsoleSettingsSchema.partial();
export const ConsoleSettingsAnswer = z.object({ settings: C.ConsoleSettingsSchema });
export const MarkBody = z.object({
  ackedSince: z.number().nullable().optional().describe("The item's since, to acknowledge it; null takes the acknowledgement back."),
  assignee: z.string().max(C.MAX_HELPER).nullable().optional(),
  note: z.string().max(C.MAX_NOTE).nullable().optional(),
  by: z.string().max(C.MAX_HELPER).nullable().optional().describe('Who acknowledges ("Jo, race control").'),
});
export const MarkAnswer = z.object({ mark: C.MarkSchema });
export const MessageBody = z.object({
  text: z.string().max(C.MAX_MESSAGE * 4),
  to: z.string().max(64).nullable().optional().describe('A runner id; left out or null for every runner (or every runner of `group`).'),
  group: C.MessageGroupSchema.extend({ name: z.string().trim().min(1).max(60) })
    .nullable()
    .optional()
    .describe('Every runner of one wave or category, by their start-list entry.'),
});
export const MessageAnswer = z.object({ message: C.SentMessageSchema });
export const RunnerMessagesAnswer = z.object({
  messages: z.array(C.RunnerMessageSchema.extend({ seenAt: z.number().nullable().describe("When this runner's page showed it; null: not yet.") })),
});
export const SeenAnswer = z.object({ seenAt: z.number() });
// ---------- Web Push ----------

/** A browser's push subscription, as PushSubscription.toJSON() gives it, and the page a click opens. */
export const PushSubscriptionBody = z
  .object({
    endpoint: z.string().max(1024).describe("The push service's URL for this browser (PushSubscription.endpoint)."),
    expirationTime: z.number().nullable().optional().describe('As the browser gives it; not used.'),
    keys: z.object({
      p256dh: z.string().regex(/^[A-Za-z0-9_-]{80,100}={0,2}$/, 'not a base64url P-256 key').describe("The browser's P-256 public key, base64url."),
      auth: z.string().regex(/^[A-Za-z0-9_-]{16,32}={0,2}$/, 'not a base64url secret').describe("The browser's 16-byte auth secret, base64url."),
    }),
    page: z
      .string()
      .regex(/^\/(e|s)\/[A-Za-z0-9_-]{1,128}(\/organise)?$/, 'not a page of this server')
      .optional()
      .describe('The page a click on the notification opens (the share link\'s page for its spectators); the event page by default.'),
  })
  .meta({ id: 'PushSubscriptionBody' });

export const PushEndpointBody = z
  .object({ endpoint: z.string().max(1024).describe('The endpoint the subscription was made with.') })
  .meta({ id: 'PushEndpointBody' });

export const PushKeyAnswer = z
  .object({ publicKey: z.string().describe("The server's VAPID public key, base64url: PushManager.subscribe's applicationServerKey.") })
  .meta({ id: 'PushKeyAnswer' });

export const PushSubscribedAnswer = z
  .object({
    runnerId: z.string().nullable().describe('The runner followed; null for the organiser\'s SOS subscription.'),
    tells: z.array(z.enum(['checkpoint', 'finish', 'sos'])).describe('What this subscription is told.'),
  })
  .meta({ id: 'PushSubscribedAnswer' });
