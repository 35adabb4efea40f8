/**
 * One error type for everything a course can refuse, so a page or an API can show the message as it is
 * (it says what to do) and branch on `code` when it offers a fix (for example a choice between lines).
 */

export const CourseErrorCode = {
  Empty: 'empty',
  TooLarge: 'too-large',
  UnknownFormat: 'unknown-format',
  Zipped: 'zipped',
  InvalidXml: 'invalid-xml',
  InvalidJson: 'invalid-json',
  NoLine: 'no-line',
  SeveralLines: 'several-lines',
  Disconnected: 'disconnected',
  TooManyPoints: 'too-many-points',
  /** More lines in one file than anyone would choose a course from (read no further). */
  TooManyLines: 'too-many-lines',
  /** Elements or arrays nested deeper than any course file needs (read no further). */
  TooDeep: 'too-deep',
  /** The file took longer or more memory to read than any course should (the server stopped reading it). */
  TooComplex: 'too-complex',
  BadCoordinate: 'bad-coordinate',
  TooShort: 'too-short',
  BadCheckpoint: 'bad-checkpoint',
  BadCompact: 'bad-compact',
} as const;
export type CourseErrorCode = (typeof CourseErrorCode)[keyof typeof CourseErrorCode];

/** A line found in a file, described so that the person uploading it can say which one is the course. */
export interface LineSummary {
  /** "track", "route" or "line", as the file calls it. */
  kind: 'track' | 'route' | 'line';
  name: string | null;
  points: number;
  lengthM: number;
}

export class CourseError extends Error {
  readonly code: CourseErrorCode;
  /** Present for `several-lines`: the lines to choose from, in file order (`pick` takes an index into this). */
  readonly lines?: readonly LineSummary[];

  constructor(code: CourseErrorCode, message: string, lines?: readonly LineSummary[]) {
    super(message);
    this.name = 'CourseError';
    this.code = code;
    if (lines) this.lines = lines;
  }
}

/** "12,345": counts in messages read better grouped, and the same way on server and browser. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-GB');
}

/** "850 m" or "12.3 km", for messages (display units are the page's business). */
export function metres(m: number): string {
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}
