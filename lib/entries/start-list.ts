/**
 * A start list from a CSV file: which column is which (by the names RACE RESULT and other timing and
 * registration software export, in English, German, French, Spanish and Italian), each row as an entry or
 * the reasons it cannot be one, and bibs or chips used twice. Runs in the browser for the preview and on the
 * server for a file posted to the API, so both say the same.
 */
import { bibKey } from '../course/search';
import { type CsvLimits, readCsv } from './csv';
import { chipKey, ENTRY_LIMITS, entryName, type EntryFields, EntryFieldsSchema, type Sex } from './entry';

export type Field = keyof EntryFields | 'name';

/**
 * Column names per field, compared after `headerKey` (lower case, accents and everything but letters and
 * digits dropped: "AgeGroup1.Name" is "agegroup1name", "Prénom" is "prenom").
 */
const ALIASES: Record<Field, string[]> = {
  bib: ['bib', 'bibno', 'bibnumber', 'bibnr', 'startnumber', 'startno', 'startnr', 'stnr', 'startnummer', 'number', 'nr', 'no', 'racenumber', 'racenr', 'dossard', 'dorsal', 'pettorale', 'numero'],
  firstName: ['firstname', 'first', 'givenname', 'forename', 'vorname', 'prenom', 'nombre', 'nome'],
  lastName: ['lastname', 'last', 'surname', 'familyname', 'nachname', 'nom', 'apellido', 'apellidos', 'cognome'],
  name: ['name', 'fullname', 'displayname', 'athlete', 'participant', 'runner', 'teilnehmer', 'nomcomplet', 'nombrecompleto', 'nomecognome'],
  sex: ['sex', 'gender', 'geschlecht', 'sexe', 'sexo', 'sesso', 'mf'],
  birthYear: ['year', 'yob', 'yearofbirth', 'birthyear', 'dateofbirth', 'dob', 'birthdate', 'birthday', 'jahrgang', 'geburtsjahr', 'geburtsdatum', 'annee', 'anneedenaissance', 'datedenaissance', 'naissance', 'anonacimiento', 'fechadenacimiento', 'annodinascita', 'datadinascita'],
  ageGroup: ['agegroup', 'agegroup1', 'agegroupname', 'agegroupname1', 'agegroup1name', 'agecategory', 'agegrade', 'division', 'ak', 'altersklasse', 'klasse', 'categorieage', 'categoriadeedad', 'categoriaeta'],
  category: ['category', 'contest', 'contestname', 'contest1name', 'race', 'racename', 'event', 'eventname', 'distance', 'course', 'wettbewerb', 'strecke', 'lauf', 'distanz', 'epreuve', 'course', 'parcours', 'categorie', 'prueba', 'carrera', 'categoria', 'gara'],
  club: ['club', 'team', 'teamname', 'clubname', 'verein', 'mannschaft', 'equipe', 'equipo', 'squadra', 'societa'],
  wave: ['wave', 'startwave', 'wavename', 'corral', 'startblock', 'block', 'startgruppe', 'welle', 'vague', 'sas', 'oleada', 'cajon', 'griglia'],
  chip: ['chip', 'chipid', 'chipcode', 'chipnumber', 'chipno', 'transponder', 'transponder1', 'transponderid', 'transpondercode', 'tag', 'tagid', 'rfid', 'puce', 'chipnr'],
};

const FIELD_LABEL: Record<Field, string> = {
  bib: 'bib',
  firstName: 'first name',
  lastName: 'last name',
  name: 'name',
  sex: 'sex',
  birthYear: 'birth year',
  ageGroup: 'age group',
  category: 'category',
  club: 'club',
  wave: 'wave',
  chip: 'chip',
};

export const headerKey = (header: string) =>
  header
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

const BY_ALIAS = new Map<string, Field>();
for (const [field, names] of Object.entries(ALIASES) as Array<[Field, string[]]>) for (const n of names) if (!BY_ALIAS.has(n)) BY_ALIAS.set(n, field);

export interface ColumnMap {
  /** Column index per field found. */
  columns: Partial<Record<Field, number>>;
  /** Headers that are none of the fields, left out. */
  ignored: string[];
}

