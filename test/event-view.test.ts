/** Unit: the spectator's reducer over server messages. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyEventView, type EventView, reduceEventView } from '../client/event-view';
import { extendDistance, MIN_STEP_M, recentPace, trackDistance } from '../lib/track';
import { distanceM } from '../lib/geo';
import type { EventInfo, RunnerInfo, RunnerSnapshot, ServerMessage, TrackPoint } from '../lib/protocol';

const T = 1_700_000_000_000;
const EVENT: EventInfo = { id: 'sunday-10k', name: 'Sunday 10k', createdAt: T - 3600_000, status: 'live', protected: false };

/** A point `i` steps north of the start, 0.0001° (~11.1 m) each, one every 10 s. */
function pt(i: number): TrackPoint {
  return [51.5 + i * 0.0001, -0.12, T + i * 10_000];
}

function info(id: string, patch: Partial<RunnerInfo> = {}): RunnerInfo {
  return { id, name: id, color: '#123456', status: 'active', lastSeen: null, acc: null, mood: null, ...patch };
}

function runner(id: string, track: TrackPoint[], patch: Partial<RunnerInfo> = {}): RunnerSnapshot {
  return { ...info(id, patch), track, distance: trackDistance(track) };
}

function snapshot(runners: RunnerSnapshot[], extra: Partial<Extract<ServerMessage, { type: 'snapshot' }>> = {}): ServerMessage {
  return { type: 'snapshot', event: EVENT, runners, happiness: [], now: T, ...extra };
}

function update(
  points: Record<string, TrackPoint[]>,
  runners: RunnerInfo[] = [],
  extra: Partial<Extract<ServerMessage, { type: 'update' }>> = {},
): ServerMessage {
  return { type: 'update', event: EVENT.id, now: T, runners, points, ...extra };
}

function pathLength(track: readonly TrackPoint[]): number {
  let d = 0;
  for (let i = 1; i < track.length; i++) d += distanceM(track[i - 1]![0], track[i - 1]![1], track[i]![0], track[i]![1]);
  return d;
}

