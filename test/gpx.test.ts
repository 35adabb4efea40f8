/**
 * Unit: GPX export, checked by libxml2 (xmllint-wasm) against the official GPX 1.1 schema.
 * test/fixtures/gpx-1.1.xsd is the official schema (https://www.topografix.com/GPX/1/1/gpx.xsd), copied
 * verbatim from the copy vendored in github.com/gista/django-geoshortcuts, so nothing here needs the network.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateXML } from 'xmllint-wasm';
import { schemaErrors, XSD } from './gpx-schema';
import { toGpx, type GpxInput } from '../server/storage/formats/gpx';
import type { StoredPosition } from '../server/storage/store';

const T0 = Date.UTC(2026, 10, 26, 10, 0, 0); // 2026-11-26T10:00:00.000Z

async function assertValid(xml: string) {
  assert.deepEqual(await schemaErrors(xml), [], xml);
}

/** What an XML parser reads as the text of the first <name> after `after`, via libxml2's canonical form. */
async function parsedName(xml: string, after: '<metadata>' | '<trk>'): Promise<string> {
  const { normalized } = await validateXML({ xml: [{ fileName: 'track.gpx', contents: xml }], normalization: 'c14n' });
  const raw = normalized.slice(normalized.indexOf(after)).match(/<name>([\s\S]*?)<\/name>/)?.[1];
  assert.ok(raw !== undefined, normalized);
  // Canonical XML escapes exactly these in text nodes; everything else is literal.
  return raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#xD;/g, '\r').replace(/&amp;/g, '&');
}

function position(seq: number, over: Partial<StoredPosition> = {}): StoredPosition {
  return {
    seq,
    lat: 48.8566 + seq * 0.0001,
    lon: 2.3522 + seq * 0.0001,
    t: T0 + seq * 5000,
    acc: 5,
    alt: 35 + seq,
    spd: 3.1,
    hdg: 90,
    bat: null,
    ...over,
  };
}

function input(positions: StoredPosition[], over: Partial<GpxInput> = {}): GpxInput {
  return {
    event: { id: 'ev1', name: 'City 10K' },
    runner: { id: 'r1', name: 'Ada' },
    positions,
    ...over,
  };
}

function trackPoints(xml: string) {
  return [...xml.matchAll(/<trkpt lat="([^"]*)" lon="([^"]*)">(.*?)<\/trkpt>/g)].map(([, lat, lon, body]) => ({
    lat,
    lon,
    ele: body!.match(/<ele>(.*?)<\/ele>/)?.[1] ?? null,
    time: body!.match(/<time>(.*?)<\/time>/)?.[1] ?? null,
  }));
}

