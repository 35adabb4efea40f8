/**
 * What race control has written down, as the organiser's pages hold it: read whole (GET …/control) when the
 * live picture starts again, then kept up to date by the live `control` frames that every director's change
 * sends. Pure.
 */
import type { ConsoleSettings, SentMessage, WatchMark } from '../lib/control/schemas';
import type { ServerMessage } from '../lib/protocol';

export interface ControlState {
  settings: ConsoleSettings;
  marks: ReadonlyMap<string, WatchMark>;
  /** Oldest first. */
  messages: readonly SentMessage[];
}

export function controlFromRead(read: { settings: ConsoleSettings; marks: WatchMark[]; messages: SentMessage[] }): ControlState {
  return { settings: read.settings, marks: new Map(read.marks.map((m) => [m.key, m])), messages: read.messages };
}

/** The state after a live frame; the same object when the frame is not race control's. */
export function reduceControl(state: ControlState | null, msg: ServerMessage): ControlState | null {
  if (msg.type !== 'control' || !state) return state;
  let next = state;
  if (msg.settings) next = { ...next, settings: msg.settings };
  if (msg.mark) {
    const kept = next.marks.get(msg.mark.key);
    // Two directors at once: the later change wins, whichever frame comes last.
    if (!kept || kept.updatedAt <= msg.mark.updatedAt) next = { ...next, marks: new Map(next.marks).set(msg.mark.key, msg.mark) };
  }
  if (msg.message) {
    const m = msg.message;
    const i = next.messages.findIndex((x) => x.id === m.id);
    const messages = i < 0 ? [...next.messages, m] : next.messages.map((x, j) => (j === i ? { ...m, seen: { ...x.seen, ...m.seen } } : x));
    next = { ...next, messages };
  }
  return next;
}
