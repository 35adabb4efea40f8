/**
 * What the timing points' decoders have brought that is not a runner's race: per point, how many passings
 * and when it was last heard; per chip that no entry carries, its passings, for the organiser and for the
 * entry that may be given the chip later.
 */
import type { StoredPassing } from '../storage/store';

/** What a timing point's decoder has sent: passings taken, and when it was last heard (a passing or `*`). */
export interface PointActivity {
  passings: number;
  heardAt: number | null;
}

/** A chip the mats saw that no entry carries. */
export interface UnknownChip {
  passings: number;
  /** The latest passing, ms. */
  lastT: number;
  points: Set<string>;
  /** The passings themselves (the latest KEPT): an entry given this chip later takes them. */
  kept: StoredPassing[];
}

const KEPT = 100;

export class ChipBook {
  readonly activity = new Map<string, PointActivity>();
  readonly unknown = new Map<string, UnknownChip>();

  /** The point's decoder was heard at `at` (ms), with a passing or without. */
  heard(point: string, at: number, passings = 0): void {
    const a = this.activity.get(point) ?? { passings: 0, heardAt: null };
    a.passings += passings;
    a.heardAt = Math.max(a.heardAt ?? 0, at);
    this.activity.set(point, a);
  }

  passingsAt(point: string): number {
    return this.activity.get(point)?.passings ?? 0;
  }

  /** A passing of a chip no entry carries. */
  unknownPassing(p: StoredPassing): void {
    const u = this.unknown.get(p.chip) ?? { passings: 0, lastT: p.t, points: new Set<string>(), kept: [] };
    u.passings++;
    u.lastT = Math.max(u.lastT, p.t);
    u.points.add(p.point);
    u.kept.push(p);
    if (u.kept.length > KEPT) u.kept.shift();
    this.unknown.set(p.chip, u);
  }

  /** The passings of chips that are known now, no longer counted as unknown. */
  takeKnown(known: (chip: string) => boolean): StoredPassing[] {
    const out: StoredPassing[] = [];
    for (const [chip, u] of [...this.unknown]) {
      if (!known(chip)) continue;
      this.unknown.delete(chip);
      out.push(...u.kept);
    }
    return out;
  }
}
