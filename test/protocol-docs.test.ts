/**
 * docs/protocol.md and docs/api.md are held to the code by name: every message type and its fields
 * (lib/protocol.ts), every route (lib/routes.ts), every error code (ErrorCode) and the fields of the JSON
 * the API answers. A doc that names one the code does not have, or leaves out one it has, fails here. The
 * prose is for people; only the names in headings, tables and examples are checked.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import * as A from '../lib/api-schemas';
import { INGEST_PATHS } from '../lib/ingest-urls';
import {
  AlertSchema,
  AppRefusal,
  ClientMessageSchema,
  ErrorCode,
  EventInfoSchema,
  HappinessSampleSchema,
  RaceInfoSchema,
  RunnerInfoSchema,
  RaceEstimateSchema,
  RunnerRaceInfoSchema,
  RunnerSnapshotSchema,
  ServerMessageSchema,
  ShareLinkSchema,
} from '../lib/protocol';
import { ROUTE_NAMES, ROUTES, type RouteSpec, routeErrors } from '../lib/routes';

const root = join(__dirname, '..');
const read = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

interface Table {
  /** The headings it is under, outermost first. */
  under: string[];
  /** The first line of the paragraph before it. */
  lead: string;
  header: string[];
  rows: string[][];
}

interface Doc {
  text: string;
  headings: Array<{ level: number; text: string; under: string[] }>;
  tables: Table[];
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/** Headings and tables, outside code blocks. */
function parse(text: string): Doc {
  const doc: Doc = { text, headings: [], tables: [] };
  const stack: string[] = [];
  let fenced = false;
  let lead = '';
  let inParagraph = false;
  let table: Table | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    if (fenced || line.startsWith('```')) continue;
    if (line.startsWith('|')) {
      inParagraph = false;
      if (!table) {
        table = { under: [...stack], lead, header: cells(line), rows: [] };
        doc.tables.push(table);
      } else if (!/^\|\s*:?-/.test(line)) table.rows.push(cells(line));
      continue;
    }
    table = null;
    const heading = /^(#+) (.*)$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      stack.length = level - 1;
      stack[level - 1] = heading[2]!;
      doc.headings.push({ level, text: heading[2]!, under: stack.slice(0, level - 1) });
      lead = '';
      inParagraph = false;
    } else if (!line.trim()) inParagraph = false;
    else if (!inParagraph) {
      lead = line.trim();
      inParagraph = true;
    }
  }
  return doc;
}

/** Code blocks, with the headings they are under. */
function codeBlocks(text: string): Array<{ under: string[]; lang: string; body: string }> {
  const blocks: Array<{ under: string[]; lang: string; body: string }> = [];
  const stack: string[] = [];
  let open: { under: string[]; lang: string; lines: string[] } | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) {
      if (open) {
        blocks.push({ under: open.under, lang: open.lang, body: open.lines.join('\n') });
        open = null;
      } else open = { under: [...stack], lang: line.slice(3).trim(), lines: [] };
      continue;
    }
    if (open) open.lines.push(line);
    else {
      const heading = /^(#+) (.*)$/.exec(line);
      if (heading) {
        stack.length = heading[1]!.length - 1;
        stack[heading[1]!.length - 1] = heading[2]!;
      }
    }
  }
  return blocks;
}

/** Whether `value` reads as `schema` with nothing left over: every field it has is one the schema names. */
function sameAs(schema: z.ZodType, value: unknown): string | null {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  try {
    assert.deepEqual(parsed.data, value);
    return null;
  } catch {
    return 'it has fields the code does not';
  }
}

