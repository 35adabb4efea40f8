/** The tables removals walk, the same in every engine: an event's rows, and a runner's. */

/** Every table with an `event` column. */
export const EVENT_TABLES = [
  'positions',
  'skipped_seqs',
  'moods',
  'samples',
  'cheers',
  'runners',
  'share_links',
  'checkpoints',
  'alerts',
  'avatars',
  'courses',
  'timing_points',
  'passings',
  'trackers',
  'controls',
  'push_subscriptions',
] as const;

/**
 * Every table with a `runner` column, but the runners table itself. A runner's passings stay: they are the
 * chip's, and the timing point's record of it.
 */
export const RUNNER_TABLES = ['positions', 'skipped_seqs', 'moods', 'cheers', 'checkpoints', 'alerts', 'avatars', 'trackers', 'controls', 'push_subscriptions'] as const;
