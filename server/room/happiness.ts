/** The event's happiness: one sample every interval (mean latest mood of active runners), kept bounded. */
import type { HappinessSample } from '../../lib/protocol';
import type { RunnerTrack } from './runner-track';

/** Samples a room keeps: a day at one every 5 s. */
export const SAMPLES_KEPT = 24 * 720;
/** Samples a snapshot carries at most: a long event's history is thinned to this many. */
export const SNAPSHOT_SAMPLES = 360;

export function sample(runners: Iterable<RunnerTrack>, now: number, activeWindowMs: number): HappinessSample {
  let sum = 0;
  let count = 0;
  for (const r of runners) {
    if (r.mood === null || r.record.stopped) continue;
    if (now - Math.max(r.lastHeard, r.moodAt ?? 0) >= activeWindowMs) continue;
    sum += r.mood;
    count++;
  }
  return { t: now, mean: count ? Math.round((sum / count) * 100) / 100 : null, count };
}

/** At most `max` samples: consecutive samples averaged together, the latest sample always exact. */
export function thin(samples: readonly HappinessSample[], max = SNAPSHOT_SAMPLES): HappinessSample[] {
  if (samples.length <= max) return samples.slice();
  const out: HappinessSample[] = [];
  const body = samples.length - 1;
  const per = Math.ceil(body / (max - 1));
  for (let i = 0; i < body; i += per) {
    const group = samples.slice(i, Math.min(i + per, body));
    const known = group.filter((s) => s.mean !== null);
    const weight = known.reduce((n, s) => n + s.count, 0);
    const mean = known.length ? known.reduce((n, s) => n + s.mean! * (weight ? s.count : 1), 0) / (weight || known.length) : null;
    out.push({
      t: group.at(-1)!.t,
      mean: mean === null ? null : Math.round(mean * 100) / 100,
      count: Math.max(...group.map((s) => s.count)),
    });
  }
  out.push(samples.at(-1)!);
  return out;
}
