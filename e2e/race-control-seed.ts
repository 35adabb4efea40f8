/**
 * A race under way for the race-control specs, made over the public API and the live protocol as phones,
 * tracking apps and the organiser would: a real course (a Garmin watch run through Munich's Englischer
 * Garten, test/fixtures/courses), checkpoints with cut-offs, a start 40 minutes ago, a field of runners along
 * the course, and one runner for each kind of trouble the console watches for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { WebSocket } from 'ws';
import { decodeCourse, type CompactCourse } from '../lib/course/compact';
import type { Course } from '../lib/course/course';
import { offsetM } from '../lib/geo';
import { expect } from './fixtures';

const MIN = 60_000;

export interface RaceField {
  id: string;
  token: string;
  course: Course;
  /** Runner ids by the trouble they are in (and a few fine ones). */
  ids: Record<'sos' | 'stopped' | 'off' | 'silent' | 'battery' | 'mood' | 'cutoffA' | 'cutoffB' | 'finisher' | 'fine', string>;
  tokens: Record<string, string>;
  names: Record<string, string>;
  /** How many runners in all. */
  total: number;
}

type Fix = { lat: number; lon: number; t: number };

/** The point `m` metres along the course. */
function along(course: Course, m: number): [number, number] {
  const c = course.cumulative;
  const target = Math.max(0, Math.min(course.length, m));
  let i = 1;
  while (i < c.length - 1 && c[i]! < target) i++;
  const a = course.points[i - 1]!;
  const b = course.points[i]!;
  const lo = c[i - 1]!;
  const span = c[i]! - lo;
  const f = span === 0 ? 0 : (target - lo) / span;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

/** A runner's fixes from the start to `to` metres, evenly in time from `from` to `until`, every ~`every` ms. */
function run(course: Course, to: number, from: number, until: number, every = 45_000): Fix[] {
  const n = Math.max(2, Math.round((until - from) / every));
  return Array.from({ length: n + 1 }, (_, k) => {
    const [lat, lon] = along(course, (to * k) / n);
    return { lat, lon, t: Math.round(from + ((until - from) * k) / n) };
  });
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function next<T>(ws: WebSocket, pick: (m: { type: string; [k: string]: unknown }) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer from the server')), 15_000);
    const on = (data: Buffer) => {
      const got = pick(JSON.parse(data.toString()) as { type: string });
      if (got === undefined) return;
      clearTimeout(timer);
      ws.off('message', on);
      resolve(got);
    };
    ws.on('message', on);
  });
}

/** A phone joins, sends its fixes (and a mood), and hangs up once they are acknowledged. */
async function phone(wsUrl: string, event: string, name: string, fixes: Fix[], mood: number | null): Promise<{ runnerId: string; token: string }> {
  const ws = await open(wsUrl);
  const joined = next(ws, (m) => (m.type === 'joined' ? { runnerId: m.runnerId as string, token: m.token as string } : undefined));
  ws.send(JSON.stringify({ type: 'join', event, name, color: '#1b6ca8' }));
  const who = await joined;
  if (fixes.length) {
    const acked = next(ws, (m) => (m.type === 'ack' && m.seq === fixes.length ? true : undefined));
    fixes.forEach((f, i) => ws.send(JSON.stringify({ type: 'pos', seq: i + 1, ...f, acc: 6 })));
    await acked;
  }
  if (mood !== null) {
    ws.send(JSON.stringify({ type: 'mood', value: mood }));
    // A mood has no answer of its own: a session's messages are handled in order, so the reply to a resume
    // sent after it comes once it is applied.
    const resumed = next(ws, (m) => (m.type === 'joined' ? true : undefined));
    ws.send(JSON.stringify({ type: 'resume', event, runnerId: who.runnerId, token: who.token }));
    await resumed;
  }
  ws.close();
  return who;
}

