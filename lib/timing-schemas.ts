/**
 * The JSON of the start list, timing points, passings, satellite trackers and the open race feed, as the HTTP
 * API reads and answers it (routes.ts says which route takes and answers which; api-schemas.ts holds the
 * rest of the API's).
 */
import { z } from 'zod';
import { EntryFieldsSchema, PublicEntrySchema } from './entries/entry';
import { TimingPointInfoSchema } from './protocol';
import { isTimeZone } from './timing/decoder-line';

// ---------- the start list ----------

/** An entry as the organiser sees it: every field, the claim code too. */
export const EntrySchema = z
  .object({
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    sex: z.enum(['F', 'M', 'X']).nullable(),
    birthYear: z.number().int().nullable(),
    ageGroup: z.string().nullable(),
    category: z.string().nullable(),
    club: z.string().nullable(),
    wave: z.string().nullable(),
    chip: z.string().nullable().describe('Timing chip (transponder) code, as the decoder reports it.'),
    claimCode: z.string().describe('What the runner types with their bib to claim the entry from a phone.'),
  })
  .meta({ id: 'Entry' });

export const EntryViewSchema = z
  .object({
    runnerId: z.string(),
    bib: z.string(),
    name: z.string(),
    entry: EntrySchema,
    claimed: z.boolean().describe('A phone has claimed the entry.'),
    seen: z.boolean().describe('A fix, a mat or a satellite has placed the runner.'),
  })
  .meta({ id: 'EntryView' });
export type EntryView = z.infer<typeof EntryViewSchema>;

export const EntriesAnswer = z.object({ entries: z.array(EntryViewSchema) });
export const ImportAnswer = z.object({
  created: z.number().int().optional(),
  updated: z.number().int().optional(),
  entries: z.number().int().optional().describe('With dryRun=1: how many entries would be saved.'),
  saved: z.boolean(),
});

/** A row the server would not save, and why (in a bad_entries refusal). */
export const EntryRowProblemSchema = z
  .object({
    line: z.number().int().optional().describe('The line of the CSV file.'),
    index: z.number().int().describe('The place of the entry in the list, from 0.'),
    bib: z.string(),
    errors: z.array(z.string()),
  })
  .meta({ id: 'EntryRowProblem' });
export type EntryRowProblem = z.infer<typeof EntryRowProblemSchema>;

export const EntryBody = EntryFieldsSchema;
export const SavedAnswer = z.object({ saved: z.literal(true) });
export const ClaimCodeAnswer = z.object({ claimCode: z.string() });
export const ImportBody = z.object({ entries: z.array(EntryFieldsSchema).min(1) }).describe('Or the start list as a CSV file (text/csv).');

// ---------- timing points and passings ----------

export const TimingPointViewSchema = TimingPointInfoSchema.extend({
  timeZone: z.string().describe("The zone the decoder's clock is in: decoder lines carry local time."),
  passings: z.number().int(),
  heardAt: z.number().nullable().describe('When the decoder was last heard (a passing or a heartbeat).'),
}).meta({ id: 'TimingPointView' });

export const TimingViewSchema = z
  .object({
    points: z.array(TimingPointViewSchema),
    unknownChips: z.array(z.object({ chip: z.string(), passings: z.number().int(), lastT: z.number(), points: z.array(z.string()) })).describe('Chips no entry carries, most passings first (at most 200).'),
    unknownCount: z.number().int(),
  })
  .meta({ id: 'TimingView' });
export type TimingView = z.infer<typeof TimingViewSchema>;

export const TimingPointBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(40, 'at most 40 characters'),
    at: z.number().finite().min(0, 'must be 0 or more').describe('Metres from the start.'),
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'must be a time zone like Europe/Berlin or UTC')
      .default('UTC')
      .describe("The zone the decoder's clock is in (an IANA name)."),
  })
  .strict();
export const TimingPointChanges = TimingPointBody.partial();

export const AddedPointAnswer = z.object({ point: TimingPointInfoSchema, key: z.string().describe('Shown this once; the server keeps only a hash.') });
export const PointAnswer = z.object({ point: TimingPointInfoSchema });
export const KeyAnswer = z.object({ key: z.string().describe('Shown this once; the server keeps only a hash.') });

