/** GET /api/openapi.json: the route table as an OpenAPI 3.1 document, made once. */
import { openApiDocument } from '../../../lib/openapi';
import { sendJson } from '../errors';
import { type ApiRequest, OPEN_CORS } from './context';

let document: Record<string, unknown> | null = null;

export function openapi(r: ApiRequest<'openapi'>): void {
  document ??= openApiDocument();
  sendJson(r.res, 200, document, OPEN_CORS);
}
