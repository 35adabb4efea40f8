/** Unit: the runner's persistent outbox of numbered fixes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Fix, MAX_PENDING, MemoryStorage, Outbox } from '../client/outbox';

const KEY = 'trackside:sunday-10k:outbox';
const T = 1_700_000_000_000;

function fix(i: number): Fix {
  return { lat: 51.5 + i * 0.0001, lon: -0.12, t: T + i * 1000, acc: 5 };
}

describe('Outbox', () => {
  test('a new outbox numbers fixes from 1, one per fix', () => {
    const box = new Outbox(new MemoryStorage(), KEY);
    assert.equal(box.issued, 0);
    assert.equal(box.acked, 0);
    const msgs = [box.add(fix(1)), box.add(fix(2)), box.add(fix(3))];
    assert.deepEqual(
      msgs.map((m) => m?.seq),
      [1, 2, 3],
    );
    assert.equal(box.issued, 3);
  });

  test('an added fix becomes a position message carrying every field of the fix', () => {
    const box = new Outbox(new MemoryStorage(), KEY);
    const f = { ...fix(1), alt: 12, spd: 3.1, hdg: 90 };
    assert.deepEqual(box.add(f), { type: 'pos', seq: 1, ...f });
  });

  test('added fixes stay pending, in order, until acknowledged', () => {
    const box = new Outbox(new MemoryStorage(), KEY);
    box.add(fix(1));
    box.add(fix(2));
    assert.deepEqual(
      box.pending.map((p) => p.seq),
      [1, 2],
    );
  });

  test('sequence numbers continue across a new outbox on the same storage', () => {
    const storage = new MemoryStorage();
    const first = new Outbox(storage, KEY);
    first.add(fix(1));
    first.add(fix(2));
    const reloaded = new Outbox(storage, KEY);
    assert.equal(reloaded.issued, 2);
    assert.deepEqual(
      reloaded.pending.map((p) => p.seq),
      [1, 2],
    );
    assert.equal(reloaded.add(fix(3))?.seq, 3);
  });

  test('an acknowledgement drops every point up to and including its seq', () => {
    const box = new Outbox(new MemoryStorage(), KEY);
    for (let i = 1; i <= 5; i++) box.add(fix(i));
    box.ack(3);
    assert.equal(box.acked, 3);
    assert.deepEqual(
      box.pending.map((p) => p.seq),
      [4, 5],
    );
    box.ack(5);
    assert.equal(box.pending.length, 0);
    assert.equal(box.add(fix(6))?.seq, 6, 'acknowledging does not reset the numbering');
  });

  test('an older acknowledgement arriving late does not lower the acknowledged seq', () => {
    const box = new Outbox(new MemoryStorage(), KEY);
    for (let i = 1; i <= 4; i++) box.add(fix(i));
    box.ack(3);
    box.ack(1);
    assert.equal(box.acked, 3);
    assert.deepEqual(
      box.pending.map((p) => p.seq),
      [4],
    );
  });

  test('acknowledgements survive a reload of the outbox', () => {
    const storage = new MemoryStorage();
    const box = new Outbox(storage, KEY);
    for (let i = 1; i <= 4; i++) box.add(fix(i));
    box.ack(2);
    const reloaded = new Outbox(storage, KEY);
    assert.equal(reloaded.acked, 2);
    assert.deepEqual(
      reloaded.pending.map((p) => p.seq),
      [3, 4],
    );
    assert.equal(reloaded.add(fix(5))?.seq, 5);
  });

  test('an acknowledgement beyond what was issued moves the numbering past it', () => {
    // Same runner on a device whose storage was cleared: the server already holds 1..7.
    const box = new Outbox(new MemoryStorage(), KEY);
    box.ack(7);
    assert.equal(box.acked, 7);
    assert.equal(box.issued, 7);
    assert.equal(box.add(fix(1))?.seq, 8);
  });

  test('restart renumbers the unsent points from 1 and forgets acknowledgements', () => {
    const storage = new MemoryStorage();
    const box = new Outbox(storage, KEY);
    for (let i = 1; i <= 5; i++) box.add(fix(i));
    box.ack(2);
    box.restart();
    assert.equal(box.acked, 0);
    assert.deepEqual(
      box.pending.map((p) => p.seq),
      [1, 2, 3],
    );
    assert.deepEqual(
      box.pending.map((p) => p.t),
      [fix(3).t, fix(4).t, fix(5).t],
      'the same fixes, in the same order',
    );
    assert.equal(box.add(fix(6))?.seq, 4);
    const reloaded = new Outbox(storage, KEY);
    assert.deepEqual(
      reloaded.pending.map((p) => p.seq),
      [1, 2, 3, 4],
    );
  });

  test('restart with nothing pending starts again at 1', () => {
    const box = new Outbox(new MemoryStorage(), KEY);
    box.add(fix(1));
    box.ack(1);
    box.restart();
    assert.equal(box.issued, 0);
    assert.equal(box.add(fix(2))?.seq, 1);
  });

  test('corrupt stored JSON is ignored and replaced on the next save', () => {
    const storage = new MemoryStorage();
    storage.setItem(KEY, '{"nextSeq": 4, "pending": [');
    const box = new Outbox(storage, KEY);
    assert.equal(box.issued, 0);
    assert.equal(box.pending.length, 0);
    assert.equal(box.add(fix(1))?.seq, 1);
    const reloaded = new Outbox(storage, KEY);
    assert.equal(reloaded.issued, 1);
  });

  test('stored JSON of the wrong shape is ignored', () => {
    for (const bad of ['null', '42', '"text"', '[]', '{}', '{"nextSeq":"3","pending":[]}', '{"nextSeq":3,"pending":{}}']) {
      const storage = new MemoryStorage();
      storage.setItem(KEY, bad);
      const box = new Outbox(storage, KEY);
      assert.equal(box.issued, 0, `stored ${bad}`);
      assert.equal(box.pending.length, 0, `stored ${bad}`);
    }
  });

  test('outboxes under different keys do not share numbering', () => {
    const storage = new MemoryStorage();
    const a = new Outbox(storage, 'a');
    const b = new Outbox(storage, 'b');
    a.add(fix(1));
    a.add(fix(2));
    assert.equal(b.add(fix(1))?.seq, 1);
  });

  test('clear forgets everything, in memory and in storage', () => {
    const storage = new MemoryStorage();
    const box = new Outbox(storage, KEY);
    box.add(fix(1));
    box.clear();
    assert.equal(box.issued, 0);
    assert.equal(box.pending.length, 0);
    assert.equal(storage.getItem(KEY), null);
    assert.equal(new Outbox(storage, KEY).add(fix(1))?.seq, 1);
  });

  test('a storage that refuses writes does not lose points held in memory', () => {
    const storage = new MemoryStorage();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const box = new Outbox(storage, KEY);
    box.add(fix(1));
    box.add(fix(2));
    assert.deepEqual(
      box.pending.map((p) => p.seq),
      [1, 2],
    );
  });
});

describe('MemoryStorage', () => {
  test('returns null for a missing key and what was set for a present one', () => {
    const s = new MemoryStorage();
    assert.equal(s.getItem('k'), null);
    s.setItem('k', 'v');
    assert.equal(s.getItem('k'), 'v');
    s.removeItem('k');
    assert.equal(s.getItem('k'), null);
  });
});

test('a full outbox refuses new fixes instead of dropping old ones, so no sequence number is skipped', () => {
  const storage = new MemoryStorage();
  const box = new Outbox(storage, 'full');
  // Fill it quickly by writing the saved state directly, as a long offline spell would have left it.
  const pending = Array.from({ length: MAX_PENDING }, (_, i) => ({ type: 'pos' as const, seq: i + 1, lat: 0, lon: 0, t: i, acc: 5 }));
  storage.setItem('full', JSON.stringify({ nextSeq: MAX_PENDING + 1, acked: 0, pending }));
  const full = new Outbox(storage, 'full');
  assert.equal(full.add({ lat: 1, lon: 1, t: 1, acc: 5 }), null);
  assert.equal(full.pending[0]!.seq, 1, 'the oldest fix is kept');
  full.ack(10);
  assert.equal(full.add({ lat: 1, lon: 1, t: 1, acc: 5 })?.seq, MAX_PENDING + 1);
  assert.equal(box.issued, 0);
});
