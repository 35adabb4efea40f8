/** Unit: age groups, waves and their guns, chip and gun time, places in category, the results columns and the embed's sites. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withCheckpoints } from '../lib/course/course';
import { applyMat } from '../lib/course/mats';
import { timingPoints } from '../lib/course/race';
import { csvField, formatResultTime, groupPlaces, resultRows, resultsCsvHeader, resultsCsvRow, splitColumns, withMatColumns } from '../lib/course/results';
import { type Entrant, raceStandings } from '../lib/course/standings';
import { gunFor, waveGuns, wavesProblems } from '../lib/course/waves';
import { ageBand, ageGroupOf } from '../lib/entries/age-group';
import { embedEventOf, embedSnippet, EmbedSitesSchema, embedView, frameAncestors } from '../lib/embed';
import { RaceCourse } from '../server/room/race-course';
import { courseFromXY, run, straight } from './course-shapes';

const GUN = 1_700_000_000_000;
const WAVE_B = GUN + 10 * 60_000;

const fiveK = () => withCheckpoints(courseFromXY(straight(5000, 20)), [{ name: 'Half way', at: 2500 }]);

describe('age groups', () => {
  test('the age on 31 December of the race year, in the usual bands', () => {
    assert.equal(ageBand(17), 'U20');
    assert.equal(ageBand(20), '20');
    assert.equal(ageBand(34), '20');
    assert.equal(ageBand(35), '35');
    assert.equal(ageBand(44), '40');
    assert.equal(ageBand(71), '70');
  });

  test('from the birth year with the sex in front, unless the list gives a group', () => {
    assert.equal(ageGroupOf({ sex: 'F', birthYear: 1984, ageGroup: null }, 2026), 'F40');
    assert.equal(ageGroupOf({ sex: null, birthYear: 2010, ageGroup: null }, 2026), 'U20');
    assert.equal(ageGroupOf({ sex: 'M', birthYear: 1984, ageGroup: 'M40-44' }, 2026), 'M40-44');
    assert.equal(ageGroupOf({ sex: 'M', birthYear: null, ageGroup: null }, 2026), null);
    assert.equal(ageGroupOf({ sex: 'M', birthYear: 2030, ageGroup: null }, 2026), null);
  });
});

describe('waves', () => {
  const guns = waveGuns([
    { name: 'A', startsAt: GUN },
    { name: 'Wave B', startsAt: WAVE_B },
    { name: 'C', startsAt: null },
  ]);

  test("a runner's gun is their wave's, else the event's", () => {
    assert.equal(gunFor(guns, GUN - 1, 'wave b '), WAVE_B);
    assert.equal(gunFor(guns, GUN - 1, 'C'), GUN - 1, 'a wave without its own time');
    assert.equal(gunFor(guns, GUN - 1, 'Z'), GUN - 1, 'a wave nobody listed');
    assert.equal(gunFor(guns, null, null), null);
  });

  test('each wave once', () => {
    assert.deepEqual(wavesProblems([{ name: 'A', startsAt: null }, { name: ' a', startsAt: 1 }]), ['wave “ a” is listed twice']);
    assert.deepEqual(wavesProblems([{ name: 'A', startsAt: null }]), []);
  });

  test('a runner of a later wave first seen on the course starts at their own gun, not the first wave\'s', () => {
    const rc = new RaceCourse(fiveK(), 1, GUN, [{ name: 'B', startsAt: WAVE_B }]);
    let race = rc.fresh();
    // A phone switched on at 1 km, eight minutes after wave B went.
    for (const f of run(rc.course, { speedMps: 3, t0: WAVE_B + 8 * 60_000, from: 1000, to: 1300 })) {
      race = rc.step(race, { lat: f.lat, lon: f.lon, t: f.t, acc: 5 }, 'gps', rc.gunOf('b')).race;
    }
    assert.equal(race.start?.basis, 'gun');
    assert.equal(race.start?.t, WAVE_B);
  });

  test("fixes before the runner's own wave gun are not their race", () => {
    const rc = new RaceCourse(fiveK(), 1, GUN, [{ name: 'B', startsAt: WAVE_B }]);
    const warmUp = run(rc.course, { speedMps: 3, t0: GUN, to: 400 });
    let race = rc.fresh();
    for (const f of warmUp) race = rc.step(race, { lat: f.lat, lon: f.lon, t: f.t, acc: 5 }, 'gps', rc.gunOf('B')).race;
    assert.equal(race.start, null, 'a wave B runner jogging during wave A has not started');
  });

  test('a start mat gives the chip time from the runner\'s own crossing; the gun time runs from the wave gun', () => {
    const course = fiveK();
    const points = timingPoints(course);
    let race = new RaceCourse(course, 1, GUN).fresh();
    race = applyMat(course, points, race, { at: 0, t: WAVE_B + 45_000 }, WAVE_B);
    race = applyMat(course, points, race, { at: course.length, t: WAVE_B + 45_000 + 1500_000 }, WAVE_B);
    const [s] = raceStandings(course, points, [{ id: 'x', name: 'X', bib: '1', race, gun: WAVE_B }]);
    assert.equal(s!.finishSeconds, 1500);
    assert.equal(s!.gunSeconds, 1545);
  });
});

/** Runners with a start mat and a finish mat: [id, wave gun, seconds after the gun they crossed the line, chip seconds]. */
function field(list: Array<[string, number, number, number | null]>): Entrant[] {
  const course = fiveK();
  const points = timingPoints(course);
  return list.map(([id, gun, crossAfter, chip]) => {
    let race = new RaceCourse(course, 1, GUN).fresh();
    race = applyMat(course, points, race, { at: 0, t: gun + crossAfter * 1000 }, gun);
    if (chip !== null) race = applyMat(course, points, race, { at: course.length, t: gun + (crossAfter + chip) * 1000 }, gun);
    else race = applyMat(course, points, race, { at: 2500, t: gun + (crossAfter + 900) * 1000 }, gun);
    return { id, name: id, bib: id, race, gun };
  });
}

