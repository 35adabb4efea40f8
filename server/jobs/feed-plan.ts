/**
 * When to poll which satellite tracker, within the request budget. Garmin allows 2,000 requests an hour
 * from one address for all MapShare feeds together; SPOT asks for one request per feed every 2.5 minutes.
 * So: every tracker is polled every `intervalMs`, stretched when the trackers of all live events together
 * would need more requests an hour than the budget, and each request takes a token from a bucket sized so
 * that no hour, counted from any moment, sees more than the budget. Pure: the clock is injected.
 */
import { type Buckets, KeyedBuckets } from '../limits/token-bucket';
import type { TrackerRecord } from '../storage/store';

/** Every tracker is polled this often at most, whatever TRACKER_POLL_SECONDS says: SPOT's own limit. */
export const MIN_POLL_MS = 10_000;

/** How often each of `trackers` can be polled so that all of them fit `perHour` requests. */
export function pollInterval(trackers: number, intervalMs: number, perHour: number): number {
  return Math.max(MIN_POLL_MS, intervalMs, Math.ceil((trackers * 3600_000) / Math.max(1, perHour)));
}

/** The trackers due now (never polled, or not for `intervalMs`), longest waiting first. */
export function duePolls<T extends { tracker: TrackerRecord }>(trackers: readonly T[], now: number, intervalMs: number): T[] {
  return trackers
    .filter(({ tracker }) => tracker.polledAt === null || now - tracker.polledAt >= intervalMs)
    .sort((a, b) => (a.tracker.polledAt ?? -Infinity) - (b.tracker.polledAt ?? -Infinity) || a.tracker.addedAt - b.tracker.addedAt);
}

/**
 * Requests to the feeds, at most `perHour` in any hour: a burst of a thirtieth of it (two minutes' worth,
 * for trackers added at once), refilled at what is left over the hour. With several instances the bucket is
 * the cluster's (the backplane's), so the polling job may run on any of them.
 */
export class FeedBudget {
  readonly burst: number;
  private readonly buckets: Buckets;

  constructor(
    readonly perHour: number,
    buckets: (capacity: number, perSecond: number) => Buckets = (capacity, perSecond) => new KeyedBuckets(capacity, perSecond),
  ) {
    this.burst = Math.max(1, Math.floor(perHour / 30));
    this.buckets = buckets(this.burst, Math.max(0, perHour - this.burst) / 3600);
  }

  /** Take one request; false (taking none) when the budget is spent for now. */
  take(): boolean | Promise<boolean> {
    return this.buckets.take('feeds');
  }
}
