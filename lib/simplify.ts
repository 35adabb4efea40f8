/**
 * Douglas–Peucker with a point budget: keeps the `maxPoints` points that matter most to a trail's shape.
 * Each point gets the tolerance at which plain Douglas–Peucker would still keep it (capped by its parent's,
 * so the ranking is consistent); the top `maxPoints` by that measure survive. First and last always stay.
 */
import type { TrackPoint } from './protocol';

export function simplifyTrack(track: readonly TrackPoint[], maxPoints: number): TrackPoint[] {
  const n = track.length;
  if (n <= maxPoints || n <= 2) return track.slice();
  const budget = Math.max(2, maxPoints);

  // Flat-earth metres around the first point: exact enough for the few kilometres of one trail.
  const lat0 = (track[0]![0] * Math.PI) / 180;
  const kx = 111_320 * Math.cos(lat0);
  const ky = 110_540;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = track[i]![1] * kx;
    ys[i] = track[i]![0] * ky;
  }

  const importance = new Float64Array(n);
  importance[0] = Infinity;
  importance[n - 1] = Infinity;
  const stack: Array<[number, number, number]> = [[0, n - 1, Infinity]];
  while (stack.length) {
    const [a, b, cap] = stack.pop()!;
    if (b - a < 2) continue;
    const dx = xs[b]! - xs[a]!;
    const dy = ys[b]! - ys[a]!;
    const len2 = dx * dx + dy * dy;
    let worst = -1;
    let index = a + 1;
    for (let i = a + 1; i < b; i++) {
      const px = xs[i]! - xs[a]!;
      const py = ys[i]! - ys[a]!;
      // Distance to the segment a–b (to point a when a and b coincide, as on a lap's start and end).
      const t = len2 > 0 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
      const ex = px - t * dx;
      const ey = py - t * dy;
      const d = ex * ex + ey * ey;
      if (d > worst) {
        worst = d;
        index = i;
      }
    }
    const value = Math.min(Math.sqrt(worst), cap);
    importance[index] = value;
    stack.push([a, index, value], [index, b, value]);
  }

  const threshold = Float64Array.from(importance).sort().reverse()[budget - 1]!;
  let room = budget - importance.filter((v) => v > threshold).length;
  const out: TrackPoint[] = [];
  for (let i = 0; i < n; i++) {
    const v = importance[i]!;
    if (v > threshold || (v === threshold && room-- > 0)) out.push(track[i]!);
  }
  return out;
}
