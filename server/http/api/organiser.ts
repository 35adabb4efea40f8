/** The organiser's changes (with the organiser token), and a runner's own (with the runner token). */
import { z } from 'zod';
import { cleanText, LIMITS, RunnerIdSchema, ViewCodeSchema, ErrorCode } from '../../../lib/protocol';
import { cryptoCredentials, hashViewCode, newViewCode } from '../../credentials';
import { QuotasSchema } from '../../room/quotas';
import { readJson } from '../body';
import { HttpError, invalid, sendJson } from '../errors';
import { addressOf, type ApiRequest, ask, bearer, command, eventOf, organiser } from './context';
import { MAX_BODY_BYTES } from './events';

export async function finish(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  sendJson(r.res, 200, { event: await command(r, event, { do: 'finish' }) });
}

/**
 * PUT {"code": "…"} protects the event with that code, {"code": null} lifts protection, and
 * {"generate": true} has the server pick a code that is hard to guess (answered once, as `code`).
 */
export async function setViewCode(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  const body = (await readJson(r.req, MAX_BODY_BYTES)) as { code?: unknown; generate?: unknown } | null;
  let code: string | null;
  if (body?.generate === true) code = newViewCode();
  else if (body?.code === null) code = null;
  else if (body?.code === undefined) {
    throw new HttpError(400, ErrorCode.BadViewCode, 'Send {"code": "…"} to set a view code, {"generate": true} for one the server picks, or {"code": null} to lift it.');
  } else {
    const parsed = ViewCodeSchema.safeParse(body.code);
    if (!parsed.success) throw new HttpError(400, ErrorCode.BadViewCode, `The ${parsed.error.issues[0]?.message ?? 'view code is invalid'}; send {"code": null} to lift it.`);
    code = parsed.data;
  }
  const hash = code === null ? null : await hashViewCode(code);
  const info = await command(r, event, { do: 'setViewCode', hash });
  sendJson(r.res, 200, { event: info, ...(body?.generate === true ? { code } : {}) });
}

export async function quotas(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  const { writes } = r.ctx.live;
  if (r.req.method === 'GET') return sendJson(r.res, 200, { quotas: writes.quotas(await ask(r, { ask: 'quotas' })) });
  const parsed = QuotasSchema.safeParse(await readJson(r.req, MAX_BODY_BYTES));
  if (!parsed.success) throw invalid('limits', parsed.error, ErrorCode.BadQuotas);
  sendJson(r.res, 200, { quotas: writes.quotas((await command(r, event, { do: 'setQuotas', quotas: parsed.data }))!) });
}

const LinkRequest = z.object({
  label: z.string().max(LIMITS.nameMax * 4).transform(cleanText).pipe(z.string().max(LIMITS.nameMax)).default(''),
  runners: z.array(RunnerIdSchema).min(1).max(LIMITS.followMax).nullish(),
  /** When the link stops working, ms since the epoch. */
  expiresAt: z.number().int().positive().nullish(),
});

export async function links(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  if (r.req.method === 'GET') return sendJson(r.res, 200, { links: await ask(r, { ask: 'links' }) });
  const parsed = LinkRequest.safeParse(await readJson(r.req, MAX_BODY_BYTES));
  if (!parsed.success) throw invalid('link', parsed.error, ErrorCode.BadLink);
  const { label, runners, expiresAt } = parsed.data;
  if (expiresAt != null && expiresAt <= r.ctx.live.now()) throw new HttpError(400, ErrorCode.BadLink, 'The expiry time must be in the future.');
  const link = (await command(r, event, { do: 'createLink', label, runners: runners ?? null, expiresAt: expiresAt ?? null }))!;
  sendJson(r.res, 201, { link, path: `/s/${link.token}` });
}

export async function revokeLink(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  const link = await command(r, event, { do: 'revokeLink', linkId: r.params.link ?? '' });
  if (!link) throw new HttpError(404, ErrorCode.NoSuchLink, 'There is no such link.');
  r.res.writeHead(204).end();
}

/** The organiser, or the runner themself (runner token), removes a runner and their whole track. */
export async function removeRunner(r: ApiRequest): Promise<void> {
  const event = eventOf(r);
  const runnerId = r.params.runner ?? '';
  const token = bearer(r.req);
  if (!token) {
    throw new HttpError(401, ErrorCode.Unauthorised, 'Send the organiser token, or your runner token, as "Authorization: Bearer …".', { 'www-authenticate': 'Bearer' });
  }
  // The same refusal for an unknown runner and a wrong token, so ids cannot be probed.
  const refusal = await r.ctx.live.access.runner(event, addressOf(r), () => ask(r, { ask: 'token', runnerId, token, organiser: true }));
  if (refusal) throw HttpError.from({ ...refusal, message: refusal.status === 403 ? 'That token may not remove this runner.' : refusal.message });
  await command(r, event, { do: 'removeRunner', runnerId });
  r.res.writeHead(204).end();
}

/**
 * The runner's key for tracking apps: GET says whether one is issued and how many of the apps' fixes were
 * refused (per reason), POST issues a new key (the old one stops working), DELETE revokes it.
 */
export async function deviceKey(r: ApiRequest): Promise<void> {
  const event = eventOf(r);
  const runnerId = r.params.runner ?? '';
  const token = bearer(r.req);
  if (!token) throw new HttpError(401, ErrorCode.Unauthorised, 'Send your runner token as "Authorization: Bearer …".', { 'www-authenticate': 'Bearer' });
  const refusal = await r.ctx.live.access.runner(event, addressOf(r), () => ask(r, { ask: 'token', runnerId, token, organiser: false }));
  if (refusal) throw HttpError.from({ ...refusal, message: refusal.status === 403 ? 'That token may not manage this runner.' : refusal.message });
  if (r.req.method === 'GET') {
    const state = await ask(r, { ask: 'deviceKey', runnerId });
    if (!state) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
    return sendJson(r.res, 200, state);
  }
  if (r.req.method === 'DELETE') {
    await command(r, event, { do: 'revokeDeviceKey', runnerId });
    return void r.res.writeHead(204).end();
  }
  const key = await command(r, event, { do: 'issueDeviceKey', runnerId });
  if (!key) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  // Known at once here and on every instance: the app's first fix needs no storage look-up.
  const issued = { hash: cryptoCredentials.hash(key), event, runnerId };
  r.ctx.live.index.putDeviceKey(issued.hash, { event, runnerId });
  r.ctx.live.backplane.channel.publishIndex({ deviceKey: issued });
  sendJson(r.res, 201, { key });
}

/** The organiser has seen an alert: it closes for everyone. */
export async function acknowledgeAlert(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  const alert = await command(r, event, { do: 'acknowledgeAlert', alertId: r.params.alert ?? '' });
  if (!alert) throw new HttpError(404, ErrorCode.NoSuchAlert, 'There is no open alert with that id: it may have been acknowledged already.');
  sendJson(r.res, 200, { alert });
}