export const PassingSchema = z
  .object({
    chip: z.string(),
    t: z.number().int().optional().describe('When the chip crossed, ms since the epoch …'),
    time: z.string().optional().describe('… or as ISO 8601 with its zone (2026-05-01T09:00:00.620Z).'),
    loop: z.string().nullish(),
    lap: z.number().int().nullish(),
    battery: z.number().nullish(),
    rewind: z.boolean().nullish().describe('Sent again from the decoder’s memory.'),
  })
  .meta({ id: 'Passing' });
export const PassingsBody = z.object({ passings: z.array(PassingSchema) }).describe('Or decoder lines (text/plain), one passing a line.');

export const PassingsAnswer = z.object({
  stored: z.number().int().describe('New passings made durable.'),
  duplicates: z.number().int().describe('Passings kept before (sent again).'),
  unknown: z.number().int().describe('Of those stored, passings of chips no entry carries.'),
  refused: z
    .object({ in_future: z.number().int().optional(), too_old: z.number().int().optional(), malformed: z.number().int().optional() })
    .describe('Passings refused for good, per reason: a decoder clock more than 5 minutes ahead, a week behind, or unreadable.'),
  problems: z.array(z.string()).describe('What was wrong with the first few that could not be read.'),
});

// ---------- satellite trackers ----------

export const TrackerViewSchema = z
  .object({
    id: z.string(),
    runnerId: z.string(),
    runnerName: z.string(),
    kind: z.enum(['inreach', 'spot']),
    feed: z.string().describe('The MapShare name, or the SPOT XML feed id.'),
    hasPassword: z.boolean(),
    polledAt: z.number().nullable(),
    lastT: z.number().nullable().describe('The newest message time the feed had.'),
    error: z.string().nullable().describe('Why the last poll failed; null when it worked.'),
  })
  .meta({ id: 'TrackerView' });
export type TrackerView = z.infer<typeof TrackerViewSchema>;

export const TrackersAnswer = z.object({ trackers: z.array(TrackerViewSchema) });
export const TrackerAnswer = z.object({ tracker: TrackerViewSchema });

export const TrackerBody = z.discriminatedUnion('kind', [
  z
    .object({
      runner: z.string(),
      kind: z.literal('inreach'),
      feed: z
        .string()
        .trim()
        .transform((s) => s.replace(/^(?:https?:\/\/)?share\.garmin\.com\/(?:Feed\/Share\/)?/i, '').replace(/\/+$/, ''))
        .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'the MapShare name: the part after share.garmin.com/'))
        .describe('The MapShare name (share.garmin.com/<name>), or that address.'),
      password: z.string().min(1).max(128).nullish(),
    })
    .strict(),
  z
    .object({
      runner: z.string(),
      kind: z.literal('spot'),
      feed: z.string().trim().regex(/^[A-Za-z0-9]{10,64}$/, 'the SPOT XML feed id (letters and digits)'),
      password: z.string().min(1).max(128).nullish(),
    })
    .strict(),
]);

// ---------- the open race feed ----------

const FeedEvent = z.object({ id: z.string(), name: z.string() });

export const StandingRowSchema = z
  .object({
    pos: z.number().int().nullable(),
    id: z.string(),
    bib: z.string().nullable(),
    name: z.string(),
    entry: PublicEntrySchema.nullable(),
    state: z.enum(['finished', 'running', 'not-started']),
    at: z.number().nullable().describe('Metres along the course.'),
    start: z.number().nullable().describe("The runner's own start (ms)."),
    finish: z.number().nullable().describe('Seconds from their start to the finish (chip time).'),
    gun: z.number().nullable().describe("Seconds from their wave's gun to the finish (gun time)."),
    cat: z.number().int().nullable().describe('Place within their category.'),
    gap: z.number().nullable().describe('Seconds behind the leader at the same spot of the course.'),
    cp: z.object({ name: z.string(), t: z.number() }).nullable().describe('The last checkpoint passed.'),
    mat: z.object({ at: z.number(), t: z.number() }).nullable().describe('The latest timing mat that saw them.'),
  })
  .meta({ id: 'StandingRow' });

export const StandingsAnswer = z.object({
  event: FeedEvent.extend({ status: z.enum(['live', 'finished']), startsAt: z.number().nullable() }),
  standings: z.array(StandingRowSchema),
});

export const PointPassingsAnswer = z.object({
  event: FeedEvent,
  points: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      at: z.number(),
      passings: z.array(z.object({ id: z.string(), bib: z.string().nullable(), name: z.string(), t: z.number(), elapsed: z.number().nullable() })),
    }),
  ),
});
