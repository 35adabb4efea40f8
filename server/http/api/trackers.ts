/**
 * Satellite trackers over HTTP, for the organiser: a runner's Garmin inReach (MapShare) or SPOT shared feed,
 * with its password if it has one (kept to poll with, never answered). docs/trackers.md.
 */
import { ErrorCode } from '../../../lib/protocol';
import { HttpError, sendJson } from '../errors';
import { type ApiRequest, ask, command, organiser } from './context';

/** GET …/trackers: every tracker with its last poll (never its password). */
export async function trackers(r: ApiRequest<'trackers'>): Promise<void> {
  await organiser(r);
  sendJson(r.res, 200, { trackers: await ask(r, { ask: 'trackers' }) });
}

/** POST …/trackers: a runner's MapShare or SPOT page, polled from now on. */
export async function addTracker(r: ApiRequest<'addTracker'>): Promise<void> {
  const event = await organiser(r);
  const { runner, kind, feed, password } = await r.body();
  const tracker = await command(r, event, { do: 'addTracker', runnerId: runner, kind, feed, password: password ?? null });
  if (!tracker) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  sendJson(r.res, 201, { tracker });
}

export async function removeTracker(r: ApiRequest<'removeTracker'>): Promise<void> {
  const event = await organiser(r);
  if (!(await command(r, event, { do: 'removeTracker', trackerId: r.params.tracker }))) {
    throw new HttpError(404, ErrorCode.NoSuchTracker, 'There is no such tracker.');
  }
  r.res.writeHead(204).end();
}
