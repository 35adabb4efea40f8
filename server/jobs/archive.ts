/** End live events nobody has used for a while: sharing stops, the map stays viewable. */
import type { Live } from '../live/live';
import { log } from '../log';
import { finish } from '../room/organiser';

/** `unloaded`: look in the store for inactive events no instance has loaded too (one instance does, per period). */
export async function archiveInactive(live: Live, afterMs: number, unloaded = true): Promise<string[]> {
  const finished: string[] = [];
  for (const room of [...live.rooms.all()]) {
    if (!room.inactiveFor(afterMs)) continue;
    const out = await live.runOn(room, finish, null);
    if (out.ok) finished.push(room.id);
  }
  for (const id of unloaded ? await live.store.inactiveEvents(live.now() - afterMs, { liveOnly: true }) : []) {
    if (live.rooms.peek(id) || live.index.info(id)?.status !== 'live') continue;
    const out = await live.run(id, { do: 'finish' }, null);
    if (out.ok) finished.push(id);
  }
  if (finished.length) log('info', 'events_archived', { events: finished });
  return finished;
}
