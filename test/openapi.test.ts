/**
 * The OpenAPI document made from the route table: valid OpenAPI 3.1 (the official schema, via
 * @seriousme/openapi-schema-validator), every schema in it valid JSON Schema 2020-12 (Ajv), every route of
 * the table in it with its parameters, body, access and refusals, and served at /api/openapi.json to anyone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020';
import { Validator } from '@seriousme/openapi-schema-validator';
import { type JsonSchema, type OpenApiDocument, type OpenApiOperation, openApiDocument } from '../lib/openapi';
import { type Method, ROUTE_NAMES, ROUTES, type RouteSpec, routeErrors } from '../lib/routes';
import { startTestServer, type TestServer } from './helpers';

const doc = openApiDocument();

function operationOf(route: RouteSpec, of: OpenApiDocument = doc): OpenApiOperation | undefined {
  return of.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase() as Lowercase<Method>];
}

/** Every JSON Schema in the document, where it is. */
function schemasIn(value: unknown, where = '#'): Array<[string, JsonSchema]> {
  if (typeof value !== 'object' || value === null) return [];
  const here: Array<[string, JsonSchema]> = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'schema' && typeof v === 'object' && v !== null) here.push([`${where}/schema`, v as JsonSchema]);
    else here.push(...schemasIn(v, `${where}/${k}`));
  }
  return here;
}

/** The value at `path` inside `value`, if there is one. */
function dig(value: unknown, ...path: Array<string | number>): unknown {
  let at = value;
  for (const key of path) at = typeof at === 'object' && at !== null ? (at as Record<string | number, unknown>)[key] : undefined;
  return at;
}

describe('the OpenAPI document', () => {
  test('is valid OpenAPI 3.1, and every $ref in it resolves', async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1));
    assert.equal(validator.version, '3.1');
    assert.doesNotThrow(() => validator.resolveRefs());
  });

  test('every schema in it is valid JSON Schema 2020-12, components included', () => {
    const ajv = new Ajv2020({ strict: true });
    ajv.addKeyword('components');
    const schemas = [...schemasIn(doc.paths, '#/paths'), ...Object.entries(doc.components.schemas).map(([id, s]): [string, JsonSchema] => [`#/components/schemas/${id}`, s])];
    assert.ok(schemas.length > 100, `only ${schemas.length} schemas found`);
    for (const [where, schema] of schemas) {
      assert.doesNotThrow(() => ajv.compile({ ...schema, components: doc.components }), where);
    }
  });

  test('a planted mistake is caught: a schema that is not JSON Schema, and a $ref to nothing', async () => {
    const broken = structuredClone(doc);
    const eventInfo = { ...broken.components.schemas.EventInfo, type: 5 };
    const ajv = new Ajv2020({ strict: true });
    ajv.addKeyword('components');
    assert.throws(() => ajv.compile({ ...eventInfo, components: broken.components }));
    const dangling = structuredClone(doc);
    const answer = operationOf(ROUTES.eventSummary, dangling)!.responses['200']!.content!['application/json']!;
    answer.schema = { $ref: '#/components/schemas/Nowhere' };
    assert.equal((await new Validator().validate(dangling)).valid, false, 'a $ref to nothing is refused');
  });

  test('every route of the table is in it, with its parameters, body, access and refusals, and nothing else is', () => {
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    assert.equal(operations, ROUTE_NAMES.length);
    for (const name of ROUTE_NAMES) {
      const route: RouteSpec = ROUTES[name];
      const op = operationOf(route);
      assert.ok(op, `${route.method} ${route.path} is missing`);
      assert.equal(op.operationId, name);
      assert.equal(op['x-access'], route.access, `${name}: who may call it`);
      const params = (op.parameters ?? []).map((p) => `${p.in}:${p.name}`).sort();
      const expected = [...Object.keys(route.params).map((p) => `path:${p}`), ...Object.keys(route.query).map((q) => `query:${q}`)].sort();
      assert.deepEqual(params, expected, `${name}: parameters`);
      assert.equal(!!op.requestBody, route.body !== null, `${name}: request body`);
      assert.ok(op.responses[String(route.answer.status)], `${name}: its answer ${route.answer.status}`);
      const refusals: Record<string, number> = {};
      for (const [status, response] of Object.entries(op.responses)) {
        const codes = response['x-error-codes'] ?? [];
        // The codes are the answer's schema too, for tools that read only schemas.
        if (codes.length) assert.deepEqual(dig(response.content, 'application/json', 'schema', 'allOf', 1, 'properties', 'error', 'properties', 'code', 'enum'), codes);
        for (const code of codes) refusals[code] = Number(status);
      }
      assert.deepEqual(refusals, routeErrors(route), `${name}: refusals`);
    }
  });

  test('reader routes accept a view code, a share link or the organiser token; organiser routes only the organiser token', () => {
    assert.deepEqual(operationOf(ROUTES.snapshot)!.security, [{}, { viewCode: [] }, { viewCodeHeader: [] }, { shareLink: [] }, { organiserToken: [] }]);
    assert.deepEqual(operationOf(ROUTES.finish)!.security, [{ organiserToken: [] }]);
    assert.deepEqual(operationOf(ROUTES.issueDeviceKey)!.security, [{ runnerToken: [] }]);
    assert.equal(operationOf(ROUTES.listEvents)!.security, undefined);
  });
});

describe('GET /api/openapi.json', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(() => srv.dispose());

  test('answers the document to anyone, from any origin', async () => {
    const res = await fetch(`${srv.url}/api/openapi.json`, { headers: { origin: 'https://elsewhere.example' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(doc)) as unknown);
  });
});
