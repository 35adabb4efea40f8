/**
 * The HTTP API as an OpenAPI 3.1 document, made from the route table: paths and methods, parameters,
 * bodies, answers and refusals, with the JSON shapes as JSON Schema (zod's toJSONSchema). Schemas with an id
 * (EventInfo, RunnerInfo, …) become components, referenced wherever they are used.
 */
import { z } from 'zod';
import { ErrorAnswerSchema } from './api-schemas';
import { PROTOCOL_VERSION } from './protocol';
import { ACCESS, type Access, type Field, type Method, ROUTE_NAMES, ROUTES, type RouteSpec, routeErrors } from './routes';

type Json = Record<string, unknown>;
/** A JSON Schema (2020-12, as OpenAPI 3.1 takes it). */
export type JsonSchema = Json;

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: JsonSchema }>;
  /** The error codes a refusal with this status may carry. */
  'x-error-codes'?: string[];
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  /** Who may call it: the route table's access. */
  'x-access': Access;
  parameters?: OpenApiParameter[];
  requestBody?: { required: true; description?: string; content: Record<string, { schema?: JsonSchema }> };
  security?: Array<Record<string, string[]>>;
  responses: Record<string, OpenApiResponse>;
}

/** A type rather than an interface: it is JSON, readable as any JSON object. */
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Partial<Record<Lowercase<Method>, OpenApiOperation>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, Json> };
};

const SECURITY: Record<Access, Array<Record<string, string[]>> | null> = {
  anyone: null,
  // An empty requirement first: a public event needs none of these.
  reader: [{}, { viewCode: [] }, { viewCodeHeader: [] }, { shareLink: [] }, { organiserToken: [] }],
  organiser: [{ organiserToken: [] }],
  runner: [{ runnerToken: [] }],
  organiserOrRunner: [{ organiserToken: [] }, { runnerToken: [] }],
  stream: null,
  timingPoint: [{ timingPointKey: [] }],
};

const SECURITY_SCHEMES = {
  organiserToken: { type: 'http', scheme: 'bearer', description: 'The organiser token, answered once by POST /api/events.' },
  runnerToken: { type: 'http', scheme: 'bearer', description: "The runner's token, answered once in the live protocol's joined message." },
  viewCode: { type: 'apiKey', in: 'query', name: 'code', description: 'The view code of a protected event.' },
  viewCodeHeader: { type: 'apiKey', in: 'header', name: 'X-View-Code', description: 'The view code of a protected event.' },
  shareLink: { type: 'apiKey', in: 'query', name: 'share', description: "A share link's token." },
  timingPointKey: { type: 'http', scheme: 'bearer', description: "A timing point's key, answered once when the organiser adds the point or issues a new key." },
} as const;

/** Turns zod schemas into JSON Schema, gathering the named ones as components. */
class Schemas {
  readonly components: Record<string, Json> = {};

  of(schema: z.ZodType, io: 'input' | 'output'): Json {
    const { $schema: _dialect, $defs, ...root } = z.toJSONSchema(schema, { io, unrepresentable: 'throw' }) as Json & { $defs?: Record<string, Json> };
    for (const [id, def] of Object.entries($defs ?? {})) this.add(id, refsToComponents(def) as Json);
    return refsToComponents(root) as Json;
  }

  private add(id: string, def: Json): void {
    const known = this.components[id];
    if (known && JSON.stringify(known) !== JSON.stringify(def)) throw new Error(`Two different schemas are called ${id}.`);
    this.components[id] = def;
  }
}

function refsToComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(refsToComponents);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : refsToComponents(v)]),
  );
}

function parameter(schemas: Schemas, name: string, field: Field, where: 'path' | 'query'): OpenApiParameter {
  const { description, ...schema } = schemas.of(field.schema, 'input');
  return {
    name,
    in: where,
    required: where === 'path' || !field.schema.safeParse(undefined).success,
    ...(typeof description === 'string' ? { description } : {}),
    schema,
  };
}

function operation(schemas: Schemas, name: string, route: RouteSpec): OpenApiOperation {
  const parameters = [
    ...Object.entries(route.params).map(([n, f]) => parameter(schemas, n, f, 'path')),
    ...Object.entries(route.query).map(([n, f]) => parameter(schemas, n, f, 'query')),
  ];
  const responses: Record<string, OpenApiResponse> = {};
  const { answer } = route;
  const content: Record<string, { schema: JsonSchema }> = {};
  if (answer.json) content['application/json'] = { schema: schemas.of(answer.json, 'output') };
  for (const [type, description] of Object.entries(answer.other ?? {})) content[type] = { schema: { description } };
  responses[String(answer.status)] = { description: answer.description, ...(Object.keys(content).length ? { content } : {}) };
  for (const [status, also] of Object.entries(answer.also ?? {})) {
    const body = also.body === 'same' ? { content } : also.body === 'text' ? { content: { 'text/plain': { schema: { type: 'string' } } } } : {};
    responses[status] = { description: also.description, ...body };
  }
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(routeErrors(route))) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    if (responses[String(status)]) throw new Error(`${name}: ${status} is both an answer and a refusal.`);
    responses[String(status)] = {
      description: `Refused: ${codes.join(', ')}.`,
      'x-error-codes': codes,
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: '#/components/schemas/Error' },
              { type: 'object', properties: { error: { type: 'object', properties: { code: { enum: codes } } } } },
            ],
          },
        },
      },
    };
  }
  const body = route.body;
  const requestBody: OpenApiOperation['requestBody'] | null =
    body === null
      ? null
      : body.kind === 'json'
        ? { required: true, content: { 'application/json': { schema: schemas.of(body.schema, 'input') } } }
        : {
            required: true,
            description: body.description,
            content: Object.fromEntries(body.contentTypes.map((type) => [type, body.schema ? { schema: schemas.of(body.schema, 'input') } : {}])),
          };
  const security = SECURITY[route.access];
  return {
    operationId: name,
    summary: route.summary,
    description: `Who may call it: ${ACCESS[route.access]}`,
    'x-access': route.access,
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    ...(security ? { security } : {}),
    responses,
  };
}

/** The document; every call makes it afresh from the table. */
export function openApiDocument(): OpenApiDocument {
  const schemas = new Schemas();
  const paths: OpenApiDocument['paths'] = {};
  for (const name of ROUTE_NAMES) {
    const route: RouteSpec = ROUTES[name];
    const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase() as Lowercase<Method>] = operation(schemas, name, route);
  }
  const error = schemas.of(ErrorAnswerSchema, 'output');
  if (error.$ref !== '#/components/schemas/Error') throw new Error('The error answer must be the Error component.');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trackside HTTP API',
      version: String(PROTOCOL_VERSION),
      description:
        'Creating events, the organiser’s and the runner’s actions, and the read-only JSON anyone may use. Errors are {"error": {"code", "message"}}: branch on code. The live protocol is described in docs/protocol.md.',
    },
    paths,
    components: { schemas: schemas.components, securitySchemes: SECURITY_SCHEMES },
  };
}
