/** A runner's whole stored track, read page by page from the track endpoint as encoded trails. */
import { decodeTrail } from '../lib/polyline';
import { call, type Query, type ReadAccess, type TrailPage } from './api';
import type { TrackPoint } from '../lib/protocol';

const PAGE = 10_000;

export async function loadFullTrack(
  event: string,
  runnerId: string,
  access: ReadAccess,
  signal?: AbortSignal,
): Promise<TrackPoint[]> {
  const track: TrackPoint[] = [];
  let after: string | null = null;
  for (;;) {
    const query: Query<'trackPage'> = { format: 'trail', limit: PAGE, ...access, after: after ?? undefined };
    // Asked for with format=trail, so a page is a trail.
    const page = (await call('trackPage', { id: event, runner: runnerId }, { query, signal })) as TrailPage;
    for (const p of decodeTrail(page.trail, 1)) track.push(p);
    if (!page.next) return track;
    after = page.next;
  }
}

/**
 * Several runners' whole tracks, a few at a time, until `budget` points are held: the rest keep their
 * display trails (a replay of a big, long race is drawn from those). Runners whose track could not be
 * read are left out too.
 */
export async function loadTracks(
  event: string,
  runnerIds: readonly string[],
  access: ReadAccess,
  { budget = 600_000, concurrency = 6, signal }: { budget?: number; concurrency?: number; signal?: AbortSignal } = {},
): Promise<Map<string, TrackPoint[]>> {
  const out = new Map<string, TrackPoint[]>();
  let held = 0;
  let next = 0;
  const worker = async () => {
    while (next < runnerIds.length && held < budget) {
      const id = runnerIds[next++]!;
      try {
        const track = await loadFullTrack(event, id, access, signal);
        held += track.length;
        out.set(id, track);
      } catch {
        if (signal?.aborted) return;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}
