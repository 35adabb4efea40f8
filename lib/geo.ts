/** Geodesy helpers. Inputs in degrees, outputs in metres and seconds. */

const EARTH_RADIUS_M = 6_371_008.8;
const toRad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance between two points, metres (haversine). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = toRad(lat2 - lat1);
  const dLon = toRad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Initial bearing from the first point to the second, degrees clockwise from north. */
export function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const y = Math.sin(toRad(lon2 - lon1)) * Math.cos(toRad(lat2));
  const x =
    Math.cos(toRad(lat1)) * Math.sin(toRad(lat2)) -
    Math.sin(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.cos(toRad(lon2 - lon1));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** Point a fraction `f` (0..1) of the way between two points; linear, fine for the few metres between fixes. */
export function lerpPoint(a: readonly [number, number], b: readonly [number, number], f: number): [number, number] {
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
}

/** Move a point by metres north and east (small offsets only). */
export function offsetM(lat: number, lon: number, northM: number, eastM: number): [number, number] {
  const dLat = northM / 111_320;
  const dLon = eastM / (111_320 * Math.cos(toRad(lat)));
  return [lat + dLat, lon + dLon];
}

/** Pace in seconds per kilometre from a distance and a duration; null when it cannot be told. */
export function paceSecPerKm(distanceMetres: number, seconds: number): number | null {
  if (distanceMetres < 1 || seconds <= 0) return null;
  return seconds / (distanceMetres / 1000);
}

/** "5:07 /km" or "—". */
export function formatPace(secPerKm: number | null): string {
  if (secPerKm === null || !Number.isFinite(secPerKm) || secPerKm > 60 * 60) return '—';
  const total = Math.round(secPerKm);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')} /km`;
}

/** "850 m" below a kilometre, "12.34 km" above. */
export function formatDistance(metres: number): string {
  if (Math.round(metres) < 1000) return `${Math.round(metres)} m`;
  return `${(metres / 1000).toFixed(2)} km`;
}