/** The `quoted` names in a piece of markdown. */
const ticked = (s: string) => [...s.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
const keys = (schema: z.ZodObject) => Object.keys(schema.shape).sort();
const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

const protocol = parse(read('protocol.md'));
const api = parse(read('api.md'));

/** The message sections under an h2: type → the first table of fields, and the other field tables. */
function messageSections(doc: Doc, h2: string) {
  const types = doc.headings.filter((h) => h.level === 3 && h.under[1] === h2).map((h) => ticked(h.text)[0] ?? h.text);
  const fieldTables = doc.tables.filter((t) => t.under[1] === h2 && t.header[0] === 'Field');
  return { types, fieldTables };
}

const fieldsOf = (t: Table) => sorted(t.rows.flatMap((r) => ticked(r[0] ?? '')));

/** Normalised route paths: every parameter, however written, becomes {}. */
const shape = (path: string) => path.replace(/:[A-Za-z]+|<[^>]+>/g, '{}');
const ROUTE_KEYS = new Set(ROUTE_NAMES.map((n) => `${ROUTES[n].method} ${shape(ROUTES[n].path)}`));

/**
 * Does a path a doc mentions name a route of the table? It may be concrete (/api/events/harbour-5k), a
 * template (/api/events/<id>), and "…/rest" stands for /api/events/<id>/rest.
 */
function namesRoute(mention: string): boolean {
  const path = mention.split('?')[0]!.replace(/^…/, '/api/events/<id>');
  const mine = shape(path).split('/');
  return ROUTE_NAMES.some((n) => {
    const theirs = shape(ROUTES[n].path).split('/');
    return theirs.length === mine.length && theirs.every((seg, i) => (seg === '{}' ? mine[i] !== '' : seg === mine[i]));
  });
}

/** Every /api path a doc mentions, in prose, tables and examples. */
const apiPaths = (doc: Doc) => [...doc.text.matchAll(/(?:…|\/api)\/[^\s`'")\]|,]*/g)].map((m) => m[0].replace(/[.:]$/, '')).filter((p) => p !== '/api/' && p.length > 2);

/** Error codes a doc names: in tables with a `code` column, in JSON examples, and as "`404` `code`" or "`error` `code`". */
function errorCodesNamed(doc: Doc): string[] {
  const named: string[] = [];
  for (const t of doc.tables) {
    const col = t.header.indexOf('`code`');
    if (col >= 0) for (const r of t.rows) named.push(...ticked(r[col] ?? '').filter((c) => /^[a-z_]+$/.test(c)));
  }
  named.push(...[...doc.text.matchAll(/"code":\s*"([a-z_]+)"/g)].map((m) => m[1]!));
  named.push(...[...doc.text.matchAll(/`(?:\d{3}|error)` `([a-z_]+)`|`\d{3} ([a-z_]+)`/g)].map((m) => (m[1] ?? m[2])!));
  return named;
}

const ALL_CODES = new Set<string>(Object.values(ErrorCode));
/** The codes an HTTP answer may carry: every route's, and not_found for a path that is none. */
const HTTP_CODES = new Map<string, Set<number>>([[ErrorCode.NotFound, new Set([404])]]);
for (const name of ROUTE_NAMES) {
  for (const [code, status] of Object.entries(routeErrors(ROUTES[name]))) HTTP_CODES.set(code, (HTTP_CODES.get(code) ?? new Set()).add(status!));
}

describe('docs/protocol.md', () => {
  test('has a section for every client message type and no other, each with exactly its fields', () => {
    const { types, fieldTables } = messageSections(protocol, 'Client → server messages');
    const schemas = new Map(ClientMessageSchema.options.map((s) => [s.shape.type.value as string, s]));
    assert.deepEqual(sorted(types), sorted(schemas.keys()));
    for (const type of types) {
      const table = fieldTables.find((t) => t.under[2] === `\`${type}\``);
      assert.ok(table, `${type}: no table of fields`);
      assert.deepEqual(fieldsOf(table), keys(schemas.get(type)!), `${type}: fields`);
    }
  });

  test('has a section for every server message type and no other, each with exactly its fields, and the objects they carry', () => {
    const { types, fieldTables } = messageSections(protocol, 'Server → client messages');
    const schemas = new Map(ServerMessageSchema.options.map((s) => [s.shape.type.value as string, s as z.ZodObject]));
    assert.deepEqual(sorted(types), sorted(schemas.keys()));
    const objects: Array<[string, string[]]> = [
      ['Event info', keys(EventInfoSchema)],
      ['Race info', keys(RaceInfoSchema)],
      ['Runner info', keys(RunnerInfoSchema)],
      ['Runner race', keys(RunnerRaceInfoSchema)],
      ['The estimate is the anchor of a band', keys(RaceEstimateSchema)],
      ['A runner snapshot is a runner info with', keys(RunnerSnapshotSchema).filter((k) => !(k in RunnerInfoSchema.shape))],
      ['Happiness sample', keys(HappinessSampleSchema)],
      ['Alert', keys(AlertSchema)],
    ];
    const claimed = new Set<Table>();
    for (const type of types) {
      const table = fieldTables.find((t) => t.under[2] === `\`${type}\``);
      assert.ok(table, `${type}: no table of fields`);
      assert.deepEqual(fieldsOf(table), keys(schemas.get(type)!), `${type}: fields`);
      claimed.add(table);
    }
    for (const [lead, fields] of objects) {
      const table = fieldTables.find((t) => !claimed.has(t) && t.lead.startsWith(lead));
      assert.ok(table, `no table of ${lead}`);
      assert.deepEqual(fieldsOf(table), fields, `${lead}: fields`);
      claimed.add(table);
    }
    assert.deepEqual(
      fieldTables.filter((t) => !claimed.has(t)).map((t) => `${t.under.at(-1)}: ${t.lead}`),
      [],
      'a table of fields the test does not know what to hold to',
    );
  });

  test('its table of errors names only codes the code has, and with api.md every code there is', () => {
    const table = protocol.tables.find((t) => t.under[1] === 'Errors' && t.header[0] === '`code`');
    assert.ok(table, 'no table of errors');
    const listed = new Set(table.rows.flatMap((r) => ticked(r[0] ?? '')));
    assert.deepEqual([...listed].filter((c) => !ALL_CODES.has(c)), [], 'codes that do not exist');
    assert.deepEqual(sorted(errorCodesNamed(protocol).filter((c) => !ALL_CODES.has(c))), []);
    // Codes no HTTP route answers are the live protocol's, or said in api.md to stay inside the server.
    const apiSection = api.text.slice(api.text.indexOf('\n## Error codes'));
    const inside = new Set(ticked(apiSection));
    assert.deepEqual([...ALL_CODES].filter((c) => !HTTP_CODES.has(c) && !listed.has(c) && !inside.has(c)), [], 'codes no doc names');
  });

  test('every message in its examples is one of the protocol, with the fields the code has', () => {
    const wrong: string[] = [];
    let seen = 0;
    for (const block of codeBlocks(protocol.text)) {
      for (const line of block.body.split('\n')) {
        const m = /^(←|→)?\s*(\{"type".*\})\s*$/.exec(line);
        if (!m || m[2]!.includes('…')) continue;
        const msg = JSON.parse(m[2]!) as { type: string };
        const client = m[1] === '→' || (!m[1] && ClientMessageSchema.options.some((o) => o.shape.type.value === msg.type) && block.under[1] !== 'Server → client messages');
        const problem = sameAs(client ? ClientMessageSchema : ServerMessageSchema, msg);
        if (problem) wrong.push(`${m[2]!.slice(0, 80)}: ${problem}`);
        seen++;
      }
    }
    assert.ok(seen > 40, `only ${seen} examples found`);
    assert.deepEqual(wrong, []);
  });

  test('every /api path it mentions is a route of the table', () => {
    const paths = apiPaths(protocol);
    assert.ok(paths.length > 5);
    assert.deepEqual(paths.filter((p) => !namesRoute(p)), []);
  });
});

