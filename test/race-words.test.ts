/**
 * Unit: what the list and the race card say (client/race-words.ts): split tables as two series next to
 * checkpoints (km and miles), estimated splits marked, "est. km 31–34 · last seen 14 min ago", ETA
 * intervals and their basis in words, and a pace that never reads as a bare dash for a runner on the course.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { positionAt, withCheckpoints } from '../lib/course/course';
import { splits } from '../lib/course/forecast';
import { type Fix, indexCourse, matchOptions } from '../lib/course/matcher';
import { initialRunnerRace, raceStep, timingPoints } from '../lib/course/race';
import type { RunnerEstimate } from '../lib/course/estimate';
import type { RunnerRaceInfo } from '../lib/protocol';
import { basisWords, bandText, estimateNow, etaText, paceNowText, splitTables, whereaboutsText } from '../client/race-words';
import { courseFromXY, straight } from './course-shapes';

const GUN = 1_700_000_000_000;

/** A 21.1 km straight with a checkpoint on a whole km and one between two, run at 3 m/s from the gun. */
function halfWithCheckpoints() {
  const course = withCheckpoints(courseFromXY(straight(21_097, 20)), [
    { name: 'Water 5', at: 5000 },
    { name: 'Bridge', at: 20_500 },
  ]);
  const ix = indexCourse(course);
  const points = timingPoints(course);
  const options = matchOptions({ startTime: GUN });
  let race = initialRunnerRace();
  for (let s = 0; 3 * s <= course.length + 5; s += 2) {
    const [lat, lon] = positionAt(course, Math.min(course.length, 3 * s));
    const fix: Fix = { lat, lon, t: GUN + s * 1000, accuracy: 5 };
    race = raceStep(ix, points, race, fix, options).race;
  }
  return { course, points, race };
}

const near = (actual: number | null, expected: number, tolerance: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);

describe('splits next to checkpoints: two series', () => {
  const { points, race } = halfWithCheckpoints();

  test('kilometres: a checkpoint on a km or between two does not cut a split', () => {
    const tables = splitTables({ splits: splits(points, race, 'km'), checkpoints: splits(points, race, 'checkpoint') });
    const km = new Map(tables.distance.map((r) => [r.label, r]));
    near(km.get('5 km')!.split, 1000 / 3, 3, '5 km (Water 5 is on it)');
    near(km.get('21 km')!.split, 1000 / 3, 3, '21 km (Bridge is before it)');
    near(km.get('Finish')!.split, 97 / 3, 3, 'the last 97 m');
    assert.ok(tables.distance.every((r) => r.kind === 'km' || r.kind === 'finish'));
    const cps = tables.checkpoints;
    assert.deepEqual(cps.map((r) => r.label), ['Water 5', 'Bridge', 'Finish']);
    near(cps[0]!.split, 5000 / 3, 3, 'Water 5 since the start');
    near(cps[1]!.split, 15_500 / 3, 3, 'Bridge since Water 5');
    near(cps[2]!.split, 597 / 3, 3, 'Finish since Bridge');
  });

  test('miles: every mile split is a whole mile whatever the checkpoints', () => {
    const tables = splitTables({ splits: splits(points, race, 'mi'), checkpoints: splits(points, race, 'checkpoint') });
    const miles = tables.distance.filter((r) => r.kind === 'mi');
    assert.equal(miles.length, 13);
    for (const r of miles) near(r.split, 1609.344 / 3, 3, r.label);
  });
});

describe('a phone that started mid-race: estimated splits', () => {
  test('rows before they were seen are marked, with no split; the first seen split is not made of an estimate', () => {
    const course = courseFromXY(straight(21_097, 20));
    const ix = indexCourse(course);
    const points = timingPoints(course);
    let race = initialRunnerRace();
    for (let s = 0; s < 600; s += 5) {
      const [lat, lon] = positionAt(course, 10_500 + 3 * s);
      race = raceStep(ix, points, race, { lat, lon, t: GUN + 4_000_000 + s * 1000, accuracy: 5 }, matchOptions({ startTime: GUN })).race;
    }
    const tables = splitTables({ splits: splits(points, race, 'km'), checkpoints: [] });
    const estimated = tables.distance.filter((r) => r.estimated);
    assert.deepEqual(estimated.map((r) => r.label), ['1 km', '2 km', '3 km', '4 km', '5 km', '6 km', '7 km', '8 km', '9 km', '10 km']);
    assert.ok(estimated.every((r) => r.split === null), 'no invented split');
    assert.equal(tables.distance.find((r) => r.label === '11 km')!.split, null, '11 km came after an estimated 10 km');
    near(tables.distance.find((r) => r.label === '12 km')!.split, 1000 / 3, 3, '12 km');
  });
});

