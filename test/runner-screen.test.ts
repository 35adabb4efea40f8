/** Unit: the runner's own numbers, the status their page shows, the fixes it takes and what it remembers. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_COLOR, PICKABLE } from '../client/colors';
import { geoProblem, toFix } from '../client/gps';
import { MemoryStorage } from '../client/outbox';
import { formatElapsed, OwnTrack } from '../client/own-track';
import { RunnerMemory } from '../client/runner-memory';
import { runnerStatus, type RunnerStatusInput } from '../client/runner-status';
import { distanceM } from '../lib/geo';

const T = 1_700_000_000_000;

describe('OwnTrack', () => {
  test('distance, elapsed time and pace come from the fixes the page took', () => {
    const track = new OwnTrack();
    // 11.1 m north every 4 s: 2.78 m/s, 6:00 /km.
    for (let i = 0; i <= 30; i++) track.add(51.5 + i * 0.0001, -0.12, T + i * 4000, 5);
    const expected = distanceM(51.5, -0.12, 51.503, -0.12);
    assert.ok(Math.abs(track.distance - expected) < 1, `${track.distance} vs ${expected}`);
    assert.equal(track.elapsed(T + 200_000, false), 120);
    assert.equal(track.elapsed(T + 200_000, true), 200);
    assert.ok(Math.abs(track.averagePace()! - 360) < 2, String(track.averagePace()));
    assert.ok(Math.abs(track.currentPace()! - 360) < 2, String(track.currentPace()));
  });

  test('standing still and vague fixes add no distance', () => {
    const track = new OwnTrack();
    for (let i = 0; i < 60; i++) track.add(51.5 + (i % 2) * 0.00002, -0.12, T + i * 1000, 5);
    track.add(51.51, -0.12, T + 61_000, 500);
    assert.equal(track.distance, 0);
    assert.equal(track.points.length, 61);
  });

  test('survives a reload, and a clear forgets it', () => {
    const storage = new MemoryStorage();
    const track = new OwnTrack(storage, 'k');
    track.add(51.5, -0.12, T, 5);
    track.add(51.501, -0.12, T + 30_000, 5);
    track.save();
    const again = new OwnTrack(storage, 'k');
    assert.equal(again.points.length, 2);
    assert.ok(again.distance > 100);
    again.clear();
    assert.equal(new OwnTrack(storage, 'k').points.length, 0);
  });

  test('long runs keep a bounded trail and the exact distance', () => {
    const track = new OwnTrack();
    for (let i = 0; i < 5000; i++) track.add(51.5 + i * 0.0001, -0.12 + (i % 7) * 0.00001, T + i * 1000, 5);
    assert.ok(track.points.length <= 4000);
    assert.ok(track.distance > 55_000);
  });

  test('elapsed time reads as a clock', () => {
    assert.equal(formatElapsed(null), '—');
    assert.equal(formatElapsed(65), '1:05');
    assert.equal(formatElapsed(3725), '1:02:05');
  });
});

describe('runnerStatus', () => {
  const base: RunnerStatusInput = {
    wantsToShare: true,
    hasShared: true,
    gps: 'ok',
    connection: 'open',
    joined: true,
    waiting: 0,
    finished: false,
    removed: false,
  };
  const label = (patch: Partial<RunnerStatusInput>) => runnerStatus({ ...base, ...patch }).label;

  test('sharing only while GPS, connection and the wish to share all hold', () => {
    assert.equal(label({}), 'Sharing');
    assert.equal(runnerStatus(base).tone, 'ok');
    assert.equal(label({ gps: 'waiting' }), 'Waiting for GPS');
  });

  test('after Stop sharing the page never says it is sharing', () => {
    assert.equal(label({ wantsToShare: false }), 'Paused');
    assert.equal(label({ wantsToShare: false, hasShared: false, connection: null, joined: false }), 'Not sharing');
  });

  test('blocked location is said as such, whatever the connection', () => {
    assert.equal(label({ gps: 'blocked' }), 'Location blocked');
    assert.equal(label({ gps: 'insecure', wantsToShare: false }), 'Location blocked');
  });

  test('offline counts what is waiting', () => {
    assert.equal(label({ connection: 'reconnecting', joined: false, waiting: 6 }), 'Offline, 6 waiting');
    assert.equal(label({ connection: 'reconnecting', joined: false }), 'Offline');
    assert.equal(label({ connection: 'connecting', joined: false }), 'Connecting…');
  });

  test('a finished event or a removed runner outranks everything', () => {
    assert.equal(label({ finished: true }), 'Event finished');
    assert.equal(label({ removed: true, finished: true }), 'Removed by the organiser');
  });
});

describe('browser fixes', () => {
  const coords = { latitude: 51.5, longitude: -0.12, accuracy: 7.5, altitude: null, altitudeAccuracy: null, heading: NaN, speed: 3.2 };

  test('a fix keeps the values the server takes and leaves out those it would refuse', () => {
    const fix = toFix({ coords: { ...coords, altitude: 20_000, heading: 400 } as GeolocationCoordinates, timestamp: T + 0.6 });
    assert.deepEqual(fix, { lat: 51.5, lon: -0.12, t: T + 1, acc: 7.5, alt: null, spd: 3.2, hdg: null });
  });

  test('a fix without a time is stamped with the phone clock', () => {
    assert.equal(toFix({ coords: coords as GeolocationCoordinates, timestamp: 0 }, T).t, T);
  });

  test('refused, unavailable and slow location each say what to do', () => {
    const codes = { PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2 } as const;
    assert.equal(geoProblem({ ...codes, code: 1 }).state, 'blocked');
    assert.match(geoProblem({ ...codes, code: 1 }).problem!.text, /Allow it in the browser settings/);
    assert.equal(geoProblem({ ...codes, code: 2 }).state, 'unavailable');
    assert.equal(geoProblem({ ...codes, code: 3 }).state, 'waiting');
  });
});

describe('RunnerMemory', () => {
  test('the profile is kept for every event; sharing, happiness and removal per event', () => {
    const storage = new MemoryStorage();
    const here = new RunnerMemory(storage, 'sunday-10k');
    here.saveProfile('Ada', PICKABLE[2]!.hex);
    here.sharing = true;
    here.mood = 7;
    here.markRemoved();
    const elsewhere = new RunnerMemory(storage, 'monday-5k');
    assert.deepEqual(elsewhere.profile(), { name: 'Ada', color: PICKABLE[2]!.hex });
    assert.deepEqual([elsewhere.sharing, elsewhere.mood, elsewhere.removed], [false, null, false]);
    const again = new RunnerMemory(storage, 'sunday-10k');
    assert.deepEqual([again.sharing, again.mood, again.removed], [true, 7, true]);
    again.sharing = false;
    assert.equal(new RunnerMemory(storage, 'sunday-10k').sharing, false);
  });

  test('a colour that is not offered any more, or a damaged profile, falls back to the default', () => {
    const storage = new MemoryStorage();
    storage.setItem('trackside:profile', JSON.stringify({ name: 'Bo', color: '#000001' }));
    assert.deepEqual(new RunnerMemory(storage, 'e').profile(), { name: 'Bo', color: DEFAULT_COLOR });
    storage.setItem('trackside:profile', '{not json');
    assert.deepEqual(new RunnerMemory(storage, 'e').profile(), { name: null, color: DEFAULT_COLOR });
  });

  test('storage that refuses everything leaves the page working, without memory', () => {
    const refusing = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('blocked');
      },
      removeItem: () => {
        throw new Error('blocked');
      },
    };
    const memory = new RunnerMemory(refusing, 'e');
    memory.saveProfile('Cy', DEFAULT_COLOR);
    memory.sharing = true;
    memory.mood = 3;
    assert.deepEqual([memory.profile().name, memory.sharing, memory.mood, memory.removed], [null, false, null, false]);
  });
});
