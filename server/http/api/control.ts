/**
 * Race control over HTTP: the console's thresholds and marks, verdicts (DNF, DSQ, DNS), and messages to
 * runners with their receipts. The rules are the room's (server/room/console.ts, verdicts.ts, messages.ts).
 */
import { ErrorCode } from '../../../lib/protocol';
import { HttpError, sendJson } from '../errors';
import { addressOf, type ApiRequest, ask, bearer, command, eventOf, organiser, organiserOrRunner } from './context';

export async function control(r: ApiRequest<'control'>): Promise<void> {
  await organiser(r);
  sendJson(r.res, 200, await ask(r, { ask: 'control' }));
}

export async function consoleSettings(r: ApiRequest<'setConsoleSettings'>): Promise<void> {
  const event = await organiser(r);
  sendJson(r.res, 200, { settings: await command(r, event, { do: 'setConsoleSettings', settings: await r.body() }) });
}

export async function markWatch(r: ApiRequest<'markWatch'>): Promise<void> {
  const event = await organiser(r);
  const { by, ...mark } = await r.body();
  sendJson(r.res, 200, { mark: await command(r, event, { do: 'markWatch', key: r.params.key, mark, by: by ?? null }) });
}

export async function verdicts(r: ApiRequest<'setVerdicts'>): Promise<void> {
  const event = await organiser(r);
  const body = await r.body();
  const given = await command(r, event, { do: 'setVerdicts', runnerIds: body.runners, verdict: body.verdict, by: 'organiser' });
  sendJson(r.res, 200, { verdicts: given ?? [] });
}

/** The organiser token gives any verdict; the runner's own token only their DNF (the room says so). */
export async function verdict(r: ApiRequest<'setVerdict'>): Promise<void> {
  const event = eventOf(r);
  const runnerId = r.params.runner;
  // Which of the two tokens it was decides what it may give.
  const token = await organiserOrRunner(r, event, runnerId, 'change this runner');
  const asOrganiser = await ask(r, { ask: 'token', runnerId: '', token, organiser: true });
  const body = await r.body();
  const given = await command(r, event, { do: 'setVerdicts', runnerIds: [runnerId], verdict: body.verdict, by: asOrganiser ? 'organiser' : 'runner' });
  sendJson(r.res, 200, { verdicts: given ?? [] });
}

export async function sendMessage(r: ApiRequest<'sendMessage'>): Promise<void> {
  const event = await organiser(r);
  const { text, to, group } = await r.body();
  sendJson(r.res, 201, { message: await command(r, event, { do: 'sendMessage', text, to: to ?? null, group: group ?? null }) });
}

async function asRunner(r: ApiRequest<'runnerMessages' | 'messageSeen'>): Promise<{ event: string; runnerId: string }> {
  const event = eventOf(r);
  const runnerId = r.params.runner;
  const token = bearer(r.req);
  if (!token) throw new HttpError(401, ErrorCode.Unauthorised, 'Send your runner token as "Authorization: Bearer …".', { 'www-authenticate': 'Bearer' });
  const refusal = await r.ctx.live.access.runner(event, addressOf(r), () => ask(r, { ask: 'token', runnerId, token, organiser: false }));
  if (refusal) throw HttpError.from({ ...refusal, message: refusal.status === 403 ? 'That token is not this runner’s.' : refusal.message });
  return { event, runnerId };
}

export async function runnerMessages(r: ApiRequest<'runnerMessages'>): Promise<void> {
  const { runnerId } = await asRunner(r);
  sendJson(r.res, 200, { messages: await ask(r, { ask: 'runnerMessages', runnerId }) });
}

export async function messageSeen(r: ApiRequest<'messageSeen'>): Promise<void> {
  const { event, runnerId } = await asRunner(r);
  sendJson(r.res, 200, { seenAt: await command(r, event, { do: 'messageSeen', runnerId, messageId: r.params.message }) });
}
