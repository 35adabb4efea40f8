/**
 * Events at the limits, made over the public protocol: 200+ runners with the longest names allowed
 * (words without spaces, wide CJK and emoji characters), the longest event names, 140-character cheers
 * without spaces, a finished event, a runner who never sent a fix, share links with long labels.
 */
import type { APIRequestContext, Browser, BrowserContext } from '@playwright/test';
import { WebSocket } from 'ws';
import { LIMITS } from '../lib/protocol';
import { expect, offline } from './fixtures';

export const CENTRE = { latitude: 40.7712, longitude: -73.9741 };

const WIDE_EVENT = '全国市民マラソン大会'.repeat(6).slice(0, LIMITS.eventNameMax);
const LONG_EVENT = 'Supercalifragilisticexpialidociousultramarathonchampionships'.slice(0, LIMITS.eventNameMax);
export const NAMES = {
  noSpaces: 'W'.repeat(LIMITS.nameMax),
  cjk: '長い名前の走者さん'.repeat(5).slice(0, LIMITS.nameMax),
  // Each emoji is two UTF-16 units: twenty of them make the 40 allowed.
  emoji: '🏃🏽'.repeat(10).slice(0, LIMITS.nameMax),
  spaced: 'Maximiliana Bartholomew-Okonkwo Jr. III'.padEnd(LIMITS.nameMax, 'x'),
};
export const LONG_CHEER = 'GO'.repeat(LIMITS.cheerMax / 2);

export interface Seeded {
  big: { id: string; token: string; name: string; runnerIds: string[]; hiddenRunner: string };
  finished: { id: string; token: string; name: string };
  share: string;
}

interface Joined {
  ws: WebSocket;
  runnerId: string;
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the first message `pick` accepts. */
function next<T>(ws: WebSocket, pick: (msg: { type: string; [k: string]: unknown }) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer from the server')), 15_000);
    const onMessage = (data: Buffer) => {
      const got = pick(JSON.parse(data.toString()) as { type: string });
      if (got === undefined) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(got);
    };
    ws.on('message', onMessage);
  });
}

/** One runner: join, send `fixes` positions around `at` and a mood, wait for the last ack. */
async function runner(wsUrl: string, event: string, name: string, i: number, fixes: number, at?: { latitude: number; longitude: number }): Promise<Joined> {
  const ws = await open(wsUrl);
  const joined = next(ws, (m) => (m.type === 'joined' ? (m.runnerId as string) : undefined));
  ws.send(JSON.stringify({ type: 'join', event, name, color: '#d7263d' }));
  const runnerId = await joined;
  if (fixes > 0) {
    // A dense field: everyone within a few hundred metres, so names compete for room on the map.
    const angle = (i * 137.5 * Math.PI) / 180;
    const r = 0.0005 + (i % 40) * 0.00006;
    const acked = next(ws, (m) => (m.type === 'ack' && m.seq === fixes ? true : undefined));
    for (let s = 1; s <= fixes; s++) {
      ws.send(
        JSON.stringify({
          type: 'pos',
          seq: s,
          lat: at ? at.latitude : CENTRE.latitude + Math.sin(angle) * r + s * 0.00008,
          lon: at ? at.longitude : CENTRE.longitude + Math.cos(angle) * r * 1.3,
          t: Date.now() - (fixes - s) * 5000,
          acc: 5,
        }),
      );
    }
    ws.send(JSON.stringify({ type: 'mood', value: i % 11 }));
    await acked;
  }
  return { ws, runnerId };
}

/** Runners who joined and sent fixes over the protocol, all at `at` when given, then went quiet. */
export async function joinRunners(
  baseURL: string,
  event: string,
  names: string[],
  at?: { latitude: number; longitude: number },
): Promise<string[]> {
  const wsUrl = `${baseURL.replace('http', 'ws')}/ws`;
  const joined: Joined[] = [];
  // One after another, so the join order (and so who is drawn on top) is known.
  for (const [i, name] of names.entries()) joined.push(await runner(wsUrl, event, name, i, 2, at));
  for (const j of joined) j.ws.close();
  return joined.map((j) => j.runnerId);
}

async function cheer(wsUrl: string, event: string, runnerId: string, from: string, text: string): Promise<void> {
  const ws = await open(wsUrl);
  const done = next(ws, (m) => (m.type === 'cheered' ? true : m.type === 'error' ? false : undefined));
  ws.send(JSON.stringify({ type: 'cheer', event, runnerId, from, text }));
  expect(await done).toBe(true);
  ws.close();
}

async function create(request: APIRequestContext, name: string): Promise<{ id: string; token: string }> {
  const res = await request.post('/api/events', { data: { name } });
  expect(res.status()).toBe(201);
  const body = (await res.json()) as { event: { id: string }; organiserToken: string };
  return { id: body.event.id, token: body.organiserToken };
}

