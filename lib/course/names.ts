/**
 * Names in a course (the course's own, its lines', its checkpoints') are shown to everyone watching, so they
 * are cleaned as runners' names are: no control characters, no bidirectional overrides that would turn the
 * text around it, no name made only of characters that draw nothing.
 */
import { cleanText, hasVisibleText } from '../text';

/** Course and line names longer than this are cut (a description pasted as a name). */
export const MAX_COURSE_NAME = 120;

/** The name on one line, at most `max` characters; null when nothing visible is left. */
export function cleanName(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const s = cleanText(value.replace(/\s+/g, ' ')).slice(0, max).trim();
  return s && hasVisibleText(s) ? s : null;
}
