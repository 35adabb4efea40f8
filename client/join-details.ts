/**
 * "About you" on the runner's join form, as typed, and what it becomes: the details a runner who is not on
 * the start list joins with (lib/entries/entry.ts JoinDetailsSchema), or the sentence to show when a field
 * cannot be right.
 */
import { ENTRY_LIMITS, type JoinDetails } from '../lib/entries/entry';

export interface DetailsForm {
  sex: '' | 'F' | 'M' | 'X';
  birthYear: string;
  category: string;
  club: string;
}

export const EMPTY_DETAILS: DetailsForm = { sex: '', birthYear: '', category: '', club: '' };

export function detailsFromForm(form: DetailsForm, thisYear: number): { details: JoinDetails } | { problem: string } {
  const year = form.birthYear.trim();
  let birthYear: number | null = null;
  if (year) {
    birthYear = /^\d{4}$/.test(year) ? Number(year) : NaN;
    if (!(birthYear >= ENTRY_LIMITS.minBirthYear && birthYear <= thisYear)) {
      return { problem: `Give your year of birth as four digits (${ENTRY_LIMITS.minBirthYear} to ${thisYear}), or leave it empty.` };
    }
  }
  const text = (s: string) => s.trim() || null;
  return { details: { sex: form.sex || null, birthYear, category: text(form.category), club: text(form.club) } };
}
