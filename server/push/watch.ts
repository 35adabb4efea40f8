/**
 * What is news for push, seen from the tick: a runner whose last checkpoint changed (or who finished), and
 * an SOS not seen before. Runs on the instance that owns the event, over the runners whose view changed in
 * this tick only, so it costs nothing while nobody passes anything. What a room knew before this process
 * saw it (a restart, an event taken over from another instance) is news only when it is fresh: a passing
 * that happened while the owner changed is still told; last hour's is not told again.
 */
import type { DistanceUnit } from '../../lib/course/units';
import type { Alert, RunnerInfo } from '../../lib/protocol';
import { type PassingNews, passingNews } from './message';

/** How old a passing or an SOS may be and still be told when first seen. */
export const FRESH_MS = 3 * 60_000;

export interface WatchedEvent {
  event: string;
  eventName: string;
  unit: DistanceUnit;
  checkpoints: ReadonlyArray<{ name: string; at: number }>;
  /** The course's length, metres; null without a course. */
  length: number | null;
  /** Runners whose view changed since the last tick. */
  changed: readonly RunnerInfo[];
  /** Open alerts. */
  alerts: Iterable<Alert>;
}

export type News = { kind: 'passing'; news: PassingNews } | { kind: 'sos'; event: string; alert: Alert };

export class PushWatch {
  /** Per event, per runner, the last checkpoint seen ("name@t"). */
  private readonly passed = new Map<string, Map<string, string>>();
  /** Per event, the alerts seen. */
  private readonly alerted = new Map<string, Set<string>>();

  observe(w: WatchedEvent, now: number): News[] {
    const out: News[] = [];
    let passed = this.passed.get(w.event);
    if (!passed) this.passed.set(w.event, (passed = new Map()));
    for (const r of w.changed) {
      if (!r.race) continue;
      const cp = r.race.cp;
      // '' : in the race, past no checkpoint yet; the first one passed is news however late it is told.
      const key = cp ? `${cp.name}@${cp.t}` : '';
      const before = passed.get(r.id);
      if (before === key) continue;
      passed.set(r.id, key);
      if (!cp || (before === undefined && now - cp.t > FRESH_MS)) continue;
      const news = passingNews({ event: w.event, eventName: w.eventName, runnerId: r.id, runnerName: r.name, unit: w.unit, checkpoints: w.checkpoints, length: w.length }, r.race);
      if (news) out.push({ kind: 'passing', news });
    }
    let alerted = this.alerted.get(w.event);
    if (!alerted) this.alerted.set(w.event, (alerted = new Set()));
    const open = new Set<string>();
    for (const a of w.alerts) {
      open.add(a.id);
      if (alerted.has(a.id)) continue;
      alerted.add(a.id);
      if (a.kind === 'sos' && now - a.raisedAt <= FRESH_MS) out.push({ kind: 'sos', event: w.event, alert: a });
    }
    // Acknowledged alerts are gone from the room: forget them, so the set stays the size of what is open.
    for (const id of alerted) if (!open.has(id)) alerted.delete(id);
    return out;
  }

  /** Forget the events whose rooms are no longer here (released when idle, deleted, owned elsewhere now). */
  keepOnly(events: ReadonlySet<string>): void {
    for (const map of [this.passed, this.alerted]) for (const event of map.keys()) if (!events.has(event)) map.delete(event);
  }
}
