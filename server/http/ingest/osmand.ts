/**
 * The OsmAnd protocol as Traccar's server decodes it (traccar/traccar, OsmAndProtocolDecoder.java), for
 * Traccar Client and the OsmAnd app.
 *
 * Query and form variant: parameters in the query string (or, when the query string is empty, in the body
 * as application/x-www-form-urlencoded). Empty values are skipped; the last value of a repeated parameter wins.
 *   id | deviceid   the device identifier: here the runner's device key
 *   lat, lon        degrees; or location=lat,lon
 *   timestamp       seconds since the epoch (a number below 2^31-1), milliseconds (above), an ISO 8601
 *                   date-time ("2016-01-27T18:55:47Z"), or "yyyy-MM-dd HH:mm:ss" (Traccar reads that one in
 *                   its server's zone; here it is UTC). Missing: the time it arrived, as in Traccar.
 *   speed           KNOTS: Traccar's default for this protocol, and what Traccar Client up to version 8 sends
 *                   (traccar-client-android Position.kt: location.speed * 1.943844). The OsmAnd app sends m/s
 *                   (OsmAnd LiveSender.java: {5} = Location.getSpeed(); traccar/traccar#3487), so it has its
 *                   own path where speed is m/s: see SpeedUnit.
 *   bearing | heading  degrees
 *   altitude        metres
 *   accuracy        metres (Traccar Client up to 8 sends 0.0 for GPS-provider fixes: accuracy unknown)
 *   hdop            Traccar keeps it apart as a dilution of precision. OsmAnd's {3}, which its template and
 *                   Traccar's documentation put in hdop, is Location.getAccuracy() in metres: on the OsmAnd
 *                   path it is the accuracy.
 *   batt            battery level, percent (Traccar Client: level * 100 / scale; OsmAnd {11}: percent).
 *                   ("battery" is not a level: Traccar files it under its battery-voltage key.)
 *   valid           "true" or "1" is a valid fix; anything else marks it invalid (not stored here).
 * Other parameters (mock, alarm, cell, wifi, …) are ignored.
 *
 * JSON variant (Content-Type application/json), sent by Traccar Client 9 and later, which posts what its
 * location library records (traccar-client lib/preferences.dart, _locationTemplate):
 *   {"location": {"timestamp": ISO 8601, "coords": {"latitude", "longitude", "accuracy" m, "speed" M/S,
 *    "heading" degrees, "altitude" m}, "battery": {"level": 0..1, "is_charging"}, …}, "device_id": key}
 * Unknown speed, heading, accuracy and battery level are sent as -1 and dropped (Traccar checks >= 0).
 */
import { jsonNumber, knotsToMps, parseDecimal, parseIsoTime, type RawFix } from './fix';

/** How the query and form variant's `speed` is read: knots for Traccar Client, m/s for the OsmAnd app. */
export type SpeedUnit = 'kn' | 'mps';

export interface OsmAndDialect {
  speed: SpeedUnit;
  /** OsmAnd's {3} goes in hdop but is the accuracy in metres. */
  hdopIsAccuracy: boolean;
}

export const TRACCAR_DIALECT: OsmAndDialect = { speed: 'kn', hdopIsAccuracy: false };
export const OSMAND_APP_DIALECT: OsmAndDialect = { speed: 'mps', hdopIsAccuracy: true };

export type Decoded =
  | { ok: true; key: string | null; valid: boolean; fix: RawFix }
  | { ok: false; key: string | null; message: string };

/** A time value as Traccar reads `timestamp`; ms since the epoch, or null. */
export function parseOsmAndTime(value: string): number | null {
  if (/^[+-]?\d{1,18}$/.test(value)) {
    const n = Number(value);
    // Traccar: Long.parseLong, then seconds when below Integer.MAX_VALUE, else milliseconds.
    return n < 2147483647 ? n * 1000 : n;
  }
  return parseIsoTime(value);
}

/** OsmAnd leaves a placeholder its version does not know (e.g. {11}, battery, before 2023) in the URL as is. */
const placeholder = /^\{\d+\}$/;

function last(params: URLSearchParams, ...names: string[]): string | undefined {
  let found: string | undefined;
  for (const [name, value] of params) {
    if (names.includes(name) && value !== '' && !placeholder.test(value)) found = value;
  }
  return found;
}

