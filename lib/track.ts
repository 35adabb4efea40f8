/** Measures along a trail of [lat, lon, t] points. */
import { distanceM, paceSecPerKm } from './geo';
import type { TrackPoint } from './protocol';

/**
 * A phone standing still reports positions scattered over a few metres; summing every hop would make
 * a resting runner cover ground. A move counts only once it is this far from the last counted point.
 */
export const MIN_STEP_M = 5;

/** Carry a trail's distance on from its last counted point (`anchor`) to its end. */
export function extendDistance(
  track: readonly TrackPoint[],
  from: { anchor: number; distance: number },
): { anchor: number; distance: number } {
  let { anchor, distance } = from;
  const start = track[anchor];
  if (!start) return { anchor: 0, distance: 0 };
  let [lat, lon] = start;
  for (let i = anchor + 1; i < track.length; i++) {
    const p = track[i]!;
    const step = distanceM(lat, lon, p[0], p[1]);
    if (step < MIN_STEP_M) continue;
    distance += step;
    anchor = i;
    [lat, lon] = p;
  }
  return { anchor, distance };
}

export function trackDistance(track: readonly TrackPoint[]): number {
  return extendDistance(track, { anchor: 0, distance: 0 }).distance;
}

/** Pace over the last `windowMs` of a trail, s/km; null when too little is known. */
export function recentPace(track: readonly TrackPoint[], windowMs = 60_000): number | null {
  if (track.length < 2) return null;
  const end = track[track.length - 1]!;
  let first = track.length - 1;
  while (first > 0 && end[2] - track[first - 1]![2] <= windowMs) first--;
  const window = track.slice(first);
  const { anchor, distance } = extendDistance(window, { anchor: 0, distance: 0 });
  return paceSecPerKm(distance, (window[anchor]![2] - window[0]![2]) / 1000);
}
