/** Writing a long answer piece by piece: wait when the client reads slowly, stop when it goes away. */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export class ClientGone extends Error {}

export interface Sink {
  write(text: string): Promise<void>;
}

/** A sink over an HTTP response whose headers are already written. */
export function responseSink(res: ServerResponse): Sink {
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  return {
    async write(text) {
      if (gone || res.destroyed) throw new ClientGone();
      if (!res.write(text)) {
        await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (gone || res.destroyed) throw new ClientGone();
      }
    },
  };
}