/** The query and form variant. `now` stands in for a missing timestamp. */
export function decodeOsmAndParams(params: URLSearchParams, dialect: OsmAndDialect, now: number): Decoded {
  const key = last(params, 'id', 'deviceid') ?? null;
  const fail = (message: string): Decoded => ({ ok: false, key, message });
  const num = (name: string): number | undefined | 'bad' => {
    const v = last(params, name);
    if (v === undefined) return undefined;
    return parseDecimal(v) ?? 'bad';
  };

  const fix: RawFix = {};
  let lat = num('lat');
  let lon = num('lon');
  if (lat === undefined || lon === undefined) {
    const location = last(params, 'location');
    if (location !== undefined) {
      const parts = location.split(',');
      if (parts.length < 2) return fail('location must be "lat,lon"');
      lat = parseDecimal(parts[0]!) ?? 'bad';
      lon = parseDecimal(parts[1]!) ?? 'bad';
    }
  }
  if (lat === 'bad' || lon === 'bad') return fail('lat and lon must be decimal degrees');
  fix.lat = lat;
  fix.lon = lon;

  const timestamp = last(params, 'timestamp');
  if (timestamp === undefined) fix.t = now;
  else {
    const t = parseOsmAndTime(timestamp);
    if (t === null) return fail('timestamp must be seconds or milliseconds since 1970, or an ISO 8601 date-time');
    fix.t = t;
  }

  const speed = num('speed');
  if (speed === 'bad') return fail('speed must be a number');
  if (speed !== undefined) fix.spd = dialect.speed === 'kn' ? knotsToMps(speed) : speed;

  const bearing = last(params, 'bearing', 'heading');
  if (bearing !== undefined) {
    const hdg = parseDecimal(bearing);
    if (hdg === null) return fail('bearing must be a number of degrees');
    fix.hdg = hdg;
  }

  const altitude = num('altitude');
  if (altitude === 'bad') return fail('altitude must be a number of metres');
  if (altitude !== undefined) fix.alt = altitude;

  const accuracy = num('accuracy');
  const hdop = dialect.hdopIsAccuracy ? num('hdop') : undefined;
  if (accuracy === 'bad' || hdop === 'bad') return fail('accuracy must be a number of metres');
  fix.acc = accuracy ?? hdop ?? null;

  const batt = num('batt');
  if (batt === 'bad') return fail('batt must be a percentage');
  if (batt !== undefined) fix.bat = batt;

  const valid = last(params, 'valid');
  return { ok: true, key, valid: valid === undefined || valid.toLowerCase() === 'true' || valid === '1', fix };
}

/** The JSON variant of Traccar Client 9 and later. */
export function decodeOsmAndJson(body: unknown, fallbackKey: string | null): Decoded {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, key: fallbackKey, message: 'the body must be a JSON object with "location" and "device_id"' };
  }
  const root = body as Record<string, unknown>;
  const key = typeof root.device_id === 'string' && root.device_id !== '' ? root.device_id : fallbackKey;
  const fail = (message: string): Decoded => ({ ok: false, key, message });
  const location = root.location;
  if (typeof location !== 'object' || location === null || Array.isArray(location)) return fail('"location" must be one location object');
  const loc = location as Record<string, unknown>;

  if (typeof loc.timestamp !== 'string') return fail('location.timestamp must be an ISO 8601 date-time');
  const t = parseIsoTime(loc.timestamp);
  if (t === null) return fail('location.timestamp must be an ISO 8601 date-time');

  const coords = loc.coords;
  if (typeof coords !== 'object' || coords === null || Array.isArray(coords)) return fail('location.coords is missing');
  const c = coords as Record<string, unknown>;
  const field = (name: string) => jsonNumber(c[name]);
  const lat = field('latitude');
  const lon = field('longitude');
  if (typeof lat !== 'number' || typeof lon !== 'number') return fail('location.coords must have numeric latitude and longitude');

  const fix: RawFix = { lat, lon, t };
  // The location library reports what it does not know as -1; Traccar keeps only values >= 0.
  const known = (name: string): number | null | 'bad' => {
    const v = field(name);
    return typeof v === 'number' && v < 0 ? null : v;
  };
  const acc = known('accuracy');
  const spd = known('speed');
  const hdg = known('heading');
  const alt = field('altitude');
  if (acc === 'bad' || spd === 'bad' || hdg === 'bad' || alt === 'bad') return fail('location.coords values must be numbers');
  fix.acc = acc;
  fix.spd = spd; // already m/s
  fix.hdg = hdg;
  fix.alt = alt;

  const battery = loc.battery;
  if (typeof battery === 'object' && battery !== null && !Array.isArray(battery)) {
    const level = jsonNumber((battery as Record<string, unknown>).level);
    if (level === 'bad') return fail('location.battery.level must be a number');
    // A fraction 0..1; to percent, kept to a tenth.
    if (level !== null && level >= 0) fix.bat = Math.round(level * 1000) / 10;
  }
  return { ok: true, key, valid: true, fix };
}
