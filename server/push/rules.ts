/**
 * Who may be told what: a subscription keeps how its browser was allowed to watch the event, and each push
 * checks that again against the event as it is now. A share link withdrawn or expired, a new view code, a
 * new organiser token, an event made protected, a runner left off a link: no more pushes (and the
 * subscription is forgotten). Pure: the caller looks the event and the link up.
 */
import { createHash } from 'node:crypto';
import { type ShareLink, shareLinkState } from '../../lib/protocol';
import type { Viewer } from '../live/access';
import type { PushSubscriptionRecord, PushVia } from '../storage/push-store';
import type { EventRecord } from '../storage/store';

const sha = (s: string) => createHash('sha256').update(s).digest('base64url');

/** One record per browser, event and runner followed ('' for the organiser's SOS subscription). */
export const subscriptionId = (event: string, runnerId: string, endpoint: string) => sha(`${event}\n${runnerId}\n${endpoint}`);

/** What access rests on, kept with the subscription: never the secret itself, nor the stored hash of it. */
export function grantOf(viewer: Viewer, record: EventRecord): { via: PushVia; grant: string | null } {
  switch (viewer.via) {
    case 'link':
      return { via: 'link', grant: viewer.linkId ?? null };
    case 'code':
      return { via: 'code', grant: record.viewCodeHash ? sha(record.viewCodeHash) : null };
    case 'organiser':
      return { via: 'organiser', grant: sha(record.organiserHash) };
    case 'public':
      return { via: 'public', grant: null };
  }
}

/** Whether a subscription to a runner may be told about them now; false also when it never may again. */
export function mayReceive(sub: PushSubscriptionRecord, event: EventRecord | undefined, link: ShareLink | undefined, now: number): boolean {
  if (!event) return false;
  // Organiser subscriptions (runner '') hold the organiser token's grant whichever way they came.
  if (sub.runnerId === '' && sub.via !== 'organiser') return false;
  switch (sub.via) {
    case 'organiser':
      return event.organiserHash !== '' && sub.grant === sha(event.organiserHash);
    case 'link':
      return (
        !!link &&
        link.id === sub.grant &&
        shareLinkState(link, now) === 'active' &&
        (link.runners === null || link.runners.includes(sub.runnerId))
      );
    case 'code':
      // The same code as when it subscribed, or the event is public now.
      return event.viewCodeHash === null || (sub.grant !== null && sub.grant === sha(event.viewCodeHash));
    case 'public':
      return event.viewCodeHash === null;
  }
}
