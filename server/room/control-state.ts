/**
 * What race control has decided and written down for one event, as the room holds it: the console's marks
 * on watchlist items, its thresholds, and messages to runners with who saw them. Verdicts live on each
 * runner (RunnerTrack.verdict), where their info is made. Loaded from the store's control records.
 */
import {
  type ConsoleSettings,
  ConsoleSettingsSchema,
  DEFAULT_CONSOLE_SETTINGS,
  MarkSchema,
  messageReaches,
  RunnerMessageSchema,
  type SentMessage,
  type Verdict,
  VerdictSchema,
  type WatchMark,
} from '../../lib/control/schemas';
import type { ControlRecord } from '../storage/store';

export const SETTINGS_ID = 'console';
/** A runner's receipt of a message is kept under this id. */
export const seenId = (messageId: string, runnerId: string) => `${messageId}:${runnerId}`;

export class RaceControl {
  readonly marks = new Map<string, WatchMark>();
  /** Messages to runners in the order they were sent. */
  readonly messages = new Map<string, SentMessage>();
  settings: ConsoleSettings = DEFAULT_CONSOLE_SETTINGS;

  /** The records of a stored room; the verdicts found are handed to `verdict` (runner id, verdict). */
  static load(records: readonly ControlRecord[], verdict: (runnerId: string, v: Verdict) => void): RaceControl {
    const c = new RaceControl();
    const seen: ControlRecord[] = [];
    for (const rec of records) {
      // A record that no longer reads (written by a newer version) is skipped rather than stopping the room.
      const body = safeJson(rec.body);
      if (rec.kind === 'verdict' && rec.runnerId) {
        const v = VerdictSchema.safeParse(body);
        if (v.success) verdict(rec.runnerId, v.data);
      } else if (rec.kind === 'mark') {
        const m = MarkSchema.safeParse(body);
        if (m.success) c.marks.set(m.data.key, m.data);
      } else if (rec.kind === 'settings') {
        const s = ConsoleSettingsSchema.safeParse(body);
        if (s.success) c.settings = s.data;
      } else if (rec.kind === 'message') {
        const m = RunnerMessageSchema.safeParse(body);
        if (m.success) c.messages.set(m.data.id, { ...m.data, seen: {} });
      } else if (rec.kind === 'seen') seen.push(rec);
    }
    for (const rec of seen) {
      const messageId = rec.id.slice(0, rec.id.lastIndexOf(':'));
      const m = c.messages.get(messageId);
      if (m && rec.runnerId) m.seen[rec.runnerId] = rec.updatedAt;
    }
    return c;
  }

  /** Messages for this runner (to everyone, to their wave or category, or to them), oldest first. */
  messagesFor(runner: { id: string; entry: { wave: string | null; category: string | null } | null }): SentMessage[] {
    return [...this.messages.values()].filter((m) => messageReaches(m, runner));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