describe('docs/api.md', () => {
  test('its endpoint summary lists every route of the table, and only those, with their methods', () => {
    const table = api.tables.find((t) => t.under[1] === 'Endpoint summary');
    assert.ok(table);
    const listed = new Set<string>();
    const ingest = new Set<string>();
    for (const row of table.rows) {
      const methods = ticked(row[0] ?? '');
      for (const path of ticked(row[1] ?? '')) {
        if (path.startsWith('/ingest/')) ingest.add(path);
        else for (const m of methods) listed.add(`${m} ${shape(path)}`);
      }
    }
    assert.deepEqual(sorted(listed), sorted(ROUTE_KEYS));
    assert.deepEqual(sorted(ingest), sorted(Object.values(INGEST_PATHS)));
  });

  test('every endpoint heading names a route of the table', () => {
    const headed = api.headings.filter((h) => /`(GET|POST|PUT|DELETE)\b/.test(h.text));
    assert.ok(headed.length > 20);
    for (const h of headed) {
      const methods = h.text.match(/\b(GET|POST|PUT|DELETE)\b/g)!;
      const path = /\/api\/\S*?(?=`)/.exec(h.text)?.[0];
      assert.ok(path, `${h.text}: no path`);
      for (const m of methods) assert.ok(ROUTE_KEYS.has(`${m} ${shape(path)}`), `${h.text}: ${m} ${path} is not a route`);
    }
  });

  test('every /api path it mentions is a route of the table', () => {
    const paths = apiPaths(api);
    assert.ok(paths.length > 50);
    assert.deepEqual(paths.filter((p) => !namesRoute(p)), []);
  });

  test('its table of error codes lists exactly the codes routes answer, each with its statuses', () => {
    const table = api.tables.find((t) => t.under[1] === 'Error codes' && t.header[0] === '`code`');
    assert.ok(table, 'no table of error codes');
    const listed = new Map<string, Set<number>>();
    for (const row of table.rows) {
      const statuses = (row[1] ?? '').match(/\d{3}/g)?.map(Number) ?? [];
      for (const code of ticked(row[0] ?? '')) listed.set(code, new Set(statuses));
    }
    assert.deepEqual(sorted(listed.keys()), sorted(HTTP_CODES.keys()));
    for (const [code, statuses] of HTTP_CODES) assert.deepEqual(sorted([...listed.get(code)!].map(String)), sorted([...statuses].map(String)), `${code}: statuses`);
    assert.deepEqual(sorted(errorCodesNamed(api).filter((c) => !ALL_CODES.has(c))), [], 'codes that do not exist');
  });

  test('every JSON example under an endpoint is that route’s answer, or a refusal, with the fields the code has', () => {
    const wrong: string[] = [];
    let seen = 0;
    for (const block of codeBlocks(api.text)) {
      if (block.lang !== 'json') continue;
      const heading = block.under[2] ?? '';
      const methods: string[] = heading.match(/\b(GET|POST|PUT|DELETE)\b/g) ?? [];
      const path = /\/api\/\S*?(?=`)/.exec(heading)?.[0];
      const routes = ROUTE_NAMES.map((n): RouteSpec => ROUTES[n]).filter((r) => path && methods.includes(r.method) && shape(r.path) === shape(path));
      let value: unknown;
      try {
        value = JSON.parse(block.body);
      } catch {
        continue; // shortened with …: for people only
      }
      const schemas = 'error' in (value as object) ? [A.ErrorAnswerSchema] : routes.map((r) => r.answer.json).filter((s) => s !== null);
      if (!schemas.length) continue;
      seen++;
      const problems = schemas.map((schema) => sameAs(schema, value));
      if (problems.every((p) => p !== null)) wrong.push(`${heading}: ${block.body.slice(0, 80)}: ${problems.join(' / ')}`);
    }
    assert.ok(seen > 20, `only ${seen} examples found`);
    assert.deepEqual(wrong, []);
  });

  test('its tables of fields, query parameters and refusal reasons hold exactly what the code has', () => {
    const section = (heading: string) => (t: Table) => t.under.at(-1) === heading;
    const expectations: Array<[string, (t: Table) => boolean, string[]]> = [
      ['health', (t) => section('`GET /api/health`')(t) && t.header[0] === 'Field', keys(A.HealthAnswer)],
      ['a stored position', (t) => t.lead.includes('A position is'), keys(A.StoredPositionSchema)],
      ['a share link', (t) => t.lead.startsWith('A share link object'), keys(ShareLinkSchema)],
      ['a new link', (t) => section('`POST /api/events/<id>/links`')(t) && t.header[0] === 'Field', keys(A.LinkBody)],
      ['quotas', (t) => t.header[0] === 'Field' && t.header[1] === 'Default', keys(A.QuotasSchema)],
      ['track query', (t) => t.header[0] === 'Query', trackQuery()],
      ['refused fixes', (t) => t.header[0] === 'Reason', sorted(Object.values(AppRefusal))],
    ];
    const claimed = new Set<Table>();
    for (const [what, find, names] of expectations) {
      const table = api.tables.find(find);
      assert.ok(table, `no table of ${what}`);
      assert.deepEqual(fieldsOf(table), names, `${what}: fields`);
      claimed.add(table);
    }
    const unclaimed = api.tables.filter((t) => ['Field', 'Query', 'Reason'].includes(t.header[0]!) && !claimed.has(t));
    assert.deepEqual(unclaimed.map((t) => t.lead), [], 'a table of fields the test does not know what to hold to');
  });
});

/** The track endpoint's query, less the reader credentials every read takes. */
function trackQuery(): string[] {
  const route: RouteSpec = ROUTES.trackPage;
  return sorted(Object.keys(route.query).filter((q) => q !== 'code' && q !== 'share'));
}
