/**
 * The start list over HTTP, for the organiser: import (a CSV file as timing software exports it, or entries
 * as JSON), with ?dryRun=1 answering the same checks without saving; the list with claim codes (JSON, or
 * CSV to print); one entry corrected; a new claim code. docs/api.md#start-list.
 */
import { z } from 'zod';
import { type EntryFields, EntryFieldsSchema } from '../../../lib/entries/entry';
import { goodEntries, readStartList, rowProblems } from '../../../lib/entries/start-list';
import { ErrorCode } from '../../../lib/protocol';
import { readBody } from '../body';
import { HttpError, sendJson } from '../errors';
import { type ApiRequest, ask, command, organiser } from './context';

/** Largest start list read: about 30,000 entries of a dozen columns. */
export const MAX_START_LIST_BYTES = 4 * 1024 * 1024;

/** A row the organiser must fix, as the API reports it: the file's line when it came from a file. */
interface RowProblem {
  line?: number;
  index: number;
  bib: string;
  errors: string[];
}

const ImportBody = z.object({ entries: z.array(z.unknown()).min(1).max(100_000) }).strict();

const refuseRows = (rows: RowProblem[], total: number): never => {
  const first = rows[0]!;
  const where = first.line !== undefined ? `line ${first.line}` : `entry ${first.index + 1}`;
  throw new HttpError(
    400,
    ErrorCode.BadEntries,
    `${rows.length} of ${total} entries cannot be saved (${where}: ${first.errors[0]}); nothing was saved. Fix them and send the list again.`,
    {},
    { rows: rows.slice(0, 1000) },
  );
};

/** The entries of the request, or the rows to fix. A CSV file is read as the organiser page reads it. */
async function entriesOf(r: ApiRequest<'importEntries'>): Promise<{ entries: EntryFields[]; lines: number[] | null }> {
  const body = await readBody(r.req, MAX_START_LIST_BYTES);
  const type = r.req.headers['content-type'] ?? '';
  if (/^application\/json\b/i.test(type)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, ErrorCode.BadJson, 'Request body must be JSON: {"entries": [...]}.');
    }
    const list = ImportBody.safeParse(parsed);
    if (!list.success) throw new HttpError(400, ErrorCode.BadEntries, 'Send {"entries": [...]}: one object per runner, at least one.');
    const entries: EntryFields[] = [];
    const rows: RowProblem[] = [];
    list.data.entries.forEach((raw, index) => {
      const e = EntryFieldsSchema.safeParse(raw);
      if (e.success) entries.push(e.data);
      else {
        const bib = typeof (raw as { bib?: unknown })?.bib === 'string' ? (raw as { bib: string }).bib : '';
        rows.push({ index, bib, errors: e.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`) });
      }
    });
    if (rows.length) refuseRows(rows, list.data.entries.length);
    return { entries, lines: null };
  }
  if (type && !/^(text\/(csv|plain)|application\/(vnd\.ms-excel|octet-stream))\b/i.test(type)) {
    throw new HttpError(415, ErrorCode.BadFormat, 'Send the start list as CSV (Content-Type: text/csv) or as JSON {"entries": [...]}.');
  }
  const list = readStartList(body.toString('utf8'), new Date(r.ctx.live.now()).getUTCFullYear());
  if (list.problem) throw new HttpError(400, ErrorCode.BadEntries, list.problem);
  if (list.rows.length === 0) throw new HttpError(400, ErrorCode.BadEntries, 'The file has a header row and no runners.');
  const entries = goodEntries(list.rows);
  if (!entries) {
    refuseRows(
      list.rows.filter((row) => rowProblems(row).length).map((row) => ({ line: row.line, index: list.rows.indexOf(row), bib: row.values.bib ?? '', errors: rowProblems(row) })),
      list.rows.length,
    );
  }
  return { entries: entries!, lines: list.rows.map((row) => row.line) };
}

/** POST …/entries: import a start list (CSV or JSON); ?dryRun=1 checks it against the event and saves nothing. */
export async function importEntries(r: ApiRequest<'importEntries'>): Promise<void> {
  const event = await organiser(r);
  const { entries, lines } = await entriesOf(r);
  const toRows = (problems: Array<{ index: number; bib: string; message: string }>): RowProblem[] => {
    const byIndex = new Map<number, RowProblem>();
    for (const p of problems) {
      const row = byIndex.get(p.index) ?? { ...(lines ? { line: lines[p.index]! } : {}), index: p.index, bib: p.bib, errors: [] };
      row.errors.push(p.message);
      byIndex.set(p.index, row);
    }
    return [...byIndex.values()];
  };
  if (r.query.dryRun === '1') {
    const problems = await ask(r, { ask: 'checkEntries', entries });
    if (problems.length) refuseRows(toRows(problems), entries.length);
    return sendJson(r.res, 200, { entries: entries.length, saved: false });
  }
  const out = (await command(r, event, { do: 'importEntries', entries }))!;
  if (out.problems.length) refuseRows(toRows(out.problems), entries.length);
  sendJson(r.res, 200, { created: out.created, updated: out.updated, saved: true });
}

/** A CSV field as spreadsheets read it back. */
const csvField = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** GET …/entries: the start list with claim codes; ?format=csv to print (bib, name, claim code, chip …). */
export async function listEntries(r: ApiRequest<'entries'>): Promise<void> {
  await organiser(r);
  const entries = await ask(r, { ask: 'entries' });
  if (r.query.format !== 'csv') return sendJson(r.res, 200, { entries });
  const head = ['Bib', 'First name', 'Last name', 'Claim code', 'Sex', 'Year of birth', 'Age group', 'Category', 'Club', 'Wave', 'Chip', 'Claimed'];
  const lines = entries.map(({ bib, entry: e, claimed }) =>
    [bib, e.firstName, e.lastName, e.claimCode, e.sex, e.birthYear, e.ageGroup, e.category, e.club, e.wave, e.chip, claimed ? 'yes' : 'no'].map(csvField).join(','),
  );
  const body = `\uFEFF${[head.join(','), ...lines].join('\r\n')}\r\n`;
  r.res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${r.params.id}-start-list.csv"`,
    'cache-control': 'no-store',
  });
  r.res.end(body);
}

/** PUT …/entries/<runner>: the corrected entry (every field; its claim code stays). */
export async function editEntry(r: ApiRequest<'editEntry'>): Promise<void> {
  const event = await organiser(r);
  const fields = await r.body();
  const out = await command(r, event, { do: 'editEntry', runnerId: r.params.runner, fields });
  if (!out) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not on the start list.');
  if (out.problems.length) throw new HttpError(400, ErrorCode.BadEntry, `The entry cannot be saved: ${out.problems.map((p) => p.message).join('; ')}.`);
  sendJson(r.res, 200, { saved: true });
}

/** POST …/entries/<runner>/claim-code: a new claim code (answered); a phone that claimed the entry is let go. */
export async function newClaimCode(r: ApiRequest<'newClaimCode'>): Promise<void> {
  const event = await organiser(r);
  const code = await command(r, event, { do: 'newClaimCode', runnerId: r.params.runner });
  if (!code) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not on the start list.');
  sendJson(r.res, 200, { claimCode: code });
}
