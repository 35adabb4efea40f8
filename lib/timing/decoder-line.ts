/**
 * The line format many timing decoders speak (Wiclax's generic acquisition protocol), one passing per line:
 *
 *   chip;dd-mm-yyyy hh:mm:ss.ccc;loop;lap;battery;rewind
 *
 * e.g. `01539;22-09-2011 02:41:30.620;0A;559;;0`. Only the chip and the time are required; loop (antenna or
 * device), lap (the decoder's own sequence number), battery (the chip's, percent) and rewind (1 when the
 * decoder sends stored passings again on request, 0 live) may be blank or left off. A line of `*` alone is a
 * heartbeat. The decoder writes its own clock's local time without a zone, so the time is read in the time
 * zone the organiser set for the timing point.
 */

export interface DecoderPassing {
  chip: string;
  /** ms since the epoch. */
  t: number;
  loop: string | null;
  lap: number | null;
  battery: number | null;
  rewind: boolean;
}

export type DecoderLine = { kind: 'passing'; passing: DecoderPassing } | { kind: 'heartbeat' } | { kind: 'blank' } | { kind: 'error'; message: string };

/** Longest line read: a passing is well under 100 characters. */
export const MAX_DECODER_LINE = 256;

const TIME = /^(\d{1,2})-(\d{1,2})-(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,3}))?$/;

/** Read one line (without its line break). `timeZone` is an IANA zone ("Europe/Berlin", "UTC"). */
export function parseDecoderLine(raw: string, timeZone: string): DecoderLine {
  const line = raw.trim();
  if (line === '') return { kind: 'blank' };
  if (line === '*') return { kind: 'heartbeat' };
  if (line.length > MAX_DECODER_LINE) return { kind: 'error', message: `the line is longer than ${MAX_DECODER_LINE} characters` };
  const parts = line.split(';').map((p) => p.trim());
  if (parts.length < 2 || parts.length > 6) {
    return { kind: 'error', message: 'expected chip;dd-mm-yyyy hh:mm:ss.ccc;loop;lap;battery;rewind' };
  }
  const [chip = '', time = '', loop = '', lap = '', battery = '', rewind = ''] = parts;
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(chip)) return { kind: 'error', message: `chip “${chip.slice(0, 40)}” must be 1 to 32 letters, digits, dashes or underscores` };
  const m = TIME.exec(time);
  if (!m) return { kind: 'error', message: `time “${time.slice(0, 40)}” must look like 22-09-2011 02:41:30.620` };
  const [, dd, mm, yyyy, hh, mi, ss, frac = '0'] = m;
  const fields = { year: Number(yyyy), month: Number(mm), day: Number(dd), hour: Number(hh), minute: Number(mi), second: Number(ss), ms: Number(frac.padEnd(3, '0')) };
  if (!validCalendar(fields)) return { kind: 'error', message: `time “${time}” is not a date and time that exists` };
  const t = zonedToEpoch(fields, timeZone);
  if (t === null) return { kind: 'error', message: `unknown time zone “${timeZone}”` };
  if (loop !== '' && !/^[A-Za-z0-9_-]{1,16}$/.test(loop)) return { kind: 'error', message: `loop “${loop.slice(0, 40)}” must be up to 16 letters or digits` };
  if (lap !== '' && !/^\d{1,9}$/.test(lap)) return { kind: 'error', message: `lap “${lap.slice(0, 40)}” must be a whole number` };
  const bat = battery === '' ? null : Number(battery);
  if (bat !== null && (!Number.isFinite(bat) || bat < 0 || bat > 100)) return { kind: 'error', message: `battery “${battery.slice(0, 40)}” must be a percentage from 0 to 100` };
  if (rewind !== '' && rewind !== '0' && rewind !== '1') return { kind: 'error', message: `rewind “${rewind.slice(0, 40)}” must be 0 or 1` };
  return {
    kind: 'passing',
    passing: { chip, t, loop: loop || null, lap: lap === '' ? null : Number(lap), battery: bat, rewind: rewind === '1' },
  };
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

function validCalendar(w: Wall): boolean {
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return false;
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day));
  return d.getUTCDate() === w.day;
}

const formats = new Map<string, Intl.DateTimeFormat | null>();

function formatFor(timeZone: string): Intl.DateTimeFormat | null {
  let f = formats.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      f = null;
    }
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA time zone. */
export const isTimeZone = (timeZone: string) => formatFor(timeZone) !== null;

/**
 * Offsets already worked out, per zone, by quarter hour: every zone changes its offset only on a quarter
 * hour, and formatting a date is most of the cost of reading a line. Bounded; cleared when full.
 */
const offsets = new Map<Intl.DateTimeFormat, Map<number, number>>();
const QUARTER_HOUR_MS = 900_000;
const OFFSETS_KEPT = 4096;

/** The zone's offset from UTC at instant `t` (ms): local minus UTC. */
function offsetAt(f: Intl.DateTimeFormat, t: number): number {
  const quarter = Math.floor(t / QUARTER_HOUR_MS);
  let known = offsets.get(f);
  if (!known) offsets.set(f, (known = new Map()));
  let offset = known.get(quarter);
  if (offset === undefined) {
    if (known.size >= OFFSETS_KEPT) known.clear();
    offset = formattedOffset(f, quarter * QUARTER_HOUR_MS);
    known.set(quarter, offset);
  }
  return offset;
}

function formattedOffset(f: Intl.DateTimeFormat, t: number): number {
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const get = (k: string) => p[k] ?? 0;
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(t / 1000) * 1000;
}

/**
 * The instant a wall-clock time in `timeZone` names; null for an unknown zone. In the hour a clock skips
 * (spring forward) the time is read with the offset before the change; in the hour it repeats, the first.
 */
export function zonedToEpoch(w: Wall, timeZone: string): number | null {
  const f = formatFor(timeZone);
  if (!f) return null;
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  // The zone's offsets a day either side cover both sides of any change of offset near this time.
  const before = offsetAt(f, asUtc - 86_400_000);
  const after = offsetAt(f, asUtc + 86_400_000);
  const named = [asUtc - before, asUtc - after].filter((t) => offsetAt(f, t) === asUtc - t);
  return named.length ? Math.min(...named) : asUtc - before;
}
