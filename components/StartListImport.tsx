'use client';

import { useMemo, useState } from 'react';
import { ApiError, type EntryRowProblem } from '../client/api';
import type { EntryFields } from '../lib/entries/entry';
import { checkRow, type Field, goodEntries, markDuplicates, readStartList, rowProblems, type StartListRow } from '../lib/entries/start-list';

const FIELD_LABELS: Record<Field, string> = {
  bib: 'Bib',
  name: 'Name',
  firstName: 'First name',
  lastName: 'Last name',
  sex: 'Sex',
  birthYear: 'Birth year',
  ageGroup: 'Age group',
  category: 'Category',
  club: 'Club',
  wave: 'Wave',
  chip: 'Chip',
};

/** Rows shown in the preview at once; the rest are counted. */
const PREVIEW_ROWS = 8;

interface Preview {
  file: string;
  columns: Field[];
  ignored: string[];
  rows: StartListRow[];
  /** Problems the server found that the file alone does not show (a bib a phone runner has), by line. */
  server: Map<number, string[]>;
}

/**
 * Importing a start list: the CSV is read here (the same reader as the server's), previewed with the columns
 * recognised and every row that cannot be an entry, each fixable in place; saved only when nothing is left
 * to fix. The server checks it again (bibs of runners who joined by phone, chips on other entries).
 */
export function StartListImport({ onSave, disabled }: { onSave: (entries: EntryFields[]) => Promise<{ created: number; updated: number }>; disabled: boolean }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const thisYear = new Date().getFullYear();

  const read = async (file: File) => {
    setSaved(null);
    const list = readStartList(await file.text(), thisYear);
    if (list.problem) {
      setPreview(null);
      setProblem(`${file.name}: ${list.problem}`);
      return;
    }
    setProblem(null);
    setPreview({ file: file.name, columns: list.columns, ignored: list.ignored, rows: list.rows, server: new Map() });
  };

  const bad = useMemo(
    () => (preview ? preview.rows.filter((r) => rowProblems(r).length > 0 || preview.server.has(r.line)) : []),
    [preview],
  );
  const entries = preview && bad.length === 0 ? goodEntries(preview.rows) : null;

  const fix = (line: number, values: StartListRow['values']) => {
    if (!preview) return;
    const rows = markDuplicates(preview.rows.map((r) => (r.line === line ? checkRow(line, values, thisYear) : r)));
    const server = new Map(preview.server);
    server.delete(line);
    setPreview({ ...preview, rows, server });
  };

  const save = async () => {
    if (!preview || !entries) return;
    setSaving(true);
    try {
      const out = await onSave(entries);
      setSaved(`${out.created} runners added and ${out.updated} updated from ${preview.file}.`);
      setPreview(null);
    } catch (err) {
      const rows = err instanceof ApiError ? (err.detail.rows as EntryRowProblem[] | undefined) : undefined;
      if (rows?.length) {
        const server = new Map<number, string[]>();
        for (const r of rows) server.set(preview.rows[r.index]?.line ?? r.line ?? 0, r.errors);
        setPreview({ ...preview, server });
      }
      setProblem(err instanceof Error ? err.message : 'The start list could not be saved: try again.');
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="start-list-import" data-testid="start-list-import">
      <label className="field">
        <span>Import a start list (CSV, as RACE RESULT and other timing software export it)</span>
        <input
          type="file"
          accept=".csv,.txt,text/csv,text/plain"
          disabled={disabled}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void read(file);
            e.target.value = '';
          }}
        />
      </label>
      <p className="small muted">
        Columns are found by their names: bib (Bib, Startnummer, Dossard …), first and last name or name, sex, year or date of birth, age group,
        category or contest, club or team, wave, chip or transponder. Nothing is saved until every row is right.
      </p>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {saved && (
        <p className="alert info" role="status">
          {saved}
        </p>
      )}
      {preview && (
        <div className="import-preview" data-testid="import-preview">
          <p role="status">
            <strong>{preview.file}</strong>: {preview.rows.length} runners; columns {preview.columns.map((c) => FIELD_LABELS[c]).join(', ')}
            {preview.ignored.length > 0 && <> (left out: {preview.ignored.join(', ')})</>}.{' '}
            {bad.length === 0 ? 'Every row is ready to save.' : `${bad.length} ${bad.length === 1 ? 'row needs' : 'rows need'} fixing before anything is saved.`}
          </p>
          <div className="preview-scroll">
            <table className="preview-table">
              <caption className="visually-hidden">The first rows of the start list</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  {preview.columns.map((c) => (
                    <th scope="col" key={c}>
                      {FIELD_LABELS[c]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.slice(0, PREVIEW_ROWS).map((r) => (
                  <tr key={r.line} className={rowProblems(r).length || preview.server.has(r.line) ? 'bad' : ''}>
                    <td>{r.line}</td>
                    {preview.columns.map((c) => (
                      <td key={c}>{r.values[c]}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.rows.length > PREVIEW_ROWS && <p className="small muted">… and {preview.rows.length - PREVIEW_ROWS} more rows.</p>}
          {bad.slice(0, 20).map((r) => (
            <RowFix key={r.line} row={r} columns={preview.columns} extra={preview.server.get(r.line) ?? []} onFix={fix} />
          ))}
          {bad.length > 20 && <p className="small">{bad.length - 20} more rows to fix: correct the file and import it again.</p>}
          <div className="row-actions">
            <button className="btn primary" type="button" disabled={!entries || saving || disabled} onClick={() => void save()}>
              {saving ? 'Saving…' : `Save ${preview.rows.length} entries`}
            </button>
            <button className="btn" type="button" onClick={() => setPreview(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** One row to fix: its problems, and its values in fields to correct. */
function RowFix({ row, columns, extra, onFix }: { row: StartListRow; columns: Field[]; extra: string[]; onFix: (line: number, values: StartListRow['values']) => void }) {
  const [values, setValues] = useState(row.values);
  const problems = [...rowProblems(row), ...extra];
  return (
    <form
      className="row-fix"
      aria-label={`Line ${row.line}`}
      data-line={row.line}
      onSubmit={(e) => {
        e.preventDefault();
        onFix(row.line, values);
      }}
    >
      <p className="form-error">
        <strong>Line {row.line}</strong>: {problems.join('; ')}.
      </p>
      <div className="row-fix-fields">
        {columns.map((c) => (
          <label className="field" key={c}>
            <span>{FIELD_LABELS[c]}</span>
            <input value={values[c] ?? ''} onChange={(e) => setValues({ ...values, [c]: e.target.value })} />
          </label>
        ))}
      </div>
      <button className="btn small" type="submit">
        Check line {row.line} again
      </button>
    </form>
  );
}
