/**
 * Reads CSV as timing software writes it (RFC 4180 and what spreadsheets do around it): a byte-order mark,
 * comma, semicolon or tab between fields (guessed from the header line: German and French exports use
 * semicolons), fields in double quotes with "" inside them and line breaks allowed, CRLF, LF or CR at line
 * ends. Blank lines are skipped. Each record keeps the line it started on, so errors can name it.
 */

export interface CsvRecord {
  /** Line of the file the record starts on, from 1. */
  line: number;
  fields: string[];
}

export interface CsvLimits {
  /** Records read at most (the header included); past it reading stops with an error. */
  maxRecords: number;
  /** Characters one field may have. */
  maxField: number;
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

const DELIMITERS = [',', ';', '\t'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** The delimiter the first line uses most, outside quotes; a comma when it has none (one column). */
export function guessDelimiter(text: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c as Delimiter)) counts.set(c as Delimiter, counts.get(c as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Every record of the text, in order. Throws a CsvError for an unclosed quote or a limit passed. */
export function readCsv(input: string, limits: CsvLimits, delimiter: Delimiter = guessDelimiter(input.replace(/^\uFEFF/, ''))): CsvRecord[] {
  const text = input.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let empty = true;

  const endField = () => {
    if (field.length > limits.maxField) throw new CsvError(`A field on line ${recordLine} is longer than ${limits.maxField} characters.`, recordLine);
    fields.push(field);
    field = '';
  };
  const endRecord = () => {
    endField();
    // A line with nothing on it (or only delimiters' worth of nothing) is not a record.
    if (!empty || fields.some((f) => f.trim() !== '')) {
      if (records.length >= limits.maxRecords) {
        throw new CsvError(`The file has more than ${limits.maxRecords - 1} rows: split it, or raise the event's runner limit first.`, recordLine);
      }
      records.push({ line: recordLine, fields });
    }
    fields = [];
    empty = true;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field.trim() === '') {
      // A quote opens a field only at its start (spaces before it are dropped, as spreadsheets do).
      field = '';
      quoted = true;
      quoteLine = line;
      empty = false;
    } else if (c === delimiter) {
      endField();
      empty = false;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += c;
      if (c !== ' ') empty = false;
    }
  }
  if (quoted) throw new CsvError(`The quote opened on line ${quoteLine} is never closed: check that line in the file.`, quoteLine);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
