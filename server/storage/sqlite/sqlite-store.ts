/**
 * The embedded default store: one SQLite file under DATA_DIR, written by one worker thread and read by
 * another, so that neither a long read nor a slow commit ever holds up the event loop.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { StorageError } from '../store';
import type {
  Arrival,
  AppendResult,
  Fence,
  PassingArrival,
  ReadQueries,
  RoomRecord,
  Store,
  StoredPosition,
  TrackCursor,
  TrackerRecord,
  TrackFormat,
  TrackText,
  WriteOp,
} from '../store';
import { unpackPositions } from './engine';
import type { PushStore, PushSubscriptionRecord, VapidKeys } from '../push-store';
import type { WorkerCall, WorkerReply } from './worker';

class Thread {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new StorageError(reply.message, reply.code));
    });
    const die = (err: Error) => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new StorageError(`storage thread stopped (exit ${code})`)));
  }

  static start(file: string, role: 'write' | 'read'): Promise<Thread> {
    const worker = new Worker(join(__dirname, 'worker-entry.cjs'), { workerData: { file, role } });
    return new Promise((resolve, reject) => {
      worker.once('message', (m: { ready: boolean; message?: string }) => {
        if (m.ready) resolve(new Thread(worker));
        else reject(new StorageError(`cannot open ${file}: ${m.message}`));
      });
      worker.once('error', reject);
    });
  }

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies WorkerCall);
    });
  }

  async stop(): Promise<void> {
    await this.call('close').catch(() => {});
    await this.worker.terminate();
  }
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite';

  private constructor(
    private readonly writer: Thread,
    private readonly reader: Thread,
    /** Long reads (exports, whole tracks) on a thread of their own, so they never hold up a room loading. */
    private readonly bulk: Thread,
  ) {}

  /** Open (creating and migrating as needed) the database file. */
  static async open(file: string): Promise<SqliteStore> {
    const writer = await Thread.start(file, 'write');
    try {
      const [reader, bulk] = await Promise.all([Thread.start(file, 'read'), Thread.start(file, 'read')]);
      return new SqliteStore(writer, reader, bulk);
    } catch (err) {
      await writer.stop();
      throw err;
    }
  }

  async append(ops: readonly WriteOp[], fence?: Fence): Promise<AppendResult> {
    // One process owns everything here: nobody else can have taken an event.
    if (fence && fence.epochs.size > 0) throw new StorageError('SQLite serves one instance only: several instances need DATABASE_URL (PostgreSQL)');
    if (ops.length === 0) return { arrivals: [] };
    return { arrivals: await this.writer.call<Array<number | null>>('append', ops) };
  }

  loadIndex(): ReturnType<ReadQueries['loadIndex']> {
    return this.reader.call('loadIndex');
  }

  loadRoom(event: string, opts: { cheersKept: number; samplesKept: number }): Promise<RoomRecord | null> {
    return this.reader.call('loadRoom', event, opts);
  }

  replay(event: string, after: number, limit: number): Promise<Arrival[]> {
    return this.reader.call('replay', event, after, limit);
  }

  skipped(event: string, runnerId: string): Promise<number[]> {
    return this.reader.call('skipped', event, runnerId);
  }

  runnerByDeviceKey(hash: string): Promise<{ event: string; runnerId: string } | null> {
    return this.reader.call('runnerByDeviceKey', hash);
  }

  timingPointByKey(hash: string): Promise<{ event: string; pointId: string } | null> {
    return this.reader.call('timingPointByKey', hash);
  }

  passings(event: string, after: number, limit: number): Promise<PassingArrival[]> {
    return this.reader.call('passings', event, after, limit);
  }

  liveTrackers(): Promise<Array<{ event: string; tracker: TrackerRecord }>> {
    return this.reader.call('liveTrackers');
  }

  async trackPage(
    event: string,
    runnerId: string,
    after: TrackCursor | null,
    limit: number,
    range?: { from?: number; to?: number },
  ): Promise<StoredPosition[]> {
    return unpackPositions(await this.reader.call<Float64Array>('trackPage', event, runnerId, after, limit, range));
  }

  trackText(event: string, runnerId: string, after: TrackCursor | null, limit: number, format: TrackFormat): Promise<TrackText> {
    return this.bulk.call('trackText', event, runnerId, after, limit, format);
  }

  runners(event: string): ReturnType<ReadQueries['runners']> {
    return this.reader.call('runners', event);
  }

  moods(event: string, runnerId: string): ReturnType<ReadQueries['moods']> {
    return this.reader.call('moods', event, runnerId);
  }

  cheers(event: string, runnerId: string): ReturnType<ReadQueries['cheers']> {
    return this.reader.call('cheers', event, runnerId);
  }

  alerts(event: string): ReturnType<ReadQueries['alerts']> {
    return this.reader.call('alerts', event);
  }

  avatar(event: string, runnerId: string): ReturnType<ReadQueries['avatar']> {
    return this.reader.call('avatar', event, runnerId);
  }

  samples(event: string, after: number, limit: number): ReturnType<ReadQueries['samples']> {
    return this.reader.call('samples', event, after, limit);
  }

  inactiveEvents(before: number, opts?: { liveOnly?: boolean }): Promise<string[]> {
    return this.reader.call('inactiveEvents', before, opts);
  }

  countPositions(event?: string): Promise<number> {
    return this.reader.call('countPositions', event);
  }

  readonly push: PushStore = {
    savePushSubscription: (sub: PushSubscriptionRecord) => this.writer.call<null>('pushSave', sub).then(() => undefined),
    deletePushSubscriptions: (ids: readonly string[]) => this.writer.call<null>('pushDelete', ids).then(() => undefined),
    deletePushEndpoint: (endpoint: string) => this.writer.call<number>('pushDeleteEndpoint', endpoint),
    pushSubscriptions: (event: string, runnerId: string) => this.reader.call<PushSubscriptionRecord[]>('pushForRunner', event, runnerId),
    countPushEndpoint: (endpoint: string) => this.reader.call<number>('pushCountEndpoint', endpoint),
    // Written by the one writer thread: the first key pair ever offered is the one kept.
    vapidKeys: (candidate: VapidKeys, now: number) => this.writer.call<VapidKeys>('pushKeys', candidate, now),
  };

  async close(): Promise<void> {
    await Promise.all([this.reader.stop(), this.bulk.stop(), this.writer.stop()]);
  }
}
