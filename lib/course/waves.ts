/**
 * Waves: groups of runners sent off by their own gun. A runner's gun is their wave's start, else the event's
 * (a wave with no time of its own, a wave the organiser has not listed, or no wave). Wave names are matched
 * as people type them: case and surrounding spaces do not matter.
 */
import { z } from 'zod';

export const WaveSchema = z
  .object({
    name: z.string().trim().min(1).max(40),
    startsAt: z.number().nullable().describe("The wave's gun (ms); null: the event's start time."),
  });
export type Wave = z.infer<typeof WaveSchema>;

/** Most waves an event may have. */
export const WAVES_MAX = 50;

export const waveKey = (name: string) => name.trim().toLowerCase();

/** Guns by wave key, from an event's waves. */
export function waveGuns(waves: readonly Wave[] | undefined): Map<string, number> {
  const guns = new Map<string, number>();
  for (const w of waves ?? []) if (w.startsAt !== null) guns.set(waveKey(w.name), w.startsAt);
  return guns;
}

/** The gun that started a runner of `wave` (ms); null when neither the wave nor the event has a start time. */
export function gunFor(guns: ReadonlyMap<string, number>, eventStart: number | null, wave: string | null | undefined): number | null {
  if (wave) {
    const own = guns.get(waveKey(wave));
    if (own !== undefined) return own;
  }
  return eventStart;
}

/** Problems of a list of waves, as sentences; empty when it is good. */
export function wavesProblems(waves: readonly Wave[]): string[] {
  const problems: string[] = [];
  if (waves.length > WAVES_MAX) problems.push(`at most ${WAVES_MAX} waves`);
  const seen = new Set<string>();
  for (const w of waves) {
    const key = waveKey(w.name);
    if (seen.has(key)) problems.push(`wave “${w.name}” is listed twice`);
    seen.add(key);
  }
  return problems;
}
