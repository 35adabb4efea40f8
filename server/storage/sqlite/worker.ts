/** A worker thread that owns one SQLite connection and answers calls from ./sqlite-store.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEngine } from './engine';
import { pushRows } from './push-rows';

export interface WorkerCall {
  id: number;
  method: string;
  args: unknown[];
}

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string; code?: string };

const { file, role } = workerData as { file: string; role: 'write' | 'read' };
const port = parentPort!;

let engine: SqliteEngine;
try {
  engine = new SqliteEngine(file, role);
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

const methods: Record<string, (...args: never[]) => unknown> = {
  append: (ops: Parameters<SqliteEngine['append']>[0]) => engine.append(ops),
  loadIndex: () => engine.loadIndex(),
  loadRoom: (event: string, opts: { cheersKept: number; samplesKept: number }) => engine.loadRoom(event, opts),
  replay: (event: string, after: number, limit: number) => engine.replay(event, after, limit),
  skipped: (event: string, runnerId: string) => engine.skipped(event, runnerId),
  runnerByDeviceKey: (hash: string) => engine.runnerByDeviceKey(hash),
  timingPointByKey: (hash: string) => engine.timingPointByKey(hash),
  passings: (event: string, after: number, limit: number) => engine.passings(event, after, limit),
  liveTrackers: () => engine.liveTrackers(),
  trackPage: (...args: Parameters<SqliteEngine['trackPagePacked']>) => engine.trackPagePacked(...args),
  trackText: (...args: Parameters<SqliteEngine['trackText']>) => engine.trackText(...args),
  runners: (event: string) => engine.runners(event),
  moods: (event: string, runnerId: string) => engine.moods(event, runnerId),
  cheers: (event: string, runnerId: string) => engine.cheers(event, runnerId),
  alerts: (event: string) => engine.alerts(event),
  avatar: (event: string, runnerId: string) => engine.avatar(event, runnerId),
  samples: (event: string, after: number, limit: number) => engine.samples(event, after, limit),
  inactiveEvents: (before: number, opts?: { liveOnly?: boolean }) => engine.inactiveEvents(before, opts),
  countPositions: (event?: string) => engine.countPositions(event),
  pushSave: (sub: Parameters<typeof pushRows.save>[1]) => pushRows.save(engine.db, sub),
  pushDelete: (ids: string[]) => pushRows.delete(engine.db, ids),
  pushDeleteEndpoint: (endpoint: string) => pushRows.deleteEndpoint(engine.db, endpoint),
  pushForRunner: (event: string, runnerId: string) => pushRows.forRunner(engine.db, event, runnerId),
  pushCountEndpoint: (endpoint: string) => pushRows.countEndpoint(engine.db, endpoint),
  pushKeys: (candidate: Parameters<typeof pushRows.keys>[1], now: number) => pushRows.keys(engine.db, candidate, now),
  close: () => engine.close(),
};

port.on('message', (call: WorkerCall) => {
  const method = methods[call.method];
  try {
    if (!method) throw new Error(`no such storage call: ${call.method}`);
    const value = method(...(call.args as never[]));
    // Packed track pages move to the other thread without a copy.
    const transfer = value instanceof Float64Array ? [value.buffer as ArrayBuffer] : [];
    port.postMessage({ id: call.id, ok: true, value } satisfies WorkerReply, transfer);
  } catch (err) {
    const e = err as { message?: string; code?: string };
    port.postMessage({ id: call.id, ok: false, message: e.message ?? String(err), code: e.code } satisfies WorkerReply);
  }
});
