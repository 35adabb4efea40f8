/** A runner's whole stored track, read page by page from the track endpoint as encoded trails. */
import { decodeTrail } from '../lib/polyline';
import type { TrackPoint } from '../lib/protocol';

const PAGE = 10_000;

export async function loadFullTrack(
  event: string,
  runnerId: string,
  access: { code?: string; share?: string },
  signal?: AbortSignal,
): Promise<TrackPoint[]> {
  const track: TrackPoint[] = [];
  let after: string | null = null;
  for (;;) {
    const q = new URLSearchParams({ format: 'trail', limit: String(PAGE), ...access });
    if (after) q.set('after', after);
    const res = await fetch(`/api/events/${encodeURIComponent(event)}/runners/${encodeURIComponent(runnerId)}/track?${q.toString()}`, { signal });
    if (!res.ok) throw new Error(`track page: ${res.status}`);
    const page = (await res.json()) as { trail: string; next: string | null };
    for (const p of decodeTrail(page.trail, 1)) track.push(p);
    if (!page.next) return track;
    after = page.next;
  }
}
