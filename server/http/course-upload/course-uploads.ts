/**
 * Who may have a course file read, and when. Creating an event needs no account, so anyone can be an
 * organiser: uploads are limited per event (its organiser) and per address, in the hour and at once. A
 * place is taken before the body is read and held until the answer, which bounds the memory bodies take
 * and keeps one address from filling the parser's queue. Refusals are HttpErrors with `retry-after`.
 */
import { ErrorCode } from '../../../lib/protocol';
import type { Buckets } from '../../limits/token-bucket';
import { HttpError } from '../errors';
import type { ParsedUpload } from './parse-worker';
import { type CourseParserPool, PoolClosed } from './parser-pool';

export interface UploadLimits {
  /** Uploads per event in an hour (in a burst, then that many spread over the hour). */
  perEventPerHour: number;
  perAddressPerHour: number;
  /** Uploads being received or read at once, per event, per address and in all. */
  runningPerEvent: number;
  runningPerAddress: number;
  running: number;
}

/**
 * An organiser tries a file, picks a line, fixes the file and tries again: a few uploads in a sitting.
 * Twenty (bodies up to 20 MiB, read one or two at a time) is far more than that, and little for the server.
 */
export const UPLOAD_LIMITS: UploadLimits = {
  perEventPerHour: 20,
  perAddressPerHour: 40,
  runningPerEvent: 1,
  runningPerAddress: 2,
  running: 4,
};

export type MakeBuckets = (name: string, capacity: number, perSecond: number) => Buckets;

export class CourseUploads {
  private readonly perEvent: Buckets;
  private readonly perAddress: Buckets;
  private readonly runningByEvent = new Map<string, number>();
  private readonly runningByAddress = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly pool: CourseParserPool,
    buckets: MakeBuckets,
    private readonly limits: UploadLimits = UPLOAD_LIMITS,
  ) {
    this.perEvent = buckets('course-uploads-event', limits.perEventPerHour, limits.perEventPerHour / 3600);
    this.perAddress = buckets('course-uploads-address', limits.perAddressPerHour, limits.perAddressPerHour / 3600);
  }

  /** A place for one upload of `event` from `address`, or a refusal; call the returned function when done. */
  async admit(event: string, address: string): Promise<() => void> {
    if ((this.runningByEvent.get(event) ?? 0) >= this.limits.runningPerEvent) {
      throw new HttpError(429, ErrorCode.UploadInProgress, 'A course file for this event is still being read: wait for its answer, then try again.', { 'retry-after': '2' });
    }
    if ((this.runningByAddress.get(address) ?? 0) >= this.limits.runningPerAddress) {
      throw new HttpError(429, ErrorCode.UploadInProgress, 'Course files from this address are still being read: wait for their answers, then try again.', { 'retry-after': '2' });
    }
    if (this.running >= this.limits.running) {
      throw new HttpError(503, ErrorCode.UploadsBusy, 'The server is reading several course files: try again in a few seconds.', { 'retry-after': '5' });
    }
    // Taken before the buckets are asked (which may take a round trip), so two uploads cannot both fit.
    const release = this.take(event, address);
    try {
      if (!(await this.perEvent.take(event))) {
        throw limited(`Too many course uploads for this event: try again in ${wait(this.perEvent.waitMs(event))}.`, this.perEvent.waitMs(event));
      }
      if (!(await this.perAddress.take(address))) {
        throw limited(`Too many course uploads from this address: try again in ${wait(this.perAddress.waitMs(address))}.`, this.perAddress.waitMs(address));
      }
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /** Reads the file in the parser pool, in turn with other addresses; rejects with a CourseError when refused. */
  parse(address: string, bytes: Uint8Array, pick?: number): Promise<ParsedUpload> {
    return this.pool.parse(address, bytes, pick).catch((err: unknown) => {
      if (err instanceof PoolClosed) throw new HttpError(503, ErrorCode.Stopping, 'The server is stopping: upload the course again shortly.', { 'retry-after': '5' });
      throw err;
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private take(event: string, address: string): () => void {
    this.running++;
    bump(this.runningByEvent, event, 1);
    bump(this.runningByAddress, address, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      bump(this.runningByEvent, event, -1);
      bump(this.runningByAddress, address, -1);
    };
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

function limited(message: string, waitMs: number): HttpError {
  return new HttpError(429, ErrorCode.RateLimited, message, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
}

/** "40 s" or "3 minutes". */
function wait(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} minutes`;
}
