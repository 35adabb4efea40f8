/**
 * DNF, DSQ and DNS: a runner says they are out from their page (a DNF, which they may take back), the
 * organiser gives any of them (a DSQ with its reason), one runner or many at once (everyone past a cut-off).
 * Kept as race-control records; every spectator sees the runner's new status with the next update.
 */
import { MAX_REASON, type Verdict } from '../../lib/control/schemas';
import { ErrorCode } from '../../lib/protocol';
import { cleanText } from '../../lib/text';
import { type Effects, refuse } from './effects';
import type { Room } from './state';
import type { WriteOp } from '../storage/store';

export interface VerdictInput {
  kind: Verdict['kind'];
  reason?: string | null;
}

const bad = (message: string) => refuse<Verdict[]>({ code: ErrorCode.BadVerdict, status: 400, message });

/**
 * Give these runners a verdict (null takes it back). `by` a runner: only their own DNF, or taking back a DNF
 * they gave. Answers the verdicts given (none for runners who had that verdict already).
 */
export function setVerdicts(room: Room, runnerIds: readonly string[], input: VerdictInput | null, by: 'runner' | 'organiser'): Effects<Verdict[]> {
  if (runnerIds.length === 0) return bad('Name at least one runner.');
  const runners = [];
  for (const id of new Set(runnerIds)) {
    const r = room.runners.get(id);
    if (!r) return refuse({ code: ErrorCode.NoSuchRunner, status: 404, message: 'That runner is not in this event.' });
    runners.push(r);
  }
  const reason = input?.reason ? cleanText(input.reason).slice(0, MAX_REASON) : null;
  if (input?.kind === 'dsq' && !reason) return bad('A disqualification needs a reason ("Cut the course"): give one.');
  if (by === 'runner') {
    if (input && input.kind !== 'dnf') return bad('A runner can only say they did not finish (DNF); the organiser gives DSQ and DNS.');
    if (!input && runners.some((r) => r.verdict && r.verdict.by !== 'runner')) return bad('The organiser gave this verdict: only they can take it back.');
  }
  const now = room.now();
  const writes: WriteOp[] = [];
  const changed: Array<{ id: string; verdict: Verdict | null }> = [];
  for (const r of runners) {
    if (!input) {
      if (!r.verdict) continue;
      writes.push({ op: 'deleteControl', event: room.id, kind: 'verdict', id: r.id });
      changed.push({ id: r.id, verdict: null });
      continue;
    }
    if (r.verdict?.kind === input.kind && r.verdict.reason === reason) continue;
    const verdict: Verdict = { kind: input.kind, reason, at: now, by, atM: r.raceView?.at ?? null };
    writes.push({ op: 'control', event: room.id, control: { kind: 'verdict', id: r.id, runnerId: r.id, body: JSON.stringify(verdict), updatedAt: now } });
    changed.push({ id: r.id, verdict });
  }
  if (writes.length === 0) return { send: [], write: [], result: [] };
  return {
    send: [],
    write: writes,
    commit: () => {
      for (const c of changed) {
        const r = room.runners.get(c.id);
        if (!r) continue;
        r.verdict = c.verdict;
        r.unsaved = true;
        room.dirty.add(r.id);
      }
      room.snapshotCache = null;
      return { send: [], result: changed.flatMap((c) => (c.verdict ? [c.verdict] : [])) };
    },
  };
}
