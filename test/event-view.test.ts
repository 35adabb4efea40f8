/** Unit: the spectator's reducer over server messages, and the trail measures it shows. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyEventView, type EventView, insertPoint, reduceEventView } from '../client/event-view';
import { distanceM } from '../lib/geo';
import { encodeTrail } from '../lib/polyline';
import { type Alert, type EventInfo, LIMITS, type RunnerInfo, type RunnerSnapshot, type ServerMessage, type TrackPoint } from '../lib/protocol';
import { extendDistance, MIN_STEP_M, recentPace, trackDistance } from '../lib/track';

const T = 1_700_000_000_000;
const EVENT: EventInfo = { id: 'sunday-10k', name: 'Sunday 10k', createdAt: T - 3600_000, status: 'live', protected: false };
const EPOCH = 'epoch-1';

/** A point `i` steps north of the start, 0.0001° (~11.1 m) each, one every 10 s. */
function pt(i: number): TrackPoint {
  return [51.5 + i * 0.0001, -0.12, T + i * 10_000];
}

function info(id: string, patch: Partial<RunnerInfo> = {}): RunnerInfo {
  return { id, name: id, color: '#123456', status: 'active', lastSeen: null, mood: null, ...patch };
}

function runner(id: string, track: TrackPoint[], patch: Partial<RunnerInfo> = {}): RunnerSnapshot {
  return {
    ...info(id, { lastSeen: track.at(-1)?.[2] ?? null, ...patch }),
    trail: encodeTrail(track),
    last: track.at(-1) ?? null,
    distance: trackDistance(track),
    points: track.length,
  };
}

function snapshot(runners: RunnerSnapshot[], extra: Partial<Extract<ServerMessage, { type: 'snapshot' }>> = {}): ServerMessage {
  return { type: 'snapshot', event: EVENT, epoch: EPOCH, seq: 10, runners, happiness: [], alerts: [], now: T, ...extra };
}

function update(
  points: Record<string, TrackPoint[]>,
  runners: RunnerInfo[] = [],
  extra: Partial<Extract<ServerMessage, { type: 'update' }>> = {},
): ServerMessage {
  return { type: 'update', event: EVENT.id, epoch: EPOCH, seq: 11, prev: 10, now: T, runners, points, distance: {}, ...extra };
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
  test('a snapshot sets the event, runners in order, happiness, offsets and the decoded trails', () => {
    const happiness = [{ t: T, mean: 7, count: 1 }];
    const track = [pt(0), pt(1), pt(2)];
    const view = reduceEventView(emptyEventView, snapshot([runner('ada', track), runner('bo', [pt(5)])], { happiness }), T);
    assert.deepEqual(view.event, EVENT);
    assert.deepEqual(view.order, ['ada', 'bo']);
    assert.deepEqual(view.happiness, happiness);
    assert.equal(view.epoch, EPOCH);
    assert.equal(view.seq, 10);
    const ada = view.runners.ada!;
    assert.equal(ada.track.length, 3);
    for (let i = 0; i < 3; i++) {
      near(ada.track[i]![0], track[i]![0], 1e-5);
      near(ada.track[i]![2], track[i]![2], 500);
    }
    assert.deepEqual(ada.track[2], pt(2), 'the latest fix is exact');
    near(ada.distance, trackDistance(track));
  });

  test('the exact latest fix replaces its rounded copy at the end of the trail', () => {
    const exact: TrackPoint = [51.500123456, -0.120987654, T + 1234];
    const snap = { ...runner('ada', [pt(0), exact]), last: exact };
    const view = reduceEventView(emptyEventView, snapshot([snap]), T);
    assert.equal(view.runners.ada!.track.length, 2);
    assert.deepEqual(view.runners.ada!.track[1], exact);
  });

  test('each snapshot bumps the generation and replaces everything held before it', () => {
    const one = afterSnapshot();
    const two = reduceEventView(one, snapshot([runner('bo', [pt(3)])]), T);
    assert.equal(two.generation, one.generation + 1);
    assert.deepEqual(two.order, ['bo']);
    assert.equal(two.runners.ada, undefined);
  });

  test('the clock offset is the server time minus the local time', () => {
    const view = reduceEventView(emptyEventView, snapshot([], { now: T + 5000 }), T);
    assert.equal(view.clockOffset, 5000);
  });
});

