/**
 * Web Push over HTTP: the VAPID key a browser subscribes with, and subscriptions to a runner's checkpoints
 * and finish (whoever may watch the runner) or to every SOS (the organiser). Unsubscribing needs only the
 * endpoint: only the browser knows it, and a reader whose link was withdrawn must still be able to stop.
 */
import { ErrorCode } from '../../../lib/protocol';
import type { SubscribeResult } from '../../push/service';
import { log } from '../../log';
import { HttpError, sendJson } from '../errors';
import { type ApiRequest, ask, eventOf, organiser, reader } from './context';

function answer(r: ApiRequest, result: SubscribeResult, runnerId: string | null): void {
  if (!result.ok) throw new HttpError(result.status, result.status === 429 ? ErrorCode.QuotaExceeded : ErrorCode.BadPushSubscription, result.reason);
  sendJson(r.res, 201, { runnerId, tells: runnerId ? ['checkpoint', 'finish'] : ['sos'] });
}

const stored = <T>(p: Promise<T>) =>
  p.catch((err: unknown) => {
    if (err instanceof HttpError) throw err;
    log('error', 'push_storage_failed', { error: err instanceof Error ? err.message : String(err) });
    throw new HttpError(503, ErrorCode.StorageUnavailable, 'The subscription could not be stored: try again shortly.', { 'retry-after': '5' });
  });

export function pushKey(r: ApiRequest<'pushKey'>): void {
  sendJson(r.res, 200, { publicKey: r.ctx.push.publicKey });
}

export async function followPush(r: ApiRequest<'followPush'>): Promise<void> {
  const { viewer, event } = await reader(r);
  const runnerId = r.params.runner;
  const { summary } = await ask(r, { ask: 'runner', runnerId });
  const listed = summary && (summary.latest !== null || summary.entry !== undefined);
  if (!summary || !(viewer.via === 'organiser' || listed) || (viewer.only && !viewer.only.has(runnerId))) {
    throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  }
  const body = await r.body();
  const result = await stored(
    r.ctx.push.subscribe({ event, runnerId, viewer, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth, page: body.page ?? `/e/${event}` }),
  );
  answer(r, result, runnerId);
}

export async function unfollowPush(r: ApiRequest<'unfollowPush'>): Promise<void> {
  const event = eventOf(r);
  const body = await r.body();
  await stored(r.ctx.push.unsubscribe(event, r.params.runner, body.endpoint));
  r.res.writeHead(204).end();
}

export async function organiserPush(r: ApiRequest<'organiserPush'>): Promise<void> {
  const event = await organiser(r);
  const body = await r.body();
  const result = await stored(
    r.ctx.push.subscribe({ event, runnerId: null, viewer: { only: null, via: 'organiser' }, endpoint: body.endpoint, p256dh: body.keys.p256dh, auth: body.keys.auth, page: `/e/${event}/organise` }),
  );
  answer(r, result, null);
}

export async function organiserUnpush(r: ApiRequest<'organiserUnpush'>): Promise<void> {
  const event = eventOf(r);
  const body = await r.body();
  await stored(r.ctx.push.unsubscribe(event, null, body.endpoint));
  r.res.writeHead(204).end();
}
