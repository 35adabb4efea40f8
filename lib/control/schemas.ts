/**
 * What race control decides and writes down while the race runs, as schemas shared by the server, the
 * browser, the HTTP route table and the docs: a runner's verdict (DNF, DSQ, DNS), the console's marks on
 * watchlist items (acknowledged, assigned, a note), its thresholds, and messages to runners.
 */
import { z } from 'zod';

export const VERDICT_KINDS = ['dnf', 'dsq', 'dns'] as const;
export const MAX_REASON = 120;
export const MAX_MESSAGE = 280;
export const MAX_NOTE = 200;
export const MAX_HELPER = 40;

export const VerdictSchema = z
  .object({
    kind: z.enum(VERDICT_KINDS).describe('dnf: did not finish; dsq: disqualified; dns: did not start.'),
    reason: z.string().nullable().describe('Why (a DSQ always has one; "Knee" for a DNF).'),
    at: z.number().describe('When it was given, ms since the epoch.'),
    by: z.enum(['runner', 'organiser']).describe('The runner said so from their page, or the organiser decided.'),
    atM: z.number().nullable().describe('Metres along the course the runner had reached; null when unknown.'),
  })
  .meta({ id: 'Verdict' });
export type Verdict = z.infer<typeof VerdictSchema>;

/** The kinds of problem the console's watchlist holds, most urgent first. */
export const WATCH_KINDS = ['sos', 'stopped', 'off', 'silent', 'cutoff', 'battery', 'mood'] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];

export const MarkSchema = z
  .object({
    key: z.string().describe('The watchlist item: "<kind>:<runner id>".'),
    ackedSince: z
      .number()
      .nullable()
      .describe('The item was acknowledged while it read "since" this time; a problem that starts again later is new and shows again. Null: not acknowledged.'),
    ackedBy: z.string().nullable(),
    assignee: z.string().nullable().describe('The helper sent to it ("Medic 2").'),
    note: z.string().nullable(),
    updatedAt: z.number(),
  })
  .meta({ id: 'WatchMark' });
export type WatchMark = z.infer<typeof MarkSchema>;

export const ConsoleSettingsSchema = z
  .object({
    stoppedMin: z.number().int().min(1).max(240).describe('A runner who has not moved for this many minutes is on the watchlist.'),
    silentMin: z.number().int().min(1).max(240).describe('A runner not heard from for this many minutes is on the watchlist.'),
    batteryPct: z.number().int().min(0).max(100).describe('A tracker or phone reporting this battery level or less is on the watchlist (0: never).'),
    moodMax: z.number().int().min(-1).max(10).describe('A runner whose mood falls to this or below is on the watchlist (-1: never).'),
  })
  .meta({ id: 'ConsoleSettings' });
export type ConsoleSettings = z.infer<typeof ConsoleSettingsSchema>;
export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = { stoppedMin: 10, silentMin: 15, batteryPct: 15, moodMax: 2 };

export const MessageGroupSchema = z
  .object({
    kind: z.enum(['wave', 'category']),
    name: z.string().describe("The wave or category as runners' start-list entries name it."),
  })
  .meta({ id: 'MessageGroup' });
export type MessageGroup = z.infer<typeof MessageGroupSchema>;

export const RunnerMessageSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    to: z.string().nullable().describe('The runner it is for; null for every runner (or every runner of `group`).'),
    group: MessageGroupSchema.nullable()
      .default(null)
      .describe("For every runner of one wave or category (by their start-list entry, as it is when they read); null otherwise."),
    sentAt: z.number(),
  })
  .meta({ id: 'RunnerMessage' });
export type RunnerMessage = z.infer<typeof RunnerMessageSchema>;

/** Whether a message is for this runner: to everyone, to them, or to a wave or category their entry is in. */
export function messageReaches(
  m: Pick<RunnerMessage, 'to' | 'group'>,
  runner: { id: string; entry: { wave: string | null; category: string | null } | null },
): boolean {
  if (m.to !== null) return m.to === runner.id;
  if (!m.group) return true;
  return (m.group.kind === 'wave' ? runner.entry?.wave : runner.entry?.category) === m.group.name;
}

/** How a message's audience reads: "every runner", "wave A", "category 10 km". */
export const groupLabel = (g: MessageGroup) => `${g.kind} ${g.name}`;

/** A message to runners and who has seen it (runner id → when), as the console reads it. */
export const SentMessageSchema = RunnerMessageSchema.extend({
  seen: z.record(z.string(), z.number()).describe('Runner id → when their page showed it.'),
}).meta({ id: 'SentMessage' });
export type SentMessage = z.infer<typeof SentMessageSchema>;

/** What only race control sees changed: sent at once to every organiser session of the event (several directors). */
export const ControlMsg = z.object({
  type: z.literal('control'),
  event: z.string(),
  mark: MarkSchema.optional().describe('A watchlist item was acknowledged, assigned or noted.'),
  settings: ConsoleSettingsSchema.optional().describe('The thresholds changed.'),
  message: SentMessageSchema.optional().describe('A message was sent to runners, or a runner saw one.'),
});

/** A message from the organiser, to the runner's own phones: shown large, kept in a list. */
export const RunnerMessageMsg = z.object({ type: z.literal('message'), event: z.string(), message: RunnerMessageSchema });