describe('reduceEventView: updates', () => {
  test('new points are put in time order, with the distance the server counted and lastSeen moved on', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, update({ ada: [pt(3), pt(2)] }, [], { distance: { ada: 1234.5 } }), T);
    const ada = after.runners.ada!;
    assert.deepEqual(ada.track.slice(-2), [pt(2), pt(3)]);
    assert.equal(ada.distance, 1234.5);
    assert.equal(ada.lastSeen, pt(3)[2]);
    assert.equal(after.seq, 11);
    assert.equal(before.runners.ada!.track.length, 2, 'the previous state is left alone');
  });

  test('fixes stored are the snapshot’s count plus the points updates brought since, a point held already not counted again', () => {
    const before = afterSnapshot([{ ...runner('ada', [pt(0), pt(1)]), points: 40 }]);
    const after = reduceEventView(before, update({ ada: [pt(2), pt(3), pt(1)] }, [info('cy')]), T);
    assert.equal(after.runners.ada!.points, 42);
    const cy = reduceEventView(after, update({ cy: [pt(7)] }, [], { seq: 12, prev: 11 }), T);
    assert.equal(cy.runners.cy!.points, 1, 'a runner who joins live starts from their first point');
  });

  test('a point the view holds already is not added twice', () => {
    const before = afterSnapshot();
    const again = reduceEventView(before, update({ ada: [pt(1)] }), T);
    assert.equal(again.runners.ada!.track.length, 2);
    const track = [pt(0), pt(1)];
    assert.equal(insertPoint(track, pt(1)), false, 'a fix of a time held already');
    assert.equal(insertPoint(track, [51.6, -0.12, pt(1)[2] + 400]), true, 'fixes less than a second apart are both kept');
  });

  test('runner info changes status, mood and name and keeps the trail; a new runner joins the end of the order', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, update({ cy: [pt(7)] }, [info('ada', { status: 'idle', mood: 4 }), info('cy', { name: 'Cy' })]), T);
    assert.equal(after.runners.ada!.status, 'idle');
    assert.equal(after.runners.ada!.mood, 4);
    assert.equal(after.runners.ada!.track.length, 2);
    assert.deepEqual(after.order, ['ada', 'cy']);
    assert.deepEqual(after.runners.cy!.track, [pt(7)]);
  });

  test('points for a runner the view has never heard of are ignored', () => {
    const before = afterSnapshot();
    const after = reduceEventView(before, update({ ghost: [pt(1)] }), T);
    assert.equal(after.runners.ghost, undefined);
  });

  test('a gap in offsets, or another epoch, asks for a fresh snapshot and changes nothing else', () => {
    const before = afterSnapshot();
    const gap = reduceEventView(before, update({ ada: [pt(5)] }, [], { seq: 13, prev: 12 }), T);
    assert.equal(gap.resync, before.resync + 1);
    assert.equal(gap.runners.ada!.track.length, 2);
    const epoch = reduceEventView(before, update({ ada: [pt(5)] }, [], { epoch: 'epoch-2' }), T);
    assert.equal(epoch.resync, before.resync + 1);
    // prev below the view's offset: the updates between had nothing for this view, nothing was missed.
    const quiet = reduceEventView(before, update({ ada: [pt(5)] }, [], { seq: 15, prev: 7 }), T);
    assert.equal(quiet.resync, before.resync);
    assert.equal(quiet.seq, 15);
    assert.equal(reduceEventView(quiet, update({ ada: [pt(6)] }, [], { seq: 15, prev: 14 }), T), quiet, 'an update already applied is ignored');
  });

  test('trails stay bounded in the browser: a long live trail is thinned, a detailed one is not', () => {
    let view = afterSnapshot([runner('ada', [pt(0)])]);
    const cap = 2 * LIMITS.trailMaxPoints;
    for (let i = 1; i <= cap + 10; i++) view = reduceEventView(view, update({ ada: [[51.5 + i * 1e-4, -0.12 + Math.sin(i / 20) * 1e-3, T + i * 1000]] }, [], { seq: 10 + i, prev: 9 + i }), T);
    assert.ok(view.runners.ada!.track.length <= cap, `${view.runners.ada!.track.length}`);
    const full = Array.from({ length: cap + 500 }, (_, i): TrackPoint => [51.5, -0.12 + i * 1e-4, T + i * 1000]);
    const detailed = reduceEventView(view, { type: 'detail', runnerId: 'ada', track: full }, T);
    assert.ok(detailed.runners.ada!.track.length >= cap + 500);
    assert.equal(detailed.runners.ada!.detailed, true);
  });

  test('updates for another event, or before any snapshot, are ignored', () => {
    const before = afterSnapshot();
    assert.equal(reduceEventView(before, update({ ada: [pt(4)] }, [], { event: 'other' }), T), before);
    assert.equal(reduceEventView(emptyEventView, update({ ada: [pt(4)] }), T), emptyEventView);
  });

  test('a happiness sample is appended for the shown event only', () => {
    const before = afterSnapshot();
    const sample = { t: T + 5000, mean: 6, count: 2 };
    assert.deepEqual(reduceEventView(before, { type: 'happiness', event: EVENT.id, sample }, T).happiness, [sample]);
    assert.equal(reduceEventView(before, { type: 'happiness', event: 'other', sample }, T), before);
  });

  test('messages that are not about the event leave the view unchanged', () => {
    const before = afterSnapshot();
    for (const msg of [
      { type: 'ack', seq: 3 },
      { type: 'hello', v: 2, now: T },
      { type: 'cheered', runnerId: 'ada', online: true },
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

describe('reduceEventView: alerts', () => {
  const sos = (id: string, runnerId: string, ackedAt: number | null = null): Alert => ({
    id,
    runnerId,
    name: runnerId,
    kind: 'sos',
    raisedAt: T,
    at: { lat: 45.8, lon: 6.8, t: T - 1000, acc: 12 },
    source: 'Traccar Client',
    ackedAt,
  });
  const alertMsg = (alert: Alert, event = EVENT.id): ServerMessage => ({ type: 'alert', event, alert });

  test('open alerts come with the snapshot, arrive one by one, and go when acknowledged', () => {
    let view = reduceEventView(emptyEventView, snapshot([runner('ada', [pt(0)]), runner('bo', [pt(1)])], { alerts: [sos('a1', 'ada')] }), T);
    assert.deepEqual(Object.keys(view.alerts), ['a1']);
    view = reduceEventView(view, alertMsg(sos('a2', 'bo')), T);
    assert.deepEqual(Object.keys(view.alerts), ['a1', 'a2']);
    view = reduceEventView(view, alertMsg(sos('a1', 'ada', T + 5)), T);
    assert.deepEqual(Object.keys(view.alerts), ['a2']);
    assert.equal(reduceEventView(view, alertMsg(sos('a3', 'bo'), 'other-event'), T), view, 'another event’s alert changes nothing');
  });

  test('a removed runner’s alert goes with them; a new snapshot replaces the alerts', () => {
    let view = reduceEventView(emptyEventView, snapshot([runner('ada', [pt(0)]), runner('bo', [pt(1)])], { alerts: [sos('a1', 'ada'), sos('a2', 'bo')] }), T);
    view = reduceEventView(view, update({}, [], { removed: ['ada'] }), T);
    assert.deepEqual(Object.keys(view.alerts), ['a2']);
    view = reduceEventView(view, snapshot([runner('bo', [pt(1)])]), T);
    assert.deepEqual(view.alerts, {});
  });
});
