/**
 * The server's VAPID key pair (RFC 8292): push services tie a subscription to the public key the browser
 * subscribed with, so the pair must outlive restarts and be the same on every instance. Given in
 * VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY, it is used as it is; otherwise the store keeps the first pair made
 * (in the SQLite file under DATA_DIR, or in the PostgreSQL that every instance shares).
 */
import type { PushStore, VapidKeys } from '../storage/push-store';
import { newVapidKeys } from './send';

export async function vapidKeys(configured: VapidKeys | null, store: PushStore, now: number): Promise<VapidKeys> {
  if (configured) return configured;
  return store.vapidKeys(newVapidKeys(), now);
}
