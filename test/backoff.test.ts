/** Unit: reconnect delays. Randomness is injected, so every expectation is exact. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffMs } from '../client/backoff';

const fixed = (r: number) => () => r;

describe('backoffMs', () => {
  test('the first retry waits between half the base and the base', () => {
    assert.equal(backoffMs(0, { random: fixed(0) }), 250);
    assert.equal(backoffMs(0, { random: fixed(0.5) }), 375);
    assert.equal(backoffMs(0, { random: fixed(0.999999) }), 500);
  });

  test('the ceiling doubles with each attempt', () => {
    const ceilings = [0, 1, 2, 3, 4].map((a) => backoffMs(a, { random: fixed(0.999999) }));
    assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000]);
    const floors = [0, 1, 2, 3, 4].map((a) => backoffMs(a, { random: fixed(0) }));
    assert.deepEqual(floors, [250, 500, 1000, 2000, 4000]);
  });

  test('the delay never exceeds the maximum, however many attempts', () => {
    for (const attempt of [6, 10, 16, 17, 100, 10_000, Number.MAX_SAFE_INTEGER]) {
      const high = backoffMs(attempt, { random: fixed(0.999999) });
      const low = backoffMs(attempt, { random: fixed(0) });
      assert.equal(high, 20_000, `attempt ${attempt}`);
      assert.equal(low, 10_000, `attempt ${attempt}`);
    }
  });

  test('the delay is a whole, finite number of milliseconds', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const d = backoffMs(attempt, { random: fixed(0.123456789) });
      assert.ok(Number.isInteger(d), `attempt ${attempt} gave ${d}`);
    }
  });

  test('jitter spreads delays over the upper half of the ceiling', () => {
    // With full jitter, clients dropped together come back spread out, not all at the same moment.
    const delays = [0, 0.25, 0.5, 0.75].map((r) => backoffMs(3, { random: fixed(r) }));
    assert.deepEqual(delays, [2000, 2500, 3000, 3500]);
    assert.equal(new Set(delays).size, delays.length);
  });

  test('a custom base and maximum are honoured', () => {
    assert.equal(backoffMs(0, { baseMs: 100, random: fixed(0) }), 50);
    assert.equal(backoffMs(2, { baseMs: 100, random: fixed(0.999999) }), 400);
    assert.equal(backoffMs(5, { baseMs: 100, maxMs: 1000, random: fixed(0.999999) }), 1000);
    assert.equal(backoffMs(5, { baseMs: 100, maxMs: 1000, random: fixed(0) }), 500);
  });

  test('with the default random source the delay stays within the bounds', () => {
    for (let i = 0; i < 200; i++) {
      const attempt = i % 12;
      const ceiling = Math.min(20_000, 500 * 2 ** attempt);
      const d = backoffMs(attempt);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${attempt}: ${d} not in [${ceiling / 2}, ${ceiling}]`);
    }
  });
});
