import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedBuckets, TokenBucket } from '../server/limits/token-bucket';

test('a bucket allows its burst, then refills at its rate', () => {
  let now = 0;
  const b = new TokenBucket(3, 2, () => now);
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
  now += 499;
  assert.equal(b.take(), false, 'not yet a whole token');
  now += 1;
  assert.equal(b.take(), true);
  now += 60_000;
  assert.equal(b.idle, true);
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false], 'never above capacity');
});

test('keyed buckets are independent per key', () => {
  const k = new KeyedBuckets(1, 0.001, () => 0);
  assert.equal(k.take('a'), true);
  assert.equal(k.take('a'), false);
  assert.equal(k.take('b'), true);
});