/** Which column is which; the first column of a field wins (a second "Transponder" is left out). */
export function mapColumns(headers: readonly string[]): ColumnMap {
  const columns: Partial<Record<Field, number>> = {};
  const ignored: string[] = [];
  headers.forEach((h, i) => {
    const field = BY_ALIAS.get(headerKey(h));
    if (field && columns[field] === undefined) columns[field] = i;
    else if (h.trim()) ignored.push(h.trim());
  });
  return { columns, ignored };
}

const SEXES: Record<string, Sex> = {};
for (const s of ['f', 'w', 'female', 'woman', 'women', 'weiblich', 'frau', 'frauen', 'damen', 'femme', 'femmes', 'mujer', 'femenino', 'donna', 'donne', 'femminile']) SEXES[s] = 'F';
for (const s of ['m', 'h', 'male', 'man', 'men', 'mannlich', 'maennlich', 'mann', 'manner', 'herren', 'homme', 'hommes', 'hombre', 'masculino', 'uomo', 'uomini', 'maschile']) SEXES[s] = 'M';
for (const s of ['x', 'd', 'nb', 'nonbinary', 'divers', 'diverse', 'other', 'autre', 'otro', 'altro']) SEXES[s] = 'X';

function parseSex(value: string): Sex | null | Error {
  if (!value.trim()) return null;
  return SEXES[headerKey(value)] ?? new Error(`sex “${value.trim()}” is not F, M or X (W, female, D, non-binary … are understood too)`);
}

/** A year of birth, or the year of a date of birth in any order (2004-03-01, 01.03.2004, 3/1/2004). */
function parseBirthYear(value: string, thisYear: number): number | null | Error {
  const v = value.trim();
  if (!v) return null;
  const years = v.match(/(?<!\d)\d{4}(?!\d)/g);
  if (!years || years.length !== 1 || !/^[\d\s./-]+$/.test(v)) return new Error(`birth year “${v}” is not a year or a date`);
  const y = Number(years[0]);
  if (y < ENTRY_LIMITS.minBirthYear || y > thisYear) return new Error(`birth year ${y} is not between ${ENTRY_LIMITS.minBirthYear} and ${thisYear}`);
  return y;
}

/** One row of the file: the entry it makes, or why it cannot. */
export interface StartListRow {
  /** Line of the file, from 1 (the header is line 1 or later). */
  line: number;
  /** The row's values by field, as read (trimmed): what a form shows to fix the row. */
  values: Partial<Record<Field, string>>;
  /** The entry the row makes on its own; null when `errors` says why not. */
  entry: EntryFields | null;
  /** Sentences a person can act on about the row itself; empty when it is good. */
  errors: string[];
  /** The row repeats a bib or chip of an earlier row (markDuplicates). */
  duplicate: string | null;
}

/** Everything wrong with a row. */
export const rowProblems = (row: StartListRow): string[] => (row.duplicate ? [...row.errors, row.duplicate] : row.errors);

/** The entries of a list with no problem left, or null while some row has one. */
export function goodEntries(rows: readonly StartListRow[]): EntryFields[] | null {
  const out: EntryFields[] = [];
  for (const row of rows) {
    if (!row.entry || row.duplicate) return null;
    out.push(row.entry);
  }
  return out;
}

export interface StartList {
  rows: StartListRow[];
  columns: Field[];
  ignored: string[];
  /** A problem with the whole file (no bib column, not CSV); the rows are empty then. */
  problem: string | null;
}

export const START_LIST_LIMITS: CsvLimits = { maxRecords: 100_001, maxField: 1000 };

