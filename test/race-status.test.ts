import assert from 'node:assert/strict';
import { test } from 'node:test';
import { raceStatus, type StatusRunner, spanWords } from '../lib/control/status';
import type { RunnerRaceInfo } from '../lib/protocol';

const NOW = Date.UTC(2026, 4, 10, 10, 0, 0);
const MIN = 60_000;
const race = (over: Partial<RunnerRaceInfo> = {}): RunnerRaceInfo => ({
  pos: 3, state: 'running', at: 14_000, off: false, start: NOW - 3600_000, finish: null, gap: null, ahead: null, aheadM: null,
  speed: 3, avg: 3, cp: null, est: null, eta: [], ...over,
});
const runner = (over: Partial<StatusRunner> = {}): StatusRunner => ({ status: 'active', lastSeen: NOW - 5000, race: race(), ...over });
const words = (r: StatusRunner, alert = false) => raceStatus(r, { now: NOW, unit: 'km', alert }).words;

test('a finisher reads "Finished" with their time, never "moving", even while fixes still arrive from the finish area', () => {
  const s = raceStatus(runner({ race: race({ state: 'finished', finish: 4335 }), still: NOW - 20 * MIN }), { now: NOW, unit: 'km' });
  assert.equal(s.words, 'Finished 1:12:15');
  assert.equal(s.key, 'finished');
  assert.equal(s.noForecast, true);
});

test('a runner who has not moved for longer than the threshold reads "Stopped" for how long, with no forecast', () => {
  const s = raceStatus(runner({ still: NOW - 18 * MIN }), { now: NOW, unit: 'km' });
  assert.deepEqual([s.key, s.words, s.noForecast], ['stopped', 'Stopped 18 min', true]);
  assert.equal(words(runner({ still: NOW - 2 * MIN })), 'Moving', 'a short pause is not a stop');
  assert.equal(raceStatus(runner({ still: NOW - 2 * MIN }), { now: NOW, unit: 'km', stoppedAfterMs: MIN }).key, 'stopped', 'the threshold is the caller’s');
});

test('an open SOS reads "Needs help" above everything else', () => {
  assert.equal(words(runner({ still: NOW - 18 * MIN }), true), 'Needs help');
  assert.equal(raceStatus(runner({ race: race({ state: 'finished', finish: 100 }) }), { now: NOW, unit: 'km', alert: true }).tone, 'bad');
});

test('verdicts: DNF where the runner was, DSQ with its reason, DNS; each ends the forecast', () => {
  assert.equal(words(runner({ verdict: { kind: 'dnf', reason: null, at: NOW, by: 'runner', atM: 14_000 } })), 'DNF at 14.0 km');
  assert.equal(words(runner({ verdict: { kind: 'dnf', reason: null, at: NOW, by: 'organiser', atM: null }, race: race({ at: 9500 }) })), 'DNF at 9.5 km');
  assert.equal(words(runner({ verdict: { kind: 'dsq', reason: 'Cut the course', at: NOW, by: 'organiser', atM: null } })), 'DSQ · Cut the course');
  assert.equal(words(runner({ lastSeen: null, race: undefined, verdict: { kind: 'dns', reason: null, at: NOW, by: 'organiser', atM: null } })), 'DNS');
  assert.equal(raceStatus(runner({ verdict: { kind: 'dns', reason: null, at: NOW, by: 'organiser', atM: null } }), { now: NOW, unit: 'km' }).noForecast, true);
  // A verdict outranks a finish time that came in before it (a DSQ after the line).
  assert.equal(words(runner({ race: race({ state: 'finished', finish: 100 }), verdict: { kind: 'dsq', reason: 'Pacer', at: NOW, by: 'organiser', atM: null } })), 'DSQ · Pacer');
});

test('silence reads "Last seen … ago" in whole units; before any fix a start-list runner is "Not started"', () => {
  assert.equal(words(runner({ lastSeen: NOW - 60 * MIN, status: 'offline' })), 'Last seen 1 h ago');
  assert.equal(raceStatus(runner({ lastSeen: NOW - 60 * MIN, status: 'offline' }), { now: NOW, unit: 'km' }).tone, 'warn');
  assert.equal(words(runner({ lastSeen: null, race: undefined, entry: { category: null } as never })), 'Not started');
  assert.equal(words(runner({ lastSeen: null, race: undefined })), 'No position yet');
  assert.equal(words(runner({ status: 'stopped', lastSeen: NOW - 3 * MIN })), 'Not sharing · last seen 3 min ago');
  assert.equal(words(runner()), 'Moving');
});

test('spans read as a person says them', () => {
  assert.deepEqual([spanWords(40_000), spanWords(18 * MIN), spanWords(60 * MIN), spanWords(125 * MIN)], ['40 s', '18 min', '1 h', '2 h 5 min']);
});

test('a chip-only runner is heard from at the mats: moving after a fresh passing, "Last seen" from their last one, with a forecast', () => {
  const chipOnly = (cpT: number) => runner({ lastSeen: null, status: 'offline', race: race({ cp: { name: 'Turnaround', t: cpT } }) });
  assert.equal(words(chipOnly(NOW - 30_000)), 'Moving');
  const late = raceStatus(chipOnly(NOW - 20 * MIN), { now: NOW, unit: 'km' });
  assert.equal(late.words, 'Last seen 20 min ago');
  assert.equal(late.noForecast, false, 'where they probably are is still worth saying');
  assert.equal(words(runner({ lastSeen: null, race: race({ start: NOW - 90_000 }) })), 'Moving', 'over the start mat only');
});