describe('the order by chip or gun time', () => {
  // Ann crossed the line 2 minutes after her gun and ran 20:00; Bob crossed at once and ran 20:30.
  const entrants = () => field([['ann', GUN, 120, 1200], ['bob', WAVE_B, 0, 1230], ['cy', GUN, 0, null]]);

  test('by chip time: a late crossing is not held against anyone', () => {
    const s = raceStandings(fiveK(), timingPoints(fiveK()), entrants(), 'chip');
    assert.deepEqual(s.map((x) => x.id), ['ann', 'bob', 'cy']);
    assert.equal(s[1]!.gapToAhead!.seconds, 30);
  });

  test('by gun time when the organiser chooses it: the wave gun to the finish', () => {
    const s = raceStandings(fiveK(), timingPoints(fiveK()), entrants(), 'gun');
    assert.deepEqual(s.map((x) => x.id), ['bob', 'ann', 'cy']);
    assert.deepEqual(s.map((x) => x.gunSeconds), [1230, 1320, null]);
    assert.equal(s[1]!.gapToAhead!.seconds, 90);
  });
});

describe('results', () => {
  test('places within a group count placed runners of that group, in race order', () => {
    const rows = [{ g: 'A', p: true }, { g: 'B', p: true }, { g: 'A', p: true }, { g: null, p: true }, { g: 'A', p: false }];
    assert.deepEqual(groupPlaces(rows, (r) => r.p, (r) => r.g), [1, 1, 2, null, null]);
  });

  test('rows with places overall, in category, sex and age group, gun and chip time and every split', () => {
    const course = fiveK();
    const points = timingPoints(course);
    const entrants = field([['ann', GUN, 120, 1200], ['bob', WAVE_B, 0, 1230], ['cy', GUN, 0, 1300], ['dee', GUN, 0, null]]);
    const entries: Record<string, { sex: 'F' | 'M'; ageGroup: string; category: string; club: string | null; wave: string }> = {
      ann: { sex: 'F', ageGroup: 'F40', category: '5 km', club: 'Harriers, North', wave: 'A' },
      bob: { sex: 'M', ageGroup: 'M20', category: '5 km', club: null, wave: 'B' },
      cy: { sex: 'F', ageGroup: 'F40', category: '5 km walk', club: null, wave: 'A' },
      dee: { sex: 'F', ageGroup: 'F20', category: '5 km', club: null, wave: 'A' },
    };
    const byId = new Map(entrants.map((e) => [e.id, e]));
    const columns = splitColumns(points, 'km');
    assert.deepEqual(columns.map((c) => c.label), ['1 km', '2 km', 'Half way', '3 km', '4 km']);
    const inputs = raceStandings(course, points, entrants).map((standing) => ({
      id: standing.id,
      bib: standing.id,
      name: standing.id.toUpperCase(),
      entry: entries[standing.id]!,
      standing,
      race: byId.get(standing.id)!.race,
    }));
    const rows = resultRows(columns, inputs);
    assert.deepEqual(rows.map((r) => [r.id, r.place, r.categoryPlace, r.sexPlace, r.ageGroupPlace, r.status]), [
      ['ann', 1, 1, 1, 1, 'finished'],
      ['bob', 2, 2, 1, 1, 'finished'],
      ['cy', 3, 1, 2, 2, 'finished'],
      ['dee', 4, 3, 3, 1, 'running'],
    ]);
    const ann = rows[0]!;
    assert.equal(ann.chipTime, 1200);
    assert.equal(ann.gunTime, 1320);
    // Interpolated between the start and finish mats: an even 1200 s over 5 km.
    assert.deepEqual(ann.splits, [240, 480, 600, 720, 960]);
    assert.deepEqual(rows[3]!.splits, [360, 720, 900, null, null], 'a runner half way has the splits up to it');

    assert.equal(
      resultsCsvHeader(columns),
      'Place,Category Place,Sex Place,Age Group Place,Bib,Name,Sex,Age Group,Category,Club,Wave,Status,Gun Time,Chip Time,1 km,2 km,Half way,3 km,4 km',
    );
    assert.equal(resultsCsvRow(ann), '1,1,1,1,ann,ANN,F,F40,5 km,"Harriers, North",A,finished,0:22:00.0,0:20:00.0,0:04:00.0,0:08:00.0,0:10:00.0,0:12:00.0,0:16:00.0');
    assert.equal(resultsCsvRow(rows[3]!).split(',').slice(12, 14).join(','), ',', 'no gun or chip time before the finish');
  });

  test('timing mats between the start and the finish are split columns too, in course order', () => {
    const columns = splitColumns(timingPoints(fiveK()), 'km');
    const all = withMatColumns(columns, [{ id: 's', name: 'Start', at: 0 }, { id: 'h', name: 'Bridge', at: 3100 }, { id: 'f', name: 'Finish', at: 5000 }], 5000);
    assert.deepEqual(all.map((c) => c.label), ['1 km', '2 km', 'Half way', '3 km', 'Bridge', '4 km']);
    assert.equal(all[4]!.mat, 'h');
  });

  test('times as timing software writes them; fields a spreadsheet would run are defused', () => {
    assert.equal(formatResultTime(3725.46), '1:02:05.5');
    assert.equal(formatResultTime(null), '');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField('-5'), '-5');
    assert.equal(csvField('Ann "the runner"'), '"Ann ""the runner"""');
  });
});

