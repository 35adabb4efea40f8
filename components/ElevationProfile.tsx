'use client';

import { useMemo } from 'react';
import type { RunnerView } from '../client/event-view';
import type { Course } from '../lib/course/course';
import { elevationAt, elevationProfile } from '../lib/course/elevation';
import { type DistanceUnit, formatDistance, inUnit } from '../lib/course/units';

const W = 320;
const H = 110;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };

/** The course's elevation profile with every runner on it at their distance along the course. */
export function ElevationProfile({
  course,
  runners,
  colors,
  followId,
  unit,
}: {
  course: Course;
  /** Runners to place on it (along the course, `race.at`): those the page holds. */
  runners: ReadonlyArray<Pick<RunnerView, 'id' | 'name' | 'color' | 'race'>>;
  colors: ReadonlyMap<string, string>;
  followId: string | null;
  unit: DistanceUnit;
}) {
  const profile = useMemo(() => elevationProfile(course, { maxPoints: 300 }), [course]);
  if (!profile) return null;
  const span = Math.max(10, profile.max - profile.min);
  const lo = profile.min - span * 0.1;
  const hi = profile.max + span * 0.1;
  const x = (m: number) => PAD.left + (m / course.length) * (W - PAD.left - PAD.right);
  const y = (e: number) => PAD.top + (1 - (e - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const line = profile.distances.map((d, i) => `${i ? 'L' : 'M'}${x(d).toFixed(1)},${y(profile.elevations[i]!).toFixed(1)}`).join('');
  const area = `${line}L${x(course.length).toFixed(1)},${H - PAD.bottom}L${x(0).toFixed(1)},${H - PAD.bottom}Z`;
  const placed = runners.filter((r) => r.race?.at !== null && r.race?.at !== undefined);
  // The followed runner is drawn last, on top.
  placed.sort((a, b) => Number(a.id === followId) - Number(b.id === followId));
  const ticks = Math.floor(inUnit(course.length, unit));
  const every = Math.max(1, Math.ceil(ticks / 6));
  return (
    <section className="panel elevation" aria-labelledby="elevation-heading">
      <h2 id="elevation-heading">Elevation</h2>
      <p className="small muted">
        {Math.round(profile.min)}–{Math.round(profile.max)} m, {Math.round(profile.gain)} m up and {Math.round(profile.loss)} m down over{' '}
        {formatDistance(course.length, unit)}.
      </p>
      <svg viewBox={`0 0 ${W} ${H}`} className="elevation-chart" role="img" aria-label={`Elevation profile with ${placed.length} runners on it`}>
        <path d={area} className="elevation-area" />
        <path d={line} className="elevation-line" />
        <text x={PAD.left - 4} y={y(profile.max) + 4} className="elevation-label" textAnchor="end">
          {Math.round(profile.max)}
        </text>
        <text x={PAD.left - 4} y={y(profile.min) + 4} className="elevation-label" textAnchor="end">
          {Math.round(profile.min)}
        </text>
        {Array.from({ length: Math.floor(ticks / every) }, (_, i) => (i + 1) * every).map((k) => (
          <text key={k} x={x(k * (unit === 'km' ? 1000 : 1609.344))} y={H - 6} className="elevation-label" textAnchor="middle">
            {k}
          </text>
        ))}
        {placed.map((r) => {
          const at = r.race!.at!;
          const followed = r.id === followId;
          return (
            <circle
              key={r.id}
              cx={x(at)}
              cy={y(elevationAt(profile, at) ?? profile.min)}
              r={followed ? 6 : 3.5}
              fill={colors.get(r.id) ?? r.color}
              stroke={followed ? '#111827' : '#ffffff'}
              strokeWidth={followed ? 2.5 : 1}
            >
              <title>{r.name}</title>
            </circle>
          );
        })}
      </svg>
    </section>
  );
}
