/** The JSON HTTP API under /api. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventNameSchema } from '../lib/protocol';
import type { Core } from './core';
import { toGpx } from './gpx';
import { slugify } from './hub';

const MAX_BODY_BYTES = 4096;

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function download(res: ServerResponse, filename: string, type: string, body: string): void {
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const fail = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message } });

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, drain a little so the client can read the 413; past that, hang up.
      if (size > MAX_BODY_BYTES * 256) req.destroy();
      else if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reject(new RangeError('too_large'));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new SyntaxError('bad_json'));
      }
    });
    req.on('error', reject);
  });
}

/** Answers requests under /api; returns false for any other path. */
export function handleApi(core: Core, req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  if (!pathname.startsWith('/api/')) return false;
  void route(core, req, res, pathname).catch(() => fail(res, 500, 'internal', 'Something went wrong.'));
  return true;
}

async function route(core: Core, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (pathname === '/api/health') {
    return send(res, 200, { ok: true, ...core.stats() });
  }
  if (pathname === '/api/events') {
    if (req.method === 'GET') return send(res, 200, { events: core.hub.listEvents() });
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        return err instanceof RangeError
          ? fail(res, 413, 'too_large', `Request body must be at most ${MAX_BODY_BYTES} bytes.`)
          : fail(res, 400, 'bad_json', 'Request body must be JSON like {"name": "Sunday 10k"}.');
      }
      const raw = (body as { name?: unknown } | null)?.name;
      if (typeof raw !== 'string') return fail(res, 400, 'bad_name', 'Give the event a name: {"name": "Sunday 10k"}.');
      const name = EventNameSchema.safeParse(raw);
      if (!name.success) {
        return fail(res, 400, 'bad_name', `Event name ${name.error.issues[0]?.message ?? 'is invalid'}.`);
      }
      return send(res, 201, { event: core.createEvent(name.data) });
    }
    res.setHeader('allow', 'GET, POST');
    return fail(res, 405, 'method_not_allowed', 'Use GET or POST.');
  }
  const match = /^\/api\/events\/([a-z0-9-]+)(?:\/(export\.json)|\/runners\/([A-Za-z0-9_-]+)\/(track\.gpx))?$/.exec(pathname);
  if (match) {
    const [, eventId, exportJson, runnerId, gpx] = match as unknown as [string, string, string?, string?, string?];
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return fail(res, 405, 'method_not_allowed', 'Use GET.');
    }
    const event = core.hub.getEvent(eventId);
    if (!event) return fail(res, 404, 'no_such_event', 'There is no such event.');
    if (exportJson) {
      core.flush();
      return download(res, `${event.id}.json`, 'application/json', JSON.stringify(core.storage.exportEvent(event.id), null, 1));
    }
    if (runnerId && gpx) {
      const name = core.hub.runnerName(event.id, runnerId);
      if (!name) return fail(res, 404, 'no_such_runner', 'That runner is not in this event.');
      core.flush();
      const positions = core.storage.track(event.id, runnerId);
      const body = toGpx({ event, runner: { id: runnerId, name }, positions });
      return download(res, `${event.id}-${slugify(name)}.gpx`, 'application/gpx+xml', body);
    }
    return send(res, 200, { event });
  }
  return fail(res, 404, 'not_found', 'No such API endpoint.');
}
