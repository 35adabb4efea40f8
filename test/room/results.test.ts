/**
 * Unit: results in a room (server/room/results.ts, race.ts setRaceSettings, list.ts filters): waves with
 * their own guns, chip and gun time from mats, places in category on every runner's race view, the order by
 * gun time when the organiser chooses it, the results rows, the list filtered by category, sex, age group,
 * club and wave with the values to choose from, and the finish line in arrival order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeCourse } from '../../lib/course/compact';
import { buildCourse, type LatLon } from '../../lib/course/course';
import type { EntryFields } from '../../lib/entries/entry';
import { offsetM } from '../../lib/geo';
import { ErrorCode } from '../../lib/protocol';
import type { DecoderPassing } from '../../lib/timing/decoder-line';
import { cryptoCredentials } from '../../server/credentials';
import { execute } from '../../server/room/commands';
import { answer } from '../../server/room/queries';
import type { Room } from '../../server/room/state';
import { setVerdicts } from '../../server/room/verdicts';
import { clock, commit, newRoom, T0 } from './support';

const START: LatLon = [51.5, -0.12];
const WAVE_B = T0 + 10 * 60_000;
const course = () => {
  const points: LatLon[] = [];
  for (let m = 0; m <= 10_000; m += 100) points.push(offsetM(START[0], START[1], m, 0));
  return buildCourse({ name: 'Straight 10k', points, elevations: null });
};

const passing = (chip: string, t: number): DecoderPassing => ({ chip, t, loop: null, lap: null, battery: null, rewind: false });

function entry(bib: string, name: string, fields: Partial<EntryFields>): EntryFields {
  return { bib, firstName: null, lastName: name, sex: null, birthYear: null, ageGroup: null, category: null, club: null, wave: null, chip: `C${bib}`, ...fields };
}

/** A 10 km race, gun at T0 for wave A and WAVE_B for wave B, mats at the start, 5 km and the finish. */
function raceDay(): { room: Room; mat: (name: 'Start' | '5 km' | 'Finish', bib: string, t: number) => void } {
  const room = newRoom();
  commit(execute(room, { do: 'setCourse', course: encodeCourse(course()) }));
  commit(execute(room, { do: 'setRaceSettings', startsAt: T0, waves: [{ name: 'A', startsAt: T0 }, { name: 'B', startsAt: WAVE_B }] }));
  const points: Record<string, { id: string; key: string }> = {};
  for (const [name, at] of [['Start', 0], ['5 km', 5000], ['Finish', 10_000]] as const) {
    const out = commit(execute(room, { do: 'addTimingPoint', point: { name, at, timeZone: 'UTC' } })).result!;
    points[name] = { id: out.point.id, key: out.key };
  }
  commit(
    execute(room, {
      do: 'importEntries',
      entries: [
        entry('1', 'Ann', { sex: 'F', birthYear: 1984, category: '10 km', club: 'Harriers', wave: 'A' }),
        entry('2', 'Bob', { sex: 'M', birthYear: 1999, category: '10 km', wave: 'B' }),
        entry('3', 'Cy', { sex: 'F', birthYear: 1980, category: '10 km walk', club: 'Harriers', wave: 'A' }),
        entry('4', 'Dee', { sex: 'F', ageGroup: 'Open', category: '10 km', wave: 'b' }),
      ],
    }),
  );
  const mat = (name: 'Start' | '5 km' | 'Finish', bib: string, t: number) => {
    const p = points[name]!;
    commit(execute(room, { do: 'passings', pointId: p.id, keyHash: cryptoCredentials.hash(p.key), passings: [passing(`C${bib}`, t)], malformed: 0 }));
  };
  return { room, mat };
}

const byBib = (room: Room, bib: string) => room.runnerByBib(bib)!;

