import type { HappinessSample } from '../lib/protocol';

/**
 * The chart's history: what the page has seen, carried across snapshots. A snapshot after a reconnect
 * (a tab back from the background, a network change) replaces the event view's samples; if it starts
 * later than what the page already drew, the older samples are kept in front of it.
 */
export function mergeHappiness(kept: readonly HappinessSample[], incoming: readonly HappinessSample[]): readonly HappinessSample[] {
  if (incoming.length === 0) return kept;
  const first = incoming[0]!.t;
  if (kept.length === 0 || kept[0]!.t >= first) return incoming;
  let lo = 0;
  let hi = kept.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (kept[mid]!.t < first) lo = mid + 1;
    else hi = mid;
  }
  return kept.slice(0, lo).concat(incoming);
}
