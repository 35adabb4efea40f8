/**
 * A runner's trail for display, bounded however long the race: points in time order, kept as a flat array
 * [lat, lon, t, …]. The newest points stay exact; when the trail outgrows half again its budget, the older
 * part is thinned with Douglas–Peucker (keeping the points that matter most to its shape) back to the budget.
 * Each point is thinned a handful of times at most, so the cost per fix stays small.
 */
import { encodeFlat } from '../../lib/polyline';
import type { TrackPoint } from '../../lib/protocol';
import { simplifyTrack } from '../../lib/simplify';

/** Points at the head of the trail never thinned: the last minute or so of a runner's path. */
const EXACT_TAIL = 60;

export class DisplayTrail {
  private flat: number[] = [];

  constructor(private budget: number) {}

  get length(): number {
    return this.flat.length / 3;
  }

  /** The newest point, or null. */
  last(): TrackPoint | null {
    const n = this.flat.length;
    return n ? [this.flat[n - 3]!, this.flat[n - 2]!, this.flat[n - 1]!] : null;
  }

  setBudget(budget: number): void {
    this.budget = Math.max(2, budget);
    this.compactIfNeeded();
  }

  /** Put a point in time order; a point at a time the trail holds already is ignored. Returns whether it was added. */
  insert(lat: number, lon: number, t: number): boolean {
    const f = this.flat;
    const n = f.length / 3;
    if (n === 0 || t > f[f.length - 1]!) {
      f.push(lat, lon, t);
    } else {
      // Late fixes are rare: find the place from the end.
      let i = n;
      while (i > 0 && f[(i - 1) * 3 + 2]! > t) i--;
      if (i > 0 && f[(i - 1) * 3 + 2] === t) return false;
      f.splice(i * 3, 0, lat, lon, t);
    }
    this.compactIfNeeded();
    return true;
  }

  private compactIfNeeded(): void {
    const n = this.length;
    if (n <= Math.ceil(this.budget * 1.5)) return;
    const tail = Math.min(EXACT_TAIL, Math.floor(this.budget / 2));
    const head = this.points(0, n - tail);
    const kept = simplifyTrack(head, Math.max(2, this.budget - tail));
    const next: number[] = [];
    for (const p of kept) next.push(p[0], p[1], p[2]);
    for (let i = (n - tail) * 3; i < n * 3; i++) next.push(this.flat[i]!);
    this.flat = next;
  }

  private points(from: number, to: number): TrackPoint[] {
    const out: TrackPoint[] = [];
    for (let i = from; i < to; i++) out.push([this.flat[i * 3]!, this.flat[i * 3 + 1]!, this.flat[i * 3 + 2]!]);
    return out;
  }

  toPoints(): TrackPoint[] {
    return this.points(0, this.length);
  }

  /** The newest `count` points (the exact tail: what the pace now is measured over). */
  recent(count: number): TrackPoint[] {
    return this.points(Math.max(0, this.length - count), this.length);
  }

  /**
   * The trail encoded for a snapshot, thinned further when it holds more than `maxPoints`, without the
   * points at times in `leaveOut` (those an update is about to bring).
   */
  encode(maxPoints: number, leaveOut?: ReadonlySet<number>): string {
    if (!leaveOut?.size && this.length <= maxPoints) return encodeFlat(this.flat);
    const points = leaveOut?.size ? this.toPoints().filter((p) => !leaveOut.has(p[2])) : this.toPoints();
    const kept = points.length <= maxPoints ? points : simplifyTrack(points, maxPoints);
    const flat: number[] = [];
    for (const p of kept) flat.push(p[0], p[1], p[2]);
    return encodeFlat(flat);
  }

  /** Replace the whole trail (from a checkpoint). */
  load(points: readonly TrackPoint[]): void {
    this.flat = [];
    for (const p of points) this.flat.push(p[0], p[1], p[2]);
    this.compactIfNeeded();
  }
}
