/**
 * How much one event, and one runner in it, may store. Honest use stays far below: a phone takes about one
 * fix a second, and an outbox that catches up after an outage sends fixes it took earlier, never more than
 * the time since joining allows. The organiser may raise an event's limits, and what one address may store
 * for the event (limits/write-budget.ts): a venue whose runners share one address.
 */
import type { EventQuotas } from '../storage/store';

export const DEFAULT_QUOTAS: EventQuotas = {
  maxRunners: 20_000,
  fixesPerRunnerPerHour: 7200,
  cheersPerMinute: 600,
};

// The ceilings an organiser may raise them to are part of the API: lib/api-schemas.ts (QUOTA_CEILINGS).

export function effectiveQuotas(overrides: Partial<EventQuotas>): EventQuotas {
  return { ...DEFAULT_QUOTAS, ...overrides };
}

/** Fixes a runner may have stored after `elapsedMs` in the event: a first allowance, then the hourly rate. */
export function fixAllowance(quotas: EventQuotas, elapsedMs: number): number {
  return 600 + Math.floor((quotas.fixesPerRunnerPerHour * Math.max(0, elapsedMs)) / 3600_000);
}

/** When the next fix fits the allowance again. */
export function fixRetryAfterMs(quotas: EventQuotas, stored: number, elapsedMs: number): number {
  const needed = ((stored + 1 - 600) * 3600_000) / quotas.fixesPerRunnerPerHour;
  return Math.max(1000, Math.ceil(needed - elapsedMs));
}
