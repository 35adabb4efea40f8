/** Writing a long answer piece by piece: wait when the client reads slowly, stop when it goes away. */
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
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
        if (gone || res.destroyed) throw new ClientGone();
      }
    },
  };
}
