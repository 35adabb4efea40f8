/** POST /api/stream/<id>: one client message for a Server-Sent Events stream, wherever it is held. */
import { ErrorCode, LIMITS } from '../../../lib/protocol';
import { readBody } from '../body';
import { HttpError, sendJson } from '../errors';
import type { ApiRequest } from './context';

export async function streamPost(r: ApiRequest<'streamPost'>): Promise<void> {
  const { gateway } = r.ctx.live;
  const id = r.params.stream;
  const noStream = () => new HttpError(404, ErrorCode.NoSuchStream, 'Open a stream first.');
  if (!gateway.mayHold(id)) throw noStream();
  const body = (await readBody(r.req, LIMITS.maxFrameBytes)).toString('utf8');
  // Replies travel over the stream, in order with everything else.
  if ((await gateway.post(id, body)) === 'gone') throw noStream();
  sendJson(r.res, 202, {});
}
