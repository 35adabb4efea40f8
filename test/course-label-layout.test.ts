/**
 * Unit: the course's labels on the map (client/course-label-layout.ts): start and finish always show, a
 * checkpoint passed twice at one spot of an out-and-back gets a place of its own beside the other, and a
 * km number with no room gives way to a checkpoint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CourseLabel, layoutCourseLabels } from '../client/course-label-layout';

const view = { width: 400, height: 600 };
const above: [number, number] = [-40, -26];
const below: [number, number] = [-40, 6];
const right: [number, number] = [6, -10];
const left: [number, number] = [-86, -10];
const checkpoint = (id: string, x: number, y: number): CourseLabel => ({ id, x, y, width: 80, height: 20, priority: 1, spots: [above, below, right, left] });
const km = (id: string, x: number, y: number): CourseLabel => ({ id, x, y, width: 22, height: 18, priority: 2, spots: [[-11, -9], [6, -9], [-28, -9]] });
const rect = (l: CourseLabel, p: { dx: number; dy: number }) => ({ x: l.x + p.dx, y: l.y + p.dy, w: l.width, h: l.height });
const overlap = (a: ReturnType<typeof rect>, b: ReturnType<typeof rect>) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

test('on an out-and-back the 7.5 km water sits beside the 2.5 km one, not under it', () => {
  const labels = [checkpoint('water 2.5', 200, 300), checkpoint('water 7.5', 201, 302)];
  const got = layoutCourseLabels(labels, view);
  const a = got.get('water 2.5')!;
  const b = got.get('water 7.5')!;
  assert.ok(a && b, 'both shown');
  assert.ok(!overlap(rect(labels[0]!, a), rect(labels[1]!, b)));
});

test('start and finish always show; a km number with no room is left out rather than cover a checkpoint', () => {
  const start: CourseLabel = { id: 'start', x: 100, y: 100, width: 90, height: 20, priority: 0, spots: [[-45, -10]] };
  const labels = [km('5', 300, 400), checkpoint('Half way', 300, 400), start, { ...start, id: 'finish', x: 102 }];
  const got = layoutCourseLabels(labels, view);
  assert.ok(got.get('start'));
  assert.ok(got.get('finish'), 'priority 0 shows even where it cannot fit');
  assert.ok(got.get('Half way'));
  const five = got.get('5');
  if (five) assert.ok(!overlap(rect(labels[0]!, five), rect(labels[1]!, got.get('Half way')!)));
});

test('numbers crowded together at a low zoom: those that fit show, none covers another', () => {
  const labels = Array.from({ length: 42 }, (_, i) => km(String(i + 1), 200 + (i % 3) * 4, 300 + Math.floor(i / 3) * 3));
  const got = layoutCourseLabels(labels, view);
  const shown = labels.filter((l) => got.get(l.id));
  assert.ok(shown.length >= 2 && shown.length < 42);
  for (let i = 0; i < shown.length; i++) {
    for (let j = i + 1; j < shown.length; j++) assert.ok(!overlap(rect(shown[i]!, got.get(shown[i]!.id)!), rect(shown[j]!, got.get(shown[j]!.id)!)));
  }
});
