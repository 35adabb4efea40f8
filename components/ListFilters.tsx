'use client';

import { type Facets, FILTER_FIELDS, FILTER_LABEL, type FilterField, type ListFilter } from '../lib/runner-filter';

const SEX_WORD: Record<string, string> = { F: 'women', M: 'men', X: 'non-binary' };

/** Menus that narrow the runner list to a category, sex, age group, club or wave (those the start list has). */
export function ListFilters({ facets, filter, onChange }: { facets: Facets | undefined; filter: ListFilter; onChange: (filter: ListFilter) => void }) {
  if (!facets) return null;
  const fields = FILTER_FIELDS.filter((f) => facets[f].length > 1 || filter[f]);
  if (fields.length === 0) return null;
  const set = (field: FilterField, value: string) => onChange({ ...filter, [field]: value || undefined });
  const any = fields.some((f) => filter[f]);
  return (
    <div className="list-filters" role="group" aria-label="Filter the runners">
      {fields.map((f) => (
        <label key={f} className="list-filter">
          <span>{FILTER_LABEL[f]}</span>
          <select value={filter[f] ?? ''} onChange={(e) => set(f, e.target.value)} data-testid={`filter-${f}`}>
            <option value="">All</option>
            {facets[f].map((v) => (
              <option key={v} value={v}>
                {f === 'sex' ? (SEX_WORD[v] ?? v) : v}
              </option>
            ))}
          </select>
        </label>
      ))}
      {any && (
        <button type="button" className="btn ghost small" onClick={() => onChange({})}>
          Clear
        </button>
      )}
    </div>
  );
}