describe('embeds', () => {
  test('sites are origins; anything that could break out of the header is refused', () => {
    assert.deepEqual(EmbedSitesSchema.parse(['HTTPS://www.MyRace.org/', 'https://*.myrace.org', 'http://localhost:3303']), [
      'https://www.myrace.org',
      'https://*.myrace.org',
      'http://localhost:3303',
    ]);
    for (const bad of ['https://a.org/path', "https://a.org; script-src 'unsafe-inline'", 'a.org', 'javascript:alert(1)', "'self'", 'https://a.org b.org', '*']) {
      assert.equal(EmbedSitesSchema.safeParse([bad]).success, false, bad);
    }
  });

  test("frame-ancestors is the event's sites, else none", () => {
    assert.equal(frameAncestors(['https://a.org', 'https://*.b.org']), 'https://a.org https://*.b.org');
    assert.equal(frameAncestors([]), "'none'");
    assert.equal(frameAncestors(undefined), "'none'");
    assert.equal(frameAncestors(['https://a.org; x']), "'none'", 'a stored value that is not an origin is left out');
  });

  test('the view from the query, the event from the path, and a one-line snippet', () => {
    assert.equal(embedView({ runner: 'r1', view: 'map' }), 'runner');
    assert.equal(embedView({ view: 'map' }), 'map');
    assert.equal(embedView({}), 'leaderboard');
    assert.equal(embedEventOf('/embed/city-10k'), 'city-10k');
    assert.equal(embedEventOf('/embed/city-10k/x'), null);
    assert.equal(embedEventOf('/e/city-10k'), null);
    const snippet = embedSnippet('https://track.example', 'city-10k', { view: 'map', theme: 'dark' });
    assert.equal(snippet, '<iframe src="https://track.example/embed/city-10k?view=map&theme=dark" title="Live race" width="100%" height="600" style="border:0" loading="lazy"></iframe>');
    assert.ok(!snippet.includes('\n'));
  });
});

