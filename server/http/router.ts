/**
 * A small router: method and path pattern ("/api/events/:id/runners/:runner/track") to a handler. A path
 * that matches with another method gets 405 with Allow; errors thrown by handlers are answered once (errors.ts).
 */
import { ErrorCode } from '../../lib/protocol';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, HttpError, sendError } from './errors';

export interface Request<C> {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  ctx: C;
}

type Handler<C> = (r: Request<C>) => unknown;

interface Route<C> {
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  handler: Handler<C>;
}

export class Router<C> {
  private readonly routes: Route<C>[] = [];

  constructor(private readonly headersFor: (req: IncomingMessage, url: URL) => Record<string, string> = () => ({})) {}

  on(method: string, path: string, handler: Handler<C>): this {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${path
        .split('/')
        .map((part) => {
          if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(part.slice(1));
          return '([^/]+)';
        })
        .join('/')}$`,
    );
    this.routes.push({ method, path, pattern, names, handler });
    return this;
  }

  /** Every route, in the order they were added: the table the docs and tests go through. */
  table(): Array<{ method: string; path: string }> {
    return this.routes.map(({ method, path }) => ({ method, path }));
  }

  /** Serve the request if its path is one of ours; false when it is not. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, ctx: C): boolean {
    let allowed: string[] | null = null;
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      if (route.method !== req.method) {
        (allowed ??= []).push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      try {
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1]!);
        });
      } catch {
        sendError(res, new HttpError(400, ErrorCode.BadPath, 'The address is not valid.'), this.headersFor(req, url));
        return true;
      }
      Promise.resolve()
        .then(() => route.handler({ req, res, url, params, ctx }))
        .catch((err: unknown) => fail(res, err, { method: req.method, path: url.pathname }, this.headersFor(req, url)));
      return true;
    }
    if (!allowed) return false;
    sendError(res, new HttpError(405, ErrorCode.MethodNotAllowed, `Use ${allowed.join(' or ')}.`, { allow: allowed.join(', ') }), this.headersFor(req, url));
    return true;
  }
}
