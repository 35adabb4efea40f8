/**
 * A small router over the route table (lib/routes.ts): each entry's method and path template
 * ("/api/events/:id/runners/:runner/track") to its handler. Path and query parameters are parsed by the
 * table's schemas before the handler runs, and the JSON body when the handler asks for it; a path that
 * matches with another method gets 405 with Allow; errors thrown by handlers are answered once (errors.ts).
 */
import { ErrorCode } from '../../lib/protocol';
import { type BodyOf, type Fields, type ParamsOf, type QueryOf, readField, type RouteSpec } from '../../lib/routes';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJson } from './body';
import { fail, HttpError, sendError } from './errors';

export interface Request<C, R extends RouteSpec = RouteSpec> {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  route: R;
  params: ParamsOf<R>;
  query: QueryOf<R>;
  /**
   * The JSON body, read and checked against the route's schema; one it refuses is answered 400 with the
   * route's code. Handlers ask for it once they know who is asking, so a stranger's body is never read.
   */
  body(): Promise<BodyOf<R>>;
  ctx: C;
}

/** A handler as the router holds it; the request it gets is built from its own route's fields. */
type Handler<C> = (r: Request<C>) => unknown;

interface Bound<C> {
  route: RouteSpec;
  pattern: RegExp;
  names: string[];
  handler: Handler<C>;
}

/** Read every field of `fields` from `text`; the first that does not read is refused. */
function readFields(fields: Fields, text: (name: string) => string | undefined): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    const read = readField(name, field, text(name));
    if (!read.ok) throw new HttpError(read.refusal.status, read.refusal.code, read.refusal.message);
    values[name] = read.value;
  }
  return values;
}

async function readBodyOf(route: RouteSpec, req: IncomingMessage): Promise<unknown> {
  const spec = route.body;
  if (spec?.kind !== 'json') throw new Error(`${route.method} ${route.path} takes no JSON body`);
  const parsed = spec.schema.safeParse(await readJson(req, spec.maxBytes));
  if (!parsed.success) throw new HttpError(400, spec.code, spec.explain(parsed.error.issues[0]!));
  return parsed.data;
}

export class Router<C> {
  private readonly routes: Bound<C>[] = [];

  constructor(private readonly headersFor: (req: IncomingMessage, url: URL) => Record<string, string> = () => ({})) {}

  on<R extends RouteSpec>(route: R, handler: (r: Request<C, R>) => unknown): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path
        .split('/')
        .map((part) => {
          if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(part.slice(1));
          return '([^/]+)';
        })
        .join('/')}$`,
    );
    // The request built for this route carries what R says: its params, query and body come from R's fields.
    this.routes.push({ route, pattern, names, handler: handler as unknown as Handler<C> });
    return this;
  }

  /** Every route it serves, in the order they were bound. */
  table(): Array<{ method: string; path: string }> {
    return this.routes.map(({ route }) => ({ method: route.method, path: route.path }));
  }

  /** Serve the request if its path is one of ours; false when it is not. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, ctx: C): boolean {
    let allowed: string[] | null = null;
    for (const bound of this.routes) {
      const m = bound.pattern.exec(url.pathname);
      if (!m) continue;
      if (bound.route.method !== req.method) {
        (allowed ??= []).push(bound.route.method);
        continue;
      }
      const texts: Record<string, string> = {};
      try {
        bound.names.forEach((name, i) => {
          texts[name] = decodeURIComponent(m[i + 1]!);
        });
      } catch {
        sendError(res, new HttpError(400, ErrorCode.BadPath, 'The address is not valid.'), this.headersFor(req, url));
        return true;
      }
      const { route, handler } = bound;
      Promise.resolve()
        .then(() => {
          const params = readFields(route.params, (name) => texts[name]);
          const query = readFields(route.query, (name) => url.searchParams.get(name) ?? undefined);
          return handler({ req, res, url, route, params, query, body: () => readBodyOf(route, req) as Promise<never>, ctx });
        })
        .catch((err: unknown) => fail(res, err, { method: req.method, path: url.pathname }, this.headersFor(req, url)));
      return true;
    }
    if (!allowed) return false;
    sendError(res, new HttpError(405, ErrorCode.MethodNotAllowed, `Use ${allowed.join(' or ')}.`, { allow: allowed.join(', ') }), this.headersFor(req, url));
    return true;
  }
}
