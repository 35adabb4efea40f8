/**
 * Display units. Everything is stored and computed in metres, seconds and m/s; these turn values into
 * what a person reads, in kilometres or miles as the event or the spectator chose.
 */

export type DistanceUnit = 'km' | 'mi';
export const DISTANCE_UNITS: readonly DistanceUnit[] = ['km', 'mi'];

export const UNIT_M: Readonly<Record<DistanceUnit, number>> = { km: 1000, mi: 1609.344 };

/** Paces slower than this (an hour per unit) are someone standing still, not running: shown as "—". */
const SLOWEST_PACE_S = 60 * 60;

export function isDistanceUnit(value: unknown): value is DistanceUnit {
  return value === 'km' || value === 'mi';
}

/** Metres as a number of kilometres or miles. */
export function inUnit(metres: number, unit: DistanceUnit): number {
  return metres / UNIT_M[unit];
}

/** "850 m" / "12.34 km", or "0.53 mi" / "12.34 mi". */
export function formatDistance(metres: number, unit: DistanceUnit, decimals = 2): string {
  if (unit === 'km' && Math.abs(Math.round(metres)) < 1000) return `${Math.round(metres)} m`;
  return `${inUnit(metres, unit).toFixed(decimals)} ${unit}`;
}

/** Seconds per kilometre or mile at a speed in m/s; null when there is no meaningful pace. */
export function paceSeconds(speedMps: number | null, unit: DistanceUnit): number | null {
  if (speedMps === null || !Number.isFinite(speedMps) || speedMps <= 0) return null;
  const pace = UNIT_M[unit] / speedMps;
  return pace > SLOWEST_PACE_S ? null : pace;
}

/** "5:07 /km" or "—". */
export function formatPace(speedMps: number | null, unit: DistanceUnit): string {
  const pace = paceSeconds(speedMps, unit);
  if (pace === null) return '—';
  const total = Math.round(pace);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')} /${unit}`;
}

/** "12:03", "1:02:03"; negative durations get a leading minus. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const sign = seconds < 0 ? '−' : '';
  const total = Math.round(Math.abs(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${s}` : `${sign}${m}:${s}`;
}

/** "+1:05" for a gap behind someone; "—" when unknown. */
export function formatGap(seconds: number | null): string {
  if (seconds === null) return '—';
  return seconds < 0 ? formatDuration(seconds) : `+${formatDuration(seconds)}`;
}
