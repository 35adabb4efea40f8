/** The organiser's changes (with the organiser token), and a runner's own (with the runner token). */
import { ErrorCode } from '../../../lib/protocol';
import { cryptoCredentials, hashViewCode, newViewCode } from '../../credentials';
import { HttpError, sendJson } from '../errors';
import { addressOf, type ApiRequest, ask, bearer, command, eventOf, organiser, organiserOrRunner } from './context';

export async function finish(r: ApiRequest<'finish'>): Promise<void> {
  const event = await organiser(r);
  sendJson(r.res, 200, { event: await command(r, event, { do: 'finish' }) });
}

/**
 * PUT {"code": "…"} protects the event with that code, {"code": null} lifts protection, and
 * {"generate": true} has the server pick a code that is hard to guess (answered once, as `code`).
 */
export async function setViewCode(r: ApiRequest<'setViewCode'>): Promise<void> {
  const event = await organiser(r);
  const body = await r.body();
  const code = body.generate === true ? newViewCode() : (body.code ?? null);
  const hash = code === null ? null : await hashViewCode(code);
  const info = await command(r, event, { do: 'setViewCode', hash });
  sendJson(r.res, 200, { event: info, ...(body.generate === true ? { code } : {}) });
}

export async function quotas(r: ApiRequest<'quotas' | 'setQuotas'>): Promise<void> {
  const event = await organiser(r);
  const { writes } = r.ctx.live;
  if (r.req.method === 'GET') return sendJson(r.res, 200, { quotas: writes.quotas(await ask(r, { ask: 'quotas' })) });
  sendJson(r.res, 200, { quotas: writes.quotas((await command(r, event, { do: 'setQuotas', quotas: await r.body() }))!) });
}

export async function links(r: ApiRequest<'links' | 'createLink'>): Promise<void> {
  const event = await organiser(r);
  if (r.req.method === 'GET') return sendJson(r.res, 200, { links: await ask(r, { ask: 'links' }) });
  const { label, runners, expiresAt } = await r.body();
  if (expiresAt != null && expiresAt <= r.ctx.live.now()) throw new HttpError(400, ErrorCode.BadLink, 'The expiry time must be in the future.');
  const link = (await command(r, event, { do: 'createLink', label, runners: runners ?? null, expiresAt: expiresAt ?? null }))!;
  sendJson(r.res, 201, { link, path: `/s/${link.token}` });
}

export async function revokeLink(r: ApiRequest<'revokeLink'>): Promise<void> {
  const event = await organiser(r);
  const link = await command(r, event, { do: 'revokeLink', linkId: r.params.link });
  if (!link) throw new HttpError(404, ErrorCode.NoSuchLink, 'There is no such link.');
  r.res.writeHead(204).end();
}

/** The organiser, or the runner themself (runner token), removes a runner and their whole track. */
export async function removeRunner(r: ApiRequest<'removeRunner'>): Promise<void> {
  const event = eventOf(r);
  const runnerId = r.params.runner;
  await organiserOrRunner(r, event, runnerId, 'remove this runner');
  await command(r, event, { do: 'removeRunner', runnerId });
  r.res.writeHead(204).end();
}

/**
 * The runner's key for tracking apps: GET says whether one is issued and how many of the apps' fixes were
 * refused (per reason), POST issues a new key (the old one stops working), DELETE revokes it.
 */
export async function deviceKey(r: ApiRequest<'deviceKey' | 'issueDeviceKey' | 'revokeDeviceKey'>): Promise<void> {
  const event = eventOf(r);
  const runnerId = r.params.runner;
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
export async function acknowledgeAlert(r: ApiRequest<'acknowledgeAlert'>): Promise<void> {
  const event = await organiser(r);
  const alert = await command(r, event, { do: 'acknowledgeAlert', alertId: r.params.alert });
  if (!alert) throw new HttpError(404, ErrorCode.NoSuchAlert, 'There is no open alert with that id: it may have been acknowledged already.');
  sendJson(r.res, 200, { alert });
}
