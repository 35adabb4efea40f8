/**
 * The runner's own trail as this page took it: distance, elapsed time and pace worked out on the phone,
 * from its own fixes, so the runner sees them even with no connection. Kept across reloads.
 */
import { distanceM, paceSecPerKm } from '../lib/geo';
import type { TrackPoint } from '../lib/protocol';
import { simplifyTrack } from '../lib/simplify';
import { MIN_STEP_M, recentPace } from '../lib/track';
import type { KeyValueStorage } from './outbox';

/** Fixes vaguer than this are drawn but not counted into the distance. */
export const MAX_COUNTED_ACCURACY_M = 50;
/** Points kept for the small map; longer trails are simplified (distance is summed as fixes arrive). */
const MAX_POINTS = 4000;
const KEEP_POINTS = 2000;

interface Saved {
  points: TrackPoint[];
  distance: number;
  /** The last point counted into the distance. */
  anchor: [number, number] | null;
}

export class OwnTrack {
  private state: Saved = { points: [], distance: 0, anchor: null };

  constructor(
    private readonly storage: KeyValueStorage | null = null,
    private readonly key = '',
  ) {
    const raw = storage?.getItem(key);
    if (!raw) return;
    try {
      const saved = JSON.parse(raw) as Saved;
      if (Array.isArray(saved.points) && Number.isFinite(saved.distance)) this.state = saved;
    } catch {
      // A corrupt entry starts afresh.
    }
  }

  get points(): readonly TrackPoint[] {
    return this.state.points;
  }

  /** Metres covered. */
  get distance(): number {
    return this.state.distance;
  }

  get startedAt(): number | null {
    return this.state.points[0]?.[2] ?? null;
  }

  get lastAt(): number | null {
    return this.state.points[this.state.points.length - 1]?.[2] ?? null;
  }

  add(lat: number, lon: number, t: number, acc: number): void {
    const last = this.state.points[this.state.points.length - 1];
    if (last && t < last[2]) return;
    this.state.points.push([lat, lon, t]);
    if (acc <= MAX_COUNTED_ACCURACY_M) {
      const a = this.state.anchor;
      if (!a) this.state.anchor = [lat, lon];
      else {
        const step = distanceM(a[0], a[1], lat, lon);
        // A phone standing still scatters by a few metres: only a real move counts.
        if (step >= MIN_STEP_M) {
          this.state.distance += step;
          this.state.anchor = [lat, lon];
        }
      }
    }
    if (this.state.points.length > MAX_POINTS) this.state.points = simplifyTrack(this.state.points, KEEP_POINTS);
  }

  /** Seconds from the first fix to `now` while sharing, or to the last fix once stopped. */
  elapsed(now: number, sharing: boolean): number | null {
    const start = this.startedAt;
    if (start === null) return null;
    const end = sharing ? Math.max(now, this.lastAt ?? now) : (this.lastAt ?? start);
    return Math.max(0, (end - start) / 1000);
  }

  /** Average pace from the first fix to the last, s/km. */
  averagePace(): number | null {
    const start = this.startedAt;
    const end = this.lastAt;
    if (start === null || end === null) return null;
    return paceSecPerKm(this.state.distance, (end - start) / 1000);
  }

  /** Pace over the last minute, s/km. */
  currentPace(): number | null {
    return recentPace(this.state.points);
  }

  save(): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // Storage full or blocked: the numbers stay right for as long as the page is open.
    }
  }

  clear(): void {
    this.state = { points: [], distance: 0, anchor: null };
    this.storage?.removeItem(this.key);
  }
}

/** "1:02:05" or "12:05". */
export function formatElapsed(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
