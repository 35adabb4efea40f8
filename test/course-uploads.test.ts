/** Unit: who may have a course file read, and when (places at once, and uploads per hour), with the clock injected. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CourseUploads, UPLOAD_LIMITS, type UploadLimits } from '../server/http/course-upload/course-uploads';
import { CourseParserPool } from '../server/http/course-upload/parser-pool';
import { HttpError } from '../server/http/errors';
import { KeyedBuckets } from '../server/limits/token-bucket';

function uploads(limits: Partial<UploadLimits> = {}) {
  const clock = { now: 1_000_000 };
  // The pool starts no worker until a file is read; admission never reads one.
  const gate = new CourseUploads(new CourseParserPool(), (_name, capacity, perSecond) => new KeyedBuckets(capacity, perSecond, () => clock.now), {
    ...UPLOAD_LIMITS,
    ...limits,
  });
  return { gate, clock };
}

async function refusal(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof HttpError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

describe('course upload admission', () => {
  test('one upload at a time per event, two per address, four on the server; a place is given back when done', async () => {
    const { gate } = uploads();
    const first = await gate.admit('e1', 'a');
    const sameEvent = await refusal(gate.admit('e1', 'b'));
    assert.equal(sameEvent.status, 429);
    assert.equal(sameEvent.code, 'upload_in_progress');
    assert.equal(sameEvent.headers['retry-after'], '2');

    await gate.admit('e2', 'a');
    const sameAddress = await refusal(gate.admit('e3', 'a'));
    assert.equal(sameAddress.code, 'upload_in_progress');
    assert.match(sameAddress.message, /from this address are still being read/);

    await gate.admit('e3', 'b');
    await gate.admit('e4', 'c');
    const full = await refusal(gate.admit('e5', 'd'));
    assert.equal(full.status, 503);
    assert.equal(full.code, 'uploads_busy');

    first();
    first(); // twice is once
    await gate.admit('e5', 'd');
    assert.equal((await refusal(gate.admit('e6', 'e'))).code, 'uploads_busy');
  });

  test('an event has 20 uploads an hour; the 21st says when to come back, and the allowance returns with time', async () => {
    const { gate, clock } = uploads();
    for (let i = 0; i < 20; i++) (await gate.admit('e', `a${i}`))();
    const over = await refusal(gate.admit('e', 'z'));
    assert.equal(over.status, 429);
    assert.equal(over.code, 'rate_limited');
    assert.match(over.message, /Too many course uploads for this event: try again in 3 minutes/);
    assert.equal(over.headers['retry-after'], '180');
    // The refused upload took no place.
    (await gate.admit('other', 'z'))();
    clock.now += 180_000;
    (await gate.admit('e', 'z'))();
  });

  test('an address has 40 uploads an hour across events', async () => {
    const { gate } = uploads();
    for (let i = 0; i < 40; i++) (await gate.admit(`e${i}`, 'a'))();
    const over = await refusal(gate.admit('e40', 'a'));
    assert.equal(over.code, 'rate_limited');
    assert.match(over.message, /Too many course uploads from this address: try again in 90 s/);
    (await gate.admit('e40', 'b'))();
  });
});
