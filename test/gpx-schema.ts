/** Validation against the official GPX 1.1 schema (shipped in fixtures) with libxml2, for tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

export const XSD = readFileSync(join(__dirname, 'fixtures', 'gpx-1.1.xsd'), 'utf8');

export async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: [{ fileName: 'track.gpx', contents: xml }],
    schema: [{ fileName: 'gpx.xsd', contents: XSD }],
  });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}
