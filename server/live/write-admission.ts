/**
 * Every write an address asks for, from any transport (a phone's socket, an HTTP post, a tracking app), is
 * charged to that address's write budget (limits/write-budget.ts) before it runs, by about what it would
 * add to the store. Over budget it is refused with `quota_exceeded` and when to try again: nothing of it is
 * kept or acknowledged, so a phone keeps the fix and sends it later, as with the per-runner fix quota.
 */
import { ErrorCode } from '../../lib/protocol';
import type { Refusal } from '../room/effects';
import { QUOTA_CEILINGS } from '../../lib/api-schemas';
import { MIB, STORED_BYTES, WriteBudget } from '../limits/write-budget';
import type { EventQuotas } from '../storage/store';
import type { RoomCommand } from '../room/commands';
import type { EventIndex } from './event-index';

const text = (s: string | null | undefined) => (s ? Buffer.byteLength(s) : 0);

/** About the bytes a command adds to the store if it is taken. */
export function storedBytes(cmd: RoomCommand): number {
  switch (cmd.do) {
    case 'join':
      // Details given when joining are kept as an entry too, with the name again.
      return STORED_BYTES.runner + text(cmd.name) + text(cmd.bib) + (cmd.details ? text(JSON.stringify(cmd.details)) + text(cmd.name) : 0);
    case 'position':
      return STORED_BYTES.position;
    case 'refusePosition':
      return STORED_BYTES.skip;
    case 'mood':
      return STORED_BYTES.mood;
    case 'cheer':
      return STORED_BYTES.cheer + text(cmd.text) + text(cmd.from);
    case 'ingest':
      return cmd.report.fixes.length * STORED_BYTES.position + (cmd.report.sos ? STORED_BYTES.alert : 0);
    case 'setAvatar':
      return cmd.avatar.data.length + text(cmd.avatar.name);
    case 'createLink':
      return STORED_BYTES.link + text(cmd.label);
    case 'importEntries':
      return cmd.entries.reduce((sum, e) => sum + STORED_BYTES.runner + text(JSON.stringify(e)), 0);
    case 'passings':
      return cmd.passings.length * STORED_BYTES.passing;
    case 'addTimingPoint':
      return STORED_BYTES.timingPoint + text(cmd.point.name);
    case 'addTracker':
      return STORED_BYTES.tracker + text(cmd.feed);
    default:
      // Rows written again in place: the store does not grow.
      return 0;
  }
}

export class WriteAdmission {
  readonly budget: WriteBudget;

  constructor(
    private readonly index: EventIndex,
    /** What one address may store per hour in events that set no allowance, MiB. */
    readonly defaultMiBPerHour: number,
    now: () => number = Date.now,
  ) {
    this.budget = new WriteBudget(defaultMiBPerHour * MIB, QUOTA_CEILINGS.addressMiBPerHour * MIB, now);
  }

  /** Charge `cmd` to `address`; the refusal when it does not fit now. */
  admit(address: string, event: string, cmd: RoomCommand): Refusal | null {
    // An alarm goes through whatever the budget: it may be the last thing the runner's phone sends.
    if (cmd.do === 'ingest' && cmd.report.sos) return null;
    const bytes = storedBytes(cmd);
    if (bytes === 0) return null;
    const own = this.index.get(event)?.quotas.addressMiBPerHour;
    const waitMs = this.budget.take(address, event, bytes, own === undefined ? null : own * MIB);
    if (waitMs === 0) return null;
    const perHour = own ?? this.defaultMiBPerHour;
    const kept = cmd.do === 'position' || cmd.do === 'ingest' ? ' The phone keeps what it took and sends it then.' : '';
    return {
      code: ErrorCode.QuotaExceeded,
      status: 429,
      message: `This address has stored as much as it may for now (${perHour} MiB an hour${own === undefined ? '' : ' in this event'}): try again in ${Math.ceil(waitMs / 1000)} s; the organiser can raise the limit for a venue.${kept}`,
      retryAfterMs: waitMs,
    };
  }

  /** The event's limits with the allowance per address it takes, set or not. */
  quotas(quotas: EventQuotas): Required<EventQuotas> {
    return { ...quotas, addressMiBPerHour: quotas.addressMiBPerHour ?? this.defaultMiBPerHour };
  }
}
