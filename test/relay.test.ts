/** The feed of an event owned elsewhere: updates taken in order, anything out of order starts again from a snapshot. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Relay } from '../server/backplane/redis/relay';
import type { Delta, SnapshotMessage } from '../server/room/state';

const delta = (seq: number): Delta => ({ seq, now: seq, runners: [], points: { r: [[1, 2, seq * 1000]] }, distance: { r: seq }, removed: [] });
const snapshot = (epoch: string, seq: number): SnapshotMessage => ({
  type: 'snapshot',
  event: { id: 'e', name: 'E', createdAt: 0, status: 'live', protected: false },
  epoch,
  seq,
  runners: [],
  happiness: [],
  alerts: [],
  now: 0,
});

function relay(answers: SnapshotMessage[] = []) {
  let lost = 0;
  const asked: Array<string[] | null> = [];
  const r = new Relay(
    'e',
    async (only) => {
      asked.push(only);
      return answers.shift() ?? null;
    },
    async () => null,
    () => lost++,
  );
  return { r, asked, lost: () => lost };
}

test('updates of one epoch in order are passed on and kept; a snapshot plus the updates after it brings a spectator up to date', async () => {
  const { r, asked } = relay([snapshot('x', 2)]);
  assert.equal(r.tick(1, 'x', delta(1)), 'resync', 'the first update starts the order');
  assert.equal(r.tick(1, 'x', delta(2)), 'publish');
  assert.equal(r.tick(1, 'x', delta(3)), 'publish');
  const snap = await r.snapshot(null);
  assert.equal(snap!.seq, 2);
  assert.deepEqual(r.since(2)!.map((d) => d.seq), [3]);
  assert.deepEqual(r.since(3), []);
  // The whole-event snapshot is kept: the next spectator gets it at once, with what followed.
  assert.equal(r.snapshot(null), snap);
  assert.equal(r.tick(1, 'x', delta(4)), 'publish');
  assert.deepEqual(r.since(snap!.seq)!.map((d) => d.seq), [3, 4]);
  assert.equal(asked.length, 1);
});

test('a gap, another epoch or a newer owner starts everyone again; an older owner and repeats are ignored', () => {
  const { r, lost } = relay();
  r.tick(5, 'x', delta(1));
  const before = lost();
  assert.equal(r.tick(5, 'x', delta(1)), 'ignore', 'a repeat');
  assert.equal(r.tick(5, 'x', delta(3)), 'resync', 'a gap');
  assert.equal(r.since(1), null, 'what was missed cannot be had from here');
  assert.equal(r.tick(6, 'y', delta(1)), 'resync', 'a new owner, a new epoch');
  assert.equal(r.tick(5, 'x', delta(4)), 'ignore', 'the owner that lost the event');
  assert.equal(lost() - before, 2);
});

test('a snapshot ahead of the updates shows some were lost; one of another epoch is not used', async () => {
  const { r, lost } = relay([snapshot('x', 9), snapshot('old', 20)]);
  r.tick(1, 'x', delta(1));
  const before = lost();
  await r.snapshot(null);
  assert.equal(lost() - before, 1);
  assert.deepEqual(r.since(9), []);
  const other = await r.snapshot(new Set(['r']));
  assert.equal(other!.epoch, 'old');
  assert.equal(r.since(20), null);
});

test('after Redis was away the order is forgotten and everyone starts again', () => {
  const { r, lost } = relay();
  r.tick(1, 'x', delta(1));
  const before = lost();
  r.reset();
  assert.equal(lost() - before, 1);
  assert.equal(r.since(1), null);
});