export async function seedRace(request: APIRequestContext, baseURL: string, fieldSize = 30): Promise<RaceField> {
  const wsUrl = `${baseURL.replace('http', 'ws')}/ws`;
  const created = await request.post('/api/events', { data: { name: 'Englischer Garten Run' } });
  expect(created.status()).toBe(201);
  const { event, organiserToken: token } = (await created.json()) as { event: { id: string }; organiserToken: string };
  const id = event.id;
  const auth = { authorization: `Bearer ${token}` };
  const gpx = readFileSync(join(__dirname, '../test/fixtures/courses/watch-run.gpx'));
  expect((await request.put(`/api/events/${id}/course`, { headers: { ...auth, 'content-type': 'application/gpx+xml' }, data: gpx })).ok()).toBe(true);
  const compact = ((await (await request.get(`/api/events/${id}/course`)).json()) as { course: CompactCourse }).course;
  let course = decodeCourse(compact);
  const L = course.length;
  const now = Date.now();
  const checkpoints = [
    { name: 'Water 1', at: Math.round(L * 0.25), cutoff: now - 2 * MIN },
    { name: 'Half way', at: Math.round(L * 0.5), cutoff: now + 3 * 3600_000 },
  ];
  expect((await request.put(`/api/events/${id}/checkpoints`, { headers: auth, data: { checkpoints } })).ok()).toBe(true);
  expect((await request.put(`/api/events/${id}/race`, { headers: auth, data: { startsAt: now - 40 * MIN } })).ok()).toBe(true);
  course = decodeCourse({ ...compact, checkpoints });
  const start = now - 39 * MIN;

  const ids = {} as RaceField['ids'];
  const tokens: Record<string, string> = {};
  const names: Record<string, string> = {};
  const add = async (key: keyof RaceField['ids'] | null, name: string, fixes: Fix[], mood: number | null = 7) => {
    const who = await phone(wsUrl, id, name, fixes, mood);
    if (key) ids[key] = who.runnerId;
    tokens[who.runnerId] = who.token;
    names[who.runnerId] = name;
    return who;
  };

  // The field: past the first cut-off, spread between 30 % and 90 % of the course, heard from just now.
  const field = Array.from({ length: fieldSize }, (_, i) => add(i === 0 ? 'fine' : null, `Runner ${String(i + 1).padStart(2, '0')}`, run(course, L * (0.3 + (0.6 * i) / fieldSize), start, now - 5000)));
  await Promise.all(field);

  // Home: the whole course, finished 10 minutes ago.
  await add('finisher', 'Fay Finisher', run(course, L, start, now - 10 * MIN, 30_000));
  // Stopped: at 60 % for the last five minutes, still sending.
  const stopAt = along(course, L * 0.6);
  await add('stopped', 'Sam Stillwater', [
    ...run(course, L * 0.6, start, now - 5 * MIN),
    ...[4, 3, 2, 1, 0].map((k) => ({ lat: stopAt[0] + k * 0.00002, lon: stopAt[1], t: now - k * MIN - 2000 })),
  ]);
  // Off course: 300 m to the side of 55 % for the last two minutes.
  const offAt = along(course, L * 0.55);
  const aside = offsetM(offAt[0], offAt[1], 0, 300);
  await add('off', 'Olly Offtrack', [
    ...run(course, L * 0.55, start, now - 3 * MIN),
    ...[120, 90, 60, 30, 5].map((s) => ({ lat: aside[0] + s * 0.000001, lon: aside[1], t: now - s * 1000 })),
  ]);
  // Silent: nothing for twenty minutes.
  await add('silent', 'Sid Silent', run(course, L * 0.4, start, now - 20 * MIN));
  // Low: mood 1.
  await add('mood', 'Mo Lowe', run(course, L * 0.45, start, now - 5000), 1);
  // Behind the first cut-off (it passed two minutes ago): two runners still before Water 1.
  await add('cutoffA', 'Cara Cutoff', run(course, L * 0.15, start, now - 5000));
  await add('cutoffB', 'Cal Behind', run(course, L * 0.2, start, now - 5000));

  // A tracking app with a low battery, and one that sends an SOS.
  const app = async (key: 'battery' | 'sos', name: string, at: number, extra: string) => {
    const who = await add(key, name, run(course, L * at, start, now - MIN));
    const issued = await request.post(`/api/events/${id}/runners/${who.runnerId}/device-key`, { headers: { authorization: `Bearer ${who.token}` } });
    expect(issued.status()).toBe(201);
    const { key: deviceKey } = (await issued.json()) as { key: string };
    const [lat, lon] = along(course, L * at + 20);
    const res = await request.post('/ingest/osmand', { form: { id: deviceKey, lat: lat.toFixed(6), lon: lon.toFixed(6), timestamp: String(Math.floor(Date.now() / 1000)), accuracy: '8', ...Object.fromEntries(new URLSearchParams(extra)) } });
    expect(res.status()).toBe(200);
  };
  await app('battery', 'Bea Battery', 0.5, 'batt=9');
  await app('sos', 'Ada Alarm', 0.35, 'batt=64&alarm=sos');

  return { id, token, course, ids, tokens, names, total: fieldSize + 10 };
}
