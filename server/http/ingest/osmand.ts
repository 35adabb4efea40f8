/**
 * The OsmAnd protocol as Traccar's server decodes it (traccar/traccar, OsmAndProtocolDecoder.java), for
 * Traccar Client, the OsmAnd app and GPSLogger.
 *
 * Query and form variant: parameters in the query string (or, when the query string is empty, in the body
 * as application/x-www-form-urlencoded: what Traccar Client 10 posts). Empty values are skipped; the last
 * value of a repeated parameter wins.
 *   id | deviceid   the device identifier: here the runner's device key (`id` wins when both are there:
 *                   OsmAnd's own template puts its cloud device id in deviceid={12})
 *   lat, lon        degrees; or location=lat,lon. Neither: a heartbeat (Traccar Client 10 sends one with the
 *                   time and no position while the phone is still and has no fresh fix)
 *   timestamp       seconds since the epoch (a number below 2^31-1), milliseconds (above), an ISO 8601
 *                   date-time ("2016-01-27T18:55:47Z"), or "yyyy-MM-dd HH:mm:ss" (Traccar reads that one in
 *                   its server's zone; here it is UTC). Missing: the time it arrived, as in Traccar.
 *   speed           KNOTS: Traccar's default for this protocol, and what Traccar Client sends (10.x:
 *                   round(m/s × 1.94384 × 100) / 100, traccar-client-sdk HttpUploader.kt). The OsmAnd app
 *                   and GPSLogger send m/s (OsmAnd LiveSender.java: {5} = Location.getSpeed(); GPSLogger
 *                   %SPD; traccar/traccar#3487), so they have paths of their own: see OsmAndDialect.
 *   bearing | heading  degrees
 *   altitude        metres
 *   accuracy        metres (Traccar Client up to 8 sends 0.0 for GPS-provider fixes: accuracy unknown)
 *   hdop            Traccar keeps it apart as a dilution of precision. OsmAnd's {3}, which its template and
 *                   Traccar's documentation put in hdop, is Location.getAccuracy() in metres: on the OsmAnd
 *                   path it is the accuracy.
 *   batt | batproc  battery level, percent (Traccar Client; OsmAnd {11}, which OsmAnd's own template calls
 *                   batproc; GPSLogger %BATT, -1 when unknown). ("battery" is not a level: Traccar files it
 *                   under its battery-voltage key.)
 *   valid           "true" or "1" is a valid fix; anything else marks it as no fix (counted, not stored).
 *   alarm           "sos": Traccar Client's SOS button (10.x; the fix it fetched comes with it).
 * Other parameters (charge, mock, cell, wifi, tta, …) are ignored.
 *
 * JSON variant (Content-Type application/json):
 * - Traccar Client 9, which posted what its location library recorded (traccar-client lib/preferences.dart
 *   before 10.0, _locationTemplate):
 *   {"location": {"timestamp": ISO 8601, "coords": {"latitude", "longitude", "accuracy" m, "speed" M/S,
 *    "heading" degrees, "altitude" m}, "battery": {"level": 0..1, "is_charging"}, "extras": {…}}, "device_id"}
 *   Unknown speed, heading, accuracy and battery level are sent as -1 and dropped (Traccar checks >= 0). An
 *   alarm is location.alarm or location.extras.alarm; without coords it is a heartbeat.
 * - Traccar's client SDK with uploadJson: an array of objects with the form's fields.
 */
import { AppRefusal } from '../../../lib/protocol';
import { type Decoded, jsonNumber, knotsToMps, parseDecimal, parseIsoTime, type RawFix, type Sent, unreadable } from './fix';

/** How the query and form variant is read on each path. */
export interface OsmAndDialect {
  /** `speed` in knots (Traccar Client) or m/s (OsmAnd, GPSLogger). */
  speed: 'kn' | 'mps';
  /** OsmAnd's {3} goes in hdop but is the accuracy in metres. */
  hdopIsAccuracy: boolean;
}

export const TRACCAR_DIALECT: OsmAndDialect = { speed: 'kn', hdopIsAccuracy: false };
export const OSMAND_APP_DIALECT: OsmAndDialect = { speed: 'mps', hdopIsAccuracy: true };
/** GPSLogger's %HDOP is a real dilution of precision; its %ACC is the accuracy. */
export const GPSLOGGER_DIALECT: OsmAndDialect = { speed: 'mps', hdopIsAccuracy: false };

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

/** The last non-empty value of the first of `names` that has one. */
function last(params: URLSearchParams, ...names: string[]): string | undefined {
  for (const name of names) {
    let found: string | undefined;
    for (const value of params.getAll(name)) if (value !== '' && !placeholder.test(value)) found = value;
    if (found !== undefined) return found;
  }
  return undefined;
}

const isSos = (v: unknown) => typeof v === 'string' && v.toLowerCase() === 'sos';

/** The query and form variant. `now` stands in for a missing timestamp. */
export function decodeOsmAndParams(params: URLSearchParams, dialect: OsmAndDialect, now: number): Decoded {
  const key = last(params, 'id', 'deviceid') ?? null;
  return { key, sent: decodeOne(params, dialect, now), sos: isSos(last(params, 'alarm')) };
}

