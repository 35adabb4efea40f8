/**
 * What the list, the race card and the map legend say about a runner's estimate and predictions, as plain
 * functions of the race info, the course and the time: "est. km 31–34 · last seen 14 min ago",
 * "11:05–11:20", and in words what a prediction is based on. Also the split tables: kilometres (or miles)
 * and checkpoints as two series, each split measured since the row before it in the same series.
 */
import type { Split } from '../lib/course/forecast';
import type { EffortProfile } from '../lib/course/effort';
import { type RunnerEstimate, type Whereabouts, whereabouts } from '../lib/course/estimate';
import { type DistanceUnit, formatPace, inUnit } from '../lib/course/units';
import type { RunnerRaceInfo } from '../lib/protocol';

/** What the estimator needs of the course: its hills as effort, and its length. */
export interface CourseScale {
  effort: EffortProfile | null;
  length: number;
}

/** Where the runner probably is at `now`; null when there is no estimate (not started, finished, no course). */
export function estimateNow(race: RunnerRaceInfo | undefined | null, scale: CourseScale | null, now: number): Whereabouts | null {
  if (!race?.est || !scale || race.state !== 'running') return null;
  return whereabouts(race.est, scale.effort, scale.length, now);
}

/** "14 min", "1 h 5 min", "40 s". */
export function silence(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "km 31–34" (whole units when the band spans one or more), "km 31.2–31.8" when narrower. */
export function bandText(w: Pick<Whereabouts, 'lo' | 'hi'>, unit: DistanceUnit): string {
  const lo = inUnit(w.lo, unit);
  const hi = inUnit(w.hi, unit);
  if (hi - lo >= 1) return `${unit} ${Math.floor(lo)}–${Math.ceil(hi)}`;
  const a = lo.toFixed(1);
  const b = hi.toFixed(1);
  return a === b ? `${unit} ${a}` : `${unit} ${a}–${b}`;
}

/** The list's line for a runner who is not where a fresh fix puts them; null for one who is. */
export function whereaboutsText(w: Whereabouts | null, unit: DistanceUnit): string | null {
  if (!w || w.kind === 'seen') return null;
  if (w.kind === 'ghost') return `est. ${bandText(w, unit)} · last seen ${silence(w.silentMs)} ago`;
  return `predicted ${bandText(w, unit)} · last mat ${silence(w.silentMs)} ago`;
}

const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** A clock time as the ETA intervals write it. */
export const clockText = (t: number) => CLOCK.format(t);

/** "11:05–11:20" in the reader's locale ("11:05 – 11:20 AM" in en-US); one time when both are in the same minute. */
export function etaText(eta: { lo: number; hi: number }): string {
  const a = CLOCK.format(eta.lo);
  return a === CLOCK.format(eta.hi) ? a : CLOCK.formatRange(eta.lo, Math.max(eta.lo, eta.hi));
}

/**
 * In words, what the runner's predictions are based on: the pace and what it was measured over, how much
 * it has varied, the hills ahead, and the drift any runner's pace has over hours.
 */
export function basisWords(est: RunnerEstimate | null, unit: DistanceUnit, hills: boolean): string {
  if (!est) return 'Not enough of their race has been seen yet to predict.';
  const onFlat = hills ? ' on the flat' : '';
  const pace = `${formatPace(est.v, unit)}${onFlat}`;
  const over =
    est.basis === 'recent'
      ? `their pace over the last ${Math.round(est.metres / 100) / 10} km${unit === 'mi' ? ` (${inUnit(est.metres, 'mi').toFixed(1)} mi)` : ''}`
      : est.basis === 'observed'
        ? `their pace over the ${inUnit(est.metres, unit).toFixed(1)} ${unit} seen so far (their phone started mid-race)`
        : est.basis === 'average'
          ? 'their average pace since the start'
          : 'a typical pace, as too little of their race has been seen';
  const spread = est.basis === 'typical' ? '' : `, how much it has varied from ${unit} to ${unit} (±${Math.round(est.spread * 100)} %)`;
  const ahead = hills ? ', the climbs and descents ahead' : '';
  return `Based on ${over} (${pace})${spread}${ahead}, and how runners slow over the hours.`;
}

/** A row of a split table. */
export interface SplitRow {
  label: string;
  kind: Split['kind'];
  /** Seconds since the row before in the same series (or the start); null when not known. */
  split: number | null;
  elapsed: number | null;
  t: number | null;
  /** Interpolated from the start: the runner was not seen there. */
  estimated: boolean;
}

export interface SplitTables {
  /** Every km or mile, then the finish: each split since the km or mile before. */
  distance: SplitRow[];
  /** Every checkpoint, then the finish: each split since the checkpoint before. */
  checkpoints: SplitRow[];
}

/**
 * One series as rows. A split is shown only between two passings that were seen: before the runner was
 * first seen, passings are interpolated from the start, and a "split" would be that average again.
 */
function series(splits: readonly Split[]): SplitRow[] {
  return splits.map((s, i) => ({
    label: s.label,
    kind: s.kind,
    split: s.estimated || (i > 0 && splits[i - 1]!.estimated) ? null : s.split,
    elapsed: s.elapsed,
    t: s.t,
    estimated: s.estimated,
  }));
}

/** The race card's tables from the API's two series (never merged: a checkpoint does not cut a km in two). */
export function splitTables(detail: { splits: Split[]; checkpoints: Split[] }): SplitTables {
  return { distance: series(detail.splits), checkpoints: series(detail.checkpoints) };
}

/**
 * "5:07 /km"; a runner on the course whose current pace is not measured yet (the first 20 s of fixes
 * after their start, a gap, or a restart of the server) reads "measuring…", never a bare dash.
 */
export function paceNowText(race: RunnerRaceInfo, unit: DistanceUnit): string {
  if (race.speed !== null) return formatPace(race.speed, unit);
  return race.state === 'running' ? 'measuring…' : '—';
}

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st. */
export function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
