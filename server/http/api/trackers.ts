/**
 * Satellite trackers over HTTP, for the organiser: a runner's Garmin inReach (MapShare) or SPOT shared feed,
 * with its password if it has one (kept to poll with, never answered). docs/trackers.md.
 */
import { z } from 'zod';
import { ErrorCode, RunnerIdSchema } from '../../../lib/protocol';
import { readJson } from '../body';
import { HttpError, invalid, sendJson } from '../errors';
import { type ApiRequest, ask, command, organiser } from './context';
import { MAX_BODY_BYTES } from './events';

const TrackerSchema = z.discriminatedUnion('kind', [
  z
    .object({
      runner: RunnerIdSchema,
      kind: z.literal('inreach'),
      /** The MapShare name: share.garmin.com/<name>. */
      feed: z
        .string()
        .trim()
        .transform((s) => s.replace(/^https?:\/\/share\.garmin\.com\/(?:Feed\/Share\/)?/i, '').replace(/\/+$/, ''))
        .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'the MapShare name: the part after share.garmin.com/')),
      password: z.string().min(1).max(128).nullish(),
    })
    .strict(),
  z
    .object({
      runner: RunnerIdSchema,
      kind: z.literal('spot'),
      /** The XML feed id SPOT shows for a shared page. */
      feed: z.string().trim().regex(/^[A-Za-z0-9]{10,64}$/, 'the SPOT XML feed id (letters and digits)'),
      password: z.string().min(1).max(128).nullish(),
    })
    .strict(),
]);

/** GET …/trackers: every tracker with its last poll. POST: a new one for a runner. */
export async function trackers(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  if (r.req.method === 'GET') return sendJson(r.res, 200, { trackers: await ask(r, { ask: 'trackers' }) });
  const parsed = TrackerSchema.safeParse(await readJson(r.req, MAX_BODY_BYTES));
  if (!parsed.success) throw invalid('tracker', parsed.error, ErrorCode.BadTracker);
  const { runner, kind, feed, password } = parsed.data;
  const tracker = await command(r, event, { do: 'addTracker', runnerId: runner, kind, feed, password: password ?? null });
  if (!tracker) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  sendJson(r.res, 201, { tracker });
}

export async function removeTracker(r: ApiRequest): Promise<void> {
  const event = await organiser(r);
  if (!(await command(r, event, { do: 'removeTracker', trackerId: r.params.tracker ?? '' }))) {
    throw new HttpError(404, ErrorCode.NoSuchTracker, 'There is no such tracker.');
  }
  r.res.writeHead(204).end();
}
