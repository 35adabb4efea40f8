/**
 * How much one event, and one runner in it, may store. Honest use stays far below: a phone takes about one
 * fix a second, and an outbox that catches up after an outage sends fixes it took earlier, never more than
 * the time since joining allows. The organiser may raise an event's limits, and what one address may store
 * for the event (limits/write-budget.ts): a venue whose runners share one address.
 */
import { z } from 'zod';
import type { EventQuotas } from '../storage/store';

export const DEFAULT_QUOTAS: EventQuotas = {
  maxRunners: 20_000,
  fixesPerRunnerPerHour: 7200,
  cheersPerMinute: 600,
};

/** The highest an organiser may set each limit to. */
export const QUOTA_CEILINGS: EventQuotas = {
  maxRunners: 100_000,
  fixesPerRunnerPerHour: 36_000,
  cheersPerMinute: 6000,
  // About 1,300 runners on one address, each sending a fix a second.
  addressMiBPerHour: 1024,
};

export const QuotasSchema = z
  .object({
    maxRunners: z.number().int().min(1).max(QUOTA_CEILINGS.maxRunners),
    fixesPerRunnerPerHour: z.number().int().min(60).max(QUOTA_CEILINGS.fixesPerRunnerPerHour),
    cheersPerMinute: z.number().int().min(1).max(QUOTA_CEILINGS.cheersPerMinute),
    addressMiBPerHour: z.number().int().min(1).max(QUOTA_CEILINGS.addressMiBPerHour!),
  })
  .partial()
  .strict();

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
