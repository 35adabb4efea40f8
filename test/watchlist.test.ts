import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONSOLE_SETTINGS, type WatchMark } from '../lib/control/schemas';
import { pastCutoff, type WatchInput, watchlist, type WatchRunner } from '../lib/control/watchlist';
import type { Alert, RunnerRaceInfo } from '../lib/protocol';

const NOW = Date.UTC(2026, 4, 10, 10, 0, 0);
const MIN = 60_000;
const race = (over: Partial<RunnerRaceInfo> = {}): RunnerRaceInfo => ({
  pos: 1, state: 'running', at: 5000, off: false, start: NOW - 3600_000, finish: null, gap: null, ahead: null, aheadM: null,
  speed: 3, avg: 3, cp: null, est: null, eta: [], ...over,
});
const runner = (id: string, over: Partial<WatchRunner> = {}): WatchRunner => ({
  id, name: id, status: 'active', lastSeen: NOW - 5000, mood: 7, race: race(), where: [54.45, -3.21], battery: 80, ...over,
});
const input = (runners: WatchRunner[], over: Partial<WatchInput> = {}): WatchInput => ({
  runners, alerts: [], marks: new Map(), settings: DEFAULT_CONSOLE_SETTINGS, checkpoints: [], now: NOW, unit: 'km',
  clock: (t) => new Date(t).toISOString().slice(11, 16), ...over,
});
const sos = (runnerId: string, raisedAt: number): Alert => ({
  id: `a-${runnerId}`, runnerId, name: runnerId, kind: 'sos', raisedAt, at: { lat: 54.4545, lon: -3.2113, t: raisedAt, acc: 12 }, source: 'Traccar Client', ackedAt: null,
});

test('each kind of problem puts the runner on the list, most urgent first, oldest first within a kind; a runner doing fine is not on it', () => {
  const items = watchlist(
    input(
      [
        runner('fine'),
        runner('stopped', { still: NOW - 18 * MIN }),
        runner('off', { race: race({ off: true, at: 7300 }) }),
        runner('silent', { lastSeen: NOW - 20 * MIN, status: 'offline' }),
        runner('flat', { battery: 9 }),
        runner('low', { mood: 2 }),
        runner('help', { still: NOW - 30 * MIN }),
        runner('help-later'),
      ],
      { alerts: [sos('help-later', NOW - 2 * MIN), sos('help', NOW - 5 * MIN)] },
    ),
  );
  assert.deepEqual(
    items.map((i) => i.key),
    ['sos:help', 'sos:help-later', 'stopped:help', 'stopped:stopped', 'off:off', 'silent:silent', 'battery:flat', 'mood:low'],
  );
  assert.equal(items[0]!.detail, 'SOS from Traccar Client');
  assert.deepEqual(items[0]!.where, [54.4545, -3.2113], 'an SOS is where the alarm said');
  assert.equal(items.find((i) => i.kind === 'stopped')!.detail, 'No move for 30 min');
  assert.equal(items.find((i) => i.kind === 'off')!.detail, 'Off the course near 7.3 km');
  assert.equal(items.find((i) => i.kind === 'battery')!.detail, 'Battery 9 %');
});

test('thresholds are the organiser’s: a shorter stop counts, battery and mood checks can be turned off', () => {
  const runners = [runner('a', { still: NOW - 4 * MIN, battery: 9, mood: 1 })];
  assert.deepEqual(watchlist(input(runners)).map((i) => i.kind), ['battery', 'mood']);
  assert.deepEqual(watchlist(input(runners, { settings: { stoppedMin: 3, silentMin: 15, batteryPct: 0, moodMax: -1 } })).map((i) => i.kind), ['stopped']);
});

test('finishers and runners who are out are nobody’s worry, but for an SOS', () => {
  const items = watchlist(
    input(
      [
        runner('home', { race: race({ state: 'finished', finish: 4000 }), still: NOW - 40 * MIN, mood: 1 }),
        runner('out', { verdict: { kind: 'dnf', reason: null, at: NOW, by: 'runner', atM: 9000 }, lastSeen: NOW - 60 * MIN }),
      ],
      { alerts: [sos('out', NOW - MIN)] },
    ),
  );
  assert.deepEqual(items.map((i) => i.key), ['sos:out']);
});

