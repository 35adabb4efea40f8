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
 * numbers as strings; those are read too. Android leaves out acc, alt, vel and cog when they are 0 (Int
 * fields that kotlinx.serialization does not encode at their default), and sends vel as whole km/h.
 * A card (name and picture) becomes the runner's avatar. A friend cleared on Android is an empty body
 * (MessageClear.toJson is ""). Neither app has an alarm message.
 *
 * Who sends: HTTP Basic authentication (Android sends it when both username and password are set, iOS when
 * Authentication is on), X-Limit-U (username) and X-Limit-D (device id). Here the device key is the Basic
 * password and the username is free: the device id also ends up in the message topic and the default tracker
 * id, which are shown to others, so it is no place for a secret.
 *
 * The reply to a 2xx is a JSON array of messages for the app, usually empty: `[]`. iOS deletes the message
 * the server answers with 4xx (and shows an alert with the status and the message), keeps it after 5xx and
 * sends it again (Connection.m sendHTTP); Android keeps a message after any other answer and sends it again,
 * with a back-off from 1 s to 2 minutes, holding back everything queued after it (MessageProcessor.kt:
 * 100,000 tries for a location, 10 for anything else).
 */
import { AppRefusal, cleanText, hasVisibleText, LIMITS } from '../../../lib/protocol';
import type { AvatarRecord } from '../../storage/store';
import { jsonNumber, kmhToMps, type RawFix } from './fix';

/** Largest picture kept from a card, decoded (iOS sends a 192×192 PNG, well under this). */
export const MAX_FACE_BYTES = 384 * 1024;

export type OwnTracksDecoded =
  | { kind: 'location'; fix: RawFix }
  /** The user's card: a name and, when they chose one, a picture. */
  | { kind: 'card'; avatar: Omit<AvatarRecord, 'updatedAt'> | null; problem?: string }
  /** Any other message type: acknowledged with [] and otherwise ignored. */
  | { kind: 'other'; type: string }
  /** A message no retry could make readable: acknowledged, and counted against the runner. */
  | { kind: 'refused'; reason: AppRefusal; message: string };

export function decodeOwnTracks(body: unknown): OwnTracksDecoded {
  const refused = (message: string, reason: AppRefusal = AppRefusal.Malformed): OwnTracksDecoded => ({ kind: 'refused', reason, message });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refused('the body must be one JSON object with a "_type"');
  const msg = body as Record<string, unknown>;
  const type = msg._type;
  if (typeof type !== 'string') return refused('the message has no "_type"');
  if (type === 'encrypted') return refused('encrypted payloads cannot be read here: turn off Encryption in the OwnTracks settings', AppRefusal.Encrypted);
  if (type === 'card') return decodeCard(msg);
  if (type !== 'location') return { kind: 'other', type };

  const lat = jsonNumber(msg.lat);
  const lon = jsonNumber(msg.lon);
  if (typeof lat !== 'number' || typeof lon !== 'number') return refused('a location needs numeric lat and lon');
  const tst = jsonNumber(msg.tst);
  if (typeof tst !== 'number') return refused('a location needs tst, the fix time in seconds since 1970');
  const acc = jsonNumber(msg.acc);
  const alt = jsonNumber(msg.alt);
  const vel = jsonNumber(msg.vel);
  const cog = jsonNumber(msg.cog);
  const batt = jsonNumber(msg.batt);
  if (acc === 'bad' || alt === 'bad' || vel === 'bad' || cog === 'bad' || batt === 'bad') return refused('acc, alt, vel, cog and batt must be numbers');
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

/**
 * A card ({"_type": "card", "name", "face": base64 PNG}; owntracks/ios SettingsTVC.swift setCard sends it with
 * the picture scaled to 192×192). Only PNG and JPEG pictures are kept, checked by their first bytes.
 */
function decodeCard(msg: Record<string, unknown>): OwnTracksDecoded {
  const raw = typeof msg.name === 'string' ? cleanText(msg.name).slice(0, LIMITS.nameMax) : '';
  const name = raw && hasVisibleText(raw) ? raw : null;
  if (typeof msg.face !== 'string' || msg.face === '') return { kind: 'card', avatar: null };
  const b64 = msg.face.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { kind: 'card', avatar: null, problem: 'the face is not base64' };
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > MAX_FACE_BYTES) return { kind: 'card', avatar: null, problem: `the face is larger than ${MAX_FACE_BYTES / 1024} KiB` };
  const mime = bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? 'image/png' : bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff ? 'image/jpeg' : null;
  if (!mime) return { kind: 'card', avatar: null, problem: 'the face is neither a PNG nor a JPEG picture' };
  return { kind: 'card', avatar: { name, mime, data: bytes.toString('base64') } };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

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
