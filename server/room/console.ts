/**
 * The race-control console's shared notes: a watchlist item acknowledged, assigned to a helper or noted, and
 * the thresholds that put runners on the watchlist. Several directors run one race: every change goes at once
 * to every organiser session of the event, after it is stored.
 */
import { type ConsoleSettings, MAX_HELPER, MAX_NOTE, type WatchMark, WATCH_KINDS } from '../../lib/control/schemas';
import { ErrorCode } from '../../lib/protocol';
import { cleanText } from '../../lib/text';
import { SETTINGS_ID } from './control-state';
import { type Effects, refuse } from './effects';
import type { Room } from './state';

export interface MarkInput {
  /** The `since` of the item acknowledged; null takes the acknowledgement back. */
  ackedSince?: number | null;
  assignee?: string | null;
  note?: string | null;
}

const KEY = new RegExp(`^(${WATCH_KINDS.join('|')}):([A-Za-z0-9_-]{1,64})$`);

/** Acknowledge, assign or note a watchlist item ("stopped:<runner id>"); `by` names the director. */
export function markWatch(room: Room, key: string, input: MarkInput, by: string | null): Effects<WatchMark> {
  const m = KEY.exec(key);
  if (!m || !room.runners.has(m[2]!)) {
    return refuse({ code: ErrorCode.BadMark, status: 400, message: 'That is not a watchlist item of this event ("<kind>:<runner id>").' });
  }
  const now = room.now();
  const before = room.control.marks.get(key);
  const text = (v: string | null | undefined, max: number) => (v ? cleanText(v).slice(0, max) || null : null);
  const mark: WatchMark = {
    key,
    ackedSince: input.ackedSince !== undefined ? input.ackedSince : (before?.ackedSince ?? null),
    ackedBy: input.ackedSince !== undefined ? (input.ackedSince === null ? null : text(by, MAX_HELPER)) : (before?.ackedBy ?? null),
    assignee: input.assignee !== undefined ? text(input.assignee, MAX_HELPER) : (before?.assignee ?? null),
    note: input.note !== undefined ? text(input.note, MAX_NOTE) : (before?.note ?? null),
    updatedAt: now,
  };
  return {
    send: [],
    write: [{ op: 'control', event: room.id, control: { kind: 'mark', id: key, runnerId: m[2]!, body: JSON.stringify(mark), updatedAt: now } }],
    commit: () => {
      room.control.marks.set(key, mark);
      return { send: [{ to: { organisers: true }, msg: { type: 'control', event: room.id, mark } }], result: mark };
    },
  };
}

export function setConsoleSettings(room: Room, changes: Partial<ConsoleSettings>): Effects<ConsoleSettings> {
  const settings: ConsoleSettings = { ...room.control.settings, ...changes };
  const now = room.now();
  return {
    send: [],
    write: [{ op: 'control', event: room.id, control: { kind: 'settings', id: SETTINGS_ID, runnerId: null, body: JSON.stringify(settings), updatedAt: now } }],
    commit: () => {
      room.control.settings = settings;
      return { send: [{ to: { organisers: true }, msg: { type: 'control', event: room.id, settings } }], result: settings };
    },
  };
}
