/** Text other people will read: what is stripped from it, and whether anything visible is left. */

/** Strip control characters and surrounding white space: names and cheers are shown to other people. */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
}

/**
 * Characters that draw nothing, or nothing a reader can tell apart from a gap: format characters (soft
 * hyphen, zero-width and byte-order marks, word joiners), separators, Hangul fillers, the blank Braille
 * pattern, combining marks with nothing to combine with, and variation selectors.
 */
// Combining marks are listed on purpose: a mark with nothing to combine with draws nothing.
// eslint-disable-next-line no-misleading-character-class
const BLANK = /[\p{Cf}\p{Z}\p{M}\u3164\u115F\u1160\uFFA0\u2800\u180E\u034F\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;

/** Whether a text shows at least one letter, digit, punctuation mark or symbol. */
export function hasVisibleText(s: string): boolean {
  return s.replace(BLANK, '').length > 0;
}
