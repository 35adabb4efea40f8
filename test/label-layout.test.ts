/** Unit: names on the map never cover each other, and the followed runner's name always shows. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LabelCandidate, layoutLabels, type PlacedLabel } from '../client/label-layout';

const view = { width: 800, height: 600 };
const overlap = (a: PlacedLabel, b: PlacedLabel) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function assertNoOverlap(placed: PlacedLabel[]) {
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) assert.ok(!overlap(placed[i]!, placed[j]!), `${placed[i]!.id} covers ${placed[j]!.id}`);
  }
}

test('two runners side by side both get a name, on opposite sides', () => {
  const placed = layoutLabels(
    [
      { id: 'ivy', x: 400, y: 300, width: 80, priority: 2 },
      { id: 'zoe', x: 404, y: 302, width: 90, priority: 2 },
    ],
    view,
  );
  assert.equal(placed.length, 2);
  assertNoOverlap(placed);
});

test('in a crowd no two names overlap, and every name stays inside the map', () => {
  const crowd: LabelCandidate[] = Array.from({ length: 300 }, (_, i) => ({
    id: `r${i}`,
    x: 380 + ((i * 37) % 60),
    y: 280 + ((i * 53) % 50),
    width: 60 + (i % 5) * 30,
    priority: 2 + (i % 3),
  }));
  const placed = layoutLabels(crowd, view);
  assert.ok(placed.length > 4 && placed.length < 300);
  assertNoOverlap(placed);
  for (const p of placed) assert.ok(p.x >= 0 && p.y >= 0 && p.x + p.width <= view.width && p.y + p.height <= view.height);
});

test("the followed runner's name wins over everyone, even listed last and at the map's edge", () => {
  const crowd: LabelCandidate[] = Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, x: 790, y: 590, width: 120, priority: 2 }));
  crowd.push({ id: 'followed', x: 792, y: 592, width: 200, priority: 0 });
  const placed = layoutLabels(crowd, view);
  const followed = placed.find((p) => p.id === 'followed');
  assert.ok(followed, 'followed label placed');
  assert.ok(followed.x + followed.width <= view.width && followed.y + followed.height <= view.height);
  assertNoOverlap(placed);
});

test('higher priority goes first: a peeked name beats a moving runner at the same spot', () => {
  const placed = layoutLabels(
    Array.from({ length: 12 }, (_, i) => ({ id: i === 11 ? 'peek' : `r${i}`, x: 400, y: 300, width: 150, priority: i === 11 ? 1 : 2 })),
    view,
  );
  assert.equal(placed[0]!.id, 'peek');
  assertNoOverlap(placed);
});

test('at most `max` labels are drawn', () => {
  const many = Array.from({ length: 500 }, (_, i) => ({ id: `r${i}`, x: (i % 25) * 32 + 5, y: Math.floor(i / 25) * 30 + 10, width: 20, priority: 2 }));
  assert.equal(layoutLabels(many, { ...view, max: 40 }).length, 40);
});

test("names keep clear of the map's buttons", () => {
  const zoom = { x: 0, y: 0, width: 40, height: 70 };
  const placed = layoutLabels([{ id: 'a', x: 30, y: 30, width: 80, priority: 2 }, { id: 'b', x: 10, y: 20, width: 80, priority: 2 }], {
    ...view,
    obstacles: [zoom],
  });
  for (const p of placed) assert.ok(!overlap(p, { id: '', ...zoom }), `${p.id} covers the zoom buttons`);
  assert.ok(placed.some((p) => p.id === 'a'));
});
