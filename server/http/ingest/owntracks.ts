/**
 * OwnTracks in HTTP mode (owntracks/booklet docs/tech/http.md and docs/tech/json.md; owntracks/android
 * HttpMessageProcessorEndpoint.kt; owntracks/ios Connection.m sendHTTP).
 *
 * The apps POST every message they would publish over MQTT, one JSON object per request, with
 * Content-Type application/json. `_type` tells them apart; only "location" carries a position:
 *   lat, lon   degrees
 *   tst        SECONDS since the epoch, the time of the fix
 *   acc        metres (left out when 0)
 *   alt        metres above sea level (left out when 0)
 *   vel        KM/H (left out when 0)
 *   cog        course over ground, degrees
 *   batt       battery, percent
 * plus tid, t, bs, conn, vac, topic, inregions, created_at, … which are ignored. Apps before 2016 sent
 * numbers as strings; those are read too.
 *
 * Who sends: HTTP Basic authentication (Android sends it when both username and password are set, iOS when
 * Authentication is on), X-Limit-U (username) and X-Limit-D (device id). Here the device key is the Basic
 * password and the username is free: the device id also ends up in the message topic and the default tracker
 * id, which are shown to others, so it is no place for a secret.
 *
 * The reply to a 2xx is a JSON array of messages for the app, usually empty: `[]`. iOS drops a message the
 * server answers with 4xx (and shows the status), retries after 5xx; Android retries either.
 */
import { jsonNumber, kmhToMps, type RawFix } from './fix';

export type OwnTracksDecoded =
  | { kind: 'location'; fix: RawFix }
  /** Any other message type: acknowledged with [] and otherwise ignored. */
  | { kind: 'other'; type: string }
  | { kind: 'bad'; message: string };

export function decodeOwnTracks(body: unknown): OwnTracksDecoded {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'bad', message: 'the body must be one JSON object with a "_type"' };
  }
  const msg = body as Record<string, unknown>;
  const type = msg._type;
  if (typeof type !== 'string') return { kind: 'bad', message: 'the message has no "_type"' };
  if (type === 'encrypted') {
    return { kind: 'bad', message: 'encrypted payloads cannot be read here: turn off Encryption in the OwnTracks settings' };
  }
  if (type !== 'location') return { kind: 'other', type };

  const lat = jsonNumber(msg.lat);
  const lon = jsonNumber(msg.lon);
  if (typeof lat !== 'number' || typeof lon !== 'number') return { kind: 'bad', message: 'a location needs numeric lat and lon' };
  const tst = jsonNumber(msg.tst);
  if (typeof tst !== 'number') return { kind: 'bad', message: 'a location needs tst, the fix time in seconds since 1970' };
  const acc = jsonNumber(msg.acc);
  const alt = jsonNumber(msg.alt);
  const vel = jsonNumber(msg.vel);
  const cog = jsonNumber(msg.cog);
  const batt = jsonNumber(msg.batt);
  if (acc === 'bad' || alt === 'bad' || vel === 'bad' || cog === 'bad' || batt === 'bad') {
    return { kind: 'bad', message: 'acc, alt, vel, cog and batt must be numbers' };
  }
  return {
    kind: 'location',
    fix: {
      lat,
      lon,
      t: Math.round(tst * 1000),
      acc,
      alt,
      spd: vel === null ? null : kmhToMps(vel),
      hdg: cog,
      bat: batt,
    },
  };
}

/** The password of an `Authorization: Basic …` header, or null. */
export function basicPassword(header: string | undefined): string | null {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const password = decoded.slice(colon + 1);
  return password === '' ? null : password;
}
