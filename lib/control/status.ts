/**
 * A runner's race status in words a person reads at a glance, decided in one place for the list, the race
 * card, the organiser's table, the console and the results: "Needs help", "DSQ · Cut the course",
 * "DNF at 14 km", "DNS", "Finished 1:12:15", "Stopped 18 min", "Last seen 1 h ago", "Moving".
 * "Moving" means fixes arrive and the runner moves: a finisher is finished, a runner lying still is stopped.
 */
import { type DistanceUnit, formatDistance, formatDuration } from '../course/units';
import type { RunnerInfo } from '../protocol';

export type RaceStatusKey = 'help' | 'dsq' | 'dnf' | 'dns' | 'finished' | 'stopped' | 'silent' | 'not-sharing' | 'not-started' | 'moving';
/** The colour family, each with text/background pairs that pass AA (app/globals.css .race-status.*). */
export type RaceTone = 'bad' | 'warn' | 'done' | 'out' | 'ok' | 'neutral';

export interface RaceStatus {
  key: RaceStatusKey;
  words: string;
  tone: RaceTone;
  /** No forecast for this runner: they are out, finished, or not moving. */
  noForecast: boolean;
}

export interface StatusOptions {
  now: number;
  unit: DistanceUnit;
  /** The runner has an open SOS (only pages allowed to know it say so). */
  alert?: boolean;
  /** A runner still for this long reads "Stopped" (default 5 minutes). */
  stoppedAfterMs?: number;
  /** Not heard from for this long reads "Last seen … ago" (default 2 minutes). */
  silentAfterMs?: number;
}

export type StatusRunner = Pick<RunnerInfo, 'status' | 'lastSeen' | 'race' | 'still' | 'verdict' | 'entry'>;

export const DEFAULT_STOPPED_AFTER_MS = 5 * 60_000;
export const DEFAULT_SILENT_AFTER_MS = 2 * 60_000;

/** "40 s", "18 min", "1 h", "2 h 5 min". */
export function spanWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

export function raceStatus(r: StatusRunner, o: StatusOptions): RaceStatus {
  const stoppedAfter = o.stoppedAfterMs ?? DEFAULT_STOPPED_AFTER_MS;
  const silentAfter = o.silentAfterMs ?? DEFAULT_SILENT_AFTER_MS;
  const out = (key: RaceStatusKey, words: string, tone: RaceTone, noForecast = true): RaceStatus => ({ key, words, tone, noForecast });
  if (o.alert) return out('help', 'Needs help', 'bad');
  const v = r.verdict;
  if (v?.kind === 'dsq') return out('dsq', v.reason ? `DSQ · ${v.reason}` : 'DSQ', 'out');
  if (v?.kind === 'dnf') {
    const at = v.atM ?? r.race?.at ?? null;
    return out('dnf', at !== null && at > 0 ? `DNF at ${formatDistance(at, o.unit, 1)}` : 'DNF', 'out');
  }
  if (v?.kind === 'dns') return out('dns', 'DNS', 'out');
  if (r.race?.state === 'finished') return out('finished', r.race.finish !== null ? `Finished ${formatDuration(r.race.finish)}` : 'Finished', 'done');
  // A chip-only runner is heard from at the mats: their last passing is when they were last seen.
  const heard = r.lastSeen ?? r.race?.cp?.t ?? r.race?.start ?? null;
  if (heard === null) return out('not-started', r.entry ? 'Not started' : 'No position yet', 'neutral');
  if (r.status === 'stopped') return out('not-sharing', `Not sharing · last seen ${spanWords(o.now - heard)} ago`, 'neutral');
  const silentMs = o.now - heard;
  if (r.still !== undefined && o.now - r.still >= stoppedAfter) return out('stopped', `Stopped ${spanWords(o.now - r.still)}`, 'warn');
  if (silentMs >= silentAfter) return out('silent', `Last seen ${spanWords(silentMs)} ago`, r.status === 'offline' ? 'warn' : 'neutral', false);
  return out('moving', 'Moving', 'ok', false);
}
