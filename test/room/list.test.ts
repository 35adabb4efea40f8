/**
 * Unit: the runner list paged from the server (server/room/list.ts): windows of the whole field in each
 * order, searches, a share link's runners only, and orders shared for a while rather than sorted per reader.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fixes from '../../server/room/fixes';
import { LIST_EVERY_MS, listPage, type ListQuery } from '../../server/room/list';
import { clock, commit, join, newRoom, pos, send } from './support';

const query = (over: Partial<ListQuery> = {}): ListQuery => ({ sort: 'order', desc: false, q: '', from: 0, limit: 100, only: null, ...over });

/** Runners named by `names`, each with `steps[i]` fixes walking north (more steps: further). */
function field(names: string[], steps: number[]) {
  const room = newRoom();
  const ids = names.map((name, i) => {
    const { runnerId } = join(room, name);
    for (let s = 1; s <= steps[i]!; s++) send(room, runnerId, pos(s, clock.now + s * 1000, s * 3));
    return runnerId;
  });
  return { room, ids };
}

describe('runner list', () => {
  test('a window of the field in join order, with the total, leaving out runners who never sent a fix', () => {
    const { room, ids } = field(['Ada', 'Bea', 'Cy', 'Dee', 'Eve'], [2, 2, 2, 0, 2]);
    const page = listPage(room, query({ from: 1, limit: 2 }));
    assert.equal(page.total, 4);
    assert.deepEqual(page.rows.map((r) => r.id), [ids[1], ids[2]]);
    assert.equal(page.from, 1);
    assert.ok(page.rows[0]!.distance > 0);
  });

  test('sorted by name (numbers by value), by distance, either way round', () => {
    const { room } = field(['Runner 10', 'runner 2', 'Álvaro', 'Bo'], [2, 5, 3, 4]);
    assert.deepEqual(listPage(room, query({ sort: 'name' })).rows.map((r) => r.name), ['Álvaro', 'Bo', 'runner 2', 'Runner 10']);
    assert.deepEqual(listPage(room, query({ sort: 'name', desc: true })).rows.map((r) => r.name), ['Runner 10', 'runner 2', 'Bo', 'Álvaro']);
    assert.deepEqual(listPage(room, query({ sort: 'distance', desc: true })).rows.map((r) => r.name), ['runner 2', 'Bo', 'Álvaro', 'Runner 10']);
  });

  test('a search finds a name by a word it starts with, and keeps its best-match order', () => {
    const { room } = field(['Chen Li', 'Li Chen', 'Alice'], [2, 2, 2]);
    assert.deepEqual(listPage(room, query({ q: 'li' })).rows.map((r) => r.name), ['Li Chen', 'Chen Li', 'Alice']);
    assert.equal(listPage(room, query({ q: 'nobody' })).total, 0);
  });

  test('a share link limited to some runners pages through those alone', () => {
    const { room, ids } = field(['Ada', 'Bea', 'Cy'], [2, 2, 2]);
    const page = listPage(room, query({ only: [ids[2]!] }));
    assert.equal(page.total, 1);
    assert.deepEqual(page.rows.map((r) => r.id), [ids[2]]);
  });

  test('an order is shared for a while, then worked out again; a runner who appears shows at once', () => {
    const { room, ids } = field(['Ada', 'Bea'], [2, 5]);
    const byDistance = () => listPage(room, query({ sort: 'distance', desc: true })).rows.map((r) => r.id);
    assert.deepEqual(byDistance(), [ids[1], ids[0]]);
    // Ada runs far ahead: the order kept says otherwise until it is worked out again.
    for (let s = 3; s <= 12; s++) send(room, ids[0]!, pos(s, clock.now + s * 1000, s * 10));
    assert.deepEqual(byDistance(), [ids[1], ids[0]]);
    clock.now += LIST_EVERY_MS;
    assert.deepEqual(byDistance(), [ids[0], ids[1]]);
    const cy = join(room, 'Cy');
    commit(fixes.position(room, cy.runnerId, pos(1)));
    assert.equal(listPage(room, query()).total, 3, 'a new runner is in the list at once');
  });
});
