/** Delete events with no fix, mood or cheer for the retention period, and everything kept about them. */
import type { Live } from '../live/live';
import { log } from '../log';

export async function purgeInactive(live: Live, retentionMs: number): Promise<string[]> {
  const ids = await live.store.inactiveEvents(live.now() - retentionMs);
  for (const id of ids) await live.deleteEvent(id);
  if (ids.length) log('info', 'events_purged', { events: ids });
  return ids;
}
