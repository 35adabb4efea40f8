/**
 * Messages from the organiser to runners ("Course change at km 12"): to every runner or one. Stored first;
 * then the runners' phones that are connected get it at once, and a phone that was offline reads its
 * messages when it is back (the runnerMessages query). Each page tells when it showed one; the console sees
 * who has.
 */
import { randomBytes } from 'node:crypto';
import { MAX_MESSAGE, type RunnerMessage, type SentMessage } from '../../lib/control/schemas';
import { ErrorCode } from '../../lib/protocol';
import { cleanText } from '../../lib/text';
import { seenId } from './control-state';
import { type Delivery, type Effects, nothing, refuse } from './effects';
import type { Room } from './state';

export function sendMessage(room: Room, text: string, to: string | null): Effects<SentMessage> {
  const clean = cleanText(text);
  if (!clean || clean.length > MAX_MESSAGE) {
    return refuse({ code: ErrorCode.BadRunnerMessage, status: 400, message: `Write a message of 1 to ${MAX_MESSAGE} characters.` });
  }
  if (to !== null && !room.runners.has(to)) return refuse({ code: ErrorCode.NoSuchRunner, status: 404, message: 'That runner is not in this event.' });
  const now = room.now();
  const message: RunnerMessage = { id: randomBytes(9).toString('base64url'), text: clean, to, sentAt: now };
  const sent: SentMessage = { ...message, seen: {} };
  return {
    send: [],
    write: [{ op: 'control', event: room.id, control: { kind: 'message', id: message.id, runnerId: to, body: JSON.stringify(message), updatedAt: now } }],
    commit: () => {
      room.control.messages.set(message.id, sent);
      const toRunners: Delivery = { to: to === null ? { runners: true } : { runner: to }, msg: { type: 'message', event: room.id, message } };
      return { send: [toRunners, { to: { organisers: true }, msg: { type: 'control', event: room.id, message: sent } }], result: sent };
    },
  };
}

/** The runner's page showed this message. Answers when it was first seen. */
export function messageSeen(room: Room, runnerId: string, messageId: string): Effects<number> {
  const m = room.control.messages.get(messageId);
  if (!m || (m.to !== null && m.to !== runnerId) || !room.runners.has(runnerId)) {
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
