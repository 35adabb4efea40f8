'use client';

import type { DetailsForm } from '../../client/join-details';
import { ENTRY_LIMITS } from '../../lib/entries/entry';

/**
 * Sex, year of birth, category and club for a runner who is not on the start list, so the results by
 * category and age group count them. Folded away: most runners only want to share.
 */
export function AboutYou({ form, categories, locked, onChange }: { form: DetailsForm; categories: readonly string[]; locked: boolean; onChange: (form: DetailsForm) => void }) {
  const set = (change: Partial<DetailsForm>) => onChange({ ...form, ...change });
  const said = [form.category, form.club].some((s) => s.trim()) || form.sex !== '' || form.birthYear.trim() !== '';
  return (
    <details className="about-you" open={said || undefined}>
      <summary>
        About you (optional) <span className="small muted">for the results by category and age group</span>
      </summary>
      <div className="about-fields">
        <label className="field">
          Sex
          <select value={form.sex} disabled={locked} onChange={(e) => set({ sex: e.target.value as DetailsForm['sex'] })}>
            <option value="">Not given</option>
            <option value="F">Female</option>
            <option value="M">Male</option>
            <option value="X">Non-binary</option>
          </select>
        </label>
        <label className="field">
          Year of birth
          <input value={form.birthYear} inputMode="numeric" maxLength={4} placeholder="1988" autoComplete="bday-year" disabled={locked} onChange={(e) => set({ birthYear: e.target.value })} />
        </label>
        <label className="field">
          Category
          <input value={form.category} maxLength={ENTRY_LIMITS.textMax} list="event-categories" placeholder="Half marathon" disabled={locked} onChange={(e) => set({ category: e.target.value })} />
          <datalist id="event-categories">
            {categories.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <label className="field">
          Club
          <input value={form.club} maxLength={ENTRY_LIMITS.clubMax} placeholder="Your running club" autoComplete="organization" disabled={locked} onChange={(e) => set({ club: e.target.value })} />
        </label>
      </div>
    </details>
  );
}
