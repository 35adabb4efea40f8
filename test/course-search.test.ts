/** Unit: finding runners by bib or name, in the order a spectator expects; display units. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareNatural, createRunnerSearch, normalise, searchRunners } from '../lib/course/search';
import { formatDistance, formatDuration, formatGap, formatPace, inUnit, isDistanceUnit, paceSeconds } from '../lib/course/units';

const field = [
  ...Array.from({ length: 12 }, (_, i) => ({ id: `h${i + 1}`, name: `Hiro ${i + 1}`, bib: String(200 + i) })),
  { id: 'a', name: 'Anna Schmidt', bib: '12' },
  { id: 'b', name: 'Björn Hiroshi', bib: '1200' },
  { id: 'c', name: 'José García', bib: '007' },
  { id: 'd', name: 'Chihiro Abe', bib: null },
  { id: 'e', name: 'Mary-Ann Lee', bib: 'F12' },
];
const ids = (list: Array<{ id: string }>) => list.map((r) => r.id);

describe('runner search', () => {
  test('numbers in names sort as numbers: Hiro 2 before Hiro 10', () => {
    assert.deepEqual(ids(searchRunners(field, 'Hiro')).slice(0, 12), ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10', 'h11', 'h12']);
  });

  test('name prefix, then a word of the name, then anywhere in it', () => {
    assert.deepEqual(ids(searchRunners(field, 'hiro')).slice(12), ['b', 'd']);
  });

  test('an exact bib comes first, then names, then bibs that start with it', () => {
    assert.deepEqual(ids(searchRunners(field, '12')), ['a', 'h12', 'b']);
    assert.deepEqual(ids(searchRunners(field, '201')), ['h2']);
    assert.deepEqual(ids(searchRunners(field, '20')), ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10']);
  });

  test('leading zeros, accents, case and punctuation do not matter', () => {
    assert.deepEqual(ids(searchRunners(field, '7')), ['c', 'h7']);
    assert.deepEqual(ids(searchRunners(field, 'jose gar')), ['c']);
    assert.deepEqual(ids(searchRunners(field, 'GARCIA')), ['c']);
    assert.deepEqual(ids(searchRunners(field, 'mary ann')), ['e']);
    assert.deepEqual(ids(searchRunners(field, 'f12')), ['e']);
    assert.equal(normalise('  Björn–Hiroshi  '), 'bjorn hiroshi');
  });

  test('an empty query lists everyone by name; a limit cuts the list', () => {
    const all = searchRunners(field, '  ');
    assert.equal(all.length, field.length);
    assert.equal(all[0]!.id, 'a');
    assert.deepEqual(ids(createRunnerSearch(field)('hiro', 3)), ['h1', 'h2', 'h3']);
    assert.deepEqual(searchRunners(field, 'zzz'), []);
  });

  test('natural comparison', () => {
    assert.ok(compareNatural('Hiro 2', 'Hiro 10') < 0);
    assert.ok(compareNatural('anna', 'Anna') === 0);
    assert.ok(compareNatural('Émile', 'Emile') === 0);
  });

  test('thirty thousand runners are searched from one index', () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ id: `r${i}`, name: `Runner ${i}`, bib: String(i) }));
    const search = createRunnerSearch(many);
    assert.deepEqual(ids(search('29999')), ['r29999']);
    assert.deepEqual(ids(search('runner 1', 3)), ['r1', 'r10', 'r11']);
  });
});

describe('units', () => {
  test('distances in kilometres or miles', () => {
    assert.equal(formatDistance(850, 'km'), '850 m');
    assert.equal(formatDistance(12_345, 'km'), '12.35 km');
    assert.equal(formatDistance(1609.344, 'mi'), '1.00 mi');
    assert.equal(formatDistance(42_195, 'mi', 1), '26.2 mi');
    assert.equal(inUnit(42_195, 'km'), 42.195);
  });

  test('pace per kilometre or per mile from a speed', () => {
    assert.equal(formatPace(1000 / 307, 'km'), '5:07 /km');
    assert.equal(formatPace(1609.344 / 494, 'mi'), '8:14 /mi');
    assert.equal(formatPace(0, 'km'), '—');
    assert.equal(formatPace(null, 'mi'), '—');
    assert.equal(formatPace(0.1, 'km'), '—', 'slower than an hour per km is standing still');
    assert.equal(Math.round(paceSeconds(10, 'km')!), 100);
  });

  test('durations and gaps', () => {
    assert.equal(formatDuration(65), '1:05');
    assert.equal(formatDuration(3 * 3600 + 62), '3:01:02');
    assert.equal(formatDuration(-5), '−0:05');
    assert.equal(formatGap(42), '+0:42');
    assert.equal(formatGap(null), '—');
    assert.ok(isDistanceUnit('mi') && !isDistanceUnit('m'));
  });
});
