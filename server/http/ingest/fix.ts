/**
 * A fix from a tracking app, in Trackside's units, and the checks it passes before the room sees it.
 * The field ranges are the browser's (PositionMsg), so a fix is taken or refused alike whichever way it came.
 */
import { z } from 'zod';
import { AppRefusal, PositionMsg } from '../../../lib/protocol';
import type { AppFix } from '../../room/tracking-apps';

export type { AppFix };

export const AppFixSchema = PositionMsg.pick({ lat: true, lon: true, t: true, acc: true, alt: true, spd: true, hdg: true }).extend({
  /** Phone battery, percent. */
  bat: z.number().finite().min(0).max(100).nullish(),
});

/** A decoded fix before checking; fields an app left out are undefined or null. */
export interface RawFix {
  lat?: number;
  lon?: number;
  t?: number;
  acc?: number | null;
  alt?: number | null;
  spd?: number | null;
  hdg?: number | null;
  bat?: number | null;
}

/** One thing an app sent: a fix still to check, or one refused already while decoding. */
export type Sent = { fix: RawFix } | { refused: AppRefusal; message: string };

/** A request decoded: whose it is, what it carried (nothing at all is a heartbeat), and whether it raised an alarm. */
export interface Decoded {
  key: string | null;
  sent: Sent[];
  sos: boolean;
}

export const unreadable = (message: string): Sent => ({ refused: AppRefusal.Malformed, message });

/** 1 knot = 1852 m per hour. */
export const knotsToMps = (kn: number) => (kn * 1852) / 3600;
export const kmhToMps = (kmh: number) => kmh / 3.6;

export function checkFix(raw: RawFix): { ok: true; fix: AppFix } | { ok: false; reason: AppRefusal; message: string } {
  if (raw.lat === undefined || raw.lon === undefined) return { ok: false, reason: AppRefusal.Malformed, message: 'the fix has no latitude and longitude' };
  if (raw.t === undefined) return { ok: false, reason: AppRefusal.Malformed, message: 'the fix has no time' };
  // An app that does not know its accuracy says so with 0, as the browser page does. A battery level
  // below 0 is how Android and iOS say they do not know it (GPSLogger and OsmAnd pass it on).
  const parsed = AppFixSchema.safeParse({ ...raw, acc: raw.acc ?? 0, bat: raw.bat != null && raw.bat < 0 ? null : raw.bat });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: AppRefusal.OutOfRange, message: `${issue?.path.join('.') || 'fix'} ${issue?.message ?? 'is invalid'}` };
  }
  const f = parsed.data;
  return {
    ok: true,
    fix: { lat: f.lat, lon: f.lon, t: f.t, acc: f.acc, alt: f.alt ?? null, spd: f.spd ?? null, hdg: f.hdg ?? null, bat: f.bat ?? null },
  };
}

/**
 * A decimal number as apps write it ("51.5", "-0.12", "1.0E-4", "87.0"): Java's Float/Double.toString
 * output included. NaN, Infinity and anything else are refused rather than guessed at.
 */
export function parseDecimal(s: string): number | null {
  const v = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/**
 * An ISO 8601 date-time ("2025-06-15T13:45:12.862Z", "2016-01-27T18:55:47Z", "…+02:00"); without a zone it
 * is taken as UTC. Returns ms since the epoch, or null.
 */
export function parseIsoTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const ms = frac ? Math.round(Number(`0${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0), ms);
  const check = new Date(t);
  // Date.UTC rolls 31 February over into March: refuse dates that do not exist.
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59) {
    return null;
  }
  if (zone && zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offset = (Number(zm[2]) * 60 + Number(zm[3] ?? 0)) * 60_000;
    t -= zm[1] === '+' ? offset : -offset;
  }
  return t;
}

/** A number in JSON, or a numeric string (OwnTracks apps before 2016 sent every number as a string). */
export function jsonNumber(v: unknown): number | null | 'bad' {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : 'bad';
  if (typeof v === 'string') return parseDecimal(v) ?? 'bad';
  return 'bad';
}