function nameFor(i: number): string {
  const special = [NAMES.noSpaces, NAMES.cjk, NAMES.emoji, NAMES.spaced];
  if (i < special.length) return special[i]!;
  return i % 5 === 0 ? `${'Runner'.repeat(6)}${i}`.slice(0, LIMITS.nameMax) : `Runner ${i} ${['Ada', 'Bashir', 'Chen', 'Dara', 'Elif'][i % 5]}`;
}

export async function seed(request: APIRequestContext, baseURL: string, runners = 210): Promise<Seeded> {
  const wsUrl = `${baseURL.replace('http', 'ws')}/ws`;
  const big = await create(request, WIDE_EVENT);
  const joined: Joined[] = [];
  for (let from = 0; from < runners; from += 30) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(30, runners - from) }, (_, k) => runner(wsUrl, big.id, nameFor(from + k), from + k, 3)),
    );
    joined.push(...batch);
  }
  // Someone whose location is blocked: joined, never sent a fix. Spectators never see them; the organiser does.
  const hidden = await runner(wsUrl, big.id, 'Blocked Bob', runners, 0);
  joined.push(hidden);
  // A runner who stopped sharing: stopped, as the server says, before the connections go.
  joined[5]!.ws.send(JSON.stringify({ type: 'stop' }));
  await expect
    .poll(async () => {
      const res = await request.get(`/api/events/${big.id}/runners/${joined[5]!.runnerId}`);
      return res.ok() ? ((await res.json()) as { runner: { status: string } }).runner.status : res.status();
    })
    .toBe('stopped');
  for (const j of joined) j.ws.close();
  for (let c = 0; c < 3; c++) await cheer(wsUrl, big.id, joined[0]!.runnerId, NAMES.noSpaces, LONG_CHEER);

  const auth = { authorization: `Bearer ${big.token}` };
  const link = await request.post(`/api/events/${big.id}/links`, {
    headers: auth,
    data: { label: NAMES.noSpaces, runners: joined.slice(0, 4).map((j) => j.runnerId), expiresAt: null },
  });
  expect(link.status()).toBe(201);
  const share = ((await link.json()) as { link: { token: string } }).link.token;
  await request.post(`/api/events/${big.id}/links`, { headers: auth, data: { label: NAMES.cjk, runners: null, expiresAt: Date.now() + 3600_000 } });

  const finished = await create(request, LONG_EVENT);
  await Promise.all(Array.from({ length: 6 }, (_, i) => runner(wsUrl, finished.id, nameFor(i), i, 3).then((j) => j.ws.close())));
  const end = await request.post(`/api/events/${finished.id}/finish`, { headers: { authorization: `Bearer ${finished.token}` } });
  expect(end.ok()).toBe(true);

  return {
    big: { ...big, name: WIDE_EVENT, runnerIds: joined.map((j) => j.runnerId), hiddenRunner: hidden.runnerId },
    finished: { ...finished, name: LONG_EVENT },
    share,
  };
}

/**
 * A runner page's storage for the big event: a 40-character name without spaces, sharing, with three
 * 140-character cheers waiting. Contexts made from it open the runner page as that runner.
 */
export async function runnerStorage(browser: Browser, baseURL: string, eventId: string): Promise<Awaited<ReturnType<BrowserContext['storageState']>>> {
  const ctx = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, geolocation: { ...CENTRE, accuracy: 5 }, permissions: ['geolocation'] });
  await offline(ctx, []);
  const page = await ctx.newPage();
  await page.goto(`/e/${eventId}/run`);
  await page.getByLabel('Your name').fill(NAMES.noSpaces);
  await page.getByRole('button', { name: 'Start sharing' }).click();
  await expect(page.getByTestId('acked')).toHaveText('1');
  await ctx.setGeolocation({ latitude: CENTRE.latitude + 0.0006, longitude: CENTRE.longitude + 0.0002, accuracy: 5 });
  await expect(page.getByTestId('acked')).toHaveText('2');
  await page.getByLabel('How do you feel?').fill('7');
  const runnerId = await page.evaluate(
    (id) => (JSON.parse(localStorage.getItem(`trackside:${id}:runner`) ?? '{}') as { runnerId?: string }).runnerId,
    eventId,
  );
  const wsUrl = `${baseURL.replace('http', 'ws')}/ws`;
  for (let c = 0; c < 3; c++) await cheer(wsUrl, eventId, runnerId!, NAMES.cjk, LONG_CHEER);
  await expect(page.getByTestId('cheers').locator('li')).toHaveCount(3);
  const state = await ctx.storageState();
  await ctx.close();
  return state;
}
