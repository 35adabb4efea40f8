/**
 * Results as a results service reads them: place overall, in the runner's category, sex and age group;
 * bib, name, category, club, wave, status; gun and chip time; the elapsed time at every split. Pure: the
 * room gives the standings and the races, the export writes the rows (CSV or JSON) one at a time.
 */
import type { PublicEntry } from '../entries/entry';
import { MAT_AT_POINT_M } from './mats';
import type { RunnerRace, TimingPoint } from './race';
import type { Standing } from './standings';
import type { DistanceUnit } from './units';

/**
 * A runner's status in the results. What this branch knows is finished, running or not started; other
 * statuses (DNF, DSQ …) are more values of the same column.
 */
export type ResultStatus = Standing['status'] | (string & {});

export interface SplitColumn {
  label: string;
  /** Metres from the start. */
  at: number;
  /** Index into the course's timing points; -1 for a timing mat's column. */
  index: number;
  /** The timing mat's id, for a mat's column: its passings are the exact split. */
  mat?: string;
}

export interface ResultInput {
  id: string;
  bib: string | null;
  name: string;
  entry: PublicEntry | null;
  standing: Standing;
  race: RunnerRace;
  /** Overrides the standing's status (a later status rule: DNF, DSQ …). */
  status?: ResultStatus;
  /** When each timing mat saw the runner (ms), by mat id. */
  mats?: ReadonlyMap<string, number>;
}

export interface ResultRow {
  place: number | null;
  categoryPlace: number | null;
  sexPlace: number | null;
  ageGroupPlace: number | null;
  id: string;
  bib: string | null;
  name: string;
  sex: PublicEntry['sex'];
  ageGroup: string | null;
  category: string | null;
  club: string | null;
  wave: string | null;
  status: ResultStatus;
  /** Seconds from the wave's gun to the finish. */
  gunTime: number | null;
  /** Seconds from the runner's own start (their crossing of the line) to the finish. */
  chipTime: number | null;
  /** The runner's own start and finish (ms). */
  start: number | null;
  finish: number | null;
  /** Seconds from the runner's own start at each split column; null where not passed (or not seen). */
  splits: Array<number | null>;
}

/** The splits a results service lists: every checkpoint and every kilometre or mile of the event's unit (the finish is its own column). */
export function splitColumns(points: readonly TimingPoint[], unit: DistanceUnit): SplitColumn[] {
  const out: SplitColumn[] = [];
  points.forEach((p, index) => {
    if (p.kind === 'checkpoint' || p.kind === unit) out.push({ label: p.label, at: p.at, index });
  });
  return out;
}

/** The splits with the event's timing mats among them (the start and finish mats are columns of their own), by distance. */
export function withMatColumns(columns: readonly SplitColumn[], mats: ReadonlyArray<{ id: string; name: string; at: number }>, length: number): SplitColumn[] {
  // As the race reads mats: one within a metre of the start or the finish is that line's.
  const inner = mats.filter((m) => m.at >= MAT_AT_POINT_M && m.at <= length - MAT_AT_POINT_M).map((m): SplitColumn => ({ label: m.name, at: m.at, index: -1, mat: m.id }));
  return [...columns, ...inner].sort((a, b) => a.at - b.at || (a.mat ? 1 : 0) - (b.mat ? 1 : 0));
}

/** Places within groups (category, sex …): the order of `rows` (the race order), counting only placed rows with a group. */
export function groupPlaces<T>(rows: readonly T[], placed: (row: T) => boolean, group: (row: T) => string | null): Array<number | null> {
  const counts = new Map<string, number>();
  return rows.map((row) => {
    const key = group(row);
    if (key === null || !placed(row)) return null;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    return n;
  });
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/** Result rows in race order (the inputs' standings must be in race order already). */
export function resultRows(columns: readonly SplitColumn[], inputs: readonly ResultInput[]): ResultRow[] {
  const placed = (x: ResultInput) => x.standing.position !== null;
  const cat = groupPlaces(inputs, placed, (x) => x.entry?.category ?? null);
  const sex = groupPlaces(inputs, placed, (x) => x.entry?.sex ?? null);
  const ag = groupPlaces(inputs, placed, (x) => x.entry?.ageGroup ?? null);
  return inputs.map((x, i) => {
    const start = x.race.start?.t ?? null;
    return {
      place: x.standing.position,
      categoryPlace: cat[i]!,
      sexPlace: sex[i]!,
      ageGroupPlace: ag[i]!,
      id: x.id,
      bib: x.bib,
      name: x.name,
      sex: x.entry?.sex ?? null,
      ageGroup: x.entry?.ageGroup ?? null,
      category: x.entry?.category ?? null,
      club: x.entry?.club ?? null,
      wave: x.entry?.wave ?? null,
      status: x.status ?? x.standing.status,
      gunTime: round1(x.standing.gunSeconds),
      chipTime: round1(x.standing.finishSeconds),
      start: start === null ? null : Math.round(start),
      finish: x.race.finish === null ? null : Math.round(x.race.finish),
      splits: columns.map((c) => {
        const t = c.mat ? x.mats?.get(c.mat) : x.race.passings[c.index];
        return t === null || t === undefined || start === null ? null : round1((t - start) / 1000);
      }),
    };
  });
}

/** h:mm:ss.t, as timing software writes times; empty for none. */
export function formatResultTime(seconds: number | null): string {
  if (seconds === null) return '';
  const tenths = Math.round(seconds * 10);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = Math.floor((tenths % 600) / 10);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${tenths % 10}`;
}

/** The CSV header: fixed columns, then one per split. */
export function resultsCsvHeader(columns: readonly SplitColumn[]): string {
  const fixed = ['Place', 'Category Place', 'Sex Place', 'Age Group Place', 'Bib', 'Name', 'Sex', 'Age Group', 'Category', 'Club', 'Wave', 'Status', 'Gun Time', 'Chip Time'];
  return [...fixed, ...columns.map((c) => c.label)].map(csvField).join(',');
}

export function resultsCsvRow(row: ResultRow): string {
  const n = (v: number | null) => (v === null ? '' : String(v));
  return [
    n(row.place),
    n(row.categoryPlace),
    n(row.sexPlace),
    n(row.ageGroupPlace),
    row.bib ?? '',
    row.name,
    row.sex ?? '',
    row.ageGroup ?? '',
    row.category ?? '',
    row.club ?? '',
    row.wave ?? '',
    row.status,
    formatResultTime(row.gunTime),
    formatResultTime(row.chipTime),
    ...row.splits.map(formatResultTime),
  ]
    .map(csvField)
    .join(',');
}

/**
 * One CSV field: quoted when it holds a comma, quote or line break; a field a spreadsheet would run as a
 * formula (=, +, -, @ first) gets a leading apostrophe, since names and clubs come from strangers.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
