/**
 * A race in progress, made over the public API as an organiser and a timing system would: the Englischer
 * Garten course (test/fixtures/courses/planner-route.gpx, 7.1 km), three waves five minutes apart, a
 * 500-entry start list in five categories with sexes, birth years, clubs and chips, and timing mats at the
 * start, half way, 1.1 km before the finish and the finish, each fed the passings its chips would have made
 * by now at the runners' own paces.
 */
import { readFileSync } from 'node:fs';
import type { APIRequestContext } from '@playwright/test';
import { expect } from './fixtures';

export const CATEGORIES = ['Elite', 'Open', 'Masters 40+', 'Juniors', 'Walk'] as const;
export const WAVES = ['A', 'B', 'C'] as const;
const CLUBS = ['LG Isar', 'TSV Schwabing', 'Lauftreff Nord', null, 'MTV München', null];
const FIRST = ['Anna', 'Ben', 'Clara', 'David', 'Elif', 'Finn', 'Greta', 'Hamza', 'Ida', 'Jonas', 'Lea', 'Mehmet', 'Nora', 'Oskar', 'Paula'];
const LAST = ['Huber', 'Schmid', 'Yılmaz', 'Bauer', 'Wagner', 'Nowak', 'Rossi', 'Fischer', 'Becker', 'Öztürk'];

export interface Runner {
  bib: string;
  name: string;
  category: (typeof CATEGORIES)[number];
  wave: (typeof WAVES)[number];
  /** Seconds after the wave's gun the runner crossed the start mat. */
  crossS: number;
  /** Metres per second. */
  speed: number;
}

export interface RaceDay {
  id: string;
  token: string;
  auth: { authorization: string };
  length: number;
  guns: Record<(typeof WAVES)[number], number>;
  runners: Runner[];
  mats: Array<{ id: string; key: string; name: string; at: number }>;
}

export function field(n = 500): Runner[] {
  return Array.from({ length: n }, (_, i) => {
    const category = CATEGORIES[i % 5 === 0 ? 0 : i % 7 === 0 ? 4 : i % 3 === 0 ? 2 : i % 11 === 0 ? 3 : 1]!;
    // Elite runs fastest, walkers slowest; everyone a little different.
    const base = { Elite: 4.6, Open: 3.3, 'Masters 40+': 3.0, Juniors: 3.4, Walk: 1.7 }[category];
    return {
      bib: String(i + 1),
      name: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`,
      category,
      wave: WAVES[category === 'Elite' ? 0 : i % 3]!,
      crossS: (i * 7) % 90,
      speed: base * (0.85 + ((i * 7919) % 1000) / 1000 * 0.3),
    };
  });
}

function startListCsv(runners: readonly Runner[]): string {
  const lines = ['Bib,First name,Last name,Sex,Year of birth,Category,Club,Wave,Chip'];
  runners.forEach((r, i) => {
    const [first, last] = r.name.split(' ');
    const year = r.category === 'Juniors' ? 2008 + (i % 5) : r.category === 'Masters 40+' ? 1960 + (i % 25) : 1975 + (i % 30);
    lines.push([r.bib, first, last, i % 2 ? 'F' : 'M', year, r.category, CLUBS[i % CLUBS.length] ?? '', r.wave, `CH${r.bib}`].join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** When a runner reaches metres `at` (ms). */
export const reaches = (day: Pick<RaceDay, 'guns'>, r: Runner, at: number) => day.guns[r.wave] + r.crossS * 1000 + (at / r.speed) * 1000;

/**
 * The event, set up and fed up to `now`; `held` runners' finish passings are left for the spec to send, and
 * `absent` runners (bibs) never cross a mat: they did not start.
 */
export async function seedRaceDay(request: APIRequestContext, name: string, now: number, held: readonly string[] = [], absent: readonly string[] = []): Promise<RaceDay> {
  const created = await request.post('/api/events', { data: { name } });
  expect(created.status()).toBe(201);
  const body = (await created.json()) as { event: { id: string }; organiserToken: string };
  const id = body.event.id;
  const auth = { authorization: `Bearer ${body.organiserToken}` };
  const course = await request.put(`/api/events/${id}/course`, { headers: { ...auth, 'content-type': 'application/gpx+xml' }, data: readFileSync('test/fixtures/courses/planner-route.gpx') });
  expect(course.status()).toBe(200);
  const length = ((await course.json()) as { race: { course: { length: number } } }).race.course.length;
  // Wave A went 40 minutes ago, B and C five and ten minutes after it.
  const a = now - 40 * 60_000;
  const guns = { A: a, B: a + 5 * 60_000, C: a + 10 * 60_000 };
  const race = await request.put(`/api/events/${id}/race`, {
    headers: auth,
    data: { startsAt: a, waves: WAVES.map((w) => ({ name: w, startsAt: guns[w] })) },
  });
  expect(race.status()).toBe(200);
  const runners = field();
  const imported = await request.post(`/api/events/${id}/entries`, { headers: { ...auth, 'content-type': 'text/csv' }, data: startListCsv(runners) });
  expect(imported.status(), await imported.text()).toBe(200);
  const mats: RaceDay['mats'] = [];
  for (const [matName, at] of [['Start', 0], ['Half way', Math.round(length / 2)], ['1.1 km to go', Math.round(length - 1100)], ['Finish', length]] as const) {
    const res = await request.post(`/api/events/${id}/timing`, { headers: auth, data: { name: matName, at, timeZone: 'UTC' } });
    expect(res.status()).toBe(201);
    const out = (await res.json()) as { point: { id: string }; key: string };
    mats.push({ id: out.point.id, key: out.key, name: matName, at });
  }
  const day: RaceDay = { id, token: body.organiserToken, auth, length, guns, runners, mats };
  for (const mat of mats) {
    const passings = runners
      .filter((r) => !(mat.name === 'Finish' && held.includes(r.bib)) && !absent.includes(r.bib))
      .map((r) => ({ chip: `CH${r.bib}`, t: Math.round(reaches(day, r, mat.at)) }))
      .filter((p) => p.t <= now);
    if (passings.length) await postPassings(request, day, mat.name, passings);
  }
  return day;
}

export async function postPassings(request: APIRequestContext, day: RaceDay, mat: string, passings: Array<{ chip: string; t: number }>): Promise<void> {
  const point = day.mats.find((m) => m.name === mat)!;
  const res = await request.post(`/api/events/${day.id}/timing/${point.id}/passings`, { headers: { authorization: `Bearer ${point.key}` }, data: { passings } });
  expect(res.status(), await res.text()).toBe(200);
}
