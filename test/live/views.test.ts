/**
 * Unit: the field the spectators of one event share (server/live/interest/views.ts), built from the feed's
 * picture at once, or later from a dump asked of the event's owner on another instance.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldViews } from '../../server/live/interest/views';
import type { FieldDump } from '../../server/room/picture';

const BUDGET = { summary: 4000, tile: 4000 };
const dump = (epoch: string, seq: number): FieldDump => ({
  epoch,
  seq,
  runners: [{ id: 'ada', lat: 52.5, lon: 13.4, t: 1000, status: 'active', color: '#d7263d', finished: false, alert: false }],
});

test("a field asked of the owner is built when the answer comes, and kept for the next spectator", async () => {
  const views = new FieldViews(BUDGET);
  let asked = 0;
  const ask = () => {
    asked++;
    return Promise.resolve(dump('e1', 4));
  };
  const pending = views.ensure('e1', ask, () => []);
  // Asked once for every spectator who comes meanwhile.
  assert.equal(views.ensure('e1', ask, () => []), pending);
  const field = await pending;
  assert.ok(field, 'the field is built from the answer');
  assert.equal(field.epoch, 'e1');
  assert.equal(views.field, field);
  assert.equal(views.ensure('e1', ask, () => []), field);
  assert.equal(asked, 1);
});

test('an answer of another epoch, or one that arrives after the feed started again, builds nothing', async () => {
  const views = new FieldViews(BUDGET);
  assert.equal(await views.ensure('e2', () => Promise.resolve(dump('e1', 4)), () => []), null);
  let answer!: (d: FieldDump) => void;
  const late = views.ensure('e2', () => new Promise<FieldDump>((resolve) => (answer = resolve)), () => []);
  views.reset();
  answer(dump('e2', 4));
  assert.equal(await late, null);
  assert.equal(views.field, null);
  // Updates the feed no longer holds: the field cannot be had now.
  assert.equal(await views.ensure('e2', () => Promise.resolve(dump('e2', 4)), () => null), null);
});