function near(actual: number, expected: number, tolerance = 1e-6) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected} ± ${tolerance}, got ${actual}`);
}

function afterSnapshot(runners: RunnerSnapshot[] = [runner('ada', [pt(0), pt(1)])]): EventView {
  return reduceEventView(emptyEventView, snapshot(runners), T);
}

describe('reduceEventView: snapshot', () => {
  test('a snapshot sets the event, runners in order, happiness and trail distances', () => {
    const happiness = [{ t: T, mean: 7, count: 1 }];
    const track = [pt(0), pt(1), pt(2)];
    const view = reduceEventView(
      emptyEventView,
      snapshot([runner('ada', track), runner('bo', [])], { happiness }),
      T,
    );
    assert.deepEqual(view.event, EVENT);
    assert.deepEqual(view.order, ['ada', 'bo']);
    assert.deepEqual(view.runners.ada!.track, track);
    near(view.runners.ada!.distance, pathLength(track));
    assert.equal(view.runners.bo!.distance, 0);
    assert.deepEqual(view.happiness, happiness);
  });

  test('each snapshot bumps the generation so views redraw from scratch', () => {
    const one = reduceEventView(emptyEventView, snapshot([]), T);
    const two = reduceEventView(one, snapshot([]), T);
    assert.equal(one.generation, emptyEventView.generation + 1);
    assert.equal(two.generation, one.generation + 1);
  });

  test('a snapshot replaces everything held before it', () => {
    const before = afterSnapshot([runner('ada', [pt(0), pt(1)])]);
    const after = reduceEventView(before, snapshot([runner('bo', [pt(5)])]), T);
    assert.deepEqual(after.order, ['bo']);
    assert.equal(after.runners.ada, undefined);
  });

  test('the clock offset is the server time minus the local time', () => {
    const view = reduceEventView(emptyEventView, snapshot([], { now: T + 1500 }), T);
    assert.equal(view.clockOffset, 1500);
    const updated = reduceEventView(view, update({}, [], { now: T + 10_000 }), T + 9000);
    assert.equal(updated.clockOffset, 1000);
  });

  test('reducing does not modify the previous state', () => {
    assert.deepEqual(emptyEventView, { event: null, runners: {}, order: [], happiness: [], clockOffset: 0, generation: 0 });
    afterSnapshot();
    assert.deepEqual(emptyEventView, { event: null, runners: {}, order: [], happiness: [], clockOffset: 0, generation: 0 });
  });
});

describe('reduceEventView: update', () => {
  test('new points are appended in order', () => {
    const view = reduceEventView(afterSnapshot(), update({ ada: [pt(2), pt(3)] }), T);
    assert.deepEqual(view.runners.ada!.track, [pt(0), pt(1), pt(2), pt(3)]);
  });

  test('appending keeps the earlier points as the very same objects and leaves the old trail alone', () => {
    const before = afterSnapshot();
    const oldTrack = before.runners.ada!.track;
    const oldPoints = oldTrack.slice();
    const after = reduceEventView(before, update({ ada: [pt(2)] }), T);
    const newTrack = after.runners.ada!.track;
    for (let i = 0; i < oldPoints.length; i++) assert.equal(newTrack[i], oldPoints[i], `track[${i}] is the same object`);
    assert.equal(oldTrack.length, 2, 'the previous state is not mutated');
    assert.equal(before.runners.ada!.track.length, 2);
  });

  test('distance accumulates over successive updates as the length of the whole trail', () => {
    let view = afterSnapshot([runner('ada', [pt(0)])]);
    const all: TrackPoint[] = [pt(0)];
    for (let i = 1; i <= 6; i += 2) {
      const pts = [pt(i), [51.5 + i * 0.0001, -0.1199, T + i * 10_000 + 5000] as TrackPoint];
      all.push(...pts);
      view = reduceEventView(view, update({ ada: pts }), T);
      near(view.runners.ada!.distance, pathLength(all));
    }
    near(view.runners.ada!.distance, trackDistance(view.runners.ada!.track));
  });

  test('the first points of a runner with an empty trail start its distance at zero', () => {
    let view = afterSnapshot([runner('ada', [])]);
    view = reduceEventView(view, update({ ada: [pt(0)] }), T);
    assert.equal(view.runners.ada!.distance, 0);
    view = reduceEventView(view, update({ ada: [pt(1)] }), T);
    near(view.runners.ada!.distance, pathLength([pt(0), pt(1)]));
  });

  test('runner info in an update changes status, mood and name but keeps the trail', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, update({}, [info('ada', { status: 'idle', mood: 8, name: 'Ada L.' })]), T);
    const ada = after.runners.ada!;
    assert.equal(ada.status, 'idle');
    assert.equal(ada.mood, 8);
    assert.equal(ada.name, 'Ada L.');
    assert.equal(ada.track, before.runners.ada!.track);
    assert.equal(ada.distance, before.runners.ada!.distance);
  });

  test('a runner who is new in an update joins the end of the order, with the points that came with them', () => {
    const view = reduceEventView(afterSnapshot(), update({ cy: [pt(0), pt(1)] }, [info('cy')]), T);
    assert.deepEqual(view.order, ['ada', 'cy']);
    assert.deepEqual(view.runners.cy!.track, [pt(0), pt(1)]);
    near(view.runners.cy!.distance, pathLength([pt(0), pt(1)]));
  });

  test('points for a runner the view has never heard of are ignored', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, update({ ghost: [pt(0)] }), T);
    assert.equal(after.runners.ghost, undefined);
    assert.deepEqual(after.order, ['ada']);
  });

  test('an update with a whole trail replaces the trail and recomputes the distance', () => {
    const before = afterSnapshot([runner('ada', [pt(0), pt(2), pt(3)])]);
    const fixed = [pt(0), pt(1), pt(2), pt(3)];
    const after = reduceEventView(before, update({}, [], { tracks: { ada: fixed } }), T);
    assert.deepEqual(after.runners.ada!.track, fixed);
    assert.notEqual(after.runners.ada!.track, before.runners.ada!.track, 'a replaced trail is a new array');
    near(after.runners.ada!.distance, pathLength(fixed));
  });

  test('a replaced trail can be shorter than the one held', () => {
    const before = afterSnapshot([runner('ada', [pt(0), pt(5), pt(9)])]);
    const after = reduceEventView(before, update({}, [], { tracks: { ada: [pt(0), pt(1)] } }), T);
    near(after.runners.ada!.distance, pathLength([pt(0), pt(1)]));
  });

  test('an update for another event is ignored', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, { ...update({ ada: [pt(2)] }), event: 'other-event' } as ServerMessage, T);
    assert.equal(after, before);
  });

  test('an update before any snapshot is ignored', () => {
    assert.equal(reduceEventView(emptyEventView, update({ ada: [pt(0)] }, [info('ada')]), T), emptyEventView);
  });

  test('an update does not change the generation', () => {
    const before = afterSnapshot();
    assert.equal(reduceEventView(before, update({ ada: [pt(2)] }), T).generation, before.generation);
  });
});

describe('reduceEventView: other messages', () => {
  test('a happiness sample is appended to the history', () => {
    const before = reduceEventView(emptyEventView, snapshot([], { happiness: [{ t: T, mean: 6, count: 2 }] }), T);
    const sample = { t: T + 5000, mean: null, count: 0 };
    const after = reduceEventView(before, { type: 'happiness', event: EVENT.id, sample }, T);
    assert.deepEqual(after.happiness, [{ t: T, mean: 6, count: 2 }, sample]);
    assert.equal(before.happiness.length, 1, 'the previous history is not mutated');
  });

  test('a happiness sample for another event is ignored', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, { type: 'happiness', event: 'other', sample: { t: T, mean: 1, count: 1 } }, T);
    assert.equal(after, before);
  });

  test('messages that are not about the event leave the view unchanged', () => {
    const before = afterSnapshot();
    for (const msg of [
      { type: 'ack', seq: 3 },
      { type: 'hello', v: 1, now: T },
      { type: 'cheered', runnerId: 'ada' },
    ] as ServerMessage[]) {
      assert.equal(reduceEventView(before, msg, T), before);
    }
  });
});

describe('trackDistance', () => {
  test('is zero for an empty or one-point trail', () => {
    assert.equal(trackDistance([]), 0);
    assert.equal(trackDistance([pt(0)]), 0);
  });

  test('sums the legs, and carrying on from an anchor gives the same total', () => {
    const track = [pt(0), pt(1), pt(3), pt(6)];
    near(trackDistance(track), pathLength(track));
    const part = extendDistance(track.slice(0, 2), { anchor: 0, distance: 0 });
    near(extendDistance(track, part).distance, pathLength(track));
  });

  test('GPS scatter around a runner standing still adds no distance', () => {
    // A few metres of scatter around one spot, for two minutes.
    const scatter = [0, 2, -1.5, 3, -2, 1, -3, 2.5, 0.5, -1].map((m, i): TrackPoint => [
      51.5 + m / 111_195,
      -0.12 + ((i % 3) - 1) / 69_000,
      T + i * 12_000,
    ]);
    assert.equal(trackDistance(scatter), 0);
    assert.equal(recentPace(scatter), null);
  });

  test('small steps count once they add up to a real move', () => {
    // 1 m hops northwards: every fifth one clears the scatter threshold.
    const hops: TrackPoint[] = Array.from({ length: 21 }, (_, i) => [51.5 + i / 111_195, -0.12, T + i * 1000]);
    near(trackDistance(hops), 20, 0.05);
    assert.ok(MIN_STEP_M <= 5);
  });
});

describe('recentPace', () => {
  test('a steady runner has the pace of their last minute', () => {
    // 0.0001° of latitude (~11.12 m) every 10 s is ~899 s/km.
    const track = Array.from({ length: 20 }, (_, i) => pt(i));
    const expected = 60 / (pathLength([pt(0), pt(6)]) / 1000);
    near(recentPace(track)!, expected, 1e-6);
  });

  test('only the window counts: an earlier fast stretch does not change a slow recent pace', () => {
    const fast: TrackPoint[] = Array.from({ length: 10 }, (_, i) => [51.5 + i * 0.001, -0.12, T + i * 10_000]);
    const last = fast[fast.length - 1]!;
    const slow: TrackPoint[] = Array.from({ length: 7 }, (_, i) => [last[0] + (i + 1) * 0.00006, -0.12, last[2] + (i + 1) * 10_000]);
    const pace = recentPace([...fast, ...slow], 60_000)!;
    const window = slow.slice(-7);
    const expected = 60 / (pathLength(window) / 1000);
    near(pace, expected, 1e-6);
  });

  test('a shorter window looks at fewer points', () => {
    const track = Array.from({ length: 20 }, (_, i) => pt(i));
    const expected = 20 / (pathLength([pt(17), pt(19)]) / 1000);
    near(recentPace(track, 20_000)!, expected, 1e-6);
  });

  test('pace is unknown with fewer than two points, without movement, or when the last gap exceeds the window', () => {
    assert.equal(recentPace([]), null);
    assert.equal(recentPace([pt(0)]), null);
    const standing: TrackPoint[] = [
      [51.5, -0.12, T],
      [51.5, -0.12, T + 30_000],
    ];
    assert.equal(recentPace(standing), null);
    assert.equal(recentPace([pt(0), [51.6, -0.12, T + 120_000]], 60_000), null);
  });
});

describe('reduceEventView: organiser changes', () => {
  test('a removed runner disappears from the view and the order', () => {
    const before = afterSnapshot([runner('ada', [pt(0)]), runner('bo', [pt(1)])]);
    const after = reduceEventView(before, update({}, [], { removed: ['ada'] }), T);
    assert.deepEqual(after.order, ['bo']);
    assert.equal(after.runners.ada, undefined);
  });

  test('an event message for the shown event updates its status; one for another event is ignored', () => {
    const before = afterSnapshot();
    const finished = reduceEventView(before, { type: 'event', event: { ...EVENT, status: 'finished' } }, T);
    assert.equal(finished.event!.status, 'finished');
    assert.equal(reduceEventView(before, { type: 'event', event: { ...EVENT, id: 'other' } }, T), before);
  });
});
