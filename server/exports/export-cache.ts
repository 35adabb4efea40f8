/**
 * Finished events are downloaded again and again after the race, and do not change any more: the first
 * whole-event export is kept as a file while it streams, and later downloads of the same version are sent
 * from it. A file is only ever complete: it is written under a temporary name and renamed at the end.
 */
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Sink } from './sink';

export class ExportCache {
  constructor(private readonly dir: string) {}

  private file(event: string, version: string): string {
    return join(this.dir, `${event}.${version.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }

  /** Send the kept copy of this version, if there is one; false when there is not. */
  async send(res: ServerResponse, event: string, version: string, headers: Record<string, string>): Promise<boolean> {
    const file = this.file(event, version);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return false;
    }
    res.writeHead(200, { ...headers, 'content-length': String(size) });
    await pipeline(createReadStream(file), res).catch(() => res.destroy());
    return true;
  }

  /** A sink that also keeps what it writes; `keep()` makes it the copy of this version, `drop()` forgets it. */
  tee(sink: Sink, event: string, version: string): { sink: Sink; keep(): Promise<void>; drop(): void } {
    mkdirSync(this.dir, { recursive: true });
    const final = this.file(event, version);
    const temp = `${final}.${process.pid}.${Date.now()}.part`;
    const out = createWriteStream(temp);
    let broken = false;
    out.on('error', () => {
      broken = true;
    });
    return {
      sink: {
        async write(text) {
          if (!broken && !out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
          await sink.write(text);
        },
      },
      keep: async () => {
        await new Promise<void>((resolve) => out.end(resolve));
        if (broken) return rmSync(temp, { force: true });
        renameSync(temp, final);
        // Only the newest version of an event is worth its space.
        for (const name of readdirSync(this.dir)) {
          if (name.startsWith(`${event}.`) && join(this.dir, name) !== final && !name.endsWith('.part')) rmSync(join(this.dir, name), { force: true });
        }
      },
      drop: () => {
        out.destroy();
        rmSync(temp, { force: true });
      },
    };
  }
}