/** Reads a start list file. `thisYear` bounds birth years (injected so tests do not depend on the date). */
export function readStartList(text: string, thisYear: number, limits: CsvLimits = START_LIST_LIMITS): StartList {
  let records;
  try {
    records = readCsv(text, limits);
  } catch (err) {
    return { rows: [], columns: [], ignored: [], problem: err instanceof Error ? err.message : String(err) };
  }
  const header = records[0];
  if (!header) return { rows: [], columns: [], ignored: [], problem: 'The file is empty: export the start list as CSV with a header row.' };
  const { columns, ignored } = mapColumns(header.fields);
  const found = (Object.keys(columns) as Field[]).sort((a, b) => columns[a]! - columns[b]!);
  if (columns.bib === undefined) {
    return {
      rows: [],
      columns: found,
      ignored,
      problem: `No bib column: the header row must name one (“Bib”, “Startnummer”, “Dossard” …). It has: ${header.fields.map((f) => `“${f.trim()}”`).join(', ')}.`,
    };
  }
  if (columns.name === undefined && columns.firstName === undefined && columns.lastName === undefined) {
    return { rows: [], columns: found, ignored, problem: 'No name column: the header row must name one (“Name”, or “First name” and “Last name”).' };
  }
  const rows = records.slice(1).map((record): StartListRow => {
    const values: Partial<Record<Field, string>> = {};
    for (const field of found) values[field] = (record.fields[columns[field]!] ?? '').trim();
    return checkRow(record.line, values, thisYear);
  });
  return { rows: markDuplicates(rows), columns: found, ignored, problem: null };
}

/**
 * One row's values (as read, or as the organiser corrected them) to an entry, or the reasons it cannot be
 * one. A single name column goes whole into `lastName` unless first and last columns are there too.
 */
export function checkRow(line: number, values: Partial<Record<Field, string>>, thisYear: number): StartListRow {
  const errors: string[] = [];
  const sex = parseSex(values.sex ?? '');
  if (sex instanceof Error) errors.push(sex.message);
  const birthYear = parseBirthYear(values.birthYear ?? '', thisYear);
  if (birthYear instanceof Error) errors.push(birthYear.message);
  const hasParts = !!(values.firstName?.trim() || values.lastName?.trim());
  const candidate = {
    bib: values.bib ?? '',
    firstName: hasParts ? (values.firstName ?? null) : null,
    lastName: hasParts ? (values.lastName ?? null) : (values.name ?? null),
    sex: sex instanceof Error ? null : sex,
    birthYear: birthYear instanceof Error ? null : birthYear,
    ageGroup: values.ageGroup ?? null,
    category: values.category ?? null,
    club: values.club ?? null,
    wave: values.wave ?? null,
    chip: values.chip ?? null,
  };
  if (!candidate.bib) errors.push('the bib is empty');
  const parsed = EntryFieldsSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as Field | undefined;
      if (field === 'bib' && !candidate.bib) continue;
      const label = field && field !== 'bib' && field !== 'chip' ? `${FIELD_LABEL[field]}: ` : '';
      errors.push(`${label}${issue.message}`);
    }
  }
  return { line, values, entry: errors.length === 0 && parsed.success ? parsed.data : null, errors, duplicate: null };
}

/** Bibs and chips must each be one runner's: every later row with one used before says so. */
export function markDuplicates(rows: readonly StartListRow[]): StartListRow[] {
  const bibs = new Map<string, number>();
  const chips = new Map<string, number>();
  return rows.map((row) => {
    const bib = row.values.bib?.trim();
    const chip = row.values.chip?.trim();
    let duplicate: string | null = null;
    const firstBib = bib ? bibs.get(bibKey(bib)) : undefined;
    const firstChip = chip ? chips.get(chipKey(chip)) : undefined;
    if (firstBib !== undefined) duplicate = `bib ${bib} is on line ${firstBib} already: give each runner their own`;
    else if (firstChip !== undefined) duplicate = `chip ${chip} is on line ${firstChip} already: give each runner their own`;
    if (bib && firstBib === undefined) bibs.set(bibKey(bib), row.line);
    if (chip && firstChip === undefined) chips.set(chipKey(chip), row.line);
    return duplicate === row.duplicate ? row : { ...row, duplicate };
  });
}

/** The display name the entry will have, for a preview. */
export const previewName = (row: StartListRow) => (row.entry ? entryName(row.entry) : [row.values.firstName, row.values.lastName ?? row.values.name].filter(Boolean).join(' '));
