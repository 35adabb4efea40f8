/**
 * The race director's watchlist, pure: who needs looking at now, most urgent first. From the live runner
 * infos, open alerts, each runner's latest battery reading, the checkpoints' cut-offs, the organiser's
 * thresholds and the marks directors left (acknowledged, assigned, noted). Worked out in the browser, so that
 * every console agrees on it from the same live state; only the marks are stored (server/room/console.ts).
 */
import type { Checkpoint } from '../course/checkpoints';
import { type DistanceUnit, formatDistance } from '../course/units';
import type { Alert, RunnerInfo } from '../protocol';
import { type ConsoleSettings, type WatchKind, type WatchMark, WATCH_KINDS } from './schemas';
import { spanWords } from './status';

export interface WatchRunner extends Pick<RunnerInfo, 'id' | 'name' | 'bib' | 'status' | 'lastSeen' | 'mood' | 'moodAt' | 'race' | 'still' | 'verdict'> {
  /** Where the runner was last placed; null when never. */
  where: [lat: number, lon: number] | null;
  /** Battery of their latest fix, per cent; null when it did not say. */
  battery: number | null;
}

export interface WatchItem {
  key: string;
  kind: WatchKind;
  runnerId: string;
  name: string;
  bib: string | null;
  /** When the problem started, when known (an SOS raised, a stop, the last fix, a cut-off passed). */
  since: number | null;
  /** What an acknowledgement holds for: the problem as it was. A new stop later is a new problem. */
  identity: number;
  where: [number, number] | null;
  /** In words: "No move for 18 min", "Projected to miss Half way (11:30): ETA 11:20–11:45". */
  detail: string;
  /** The runner is past a cut-off they did not reach: the console proposes a DNF. */
  proposeDnf: boolean;
  mark: WatchMark | null;
  acknowledged: boolean;
}

export interface WatchInput {
  runners: readonly WatchRunner[];
  alerts: readonly Alert[];
  marks: ReadonlyMap<string, WatchMark>;
  settings: ConsoleSettings;
  checkpoints: readonly Checkpoint[];
  now: number;
  unit: DistanceUnit;
  /** Clock text for cut-offs and ETAs ("11:30"). */
  clock: (t: number) => string;
}

const MIN = 60_000;
const RANK = new Map(WATCH_KINDS.map((k, i) => [k, i]));

/** Every item, open ones first (by kind, then oldest first), then the acknowledged ones. */
export function watchlist(input: WatchInput): WatchItem[] {
  const { now, settings, marks } = input;
  const items: WatchItem[] = [];
  const add = (r: WatchRunner, kind: WatchKind, since: number | null, identity: number, detail: string, where = r.where, proposeDnf = false) => {
    const key = `${kind}:${r.id}`;
    const mark = marks.get(key) ?? null;
    items.push({ key, kind, runnerId: r.id, name: r.name, bib: r.bib ?? null, since, identity, where, detail, proposeDnf, mark, acknowledged: mark?.ackedSince === identity });
  };
  const alertOf = new Map(input.alerts.filter((a) => a.ackedAt === null).map((a) => [a.runnerId, a]));
  for (const r of input.runners) {
    const sos = alertOf.get(r.id);
    if (sos) add(r, 'sos', sos.raisedAt, sos.raisedAt, `SOS from ${sos.source}`, sos.at ? [sos.at.lat, sos.at.lon] : r.where);
    // Runners who are out or home are nobody's worry but for an SOS.
    if (r.verdict || r.race?.state === 'finished') continue;
    if (r.still !== undefined && now - r.still >= settings.stoppedMin * MIN) add(r, 'stopped', r.still, r.still, `No move for ${spanWords(now - r.still)}`);
    // Each spell off the course, each low mood said, is a problem of its own: acknowledging one does not hide the next.
    if (r.race?.off) add(r, 'off', r.race.offSince ?? null, r.race.offSince ?? 0, r.race.at !== null ? `Off the course near ${formatDistance(r.race.at, input.unit, 1)}` : 'Off the course');
    if (r.lastSeen !== null && r.status !== 'stopped' && now - r.lastSeen >= settings.silentMin * MIN) {
      add(r, 'silent', r.lastSeen, r.lastSeen, `Not heard from for ${spanWords(now - r.lastSeen)}`);
    }
    const cut = cutoffProblem(r, input);
    if (cut) add(r, 'cutoff', cut.since, cut.identity, cut.detail, r.where, cut.missed);
    if (settings.batteryPct > 0 && r.battery !== null && r.battery <= settings.batteryPct) add(r, 'battery', null, 0, `Battery ${Math.round(r.battery)} %`);
    if (r.mood !== null && r.mood <= settings.moodMax) add(r, 'mood', r.moodAt ?? null, r.moodAt ?? 0, `Mood ${r.mood} of 10`);
  }
  return items.sort(
    (a, b) =>
      Number(a.acknowledged) - Number(b.acknowledged) ||
      RANK.get(a.kind)! - RANK.get(b.kind)! ||
      (a.since ?? Infinity) - (b.since ?? Infinity) ||
      a.name.localeCompare(b.name),
  );
}

/**
 * The first cut-off the runner has not passed: missed (the time is gone), or projected to be missed (the
 * latest plausible arrival of their ETA at it is later). Runners who have not started are left to the start.
 */
function cutoffProblem(r: WatchRunner, input: WatchInput): { since: number | null; identity: number; detail: string; missed: boolean } | null {
  const race = r.race;
  if (!race || race.state !== 'running') return null;
  const at = race.at ?? 0;
  const next = input.checkpoints.find((cp) => cp.cutoff != null && cp.at > at);
  if (!next || next.cutoff == null) return null;
  const cutoff = next.cutoff;
  if (input.now >= cutoff) return { since: cutoff, identity: cutoff, detail: `Missed the cut-off at ${next.name} (${input.clock(cutoff)})`, missed: true };
  const eta = race.eta.find((e) => e.name === next.name);
  if (!eta || eta.hi <= cutoff) return null;
  const detail = `Projected to miss ${next.name} (${input.clock(cutoff)}): ETA ${input.clock(eta.lo)}–${input.clock(eta.hi)}`;
  // Identity apart from a missed cut-off: a director who acknowledged the forecast is told when it comes true.
  return { since: null, identity: cutoff - 1, detail, missed: false };
}

/** The runners past a cut-off they did not reach (the console's "Mark all DNF"). */
export const pastCutoff = (items: readonly WatchItem[]) => items.filter((i) => i.kind === 'cutoff' && i.proposeDnf).map((i) => i.runnerId);
