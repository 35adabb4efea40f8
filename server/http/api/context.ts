/** What every API handler shares: the live server, limits, and who is asking (address, tokens, access). */
import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../../lib/protocol';
import type { RouteName, Routes } from '../../../lib/routes';
import type { ResultOf, RoomCommand } from '../../room/commands';
import type { AnswerOf, RoomQuery } from '../../room/queries';
import type { Live } from '../../live/live';
import type { PushService } from '../../push/service';
import type { Viewer } from '../../live/access';
import { clientAddress } from '../../transport/origin';
import type { Buckets } from '../../limits/token-bucket';
import { HttpError } from '../errors';
import type { Request } from '../router';
import type { ExportCache } from '../../exports/export-cache';
import type { ExportGate } from './export-gate';
import type { CourseUploads } from '../course-upload/course-uploads';

export interface ApiContext {
  live: Live;
  /** Web Push subscriptions (push/service.ts). */
  push: PushService;
  trustProxy: boolean;
  /** Event creations allowed per address: creating needs no account, so one address must not fill the disk. */
  creations: Buckets;
  exports: ExportGate;
  exportCache: ExportCache;
  /** Course files are read in worker threads, within limits per event and per address. */
  courseUploads: CourseUploads;
}

/**
 * A request to route N, with its parameters, query and body as the route table types them; for several
 * routes, one of theirs.
 */
export type ApiRequest<N extends RouteName = RouteName> = N extends RouteName ? Request<ApiContext, Routes[N]> : never;

/** The routes of one event (/api/events/:id/…). */
type EventRoute = { [N in RouteName]: Routes[N]['params'] extends { id: unknown } ? N : never }[RouteName];
export type EventRequest = ApiRequest<EventRoute>;

/** Open to any origin: only for what anyone may read anyway. */
export const OPEN_CORS = { 'access-control-allow-origin': '*' };

export function bearer(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

export const addressOf = (r: ApiRequest) => clientAddress(r.req, r.ctx.trustProxy);

/** The event named in the path (its form checked by the route table), or 404. */
export function eventOf(r: EventRequest): string {
  const id = r.params.id;
  if (!r.ctx.live.index.has(id)) throw new HttpError(404, ErrorCode.NoSuchEvent, 'There is no such event.');
  return id;
}

/** Ask the event's live state (wherever its room runs), or 404. */
export async function ask<Q extends RoomQuery>(r: EventRequest, q: Q): Promise<AnswerOf<Q>> {
  const answer = await r.ctx.live.query(eventOf(r), q);
  if (answer === null) throw new HttpError(404, ErrorCode.NoSuchEvent, 'There is no such event.');
  return answer;
}

/**
 * Who may read this event: public events anyone, from anywhere (CORS *); protected ones with the view code
 * (?code= or X-View-Code) or the organiser token; a share link (?share=) opens either, limited to its runners.
 */
export async function reader(r: EventRequest): Promise<{ viewer: Viewer; cors: Record<string, string>; event: string }> {
  const event = eventOf(r);
  const code = r.url.searchParams.get('code') ?? (r.req.headers['x-view-code'] as string | undefined) ?? null;
  const granted = await r.ctx.live.access.viewer(event, { code, share: r.url.searchParams.get('share'), organiserToken: bearer(r.req) }, addressOf(r));
  if (!granted.ok) throw HttpError.from(granted.refusal);
  const isProtected = r.ctx.live.index.info(event)?.protected ?? true;
  return { viewer: granted.viewer, cors: isProtected ? {} : OPEN_CORS, event };
}

/** The request carries this event's organiser token, or it is refused. */
export async function organiser(r: EventRequest): Promise<string> {
  const event = eventOf(r);
  const refusal = r.ctx.live.access.organiser(event, bearer(r.req), addressOf(r));
  if (refusal?.status === 401) throw new HttpError(401, refusal.code, refusal.message, { 'www-authenticate': 'Bearer' });
  if (refusal) throw HttpError.from(refusal);
  return event;
}

/**
 * The request carries the event's organiser token or this runner's own token, or it is refused: 401 without
 * a token; a wrong one counts against the address, and an unknown runner is refused as a wrong token is, so
 * ids cannot be probed. Answers the token. `may` says what a wrong token may not do ("remove this runner").
 */
export async function organiserOrRunner(r: EventRequest, event: string, runnerId: string, may: string): Promise<string> {
  const token = bearer(r.req);
  if (!token) {
    throw new HttpError(401, ErrorCode.Unauthorised, 'Send the organiser token, or your runner token, as "Authorization: Bearer …".', { 'www-authenticate': 'Bearer' });
  }
  const refusal = await r.ctx.live.access.runner(event, addressOf(r), () => ask(r, { ask: 'token', runnerId, token, organiser: true }));
  if (refusal) throw HttpError.from({ ...refusal, message: refusal.status === 403 ? `That token may not ${may}.` : refusal.message });
  return token;
}

/**
 * Run a command and answer with its result, or throw its refusal (503 when storage failed, 429 when the
 * address has stored as much as it may for now).
 */
export async function command<C extends RoomCommand>(r: EventRequest, event: string, cmd: C): Promise<ResultOf<C> | undefined> {
  const over = r.ctx.live.writes.admit(addressOf(r), event, cmd);
  if (over) throw HttpError.from(over);
  const out = await r.ctx.live.run(event, cmd, null);
  if (!out.ok) throw HttpError.from(out.refusal);
  return out.result;
}
