/** GET /api/openapi.json: the route table as an OpenAPI 3.1 document, made once. */
import { type OpenApiDocument, openApiDocument } from '../../../lib/openapi';
import { sendJson } from '../errors';
import { type ApiRequest, OPEN_CORS } from './context';

let document: OpenApiDocument | null = null;

export function openapi(r: ApiRequest<'openapi'>): void {
  document ??= openApiDocument();
  sendJson(r.res, 200, document, OPEN_CORS);
}
