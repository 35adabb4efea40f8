/**
 * Timing points over HTTP. The organiser adds, renames, moves and removes points and issues their keys
 * (each key answered once); a point's decoder (or the software beside it) posts passings with the key, as
 * JSON or as decoder lines, and is answered once they are durable. docs/api.md#timing-points.
 */
import { MAX_PASSINGS_PER_BATCH, passingsFromJson, passingsFromLines, type ReadPassings } from '../../../lib/timing/passings';
import { ErrorCode } from '../../../lib/protocol';
import { cryptoCredentials } from '../../credentials';
import { readBody } from '../body';
import { HttpError, sendJson } from '../errors';
import { type ApiRequest, ask, bearer, command, eventOf, organiser } from './context';

/** Largest batch of passings read: 5000 decoder lines are about 250 KiB. */
const MAX_PASSINGS_BYTES = 1024 * 1024;

/** The distance must be on the course, when there is one. */
async function checkAt(r: ApiRequest<'addTimingPoint' | 'updateTimingPoint'>, at: number | undefined): Promise<void> {
  if (at === undefined) return;
  const length = (await ask(r, { ask: 'version' })).info.race?.course?.length ?? null;
  if (length !== null && at > length + 1) {
    throw new HttpError(400, ErrorCode.BadTimingPoint, `The point is at ${Math.round(at)} m but the course is ${Math.round(length)} m long: put it on the course.`);
  }
}

/** GET …/timing: the points with their decoders' activity, and the unknown chips. */
export async function timing(r: ApiRequest<'timing'>): Promise<void> {
  await organiser(r);
  sendJson(r.res, 200, await ask(r, { ask: 'timing' }));
}

/** POST …/timing: a new point; its key is answered this once. */
export async function addTimingPoint(r: ApiRequest<'addTimingPoint'>): Promise<void> {
  const event = await organiser(r);
  const point = await r.body();
  await checkAt(r, point.at);
  sendJson(r.res, 201, (await command(r, event, { do: 'addTimingPoint', point }))!);
}

/** PUT …/timing/<point>: rename, change the zone, or move a point that has no passings yet. */
export async function updateTimingPoint(r: ApiRequest<'updateTimingPoint'>): Promise<void> {
  const event = await organiser(r);
  const changes = await r.body();
  await checkAt(r, changes.at);
  const point = await command(r, event, { do: 'updateTimingPoint', pointId: r.params.point, changes });
  if (!point) throw new HttpError(404, ErrorCode.NoSuchTimingPoint, 'There is no such timing point.');
  sendJson(r.res, 200, { point });
}

/** DELETE …/timing/<point>: the key stops working; the passings it brought stay. */
export async function removeTimingPoint(r: ApiRequest<'removeTimingPoint'>): Promise<void> {
  const event = await organiser(r);
  if (!(await command(r, event, { do: 'removeTimingPoint', pointId: r.params.point }))) throw new HttpError(404, ErrorCode.NoSuchTimingPoint, 'There is no such timing point.');
  r.res.writeHead(204).end();
}

/** POST …/timing/<point>/key: a new key for the point's decoder (answered once); the old one stops working. */
export async function timingKey(r: ApiRequest<'timingKey'>): Promise<void> {
  const event = await organiser(r);
  const key = await command(r, event, { do: 'newTimingKey', pointId: r.params.point });
  if (!key) throw new HttpError(404, ErrorCode.NoSuchTimingPoint, 'There is no such timing point.');
  sendJson(r.res, 201, { key });
}

/**
 * POST …/timing/<point>/passings with the point's key ("Authorization: Bearer <key>"): JSON
 * {"passings": [{"chip", "t" | "time", …}]}, or decoder lines (text/plain), one passing per line.
 */
export async function postPassings(r: ApiRequest<'passings'>): Promise<void> {
  const event = eventOf(r);
  const pointId = r.params.point;
  const key = bearer(r.req);
  if (!key || key.length > 256) {
    throw new HttpError(401, ErrorCode.Unauthorised, 'Send the timing point’s key as "Authorization: Bearer <key>" (it is on the organiser page).', { 'www-authenticate': 'Bearer' });
  }
  const keyHash = cryptoCredentials.hash(key);
  // Not `ask`: its null (another key) is not "no such event".
  const zone = await r.ctx.live.query(event, { ask: 'pointZone', pointId, keyHash });
  if (zone === null) throw new HttpError(401, ErrorCode.UnknownKey, 'That is not the key of this timing point: copy it again from the organiser page.');
  const body = await readBody(r.req, MAX_PASSINGS_BYTES);
  let read: ReadPassings;
  if (/^application\/json\b/i.test(r.req.headers['content-type'] ?? '')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, ErrorCode.BadJson, 'Request body must be JSON: {"passings": [...]}.');
    }
    const list = (parsed as { passings?: unknown } | null)?.passings;
    if (!Array.isArray(list)) throw new HttpError(400, ErrorCode.BadPassings, 'Send {"passings": [{"chip": "…", "t": <ms>}, …]}.');
    read = passingsFromJson(list);
  } else {
    read = passingsFromLines(body.toString('utf8'), zone);
  }
  if (read.passings.length > MAX_PASSINGS_PER_BATCH) {
    throw new HttpError(413, ErrorCode.TooLarge, `At most ${MAX_PASSINGS_PER_BATCH} passings a request: send them in batches.`);
  }
  if (read.passings.length === 0 && read.malformed > 0) {
    throw new HttpError(400, ErrorCode.BadPassings, `No passing could be read (${read.problems[0]}); nothing was stored.`, {}, { problems: read.problems });
  }
  if (read.passings.length === 0) {
    await command(r, event, { do: 'decoderHeard', pointId, keyHash });
    return sendJson(r.res, 200, { stored: 0, duplicates: 0, unknown: 0, refused: {}, problems: [] });
  }
  const out = (await command(r, event, { do: 'passings', pointId, keyHash, passings: read.passings, malformed: read.malformed }))!;
  sendJson(r.res, 200, { ...out, problems: read.problems });
}
