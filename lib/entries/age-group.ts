/**
 * Age groups as road races give them when the start list does not: the runner's age on 31 December of the
 * race year (World Athletics' rule for masters), in five-year bands from 35, one open band from 20 to 34
 * and juniors under 20; prefixed with the sex when known ("F40", "M", "U20"). A group the list gives wins.
 */
import type { Sex } from './entry';

export function ageOn(birthYear: number, raceYear: number): number {
  return raceYear - birthYear;
}

/** The band of an age: "U20", "20" (open, 20–34), then "35", "40" … in fives. */
export function ageBand(age: number): string {
  if (age < 20) return 'U20';
  if (age < 35) return '20';
  return String(Math.floor(age / 5) * 5);
}

/** The age group of a runner: the one given, else from the birth year (null without one). */
export function ageGroupOf(e: { sex: Sex | null; birthYear: number | null; ageGroup: string | null }, raceYear: number): string | null {
  if (e.ageGroup) return e.ageGroup;
  if (e.birthYear === null || e.birthYear > raceYear) return null;
  return `${e.sex ?? ''}${ageBand(ageOn(e.birthYear, raceYear))}`;
}