describe('toGpx', () => {
  test('the fixture is the GPX 1.1 schema', () => {
    assert.match(XSD, /targetNamespace="http:\/\/www\.topografix\.com\/GPX\/1\/1"/);
    for (const type of [
      'gpxType', 'metadataType', 'wptType', 'rteType', 'trkType', 'extensionsType', 'trksegType', 'copyrightType',
      'linkType', 'emailType', 'personType', 'ptType', 'ptsegType', 'boundsType', 'latitudeType', 'longitudeType',
      'degreesType', 'fixType', 'dgpsStationType',
    ]) {
      assert.match(XSD, new RegExp(`<xsd:(complex|simple)Type name="${type}">`), type);
    }
  });

  test('a track with several points validates against the GPX 1.1 schema', async () => {
    const xml = toGpx(input([1, 2, 3, 4, 5].map((seq) => position(seq))));
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Trackside"'));
    assert.match(xml, /<metadata><name>Ada — City 10K<\/name><time>2026-11-26T10:00:05\.000Z<\/time><\/metadata>/);
    assert.match(xml, /<trk>\s*<name>Ada<\/name>\s*<trkseg>/);
    await assertValid(xml);
  });

  test('points come out in sequence order with their lat, lon, ele and time', async () => {
    const xml = toGpx(input([position(3), position(1), position(2, { alt: 12.345 })]));
    assert.deepEqual(trackPoints(xml), [
      { lat: '48.8567', lon: '2.3523', ele: '36', time: '2026-11-26T10:00:05.000Z' },
      { lat: '48.8568', lon: '2.3524', ele: '12.35', time: '2026-11-26T10:00:10.000Z' },
      { lat: '48.8569', lon: '2.3525', ele: '38', time: '2026-11-26T10:00:15.000Z' },
    ]);
    assert.match(xml, /<metadata>.*<time>2026-11-26T10:00:05\.000Z<\/time><\/metadata>/, 'metadata time is the first point');
    await assertValid(xml);
  });

  test('a point without altitude has no ele and still validates', async () => {
    const xml = toGpx(input([position(1, { alt: null }), position(2)]));
    const [first, second] = trackPoints(xml);
    assert.equal(first!.ele, null);
    assert.doesNotMatch(xml.split('\n').find((l) => l.includes('<trkpt'))!, /<ele>/);
    assert.equal(second!.ele, '37');
    await assertValid(xml);
  });

  test('speed and heading are not written, since GPX 1.1 has no element for them', async () => {
    const xml = toGpx(input([position(1, { spd: 4.2, hdg: 271 })]));
    assert.doesNotMatch(xml, /speed|course|heading|4\.2|271/);
    await assertValid(xml);
  });

  test('coordinates are plain decimals with at most 7 places, and longitude 180 becomes -180', async () => {
    const xml = toGpx(input([
      position(1, { lat: 0.00000001, lon: 12.123456789 }),
      position(2, { lat: -89.99999999, lon: 180 }),
      position(3, { lat: 90, lon: 179.99999999 }),
    ]));
    assert.deepEqual(trackPoints(xml).map(({ lat, lon }) => [lat, lon]), [
      ['0', '12.1234568'],
      ['-90', '-180'],
      ['90', '-180'],
    ]);
    await assertValid(xml);
  });

  test('names with XML special and control characters are escaped or stripped, validate and parse back', async () => {
    const runnerName = `Zoë "Z" O'Brien <b>&amp;\u0001\u0008\u000B\u001F\uFFFE\uD800 🏃`;
    const eventName = `Tom & Jerry's <5K> "fun" run\u0000`;
    const xml = toGpx(input([position(1)], {
      runner: { id: 'r1', name: runnerName },
      event: { id: 'ev1', name: eventName },
      creator: 'Trackside "dev" <&>',
    }));
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uD800]/);
    assert.match(xml, /creator="Trackside &quot;dev&quot; &lt;&amp;&gt;"/);
    await assertValid(xml);
    const cleanRunner = `Zoë "Z" O'Brien <b>&amp; 🏃`;
    assert.equal(await parsedName(xml, '<trk>'), cleanRunner);
    assert.equal(await parsedName(xml, '<metadata>'), `${cleanRunner} — Tom & Jerry's <5K> "fun" run`);
  });

  test('an empty track still validates, with no metadata time', async () => {
    const xml = toGpx(input([]));
    assert.equal(trackPoints(xml).length, 0);
    assert.match(xml, /<metadata><name>Ada — City 10K<\/name><\/metadata>/);
    assert.match(xml, /<trkseg>\s*<\/trkseg>/);
    await assertValid(xml);
  });

  test('positions that cannot be represented are skipped instead of breaking the file', async () => {
    const xml = toGpx(input([position(1), position(2, { lat: Number.NaN }), position(3, { t: Number.POSITIVE_INFINITY })]));
    assert.equal(trackPoints(xml).length, 1);
    await assertValid(xml);
  });
});

describe('the schema check is real', () => {
  const good = toGpx(input([position(1), position(2)]));

  test('a track point with latitude 91 fails validation', async () => {
    const broken = good.replace(/lat="[^"]*"/, 'lat="91"');
    assert.notEqual(broken, good);
    const errors = await schemaErrors(broken);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /attribute 'lat'.*maxInclusive/);
  });

  test('time before ele in a track point fails validation', async () => {
    const broken = good.replace(/(<ele>[^<]*<\/ele>)(<time>[^<]*<\/time>)/, '$2$1');
    assert.notEqual(broken, good);
    const errors = await schemaErrors(broken);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /ele.*This element is not expected/);
  });

  test('a speed element, which GPX 1.1 does not define, fails validation', async () => {
    const broken = good.replace('</time></trkpt>', '</time><speed>3.1</speed></trkpt>');
    assert.notEqual(broken, good);
    assert.match((await schemaErrors(broken)).join('\n'), /speed.*This element is not expected/);
  });
});
