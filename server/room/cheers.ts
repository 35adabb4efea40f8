/** Cheers from spectators to a runner's phone, within the event's cheer budget. */
import { type Cheer, ErrorCode } from '../../lib/protocol';
import { type Effects, refuse, reply } from './effects';
import { CHEERS_KEPT } from './runner-track';
import type { Room } from './state';

/** A spectator's cheer; `seen` limits whom the sender may cheer (a share link's runners), null for all. */
export function cheer(room: Room, runnerId: string, text: string, from: string | undefined, seen: ReadonlySet<string> | null): Effects {
  const r = room.runners.get(runnerId);
  if (!r || !r.visible || (seen && !seen.has(runnerId))) {
    return refuse({ code: ErrorCode.NoSuchRunner, status: 404, message: 'That runner is not in this event.' }, 'cheer');
  }
  const now = room.now();
  const perMinute = room.quotas.cheersPerMinute;
  room.cheerTokens = Math.min(perMinute, room.cheerTokens + ((now - room.cheerRefill) / 60_000) * perMinute);
  room.cheerRefill = now;
  if (room.cheerTokens < 1) {
    return refuse(
      {
        code: ErrorCode.QuotaExceeded,
        status: 429,
        message: 'So many cheers right now that this one has to wait: send it again in a moment.',
        retryAfterMs: Math.ceil(((1 - room.cheerTokens) * 60_000) / perMinute),
      },
      'cheer',
    );
  }
  room.cheerTokens -= 1;
  const cheer: Cheer = { from: from ?? 'A spectator', text, t: now };
  return {
    send: [],
    write: [{ op: 'cheer', event: room.id, runnerId, cheer }],
    commit: () => {
      r.cheers.push(cheer);
      if (r.cheers.length > CHEERS_KEPT) r.cheers.shift();
      room.lastActivity = Math.max(room.lastActivity, now);
      return {
        send: [{ to: { runner: runnerId }, msg: { type: 'cheer', cheer } }, reply({ type: 'cheered', runnerId, online: r.connected > 0 })],
      };
    },
  };
}
