/**
 * Named points along a course ("Half way", "Water 3"), placed by distance from the start. They are what
 * spectators wait at, so they must be unambiguous: one name each, on the course, in course order.
 */
import { CourseError, CourseErrorCode, count, metres } from './errors';
import { cleanName } from './names';

export interface Checkpoint {
  name: string;
  /** Metres from the start along the course. */
  at: number;
  /** Cut-off: runners who have not passed by this time (ms since the epoch) are out of the race. */
  cutoff?: number | null;
}

export const MAX_CHECKPOINTS = 200;
export const MAX_CHECKPOINT_NAME = 40;
/**
 * A checkpoint typed at "the finish" by someone reading a rounded length (42.2 km for 42,195 m) would
 * otherwise be refused; anything within this much past the end is taken as the finish.
 */
const PAST_FINISH_SLACK_M = 100;

/** Checks a list of checkpoints against a course of `lengthM` metres and returns it sorted by distance. */
export function validateCheckpoints(input: readonly Checkpoint[], lengthM: number): Checkpoint[] {
  if (input.length > MAX_CHECKPOINTS) {
    throw new CourseError(
      CourseErrorCode.BadCheckpoint,
      `A course can have up to ${count(MAX_CHECKPOINTS)} checkpoints; this list has ${count(input.length)}: remove some.`,
    );
  }
  const seen = new Map<string, string>();
  const out: Checkpoint[] = [];
  input.forEach((cp, i) => {
    const name = cleanName(cp.name, Infinity) ?? '';
    const label = name ? `"${name}"` : `number ${i + 1}`;
    if (!name) {
      throw new CourseError(
        CourseErrorCode.BadCheckpoint,
        `Checkpoint ${label} has no name: give it one, such as "Water 3".`,
      );
    }
    if (name.length > MAX_CHECKPOINT_NAME) {
      throw new CourseError(
        CourseErrorCode.BadCheckpoint,
        `Checkpoint "${name.slice(0, 20)}…" has a name longer than ${MAX_CHECKPOINT_NAME} characters: shorten it.`,
      );
    }
    const key = name.toLocaleLowerCase('en');
    const clash = seen.get(key);
    if (clash !== undefined) {
      throw new CourseError(
        CourseErrorCode.BadCheckpoint,
        `Two checkpoints are called "${clash}": give each its own name.`,
      );
    }
    seen.set(key, name);
    if (typeof cp.at !== 'number' || !Number.isFinite(cp.at)) {
      throw new CourseError(
        CourseErrorCode.BadCheckpoint,
        `Checkpoint ${label} has no distance: give its distance from the start.`,
      );
    }
    if (cp.at < 0 || cp.at > lengthM + PAST_FINISH_SLACK_M) {
      throw new CourseError(
        CourseErrorCode.BadCheckpoint,
        `Checkpoint ${label} is at ${metres(cp.at)}, ${cp.at < 0 ? 'before the start' : `past the finish (${metres(lengthM)})`}: place it between 0 and ${metres(lengthM)}.`,
      );
    }
    if (cp.cutoff != null && (typeof cp.cutoff !== 'number' || !Number.isFinite(cp.cutoff) || cp.cutoff <= 0)) {
      throw new CourseError(CourseErrorCode.BadCheckpoint, `Checkpoint ${label} has a cut-off that is not a time: give a date and time, or none.`);
    }
    out.push({ name, at: Math.min(cp.at, lengthM), ...(cp.cutoff != null ? { cutoff: cp.cutoff } : {}) });
  });
  // Stable: two checkpoints at one distance keep the order they were given in.
  return out.sort((a, b) => a.at - b.at);
}
