/**
 * The worker threads that read course files: a file comes back as the compact course or as its refusal,
 * addresses take turns, and a file over the time or memory budget is refused while the next one is read
 * by a fresh worker.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCourse } from '../lib/course/compact';
import { parseCourseFile } from '../lib/course/course-file';
import { CourseError } from '../lib/course/errors';
import { CourseParserPool, PoolClosed } from '../server/http/course-upload/parser-pool';
import { outAndBackGpx } from './support/out-and-back';

const bytes = (text: string) => new TextEncoder().encode(text);
const course = (name: string) => outAndBackGpx([51.5, -0.12], name);
const gpx = (body: string) => `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">${body}</gpx>`;

async function refusalOf(p: Promise<unknown>): Promise<CourseError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CourseError, `expected a CourseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a refusal');
}

describe('the course parser pool', () => {
  test('a file comes back as the compact course, measuring what the file measures on its own', async () => {
    const pool = new CourseParserPool({ size: 1 });
    try {
      const parsed = await pool.parse('192.0.2.1', bytes(course('Park loop')));
      const direct = parseCourseFile(course('Park loop')).course;
      assert.equal(parsed.format, 'gpx');
      assert.equal(parsed.length, direct.length);
      assert.deepEqual(decodeCourse(parsed.course).points, direct.points);
      assert.equal(parsed.course.name, 'Park loop');
    } finally {
      await pool.close();
    }
  });

  test('a refusal comes back with its reason, and the lines to pick from', async () => {
    const pool = new CourseParserPool({ size: 1 });
    try {
      const two = gpx(`<trk><name>A</name><trkseg><trkpt lat="48" lon="11"/><trkpt lat="48.01" lon="11"/></trkseg></trk><trk><name>B</name><trkseg><trkpt lat="49" lon="11"/><trkpt lat="49.01" lon="11"/></trkseg></trk>`);
      const e = await refusalOf(pool.parse('192.0.2.1', bytes(two)));
      assert.equal(e.code, 'several-lines');
      assert.deepEqual(e.lines?.map((l) => l.name), ['A', 'B']);
      assert.equal((await pool.parse('192.0.2.1', bytes(two), 1)).course.name, 'B');
    } finally {
      await pool.close();
    }
  });

  test('addresses take turns: a second address waits for the file being read, not for the first address\'s queue', async () => {
    const pool = new CourseParserPool({ size: 1 });
    try {
      const done: string[] = [];
      const read = (who: string, name: string) => pool.parse(who, bytes(course(name))).then(() => done.push(name));
      await Promise.all([read('A', 'A1'), read('A', 'A2'), read('A', 'A3'), read('B', 'B1')]);
      assert.deepEqual(done, ['A1', 'B1', 'A2', 'A3']);
    } finally {
      await pool.close();
    }
  });

  test('a file that takes longer than the budget is refused, and the next file is read by a fresh worker', async () => {
    const pool = new CourseParserPool({ size: 1, timeoutMs: 300 });
    try {
      // Five million empty elements: well-formed, within every count, and seconds of work.
      const slow = gpx(`<extensions>${'<x/>'.repeat(5_000_000)}</extensions>`);
      const e = await refusalOf(pool.parse('192.0.2.1', bytes(slow)));
      assert.equal(e.code, 'too-complex');
      assert.match(e.message, /took longer than 0.3 s, far longer than any course takes/);
      assert.equal((await pool.parse('192.0.2.1', bytes(course('After')))).course.name, 'After');
    } finally {
      await pool.close();
    }
  });

  test('a file that needs more memory than the budget is refused, and the next file is read by a fresh worker', async () => {
    const pool = new CourseParserPool({ size: 1, heapMb: 24 });
    try {
      const coords = Array.from({ length: 180_000 }, (_, i) => [11 + i * 1e-6, 48 + i * 1e-6, 500.5]);
      const e = await refusalOf(pool.parse('192.0.2.1', bytes(JSON.stringify({ type: 'LineString', coordinates: coords }))));
      assert.equal(e.code, 'too-complex');
      assert.match(e.message, /more memory than any course should/);
      assert.equal((await pool.parse('192.0.2.1', bytes(course('After')))).course.name, 'After');
    } finally {
      await pool.close();
    }
  });

  test('closing the pool refuses the files still waiting', async () => {
    const pool = new CourseParserPool({ size: 1 });
    const first = pool.parse('A', bytes(course('A1')));
    const waiting = pool.parse('A', bytes(course('A2')));
    const [a, b] = await Promise.allSettled([first, waiting, pool.close()]);
    for (const r of [a, b]) assert.ok(r.status === 'rejected' && r.reason instanceof PoolClosed);
    await assert.rejects(pool.parse('A', bytes(course('A3'))), PoolClosed);
  });
});