test('an acknowledgement holds for the problem as it was: the item goes to the end; a new stop later is new', () => {
  const ack = (key: string, ackedSince: number): [string, WatchMark] => [key, { key, ackedSince, ackedBy: 'Jo', assignee: 'Medic 2', note: null, updatedAt: NOW }];
  const stopped = runner('b', { still: NOW - 18 * MIN });
  const marks = new Map([ack('stopped:b', NOW - 18 * MIN)]);
  const items = watchlist(input([stopped, runner('a', { mood: 1 })], { marks }));
  assert.deepEqual(items.map((i) => [i.key, i.acknowledged]), [['mood:a', false], ['stopped:b', true]]);
  assert.equal(items[1]!.mark!.assignee, 'Medic 2');
  const again = watchlist(input([runner('b', { still: NOW - 11 * MIN })], { marks }));
  assert.equal(again[0]!.acknowledged, false);
});

test('each spell off the course and each low mood said is a problem of its own: an acknowledgement does not hide the next', () => {
  const ack = (key: string, ackedSince: number): [string, WatchMark] => [key, { key, ackedSince, ackedBy: 'Jo', assignee: null, note: null, updatedAt: NOW }];
  const firstOff = NOW - 9 * MIN;
  const firstLow = NOW - 30 * MIN;
  const marks = new Map([ack('off:a', firstOff), ack('mood:a', firstLow)]);
  const then = watchlist(input([runner('a', { race: race({ off: true, offSince: firstOff }), mood: 1, moodAt: firstLow })], { marks }));
  assert.deepEqual(then.map((i) => [i.key, i.since, i.acknowledged]), [
    ['off:a', firstOff, true],
    ['mood:a', firstLow, true],
  ]);
  // Back on the course, off again later; a better mood said, then a low one again.
  const now = watchlist(input([runner('a', { race: race({ off: true, offSince: NOW - MIN }), mood: 2, moodAt: NOW - 2 * MIN })], { marks }));
  assert.deepEqual(now.map((i) => [i.key, i.acknowledged]), [
    ['off:a', false],
    ['mood:a', false],
  ]);
});

test('cut-offs: flagged before from the ETA’s latest arrival, missed after; a missed one proposes DNF', () => {
  const cutoff = NOW + 30 * MIN;
  const checkpoints = [{ name: 'Start', at: 0 }, { name: 'Half way', at: 10_550, cutoff }, { name: 'Finish', at: 21_100 }];
  const eta = (lo: number, hi: number) => [{ name: 'Half way', kind: 'checkpoint' as const, at: 10_550, t: (lo + hi) / 2, lo, hi }];
  const runners = [
    runner('safe', { race: race({ eta: eta(NOW + 10 * MIN, NOW + 20 * MIN) }) }),
    runner('tight', { race: race({ eta: eta(NOW + 20 * MIN, NOW + 40 * MIN) }) }),
    runner('past', { race: race({ at: 12_000 }) }),
  ];
  const before = watchlist(input(runners, { checkpoints }));
  assert.deepEqual(before.map((i) => i.key), ['cutoff:tight']);
  assert.equal(before[0]!.detail, 'Projected to miss Half way (10:30): ETA 10:20–10:40');
  assert.equal(before[0]!.proposeDnf, false);
  // (Silence is another item: heard from a minute ago, by then.)
  const later = runners.map((r) => ({ ...r, lastSeen: cutoff }));
  const after = watchlist(input(later, { checkpoints, now: cutoff + MIN }));
  assert.deepEqual(after.map((i) => i.key), ['cutoff:safe', 'cutoff:tight']);
  assert.equal(after[0]!.detail, 'Missed the cut-off at Half way (10:30)');
  assert.deepEqual(pastCutoff(after), ['safe', 'tight']);
  // Acknowledging the forecast does not hide the miss.
  const marks = new Map([['cutoff:tight', { key: 'cutoff:tight', ackedSince: before[0]!.identity, ackedBy: null, assignee: null, note: null, updatedAt: NOW }]]);
  assert.equal(watchlist(input(later, { checkpoints, now: cutoff + MIN, marks })).find((i) => i.runnerId === 'tight')!.acknowledged, false);
});
