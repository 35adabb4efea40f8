/**
 * Passings as the HTTP API takes them: JSON objects, or decoder lines (lib/timing/decoder-line.ts) one per
 * line. Both become the same passings; what cannot be read is counted (and the first few reasons kept), never
 * stored, so that a decoder's batch with one bad line still delivers the rest.
 */
import { z } from 'zod';
import { type DecoderPassing, MAX_DECODER_LINE, parseDecoderLine } from './decoder-line';

/** Passings one request may carry. */
export const MAX_PASSINGS_PER_BATCH = 5000;

export interface ReadPassings {
  passings: DecoderPassing[];
  /** Lines or objects that are not passings. */
  malformed: number;
  /** Why, for the first few (line or index from 1, and the reason). */
  problems: string[];
  /** The decoder said it is alive (`*`). */
  heartbeat: boolean;
}

const PassingSchema = z
  .object({
    chip: z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'chip: 1 to 32 letters, digits, dashes or underscores'),
    /** ms since the epoch … */
    t: z.number().int().min(0).max(8.64e15).optional(),
    /** … or an ISO 8601 time with its zone. */
    time: z.string().max(40).optional(),
    loop: z.string().regex(/^[A-Za-z0-9_-]{0,16}$/).nullish(),
    lap: z.number().int().min(0).max(999_999_999).nullish(),
    battery: z.number().min(0).max(100).nullish(),
    rewind: z.boolean().nullish(),
  })
  .strict();

const KEPT_PROBLEMS = 5;

/** Passings from a JSON array of objects ({chip, t} or {chip, time}). */
export function passingsFromJson(list: readonly unknown[]): ReadPassings {
  const out: ReadPassings = { passings: [], malformed: 0, problems: [], heartbeat: false };
  list.forEach((raw, i) => {
    const fail = (why: string) => {
      out.malformed++;
      if (out.problems.length < KEPT_PROBLEMS) out.problems.push(`passing ${i + 1}: ${why}`);
    };
    const p = PassingSchema.safeParse(raw);
    if (!p.success) return fail(`${p.error.issues[0]?.path.join('.') || 'passing'} ${p.error.issues[0]?.message ?? 'is invalid'}`);
    const t = p.data.t ?? (p.data.time !== undefined && /(Z|[+-]\d\d:?\d\d)$/.test(p.data.time) ? Date.parse(p.data.time) : NaN);
    if (!Number.isFinite(t)) return fail('needs "t" (ms since 1970) or "time" (ISO 8601 with its zone, like 2026-05-01T09:00:00.620Z)');
    out.passings.push({ chip: p.data.chip, t, loop: p.data.loop || null, lap: p.data.lap ?? null, battery: p.data.battery ?? null, rewind: p.data.rewind ?? false });
  });
  return out;
}

/** Passings from decoder lines, their local times read in `timeZone`. */
export function passingsFromLines(text: string, timeZone: string): ReadPassings {
  const out: ReadPassings = { passings: [], malformed: 0, problems: [], heartbeat: false };
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const got = parseDecoderLine(line.slice(0, MAX_DECODER_LINE + 1), timeZone);
    if (got.kind === 'passing') out.passings.push(got.passing);
    else if (got.kind === 'heartbeat') out.heartbeat = true;
    else if (got.kind === 'error') {
      out.malformed++;
      if (out.problems.length < KEPT_PROBLEMS) out.problems.push(`line ${i + 1}: ${got.message}`);
    }
  });
  return out;
}
