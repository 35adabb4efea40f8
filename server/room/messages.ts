/**
 * Messages from the organiser to runners ("Course change at km 12"): to every runner, to a wave or category,
 * or to one. Stored first;
 * then the runners' phones that are connected get it at once, and a phone that was offline reads its
 * messages when it is back (the runnerMessages query). Each page tells when it showed one; the console sees
 * who has.
 */
import { randomBytes } from 'node:crypto';
import { groupLabel, MAX_MESSAGE, type MessageGroup, messageReaches, type RunnerMessage, type SentMessage } from '../../lib/control/schemas';
import { ErrorCode } from '../../lib/protocol';
import { cleanText } from '../../lib/text';
import { seenId } from './control-state';
import { type Delivery, type Effects, nothing, refuse } from './effects';
import type { Room } from './state';

export function sendMessage(room: Room, text: string, to: string | null, group: MessageGroup | null = null): Effects<SentMessage> {
  const clean = cleanText(text);
  if (!clean || clean.length > MAX_MESSAGE) {
    return refuse({ code: ErrorCode.BadRunnerMessage, status: 400, message: `Write a message of 1 to ${MAX_MESSAGE} characters.` });
  }
  if (to !== null && group !== null) {
    return refuse({ code: ErrorCode.BadRunnerMessage, status: 400, message: 'Send a message to one runner or to a group, not both.' });
  }
  if (to !== null && !room.runners.has(to)) return refuse({ code: ErrorCode.NoSuchRunner, status: 404, message: 'That runner is not in this event.' });
  const now = room.now();
  const message: RunnerMessage = { id: randomBytes(9).toString('base64url'), text: clean, to, group, sentAt: now };
  // A group is who is in it now (they get it live); a runner given that wave or category later reads it too.
  const members = group ? [...room.runners.values()].filter((r) => messageReaches(message, { id: r.id, entry: r.record.entry ?? null })) : [];
  if (group && members.length === 0) {
    return refuse({ code: ErrorCode.NoSuchGroup, status: 404, message: `Nobody in this event is in ${groupLabel(group)}.` });
  }
  const sent: SentMessage = { ...message, seen: {} };
  return {
    send: [],
    write: [{ op: 'control', event: room.id, control: { kind: 'message', id: message.id, runnerId: to, body: JSON.stringify(message), updatedAt: now } }],
    commit: () => {
      room.control.messages.set(message.id, sent);
      const msg = { type: 'message', event: room.id, message } as const;
      const toRunners: Delivery[] = group
        ? members.map((r) => ({ to: { runner: r.id }, msg }))
        : [{ to: to === null ? { runners: true } : { runner: to }, msg }];
      return { send: [...toRunners, { to: { organisers: true }, msg: { type: 'control', event: room.id, message: sent } }], result: sent };
    },
  };
}

/** The runner's page showed this message. Answers when it was first seen. */
export function messageSeen(room: Room, runnerId: string, messageId: string): Effects<number> {
  const m = room.control.messages.get(messageId);
  const runner = room.runners.get(runnerId);
  if (!m || !runner || !messageReaches(m, { id: runnerId, entry: runner.record.entry ?? null })) {
    return refuse({ code: ErrorCode.NoSuchMessage, status: 404, message: 'There is no such message for this runner.' });
  }
  const already = m.seen[runnerId];
  if (already !== undefined) return nothing(already);
  const now = room.now();
  return {
    send: [],
    write: [{ op: 'control', event: room.id, control: { kind: 'seen', id: seenId(messageId, runnerId), runnerId, body: '{}', updatedAt: now } }],
    commit: () => {
      m.seen[runnerId] = now;
      return { send: [{ to: { organisers: true }, msg: { type: 'control', event: room.id, message: m } }], result: now };
    },
  };
}
