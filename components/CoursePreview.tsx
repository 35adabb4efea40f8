'use client';

import type { CourseInfo } from '../lib/protocol';
import type { Course } from '../lib/course/course';
import { useCourse } from './useCourse';

const W = 600;
const H = 260;
const PAD = 16;

/**
 * The uploaded course drawn as a line, with start, finish and checkpoints: a preview that needs no map tiles,
 * so the organiser sees at once whether the right file went up (and which way round).
 */
export default function CoursePreview({ eventId, info }: { eventId: string; info: NonNullable<CourseInfo> }) {
  const course = useCourse(eventId, info, {});
  if (!course) return <div className="course-preview" data-testid="course-preview" aria-busy="true" />;
  const { path, at } = project(course);
  const start = at(course.start);
  const finish = at(course.finish);
  return (
    <figure className="course-preview" data-testid="course-preview">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`The course: ${course.checkpoints.length} checkpoints, start in green, finish in black`}>
        <path d={path} className="course-preview-line" />
        {course.checkpoints.map((cp) => {
          const p = at(pointAt(course, cp.at));
          return (
            <g key={cp.name}>
              <circle cx={p[0]} cy={p[1]} r={5} className="course-preview-cp" />
              <text x={p[0] + 8} y={p[1] - 6} className="course-preview-label">
                {cp.name}
              </text>
            </g>
          );
        })}
        <circle cx={start[0]} cy={start[1]} r={7} className="course-preview-start" />
        <circle cx={finish[0]} cy={finish[1]} r={7} className="course-preview-finish" />
      </svg>
    </figure>
  );
}

/** The course's point `m` metres from the start (the nearest vertex: enough for a preview). */
function pointAt(course: Course, m: number): readonly [number, number] {
  let lo = 0;
  let hi = course.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (course.cumulative[mid]! < m) lo = mid + 1;
    else hi = mid;
  }
  return course.points[lo]!;
}

/** Longitude shrunk by the cosine of the latitude, so the shape is true; fitted into the box, north up. */
function project(course: Course) {
  const b = course.bounds;
  const k = Math.cos((((b.north + b.south) / 2) * Math.PI) / 180);
  const w = Math.max(1e-9, (b.east - b.west) * k);
  const h = Math.max(1e-9, b.north - b.south);
  const scale = Math.min((W - 2 * PAD) / w, (H - 2 * PAD) / h);
  const ox = (W - w * scale) / 2;
  const oy = (H - h * scale) / 2;
  const at = (p: readonly [number, number]): [number, number] => [ox + (p[1] - b.west) * k * scale, oy + (b.north - p[0]) * scale];
  const path = course.points.map((p, i) => `${i ? 'L' : 'M'}${at(p)[0].toFixed(1)},${at(p)[1].toFixed(1)}`).join('');
  return { path, at };
}
