'use client';

import { type FormEvent, type MouseEvent, useMemo, useState } from 'react';
import { apiUrl, type EntryView } from '../client/api';
import { createRunnerSearch } from '../lib/course/search';
import type { EntryFields, Sex } from '../lib/entries/entry';

/** Entries listed at once; a search finds the rest. */
const SHOWN = 50;

type Draft = Record<keyof EntryFields, string>;

const toDraft = (e: EntryView): Draft => ({
  bib: e.bib,
  firstName: e.entry.firstName ?? '',
  lastName: e.entry.lastName ?? '',
  sex: e.entry.sex ?? '',
  birthYear: e.entry.birthYear === null ? '' : String(e.entry.birthYear),
  ageGroup: e.entry.ageGroup ?? '',
  category: e.entry.category ?? '',
  club: e.entry.club ?? '',
  wave: e.entry.wave ?? '',
  chip: e.entry.chip ?? '',
});

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

function fromDraft(d: Draft): EntryFields {
  return {
    bib: d.bib.trim(),
    firstName: orNull(d.firstName),
    lastName: orNull(d.lastName),
    sex: (orNull(d.sex)?.toUpperCase() as Sex | undefined) ?? null,
    birthYear: d.birthYear.trim() === '' ? null : Number(d.birthYear),
    ageGroup: orNull(d.ageGroup),
    category: orNull(d.category),
    club: orNull(d.club),
    wave: orNull(d.wave),
    chip: orNull(d.chip),
  };
}

const LABELS: Array<[keyof EntryFields, string]> = [
  ['bib', 'Bib'],
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['sex', 'Sex (F, M or X)'],
  ['birthYear', 'Birth year'],
  ['ageGroup', 'Age group'],
  ['category', 'Category'],
  ['club', 'Club'],
  ['wave', 'Wave'],
  ['chip', 'Chip'],
];

/**
 * The start list for the organiser: find an entry by bib or name, see its claim code (to give the runner, or
 * printed with the list), correct it, or issue a new claim code (the phone that claimed it is let go).
 */
export function StartListEntries({
  eventId,
  token,
  entries,
  onEdit,
  onNewCode,
}: {
  eventId: string;
  token: string;
  entries: EntryView[];
  onEdit: (entry: EntryView, fields: EntryFields) => Promise<void>;
  onNewCode: (entry: EntryView) => Promise<void>;
}) {
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<{ entry: EntryView; draft: Draft } | null>(null);
  const search = useMemo(() => createRunnerSearch(entries.map((e) => ({ ...e, id: e.runnerId }))), [entries]);
  const shown = query.trim() ? search(query, SHOWN) : entries.slice(0, SHOWN);
  const claimed = entries.filter((e) => e.claimed).length;

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!editing) return;
    void onEdit(editing.entry, fromDraft(editing.draft)).then(() => setEditing(null));
  };

  return (
    <div className="start-list-entries" data-testid="start-list-entries">
      <p className="small">
        {entries.length} entries, {claimed} claimed from a phone.{' '}
        <a href={apiUrl('entries', { id: eventId }, { format: 'csv' })} onClick={(e) => downloadWithToken(e, eventId, token)}>
          Download the list with claim codes (CSV)
        </a>
      </p>
      {editing && (
        <form className="entry-editor" onSubmit={save} aria-label={`Edit bib ${editing.entry.bib}`}>
          <h3>
            Edit bib {editing.entry.bib}: {editing.entry.name}
          </h3>
          <div className="row-fix-fields">
            {LABELS.map(([key, label]) => (
              <label className="field" key={key}>
                <span>{label}</span>
                <input value={editing.draft[key]} onChange={(e) => setEditing({ ...editing, draft: { ...editing.draft, [key]: e.target.value } })} />
              </label>
            ))}
          </div>
          <div className="row-actions">
            <button className="btn primary" type="submit">
              Save the entry
            </button>
            <button className="btn" type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {entries.length > 0 && (
        <input className="runner-search" type="search" aria-label="Find an entry by bib or name" placeholder="Find an entry by bib or name" value={query} onChange={(e) => setQuery(e.target.value)} />
      )}
      {entries.length > 0 && (
        <div className="entries-scroll">
          <table className="entries-table">
            <caption className="visually-hidden">Start-list entries with their claim codes</caption>
            <thead>
              <tr>
                <th scope="col">Bib</th>
                <th scope="col">Name</th>
                <th scope="col" className="p2">
                  Chip
                </th>
                <th scope="col">Claim code</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => (
                <tr key={e.runnerId} data-bib={e.bib}>
                  <td>{e.bib}</td>
                  <td>
                    {e.name}
                    {e.entry.category && <span className="small muted"> · {e.entry.category}</span>}
                  </td>
                  <td className="p2">{e.entry.chip ?? '—'}</td>
                  <td>
                    <code className="claim-code">{e.entry.claimCode}</code>
                    {e.claimed && <span className="small muted"> (claimed)</span>}
                  </td>
                  <td className="row-actions">
                    <button className="btn small" type="button" aria-label={`Edit bib ${e.bib}`} onClick={() => setEditing({ entry: e, draft: toDraft(e) })}>
                      Edit
                    </button>
                    <button
                      className="btn small"
                      type="button"
                      aria-label={`New claim code for bib ${e.bib}`}
                      onClick={() => {
                        if (!e.claimed || window.confirm(`Bib ${e.bib} was claimed from a phone: a new code lets that phone go. Go on?`)) void onNewCode(e);
                      }}
                    >
                      New code
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {query.trim() && shown.length === 0 && <p className="small muted">No entry with that bib or name.</p>}
      {!query.trim() && entries.length > SHOWN && <p className="small muted">The first {SHOWN} are shown: search for the others.</p>}
    </div>
  );
}

/** The CSV needs the organiser token, which a plain link cannot send: fetch it and save it. */
function downloadWithToken(e: MouseEvent<HTMLAnchorElement>, eventId: string, token: string): void {
  e.preventDefault();
  void fetch(e.currentTarget.href, { headers: { authorization: `Bearer ${token}` } })
    .then((res) => res.blob())
    .then((blob) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${eventId}-start-list.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    });
}
