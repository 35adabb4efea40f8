/**
 * The browser half of Web Push: permission, the service worker's push subscription made with the server's
 * VAPID key, and the subscription sent to the server for a runner (or the organiser's SOS). Which runners
 * this browser asked for is remembered per event, so the button shows what is on after a reload.
 */
import { ApiError, call, type ReadAccess } from './api';

export type PushSupport = 'supported' | 'unsupported' | 'blocked';

export function pushSupport(): PushSupport {
  if (typeof window === 'undefined' || !('serviceWorker' in navigator) || !('PushManager' in window) || typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission === 'denied' ? 'blocked' : 'supported';
}

const remembered = (event: string, runner: string) => `trackside:push:${event}:${runner || 'sos'}`;

export function isRemembered(event: string, runner: string): boolean {
  try {
    return localStorage.getItem(remembered(event, runner)) === '1';
  } catch {
    return false;
  }
}

function remember(event: string, runner: string, on: boolean): void {
  try {
    if (on) localStorage.setItem(remembered(event, runner), '1');
    else localStorage.removeItem(remembered(event, runner));
  } catch {
    // Private mode without storage: the button just forgets after a reload.
  }
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) => !!a && a.byteLength === b.length && new Uint8Array(a).every((v, i) => v === b[i]);

/** This browser's push subscription, made with the server's key (again, when it was made with another). */
async function browserSubscription(): Promise<PushSubscriptionJSON> {
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('Notifications are blocked for this site: allow them in the browser settings, then try again.');
  const reg = (await navigator.serviceWorker.getRegistration('/')) ?? (await navigator.serviceWorker.register('/sw.js', { scope: '/' }));
  await navigator.serviceWorker.ready;
  const { publicKey } = await call('pushKey', {});
  const key = keyBytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  try {
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch {
    throw new Error('This browser could not reach its push service: check the connection, or use the page’s own notices while it is open.');
  }
  return sub.toJSON();
}

function explain(err: unknown): string {
  if (err instanceof ApiError || err instanceof Error) return err.message;
  return 'Something went wrong: try again.';
}

/** Be told about `runner` with the browser closed; resolves with an error message, or null when on. */
export async function followByPush(event: string, runner: string, access: ReadAccess): Promise<string | null> {
  try {
    const sub = await browserSubscription();
    const page = access.share ? `/s/${access.share}` : `/e/${event}`;
    await call('followPush', { id: event, runner }, { query: access, body: { endpoint: sub.endpoint ?? '', keys: { p256dh: sub.keys?.p256dh ?? '', auth: sub.keys?.auth ?? '' }, page } });
    remember(event, runner, true);
    return null;
  } catch (err) {
    return explain(err);
  }
}

/** The organiser's SOS pushes on this browser. */
export async function organiserByPush(event: string, token: string): Promise<string | null> {
  try {
    const sub = await browserSubscription();
    await call('organiserPush', { id: event }, { token, body: { endpoint: sub.endpoint ?? '', keys: { p256dh: sub.keys?.p256dh ?? '', auth: sub.keys?.auth ?? '' } } });
    remember(event, '', true);
    return null;
  } catch (err) {
    return explain(err);
  }
}

/** Stop pushes about `runner` ('' : the organiser's SOS) on this browser. */
export async function stopPush(event: string, runner: string): Promise<string | null> {
  try {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = await reg?.pushManager.getSubscription();
    if (sub) {
      if (runner) await call('unfollowPush', { id: event, runner }, { body: { endpoint: sub.endpoint } });
      else await call('organiserUnpush', { id: event }, { body: { endpoint: sub.endpoint } });
    }
    remember(event, runner, false);
    return null;
  } catch (err) {
    return explain(err);
  }
}
