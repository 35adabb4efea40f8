/**
 * A start-list entry: who a runner is on the organiser's list. A runner from the start list may never carry
 * a phone; one who does claims their entry with its claim code. Spectators see the public part only
 * (`publicEntry`): never the birth year, the chip or the claim code.
 */
import { z } from 'zod';
import { cleanText, hasVisibleText } from '../text';

export type Sex = 'F' | 'M' | 'X';

/** What a start list says of one runner, before the server gives it a claim code. */
export interface EntryFields {
  bib: string;
  /** The name as the list gives it: first and last, or whole in `lastName` when the list has one name column. */
  firstName: string | null;
  lastName: string | null;
  sex: Sex | null;
  birthYear: number | null;
  ageGroup: string | null;
  /** The race or distance the runner entered ("Half marathon", "10 km"). */
  category: string | null;
  club: string | null;
  wave: string | null;
  /** Timing chip (transponder) code, as the decoder reports it. */
  chip: string | null;
}

/** An entry as the server keeps it (the bib lives on the runner record). */
export interface Entry extends Omit<EntryFields, 'bib'> {
  /** Lets a runner claim this entry from a phone; shown to the organiser only. */
  claimCode: string;
  /**
   * Given by the runner when joining from their phone, not from the start list: it counts for categories and
   * age groups, but it is not a start-list entry (nothing to claim, not in the organiser's list).
   */
  walkIn?: true;
}

/** An entry of the start list (not the details a runner gave when joining). */
export const fromStartList = (e: Entry | null | undefined): e is Entry => !!e && !e.walkIn;

/** What spectators see of an entry. */
export const PublicEntrySchema = z
  .object({
    sex: z.enum(['F', 'M', 'X']).nullable(),
    ageGroup: z.string().nullable(),
    category: z.string().nullable().describe('The race or distance the runner entered.'),
    club: z.string().nullable(),
    wave: z.string().nullable(),
  })
  .meta({ id: 'PublicEntry' });
export type PublicEntry = z.infer<typeof PublicEntrySchema>;

export const ENTRY_LIMITS = {
  nameMax: 40,
  textMax: 40,
  clubMax: 60,
  chipMax: 32,
  minBirthYear: 1900,
} as const;

export function publicEntry(e: Entry): PublicEntry {
  return { sex: e.sex, ageGroup: e.ageGroup, category: e.category, club: e.club, wave: e.wave };
}

/** The name shown for an entry: first and last name, or whichever there is. */
export function entryName(e: Pick<EntryFields, 'firstName' | 'lastName'>): string {
  return [e.firstName, e.lastName].filter((p): p is string => !!p).join(' ');
}

/** Chips are matched as decoders report them, whatever the case. */
export const chipKey = (chip: string) => chip.trim().toUpperCase();

const optionalText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .transform(cleanText)
    .pipe(z.string().max(max, `at most ${max} characters`))
    .transform((s) => (s === '' || !hasVisibleText(s) ? null : s))
    .nullish()
    .transform((v) => v ?? null);

const sexField = z.enum(['F', 'M', 'X']).nullish().transform((v) => v ?? null);
const birthYearField = z
  .number()
  .int()
  .min(ENTRY_LIMITS.minBirthYear)
  .max(2100)
  .nullish()
  .transform((v) => v ?? null);

/**
 * What a runner who is not on the start list tells about themselves when joining from their phone (race-day
 * registration): it becomes their entry, so categories, age groups, clubs and their places count them too.
 */
export const JoinDetailsSchema = z
  .object({
    sex: sexField,
    birthYear: birthYearField,
    category: optionalText(ENTRY_LIMITS.textMax),
    club: optionalText(ENTRY_LIMITS.clubMax),
  })
  .meta({ id: 'JoinDetails' });
export type JoinDetails = z.infer<typeof JoinDetailsSchema>;

/** Whether the details say anything at all (none: the runner joins without an entry, as before). */
export const saysAnything = (d: JoinDetails | null | undefined): d is JoinDetails =>
  !!d && (d.sex !== null || d.birthYear !== null || d.category !== null || d.club !== null);

/** One entry as the API takes it (JSON import and edits): the same rules the CSV reader applies. */
export const EntryFieldsSchema = z
  .object({
    bib: z.string().trim().regex(/^[A-Za-z0-9-]{1,8}$/, 'bib: 1 to 8 letters, digits or dashes'),
    firstName: optionalText(ENTRY_LIMITS.nameMax),
    lastName: optionalText(ENTRY_LIMITS.nameMax),
    sex: sexField,
    birthYear: birthYearField,
    ageGroup: optionalText(ENTRY_LIMITS.textMax),
    category: optionalText(ENTRY_LIMITS.textMax),
    club: optionalText(ENTRY_LIMITS.clubMax),
    wave: optionalText(ENTRY_LIMITS.textMax),
    chip: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'chip: 1 to 32 letters, digits, dashes or underscores')
      .nullish()
      .or(z.literal('').transform(() => null))
      .transform((v) => v ?? null),
  })
  .strict()
  .refine((e) => e.firstName !== null || e.lastName !== null, { message: 'a name is needed', path: ['lastName'] })
  .refine((e) => entryName(e).length <= ENTRY_LIMITS.nameMax, {
    message: `first and last name together: at most ${ENTRY_LIMITS.nameMax} characters`,
    path: ['lastName'],
  });

/** Letters and digits that cannot be mistaken for one another on paper (no 0/O, 1/I/L): 31^8 ≈ 8.5e11 codes. */
export const CLAIM_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CLAIM_CODE_LENGTH = 8;

/** A claim code as typed on a phone: case, spaces and dashes do not matter. */
export const normaliseClaimCode = (code: string) => code.toUpperCase().replace(/[\s-]+/g, '');

export const ClaimCodeSchema = z
  .string()
  .max(40)
  .transform(normaliseClaimCode)
  .pipe(z.string().regex(new RegExp(`^[${CLAIM_ALPHABET}]{${CLAIM_CODE_LENGTH}}$`), `a claim code has ${CLAIM_CODE_LENGTH} letters and digits`));