describe('the estimate in words', () => {
  const est: RunnerEstimate = { src: 'gps', t: GUN, at: 31_000, err: 5, v: 3, spread: 0.04, basis: 'recent', metres: 2000, until: GUN + 60_000 };
  const race = (over: Partial<RunnerRaceInfo> = {}): RunnerRaceInfo => ({
    pos: 12,
    state: 'running',
    at: 31_000,
    off: false,
    start: GUN - 3 * 3600_000,
    finish: null,
    gap: null,
    ahead: null,
    aheadM: null,
    speed: 3,
    avg: 3,
    cp: null,
    est,
    eta: [],
    ...over,
  });
  const scale = { effort: null, length: 42_195 };

  test('a runner not heard from: "est. km 33.4–33.7 · last seen 14 min ago", whole units once the band is wide', () => {
    const w = estimateNow(race(), scale, GUN + 14 * 60_000)!;
    assert.equal(w.kind, 'ghost');
    assert.equal(whereaboutsText(w, 'km'), `est. km ${(w.lo / 1000).toFixed(1)}–${(w.hi / 1000).toFixed(1)} · last seen 14 min ago`);
    assert.ok(w.lo > 33_000 && w.hi < 34_000, `band ${w.lo}–${w.hi} after 14 min at 3 m/s from 31 km`);
    const long = estimateNow(race({ est: { ...est, spread: 0.08 } }), scale, GUN + 50 * 60_000)!;
    assert.equal(whereaboutsText(long, 'km'), `est. km ${Math.floor(long.lo / 1000)}–${Math.ceil(long.hi / 1000)} · last seen 50 min ago`);
    assert.match(whereaboutsText(long, 'mi')!, /^est\. mi \d+–\d+ · last seen 50 min ago$/);
    assert.equal(whereaboutsText(estimateNow(race(), scale, GUN + 20_000), 'km'), null, 'a fresh runner needs no estimate');
    assert.equal(estimateNow(race({ state: 'finished' }), scale, GUN + 14 * 60_000), null);
    assert.equal(bandText({ lo: 31_150, hi: 31_800 }, 'km'), 'km 31.1–31.8');
  });

  test('a chip-only runner between mats is predicted, not a ghost', () => {
    const w = estimateNow(race({ est: { ...est, src: 'mat', err: 0, until: GUN + 30 * 60_000 } }), scale, GUN + 10 * 60_000)!;
    assert.equal(w.kind, 'predicted');
    assert.match(whereaboutsText(w, 'km')!, /^predicted km 32\.\d–32\.\d · last mat 10 min ago$/);
  });

  test('ETA intervals read as clock times; one time when both ends round to the same minute', () => {
    const at = (h: number, m: number) => new Date(2026, 9, 4, h, m, 10).getTime();
    const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    assert.equal(etaText({ lo: at(11, 5), hi: at(11, 20) }), clock.formatRange(at(11, 5), at(11, 20)));
    assert.match(etaText({ lo: at(11, 5), hi: at(11, 20) }), /11:05.*11:20/);
    assert.equal(etaText({ lo: at(11, 5), hi: at(11, 5) + 20_000 }), clock.format(at(11, 5)));
  });

  test('the basis says what was seen, in the spectator\'s unit, with the hills when there are any', () => {
    assert.equal(
      basisWords(est, 'km', true),
      'Based on their pace over the last 2 km (5:33 /km on the flat), how much it has varied from km to km (±4 %), the climbs and descents ahead, and how runners slow over the hours.',
    );
    assert.match(basisWords(est, 'mi', false), /^Based on their pace over the last 2 km \(1\.2 mi\) \(8:56 \/mi\), how much it has varied from mi to mi/);
    assert.match(basisWords({ ...est, basis: 'observed', metres: 700 }, 'km', false), /over the 0\.7 km seen so far \(their phone started mid-race\)/);
    assert.equal(basisWords(null, 'km', false), 'Not enough of their race has been seen yet to predict.');
  });

  test('pace now: measuring… for a runner on the course without a measured pace, never a bare dash', () => {
    assert.equal(paceNowText(race(), 'km'), '5:33 /km');
    assert.equal(paceNowText(race({ speed: null }), 'km'), 'measuring…');
    assert.equal(paceNowText(race({ speed: null, state: 'finished' }), 'km'), '—');
  });
});
