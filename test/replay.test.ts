/** Unit: replaying from the page's trails (client/replay.ts): positions by time, trails cut, order at a moment. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RunnerView } from '../client/event-view';
import { buildReplay, frameAt, positionAt } from '../client/replay';
import type { TrackPoint } from '../lib/protocol';
import { courseFromXY, straight, toLatLon } from './course-shapes';

const T0 = 1_700_000_000_000;

/** A runner along the x axis: metres reached at each 10 s step. */
function runner(id: string, metres: (s: number) => number, seconds: number): RunnerView {
  const track: TrackPoint[] = [];
  for (let s = 0; s <= seconds; s += 10) {
    const [lat, lon] = toLatLon([metres(s), 0]);
    track.push([lat, lon, T0 + s * 1000]);
  }
  return { id, name: id, color: '#123456', status: 'active', lastSeen: track[track.length - 1]![2], mood: null, track, distance: 0, points: track.length };
}

describe('replay', () => {
  const course = courseFromXY(straight(3000));
  // B goes out fast and fades; A starts slowly and overtakes at about 500 s.
  const a = runner('A', (s) => (s < 300 ? 2 * s : 600 + 4 * (s - 300)), 900);
  const b = runner('B', (s) => 3 * s, 900);

  test('positions are interpolated between fixes, and nobody is shown before their first fix', () => {
    const p = positionAt(a.track, T0 + 5000)!;
    const [lat0] = a.track[0]!;
    const [lat1] = a.track[1]!;
    assert.ok(Math.abs(p[0] - (lat0 + lat1) / 2) < 1e-9);
    assert.equal(positionAt(a.track, T0 - 1), null);
  });

  test('the order is the order at that moment, along the course', () => {
    const replay = buildReplay([a, b], course);
    assert.equal(replay.from, T0);
    assert.equal(replay.to, T0 + 900_000);
    const early = frameAt(replay, [a, b], T0 + 200_000);
    assert.deepEqual(early.map((r) => r.id), ['B', 'A']);
    assert.equal(early[0]!.race!.pos, 1);
    const late = frameAt(replay, [a, b], T0 + 800_000);
    assert.deepEqual(late.map((r) => r.id), ['A', 'B']);
    const at = late[0]!.race!.at!;
    assert.ok(Math.abs(at - 2600) < 60, `A at ${at}`);
  });

  test('trails end at the moment, and are the very same arrays once the whole trail is shown', () => {
    const replay = buildReplay([a, b], null);
    const mid = frameAt(replay, [a], T0 + 95_000)[0]!;
    assert.equal(mid.track.length, 11, 'ten fixes and the spot between the tenth and the eleventh');
    assert.equal(mid.track[10]![2], T0 + 95_000);
    assert.equal(mid.race, undefined, 'no race without a course');
    const end = frameAt(replay, [a], T0 + 900_000)[0]!;
    assert.equal(end.track, a.track);
  });
});
