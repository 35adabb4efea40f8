/** Reading request bodies: one size rule for every endpoint, and a clear answer when it is broken. */
import { ErrorCode } from '../../lib/protocol';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors';

/**
 * The body, at most `limit` bytes. Past the limit the client gets 413 at once; a little more is read so it
 * can see the answer, and past that the connection is cut.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  return new Promise((resolve, reject) => {
    const tooLarge = () => new HttpError(413, ErrorCode.TooLarge, `The request body must be at most ${limit} bytes.`);
    if (declared > limit) {
      let drained = 0;
      req.on('data', (chunk: Buffer) => {
        drained += chunk.length;
        if (drained > limit * 4) req.destroy();
      });
      req.on('error', () => {});
      return reject(tooLarge());
    }
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * 4) req.destroy();
      else reject(tooLarge());
    });
    req.on('end', () => (size > limit ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', (err) => (size > limit ? reject(tooLarge()) : reject(err)));
  });
}

/** The body parsed as JSON. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, ErrorCode.BadJson, 'Request body must be JSON.');
  }
}
