/** Unit: the happiness chart never loses samples it has drawn. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeHappiness } from '../client/happiness-history';
import type { HappinessSample } from '../lib/protocol';

const s = (t: number, mean: number | null = 5): HappinessSample => ({ t, mean, count: 1 });

test('new samples appended to the same history are taken as they are', () => {
  const kept = [s(1), s(2)];
  const incoming = [s(1), s(2), s(3)];
  assert.equal(mergeHappiness(kept, incoming), incoming);
});

test('a snapshot that starts later keeps the older samples in front, without duplicates', () => {
  const kept = [s(1), s(2), s(3), s(4)];
  const merged = mergeHappiness(kept, [s(3, 7), s(4, 7), s(5, 7)]);
  assert.deepEqual(
    merged.map((x) => [x.t, x.mean]),
    [
      [1, 5],
      [2, 5],
      [3, 7],
      [4, 7],
      [5, 7],
    ],
  );
});

test('an empty snapshot does not wipe the chart', () => {
  const kept = [s(1), s(2)];
  assert.equal(mergeHappiness(kept, []), kept);
});

test('a full history replaces what was kept', () => {
  const incoming = [s(0), s(1), s(2)];
  assert.equal(mergeHappiness([s(1), s(2)], incoming), incoming);
});
