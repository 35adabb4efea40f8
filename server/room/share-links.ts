/** Spectator links the organiser makes: limited to some runners, expiring, withdrawable at any time. */
import { ErrorCode, type ShareLink } from '../../lib/protocol';
import { type Effects, nothing, refuse } from './effects';
import type { Room } from './state';

export function createLink(room: Room, opts: { label: string; runners: string[] | null; expiresAt: number | null }): Effects<ShareLink> {
  if (opts.runners?.some((id) => !room.runners.has(id))) {
    return refuse({ code: ErrorCode.BadLink, status: 400, message: 'Every runner of the link must be in this event.' });
  }
  const link: ShareLink = {
    id: room.deps.secrets.newRunnerId(),
    token: room.deps.secrets.newToken(),
    label: opts.label,
    runners: opts.runners,
    createdAt: room.now(),
    expiresAt: opts.expiresAt,
    revokedAt: null,
  };
  return {
    send: [],
    write: [{ op: 'link', event: room.id, link }],
    commit: () => {
      room.links.set(link.id, link);
      return { send: [], result: link };
    },
  };
}

/** Withdraw a link: whoever watches through it is told and receives nothing more. */
export function revokeLink(room: Room, linkId: string): Effects<ShareLink | null> {
  const link = room.links.get(linkId);
  if (!link) return nothing(null);
  if (link.revokedAt !== null) return nothing(link);
  const revoked = { ...link, revokedAt: room.now() };
  return {
    send: [],
    write: [{ op: 'link', event: room.id, link: revoked }],
    commit: () => {
      room.links.set(linkId, revoked);
      return { send: [], sessions: [{ dropLink: linkId, reason: 'revoked' }], result: revoked };
    },
  };
}

export function listLinks(room: Room): ShareLink[] {
  return [...room.links.values()].sort((a, b) => b.createdAt - a.createdAt);
}

/** Links that expired since the last time this was asked: whoever watches through them is let go. */
export function lapsedLinks(room: Room): string[] {
  const now = room.now();
  const lapsed: string[] = [];
  for (const l of room.links.values()) {
    if (l.expiresAt !== null && l.revokedAt === null && l.expiresAt <= now && !room.lapsed.has(l.id)) {
      room.lapsed.add(l.id);
      lapsed.push(l.id);
    }
  }
  return lapsed;
}
