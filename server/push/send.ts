/**
 * One push to one browser: web-push encrypts the payload for the subscription (RFC 8291, aes128gcm) and
 * signs the VAPID header (RFC 8292); the request is sent here with fetch, with a time limit and without
 * following redirects (the endpoint is a URL a browser gave us), to plain http only for origins the
 * operator allowed (endpoints.ts).
 */
import webpush from 'web-push';
import type { PushSubscriptionRecord, VapidKeys } from '../storage/push-store';
import type { PushPayload } from './message';

export type SendOutcome = 'sent' | 'gone' | 'refused' | 'failed';

export interface PushSender {
  send(sub: PushSubscriptionRecord, payload: PushPayload, opts: { ttlSeconds: number; urgency: 'normal' | 'high' }): Promise<{ outcome: SendOutcome; status: number | null }>;
}

const SEND_TIMEOUT_MS = 10_000;

export function webPushSender(vapid: VapidKeys, subject: string, fetcher: typeof fetch = fetch): PushSender {
  return {
    async send(sub, payload, opts) {
      const details = webpush.generateRequestDetails(
        { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
        JSON.stringify(payload),
        { vapidDetails: { subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey }, TTL: opts.ttlSeconds, urgency: opts.urgency, contentEncoding: 'aes128gcm' },
      );
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(details.headers as Record<string, string | number>)) headers[k] = typeof v === 'number' ? v.toString() : v;
      let res: Response;
      try {
        res = await fetcher(details.endpoint, {
          method: details.method,
          headers,
          body: details.body ? new Uint8Array(details.body) : null,
          redirect: 'manual',
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch {
        return { outcome: 'failed', status: null };
      }
      await res.arrayBuffer().catch(() => undefined);
      // 404 and 410: the browser unsubscribed or the subscription expired (RFC 8030 §7.3, the services' docs).
      if (res.status === 404 || res.status === 410) return { outcome: 'gone', status: res.status };
      if (res.status >= 200 && res.status < 300) return { outcome: 'sent', status: res.status };
      return { outcome: res.status >= 400 && res.status < 500 ? 'refused' : 'failed', status: res.status };
    },
  };
}

/** A fresh key pair, for a first start. */
export function newVapidKeys(): VapidKeys {
  return webpush.generateVAPIDKeys();
}
