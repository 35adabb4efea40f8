/**
 * Overland (iOS; aaronpk/Overland-iOS, GLManager.m sendQueueNow and currentDictionaryFromLocation).
 *
 * The app queues every location and posts them in batches (200 by default, up to 1000) as JSON, with the
 * access token as `Authorization: Bearer <token>`: here the token is the device key.
 *   {"locations": [Feature, …], "current": Feature?, "trip": {…}?}
 *   Feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
 *              "properties": {"timestamp": ISO 8601 (whole seconds, "…Z"), "altitude" m, "speed" m/s,
 *              "course" degrees, "horizontal_accuracy" m, "vertical_accuracy" m, "battery_level" 0..1,
 *              "battery_state", "motion", "wifi", "device_id", …}}
 * CoreLocation's "unknown" is a negative value: a negative horizontal accuracy means the position itself is
 * not valid, a negative vertical accuracy an unknown altitude, a negative speed or course an unknown one.
 * Numbers are whole (rounded by the app), coordinates cut to 7 decimals. Features with an "action"
 * property (visits, app events logged with "Include tracking stats") are no fixes and are skipped.
 * `current` is the newest location when more than a batch is queued (it comes again later in its turn):
 * it is taken too, so spectators see where the runner is while the backlog drains.
 *
 * The app deletes the batch only when the answer is JSON with "result": "ok" (unless "Consider HTTP 2XX
 * Successful" is on); anything else keeps it, and a JSON "error" is shown to the user.
 */
import { type Decoded, jsonNumber, parseIsoTime, type RawFix, type Sent, unreadable } from './fix';
import { AppRefusal } from '../../../lib/protocol';

/** The largest batch the app sends (its "Locations per Batch" setting goes up to 1000). */
export const MAX_OVERLAND_LOCATIONS = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A batch; `key` is the Bearer token, read by the caller. */
export function decodeOverland(body: unknown, key: string): Decoded | { key: string; message: string } {
  if (!isObject(body) || !Array.isArray(body.locations)) return { key, message: 'the body must be {"locations": [GeoJSON features]}' };
  if (body.locations.length > MAX_OVERLAND_LOCATIONS) {
    return { key, message: `at most ${MAX_OVERLAND_LOCATIONS} locations in one request: lower "Locations per Batch"` };
  }
  const sent: Sent[] = [];
  for (const feature of body.locations) sent.push(...decodeFeature(feature));
  if (body.current !== undefined) sent.push(...decodeFeature(body.current));
  return { key, sent, sos: false };
}

function decodeFeature(feature: unknown): Sent[] {
  if (!isObject(feature) || !isObject(feature.properties)) return [unreadable('a location must be a GeoJSON feature with properties')];
  const props = feature.properties;
  if (props.action !== undefined) return [];
  const geometry = feature.geometry;
  if (!isObject(geometry) || geometry.type !== 'Point' || !Array.isArray(geometry.coordinates) || geometry.coordinates.length < 2) {
    return [unreadable('a location needs a Point geometry with [longitude, latitude]')];
  }
  const lon = jsonNumber(geometry.coordinates[0]);
  const lat = jsonNumber(geometry.coordinates[1]);
  if (typeof lat !== 'number' || typeof lon !== 'number') return [unreadable('coordinates must be numbers')];
  const t = typeof props.timestamp === 'string' ? parseIsoTime(props.timestamp) : null;
  if (t === null) return [unreadable('properties.timestamp must be an ISO 8601 date-time')];

  const num = (name: string) => jsonNumber(props[name]);
  const acc = num('horizontal_accuracy');
  const vacc = num('vertical_accuracy');
  const alt = num('altitude');
  const spd = num('speed');
  const hdg = num('course');
  const bat = num('battery_level');
  if ([acc, vacc, alt, spd, hdg, bat].includes('bad')) return [unreadable('location properties must be numbers')];
  if (typeof acc === 'number' && acc < 0) return [{ refused: AppRefusal.NotValid, message: 'a negative horizontal_accuracy means no valid position' }];
  const known = (v: number | null | 'bad') => (typeof v === 'number' && v >= 0 ? v : null);
  const fix: RawFix = {
    lat,
    lon,
    t,
    acc: acc as number | null,
    alt: typeof vacc === 'number' && vacc < 0 ? null : (alt as number | null),
    spd: known(spd),
    hdg: known(hdg),
    // 0..1, to percent; the app sends -1 when it cannot read the battery.
    bat: typeof bat === 'number' && bat >= 0 ? Math.round(bat * 1000) / 10 : null,
  };
  return [{ fix }];
}