describe('results in a room', () => {
  test('chip time from the start mat, gun time from the wave gun, places in category on the race view', () => {
    clock.now = T0 + 3 * 3600_000;
    const { room, mat } = raceDay();
    mat('Start', '1', T0 + 90_000);
    mat('Finish', '1', T0 + 90_000 + 2400_000); // Ann: 40:00 chip, 41:30 gun
    mat('Start', '2', WAVE_B + 5_000);
    mat('Finish', '2', WAVE_B + 5_000 + 2460_000); // Bob: 41:00 chip, 41:05 gun
    mat('Start', '3', T0 + 20_000);
    mat('Finish', '3', T0 + 20_000 + 3600_000);
    mat('Start', '4', WAVE_B + 30_000);
    mat('5 km', '4', WAVE_B + 30_000 + 1500_000);
    room.raceMoved = true;
    room.updateStandings(clock.now, true);
    const view = (bib: string) => byBib(room, bib).raceView!;
    assert.deepEqual(['1', '2', '3', '4'].map((b) => [view(b).pos, view(b).cat]), [[1, 1], [2, 2], [3, 1], [4, 3]]);
    assert.equal(view('1').finish, 2400);
    assert.equal(view('1').gun, 2490);
    assert.equal(view('2').gun, 2465, "Bob's gun is wave B's");
    assert.equal(view('4').gun, null, 'no gun time before the finish');

    const results = answer(room, { ask: 'results', only: null });
    // Every kilometre, and the 5 km mat (the start and finish mats are the chip and finish times).
    assert.deepEqual(results.columns.map((c) => [c.label, c.mat ? 'mat' : 'km']), [
      ['1 km', 'km'], ['2 km', 'km'], ['3 km', 'km'], ['4 km', 'km'], ['5 km', 'km'], ['5 km', 'mat'], ['6 km', 'km'], ['7 km', 'km'], ['8 km', 'km'], ['9 km', 'km'],
    ]);
    assert.deepEqual(
      results.rows.map((r) => [r.bib, r.place, r.categoryPlace, r.sexPlace, r.ageGroup, r.ageGroupPlace, r.status, r.chipTime, r.gunTime]),
      // The race is in 2023: Ann (1984) is 39, Bob (1999) 24, Cy (1980) 43; Dee's list gives her group.
      [
        ['1', 1, 1, 1, 'F35', 1, 'finished', 2400, 2490],
        ['2', 2, 2, 1, 'M20', 1, 'finished', 2460, 2465],
        ['3', 3, 1, 2, 'F40', 1, 'finished', 3600, 3620],
        ['4', 4, 3, 3, 'Open', 1, 'running', null, null],
      ],
    );
    assert.deepEqual(results.rows[3]!.splits.slice(0, 7), [300, 600, 900, 1200, 1500, 1500, null], "Dee's splits up to the 5 km mat, and the mat's own");
    assert.equal(results.rows[0]!.splits[5], null, 'Ann was not seen by the 5 km mat');
  });

  test('a runner out of the race (DSQ, DNF) takes no place and comes last with their status; those behind move up', () => {
    clock.now = T0 + 3 * 3600_000;
    const { room, mat } = raceDay();
    mat('Start', '1', T0 + 90_000);
    mat('Finish', '1', T0 + 90_000 + 2400_000);
    mat('Start', '2', WAVE_B + 5_000);
    mat('Finish', '2', WAVE_B + 5_000 + 2460_000);
    mat('Start', '3', T0 + 20_000);
    mat('Finish', '3', T0 + 20_000 + 3600_000);
    mat('Start', '4', WAVE_B + 30_000);
    mat('5 km', '4', WAVE_B + 30_000 + 1500_000);
    commit(setVerdicts(room, [byBib(room, '1').id], { kind: 'dsq', reason: 'Cut the course' }, 'organiser'));
    commit(setVerdicts(room, [byBib(room, '4').id], { kind: 'dnf' }, 'organiser'));
    const rows = answer(room, { ask: 'results', only: null }).rows;
    assert.deepEqual(
      rows.map((r) => [r.bib, r.place, r.categoryPlace, r.status]),
      [
        ['2', 1, 1, 'finished'],
        ['3', 2, 1, 'finished'],
        ['1', null, null, 'DSQ'],
        ['4', null, null, 'DNF'],
      ],
    );
  });

  test('ordered by gun time when the organiser chooses it, and back', () => {
    clock.now = T0 + 3 * 3600_000;
    const { room, mat } = raceDay();
    mat('Start', '1', T0 + 90_000);
    mat('Finish', '1', T0 + 90_000 + 2400_000);
    mat('Start', '2', WAVE_B + 5_000);
    mat('Finish', '2', WAVE_B + 5_000 + 2460_000);
    commit(execute(room, { do: 'setRaceSettings', order: 'gun' }));
    assert.equal(room.info.race!.order, 'gun');
    assert.deepEqual([byBib(room, '2').raceView!.pos, byBib(room, '1').raceView!.pos], [1, 2]);
    commit(execute(room, { do: 'setRaceSettings', order: 'chip' }));
    assert.deepEqual([byBib(room, '1').raceView!.pos, byBib(room, '2').raceView!.pos], [1, 2]);
  });

  test('a wave moved after a runner started at its gun moves their start with it', () => {
    clock.now = T0 + 3600_000;
    const { room, mat } = raceDay();
    mat('5 km', '2', WAVE_B + 1500_000);
    assert.equal(byBib(room, '2').race!.start!.t, WAVE_B);
    commit(execute(room, { do: 'setRaceSettings', waves: [{ name: 'A', startsAt: T0 }, { name: 'B', startsAt: WAVE_B + 60_000 }] }));
    assert.deepEqual(byBib(room, '2').race!.start, { t: WAVE_B + 60_000, at: 0, basis: 'gun' });
  });

  test('after the race the organiser may still correct waves, the order and the embed sites, but not the start or the course', () => {
    const { room } = raceDay();
    commit(execute(room, { do: 'finish' }));
    commit(execute(room, { do: 'setRaceSettings', waves: [{ name: 'A', startsAt: T0 + 1000 }], order: 'gun', embedSites: ['https://a.org'] }));
    assert.deepEqual(room.info.race!.waves, [{ name: 'A', startsAt: T0 + 1000 }]);
    assert.equal(room.course!.order, 'gun');
    assert.equal(execute(room, { do: 'setRaceSettings', startsAt: T0 + 5000 }).refusal?.code, ErrorCode.EventFinished);
    assert.equal(execute(room, { do: 'setCourse', course: null }).refusal?.code, ErrorCode.EventFinished);
  });

  test('the list filtered by category, sex, age group, club and wave, with the values to choose from', () => {
    clock.now = T0 + 3600_000;
    const { room, mat } = raceDay();
    for (const bib of ['1', '2', '3', '4']) mat('Start', bib, (bib === '2' || bib === '4' ? WAVE_B : T0) + 10_000);
    room.raceMoved = true;
    room.updateStandings(clock.now, true);
    const list = (filter: Record<string, string>) =>
      answer(room, { ask: 'list', sort: 'order', desc: false, q: '', from: 0, limit: 100, only: null, filter }).rows.map((r) => r.bib);
    assert.deepEqual(list({}).sort((a, b) => (a ?? '').localeCompare(b ?? '')), ['1', '2', '3', '4']);
    assert.deepEqual(list({ category: '10 km', sex: 'F' }).sort((a, b) => (a ?? '').localeCompare(b ?? '')), ['1', '4']);
    assert.deepEqual(list({ club: 'Harriers' }).sort((a, b) => (a ?? '').localeCompare(b ?? '')), ['1', '3']);
    assert.deepEqual(list({ wave: 'B' }), ['2'], "a wave is filtered as the entry spells it ('b' is not 'B')");
    assert.deepEqual(list({ ageGroup: 'F35' }), ['1']);
    assert.deepEqual(list({ category: 'Marathon' }), []);
    const page = answer(room, { ask: 'list', sort: 'order', desc: false, q: '', from: 0, limit: 1, only: null });
    assert.deepEqual(page.facets, {
      category: ['10 km', '10 km walk'],
      sex: ['F', 'M'],
      ageGroup: ['F35', 'F40', 'M20', 'Open'],
      club: ['Harriers'],
      wave: ['A', 'b', 'B'],
    });
  });

  test('the finish line: who arrives next by ETA, then the latest finishers, latest first', () => {
    clock.now = T0 + 3000_000;
    const { room, mat } = raceDay();
    // Ann and Cy passed 5 km; Ann faster. Bob finished; Dee only started.
    mat('Start', '1', T0);
    mat('5 km', '1', T0 + 1500_000);
    mat('Start', '3', T0);
    mat('5 km', '3', T0 + 1400_000);
    mat('Start', '2', WAVE_B);
    mat('Finish', '2', WAVE_B + 2000_000);
    mat('Start', '4', WAVE_B);
    room.raceMoved = true;
    room.updateStandings(clock.now, true);
    const line = answer(room, { ask: 'finishLine', only: null });
    assert.deepEqual(line.finished.map((r) => r.bib), ['2']);
    assert.equal(line.finished[0]!.time, 2000);
    assert.equal(line.finishers, 1);
    assert.deepEqual(line.approaching.map((r) => r.bib), ['3', '1'], 'Cy reached 5 km sooner: she arrives first');
    const length = room.course!.course.length;
    assert.deepEqual(line.approaching.map((r) => r.toGo), [Math.round(length - 5000), Math.round(length - 5000)], 'both last seen at the 5 km mat');
    assert.equal(line.approaching[1]!.club, 'Harriers');
  });
});
