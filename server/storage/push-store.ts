/**
 * What the store keeps for Web Push: subscriptions (one per browser, event and runner followed; runner ''
 * is an organiser's subscription to every SOS) and the server's VAPID key pair. Not part of the write log:
 * a subscription is nobody's room state, and is written and read by whichever instance is asked.
 */

/** How the subscriber was allowed to watch; checked again before every push. */
export type PushVia = 'public' | 'code' | 'link' | 'organiser';

export interface PushSubscriptionRecord {
  /** sha256 of event, runner and endpoint (base64url): subscribing again replaces the record. */
  id: string;
  event: string;
  /** The runner followed; '' for the organiser's SOS subscription. */
  runnerId: string;
  /** The push service's URL for this browser. */
  endpoint: string;
  /** The browser's P-256 public key and auth secret (base64url), for payload encryption (RFC 8291). */
  p256dh: string;
  auth: string;
  via: PushVia;
  /**
   * What access rested on: the share link's id ('link'), the view code's hash ('code') or the organiser
   * token's hash ('organiser'); null for a public event. A new code or token ends the subscription's pushes.
   */
  grant: string | null;
  /** The page a click on the notification opens (a path on this server). */
  page: string;
  createdAt: number;
}

export interface VapidKeys {
  /** Uncompressed P-256 public key, base64url (what the browser's applicationServerKey takes). */
  publicKey: string;
  /** The private scalar, base64url. */
  privateKey: string;
}

export interface PushStore {
  /** Keep a subscription, replacing the one with its id. */
  savePushSubscription(sub: PushSubscriptionRecord): Promise<void>;
  /** Forget subscriptions by id (unsubscribed, or access gone). */
  deletePushSubscriptions(ids: readonly string[]): Promise<void>;
  /** Forget every subscription of a browser whose push service said it is gone (404/410). */
  deletePushEndpoint(endpoint: string): Promise<number>;
  /** The subscriptions to a runner of an event (runner '': the organiser's). */
  pushSubscriptions(event: string, runnerId: string): Promise<PushSubscriptionRecord[]>;
  /** How many subscriptions one browser holds (a browser may follow a few runners, not thousands). */
  countPushEndpoint(endpoint: string): Promise<number>;
  /** The kept key pair; `candidate` is kept when none is yet (the first start, or the first instance). */
  vapidKeys(candidate: VapidKeys, now: number): Promise<VapidKeys>;
}