function decodeOne(params: URLSearchParams, dialect: OsmAndDialect, now: number): Sent[] {
  const num = (...names: string[]): number | undefined | 'bad' => {
    const v = last(params, ...names);
    if (v === undefined) return undefined;
    return parseDecimal(v) ?? 'bad';
  };

  let lat = num('lat');
  let lon = num('lon');
  if (lat === undefined && lon === undefined) {
    const location = last(params, 'location');
    if (location !== undefined) {
      const parts = location.split(',');
      if (parts.length < 2) return [unreadable('location must be "lat,lon"')];
      lat = parseDecimal(parts[0]!) ?? 'bad';
      lon = parseDecimal(parts[1]!) ?? 'bad';
    }
  }
  // No position at all: the app only says it is alive.
  if (lat === undefined && lon === undefined) return [];
  if (lat === undefined || lon === undefined) return [unreadable('a fix needs both lat and lon')];
  if (lat === 'bad' || lon === 'bad') return [unreadable('lat and lon must be decimal degrees')];
  const fix: RawFix = { lat, lon };

  const timestamp = last(params, 'timestamp');
  if (timestamp === undefined) fix.t = now;
  else {
    const t = parseOsmAndTime(timestamp);
    if (t === null) return [unreadable('timestamp must be seconds or milliseconds since 1970, or an ISO 8601 date-time')];
    fix.t = t;
  }

  const speed = num('speed');
  if (speed === 'bad') return [unreadable('speed must be a number')];
  if (speed !== undefined) fix.spd = dialect.speed === 'kn' ? knotsToMps(speed) : speed;

  const hdg = num('bearing', 'heading');
  if (hdg === 'bad') return [unreadable('bearing must be a number of degrees')];
  if (hdg !== undefined) fix.hdg = hdg;

  const altitude = num('altitude');
  if (altitude === 'bad') return [unreadable('altitude must be a number of metres')];
  if (altitude !== undefined) fix.alt = altitude;

  const accuracy = num('accuracy');
  const hdop = dialect.hdopIsAccuracy ? num('hdop') : undefined;
  if (accuracy === 'bad' || hdop === 'bad') return [unreadable('accuracy must be a number of metres')];
  fix.acc = accuracy ?? hdop ?? null;

  const batt = num('batt', 'batproc');
  if (batt === 'bad') return [unreadable('batt must be a percentage')];
  if (batt !== undefined) fix.bat = batt;

  const valid = last(params, 'valid');
  if (valid !== undefined && valid.toLowerCase() !== 'true' && valid !== '1') {
    return [{ refused: AppRefusal.NotValid, message: 'the app marked this fix as not valid' }];
  }
  return [{ fix }];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON variant: Traccar Client 9's location, or a JSON array from Traccar's client SDK. */
export function decodeOsmAndJson(body: unknown, fallbackKey: string | null, now: number): Decoded | { key: null; message: string } {
  if (Array.isArray(body)) return decodeSdkBatch(body, fallbackKey, now);
  if (!isObject(body)) return { key: null, message: 'the body must be a JSON object with "location" and "device_id"' };
  const key = typeof body.device_id === 'string' && body.device_id !== '' ? body.device_id : fallbackKey;
  if (!key) return { key: null, message: 'no device key: send it as "device_id"' };
  const location = body.location;
  if (!isObject(location)) return { key, sent: [unreadable('"location" must be one location object')], sos: false };
  const extras = isObject(location.extras) ? location.extras : {};
  const sos = isSos(location.alarm) || isSos(extras.alarm);
  return { key, sent: decodeLocation(location), sos };
}

function decodeLocation(loc: Record<string, unknown>): Sent[] {
  if (typeof loc.timestamp !== 'string') return [unreadable('location.timestamp must be an ISO 8601 date-time')];
  const t = parseIsoTime(loc.timestamp);
  if (t === null) return [unreadable('location.timestamp must be an ISO 8601 date-time')];

  // Without coordinates Traccar takes the last known position: here it is a heartbeat.
  if (loc.coords === undefined) return [];
  if (!isObject(loc.coords)) return [unreadable('location.coords must be an object')];
  const c = loc.coords;
  const field = (name: string) => jsonNumber(c[name]);
  const lat = field('latitude');
  const lon = field('longitude');
  if (typeof lat !== 'number' || typeof lon !== 'number') return [unreadable('location.coords must have numeric latitude and longitude')];

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
  if (acc === 'bad' || spd === 'bad' || hdg === 'bad' || alt === 'bad') return [unreadable('location.coords values must be numbers')];
  fix.acc = acc;
  fix.spd = spd; // already m/s
  fix.hdg = hdg;
  fix.alt = alt;

  if (isObject(loc.battery)) {
    const level = jsonNumber(loc.battery.level);
    if (level === 'bad') return [unreadable('location.battery.level must be a number')];
    // A fraction 0..1; to percent, kept to a tenth.
    if (level !== null && level >= 0) fix.bat = Math.round(level * 1000) / 10;
  }
  return [{ fix }];
}

/** Traccar's client SDK with uploadJson: [{id, lat, lon, timestamp (s), speed (kn), …, alarm}, …]. */
function decodeSdkBatch(items: unknown[], fallbackKey: string | null, now: number): Decoded | { key: null; message: string } {
  const params = items.map((item) => {
    const p = new URLSearchParams();
    if (isObject(item)) for (const [k, v] of Object.entries(item)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') p.append(k, String(v));
    return p;
  });
  const key = params.map((p) => last(p, 'id', 'deviceid')).find((k) => k !== undefined) ?? fallbackKey;
  if (!key) return { key: null, message: 'no device key: send it as "id"' };
  const sent: Sent[] = [];
  let sos = false;
  params.forEach((p, i) => {
    if (!isObject(items[i])) sent.push(unreadable('each item must be an object'));
    else if ((last(p, 'id', 'deviceid') ?? key) !== key) sent.push(unreadable('every item must carry the same id'));
    else sent.push(...decodeOne(p, TRACCAR_DIALECT, now));
    sos ||= isSos(last(p, 'alarm'));
  });
  return { key, sent, sos };
}
