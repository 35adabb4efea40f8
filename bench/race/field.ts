/**
 * A big-city marathon for the benchmarks and the biggest end-to-end spec: a 42.2 km loop through a city
 * (an ellipse around Central Park, start and finish together), checkpoints every 5 km, and runners who
 * started in waves at paces from 1.5 to 3.2 m/s, so that two hours in the field is spread along the first
 * half of the course, thick in places, with a little GPS noise on every fix.
 */
import { buildCourse, type Course, positionAt } from '../../lib/course/course';
import { offsetM } from '../../lib/geo';

export const CENTRE: readonly [number, number] = [40.7812, -73.9665];
const A_M = 7700;
const B_M = 5600;
/** Marathon distance, metres. */
export const MARATHON_M = 42_195;

/** The course: an ellipse of points every ~100 m, scaled to the marathon distance, with checkpoints. */
export function marathon(): Course {
  const points: Array<[number, number]> = [];
  const n = 420;
  for (let k = 0; k <= n; k++) {
    const a = (k / n) * 2 * Math.PI;
    const [lat, lon] = offsetM(CENTRE[0], CENTRE[1], Math.sin(a) * B_M, Math.cos(a) * A_M);
    points.push([lat, lon]);
  }
  const shape = buildCourse({ name: 'Marathon', points, elevations: null });
  const scale = MARATHON_M / shape.length;
  // Stretch the ellipse so its length is the marathon's.
  const stretched = points.map(([lat, lon]) => [CENTRE[0] + (lat - CENTRE[0]) * scale, CENTRE[1] + (lon - CENTRE[1]) * scale] as [number, number]);
  const checkpoints = [5, 10, 15, 20, 25, 30, 35, 40].map((km) => ({ name: `${km} km`, at: km * 1000 }));
  checkpoints.splice(4, 0, { name: 'Half way', at: 21_097 });
  return buildCourse({ name: 'City Marathon', points: stretched, elevations: null }, checkpoints);
}

/** Seconds after the gun runner i started (waves a minute apart, thirty of them). */
export const startOffsetS = (i: number) => (i % 30) * 60;
/** Runner i's steady speed, m/s. */
export const speedOf = (i: number) => 1.5 + ((i * 7919) % 1000) / 1000 * 1.7;

/** A pseudo-random number in [-1, 1) for runner i at second s (repeatable). */
function noise(i: number, s: number, k: number): number {
  const x = Math.sin(i * 12.9898 + s * 78.233 + k * 37.719) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** Where runner i is `s` seconds after the gun: along the course at their pace, with about 4 m of GPS noise. */
export function positionOf(course: Course, i: number, s: number): { lat: number; lon: number; along: number } {
  const along = Math.min(course.length - 50, Math.max(0, speedOf(i) * (s - startOffsetS(i))));
  const [lat, lon] = positionAt(course, along);
  const [nlat, nlon] = offsetM(lat, lon, noise(i, s, 1) * 4, noise(i, s, 2) * 4);
  return { lat: nlat, lon: nlon, along };
}
