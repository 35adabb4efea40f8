/**
 * Unit: where the spectator page draws runners the timing mats place (client/predicted.ts): carried on from
 * their last mat, held at the next, and left to GPS when a fresh fix places them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunnerView } from '../client/event-view';
import { predictedSpots } from '../client/predicted';
import { buildCourse, type LatLon, positionAt } from '../lib/course/course';
import { offsetM } from '../lib/geo';

const START: LatLon = [51.5, -0.12];
const course = buildCourse({ name: 'North', points: [START, offsetM(START[0], START[1], 10_000, 0)], elevations: null });
const mats = [
  { id: 's', name: 'Start', at: 0 },
  { id: 'h', name: 'Half', at: 5000 },
  { id: 'f', name: 'Finish', at: course.length },
];
const T = 1_700_000_000_000;

function runner(id: string, mat: { at: number; t: number; speed: number | null } | null, track: RunnerView['track'] = []): RunnerView {
  return {
    id,
    name: id,
    color: '#123456',
    status: 'active',
    lastSeen: track.at(-1)?.[2] ?? null,
    mood: null,
    track,
    distance: 0,
    points: track.length,
    ...(mat ? { race: { pos: 1, state: 'running', at: mat.at, off: false, start: T, finish: null, gap: null, ahead: null, aheadM: null, speed: null, avg: null, cp: null, mat } } : {}),
  };
}

test('a chip-only runner moves on from the last mat at their speed, and waits at the next', () => {
  const r = runner('a', { at: 0, t: T, speed: 3 });
  const early = predictedSpots([r], course, mats, T + 100_000).get('a')!;
  assert.ok(Math.abs(early.at - 300) < 1e-6);
  const [lat, lon] = positionAt(course, 300);
  assert.deepEqual([early.lat, early.lon], [lat, lon]);
  assert.equal(early.waiting, false);
  const late = predictedSpots([r], course, mats, T + 3600_000).get('a')!;
  assert.deepEqual([late.at, late.waiting], [5000, true]);
});

test('a fresh GPS fix newer than the mat places the runner instead; a stale one does not', () => {
  const fresh = runner('b', { at: 0, t: T, speed: 3 }, [[51.501, -0.12, T + 50_000]]);
  assert.equal(predictedSpots([fresh], course, mats, T + 60_000).has('b'), false);
  assert.equal(predictedSpots([fresh], course, mats, T + 600_000).has('b'), true, 'ten minutes later the fix is stale');
  assert.equal(predictedSpots([runner('c', null, [[51.5, -0.12, T]])], course, mats, T).size, 0, 'no mat, nothing predicted');
  assert.equal(predictedSpots([runner('d', { at: 0, t: T, speed: 3 })], null, mats, T).size, 0, 'no course, nowhere to put them');
});
