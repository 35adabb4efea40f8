/** Positions along a looped route by distance travelled. */
import { bearingDeg, distanceM, lerpPoint } from '../lib/geo';

export type LatLon = [number, number];

export class RouteWalker {
  private readonly cumulative: number[];
  readonly lengthM: number;

  constructor(private readonly points: readonly LatLon[]) {
    if (points.length < 2) throw new Error('A route needs at least two points.');
    this.cumulative = [0];
    for (let i = 1; i < points.length; i++) {
      const [a, b] = [points[i - 1]!, points[i]!];
      this.cumulative.push(this.cumulative[i - 1]! + distanceM(a[0], a[1], b[0], b[1]));
    }
    this.lengthM = this.cumulative[this.cumulative.length - 1]!;
  }

  /** Where a runner is after `distance` metres, lapping the route; with the heading of that leg. */
  at(distance: number): { point: LatLon; heading: number } {
    const d = ((distance % this.lengthM) + this.lengthM) % this.lengthM;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! <= d) lo = mid;
      else hi = mid;
    }
    const a = this.points[lo]!;
    const b = this.points[hi]!;
    const leg = this.cumulative[hi]! - this.cumulative[lo]!;
    const f = leg > 0 ? (d - this.cumulative[lo]!) / leg : 0;
    return { point: lerpPoint(a, b, f), heading: bearingDeg(a[0], a[1], b[0], b[1]) };
  }
}
