/**
 * Web Push for an instance: subscribing and unsubscribing (called by the HTTP API), watching the ticks of
 * the events owned here for news (push/watch.ts), and sending it through the bounded queue to every
 * subscriber who may still see the runner (push/rules.ts), within a budget per browser. Endpoints the push
 * service says are gone are forgotten; so are subscriptions whose access ended.
 */
import type { RunnerInfo, ShareLink } from '../../lib/protocol';
import { KeyedBuckets } from '../limits/token-bucket';
import type { Viewer } from '../live/access';
import { log } from '../log';
import type { Room } from '../room/state';
import type { PushStore, PushSubscriptionRecord } from '../storage/push-store';
import type { EventRecord } from '../storage/store';
import { checkEndpoint } from './endpoints';
import { type PushPayload, passingPayload, sosPayload } from './message';
import { PushQueue } from './queue';
import { grantOf, mayReceive, subscriptionId } from './rules';
import type { PushSender } from './send';
import { type News, PushWatch } from './watch';

/** Runners (and organiser subscriptions) one browser may follow at once. */
export const MAX_PER_ENDPOINT = 50;
/** Pushes one browser gets at most: a burst of 10, then one every 30 s (a runner passes a mat every few minutes). */
export const PER_ENDPOINT = { capacity: 10, perSecond: 1 / 30 };

export interface PushDeps {
  store: PushStore;
  events: { get(id: string): EventRecord | undefined; linkById(event: string, id: string): ShareLink | undefined };
  sender: PushSender;
  publicKey: string;
  /** Push service origins allowed beside the browsers' own (PUSH_ENDPOINTS). */
  extraOrigins: readonly string[];
  now: () => number;
  queue?: PushQueue;
  perEndpoint?: { capacity: number; perSecond: number };
}

export interface SubscribeInput {
  event: string;
  /** The runner followed, or null for the organiser's SOS subscription. */
  runnerId: string | null;
  viewer: Viewer;
  endpoint: string;
  p256dh: string;
  auth: string;
  page: string;
}

export type SubscribeResult = { ok: true; id: string } | { ok: false; status: 400 | 429; reason: string };

export interface PushStats {
  sent: number;
  gone: number;
  refused: number;
  failed: number;
  limited: number;
  denied: number;
  queued: number;
  dropped: number;
}

const b64 = (s: string) => Buffer.from(s, 'base64url');

export class PushService {
  readonly publicKey: string;
  private readonly watch = new PushWatch();
  private readonly queue: PushQueue;
  private readonly budget: KeyedBuckets;
  private readonly counts = { sent: 0, gone: 0, refused: 0, failed: 0, limited: 0, denied: 0 };

  constructor(private readonly deps: PushDeps) {
    this.publicKey = deps.publicKey;
    this.queue = deps.queue ?? new PushQueue();
    const rate = deps.perEndpoint ?? PER_ENDPOINT;
    this.budget = new KeyedBuckets(rate.capacity, rate.perSecond, deps.now);
  }

  async subscribe(input: SubscribeInput): Promise<SubscribeResult> {
    const record = this.deps.events.get(input.event);
    if (!record) return { ok: false, status: 400, reason: 'There is no such event.' };
    const endpoint = checkEndpoint(input.endpoint, this.deps.extraOrigins);
    if (!endpoint.ok) return { ok: false, status: 400, reason: endpoint.reason };
    // The browser's keys as the Push API gives them: an uncompressed P-256 point and a 16-byte secret.
    const key = b64(input.p256dh);
    if (key.length !== 65 || key[0] !== 4 || b64(input.auth).length !== 16) {
      return { ok: false, status: 400, reason: 'keys.p256dh must be a P-256 public key and keys.auth a 16-byte secret, base64url, as PushSubscription.toJSON() gives them.' };
    }
    const runnerId = input.runnerId ?? '';
    const id = subscriptionId(input.event, runnerId, input.endpoint);
    const known = (await this.deps.store.pushSubscriptions(input.event, runnerId)).some((s) => s.id === id);
    if (!known && (await this.deps.store.countPushEndpoint(input.endpoint)) >= MAX_PER_ENDPOINT) {
      return { ok: false, status: 429, reason: `This browser follows ${MAX_PER_ENDPOINT} runners already: stop following some first.` };
    }
    const { via, grant } = grantOf(input.viewer, record);
    await this.deps.store.savePushSubscription({
      id,
      event: input.event,
      runnerId,
      endpoint: input.endpoint,
      p256dh: input.p256dh,
      auth: input.auth,
      via,
      grant,
      page: input.page,
      createdAt: this.deps.now(),
    });
    return { ok: true, id };
  }

  /** Forget a browser's subscription to a runner (null: the organiser's); true when there was one. */
  async unsubscribe(event: string, runnerId: string | null, endpoint: string): Promise<boolean> {
    const id = subscriptionId(event, runnerId ?? '', endpoint);
    const had = (await this.deps.store.pushSubscriptions(event, runnerId ?? '')).some((s) => s.id === id);
    if (had) await this.deps.store.deletePushSubscriptions([id]);
    return had;
  }

  /** Called by the tick for each room owned here, with the runners it sent out as changed: only adds to the queue. */
  observe(room: Room, changed: readonly RunnerInfo[]): void {
    const course = room.info.race?.course ?? null;
    const news = this.watch.observe(
      {
        event: room.id,
        eventName: room.info.name,
        unit: room.info.race?.unit ?? 'km',
        checkpoints: course?.checkpoints ?? [],
        length: course?.length ?? null,
        changed,
        alerts: room.alerts.values(),
      },
      this.deps.now(),
    );
    for (const n of news) this.tell(n, room);
  }

  /** Forget what was seen of events whose rooms are no longer loaded here. */
  keepOnly(events: ReadonlySet<string>): void {
    this.watch.keepOnly(events);
  }

  private tell(n: News, room: Room): void {
    if (n.kind === 'passing') {
      const { news } = n;
      this.queue.add('push_fanout', () => this.fanOut(news.event, news.runnerId, (page) => passingPayload(news, page), { ttlSeconds: 1800, urgency: 'normal' }));
    } else {
      const r = room.runners.get(n.alert.runnerId);
      const payload = sosPayload({ event: n.event, eventName: room.info.name, unit: room.info.race?.unit ?? 'km' }, n.alert, r?.raceView?.at ?? null, r?.record.bib ?? null);
      this.queue.add('push_fanout', () => this.fanOut(n.event, '', () => payload, { ttlSeconds: 86_400, urgency: 'high' }));
    }
  }

  private async fanOut(event: string, runnerId: string, payload: (page: string) => PushPayload, opts: { ttlSeconds: number; urgency: 'normal' | 'high' }): Promise<void> {
    const subs = await this.deps.store.pushSubscriptions(event, runnerId);
    const record = this.deps.events.get(event);
    const denied: string[] = [];
    for (const sub of subs) {
      const link = sub.via === 'link' && sub.grant ? this.deps.events.linkById(event, sub.grant) : undefined;
      if (!mayReceive(sub, record, link, this.deps.now())) {
        denied.push(sub.id);
        continue;
      }
      this.queue.add('push_send', () => this.sendOne(sub, payload(sub.page), opts));
    }
    if (denied.length) {
      this.counts.denied += denied.length;
      // Access ended (a link withdrawn, a new code): it will not come back for this subscription.
      await this.deps.store.deletePushSubscriptions(denied);
    }
  }

  private async sendOne(sub: PushSubscriptionRecord, payload: PushPayload, opts: { ttlSeconds: number; urgency: 'normal' | 'high' }): Promise<void> {
    if (!this.budget.take(sub.endpoint)) {
      this.counts.limited++;
      log('info', 'push_rate_limited', { event: sub.event, runner: sub.runnerId || null });
      return;
    }
    const { outcome, status } = await this.deps.sender.send(sub, payload, opts);
    this.counts[outcome]++;
    if (outcome === 'gone') {
      const n = await this.deps.store.deletePushEndpoint(sub.endpoint);
      log('info', 'push_endpoint_gone', { event: sub.event, status, subscriptions: n });
    } else if (outcome !== 'sent') {
      // Never the endpoint: it is the browser's address at its push service.
      log('warn', 'push_not_sent', { event: sub.event, outcome, status, host: new URL(sub.endpoint).host });
    }
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): Promise<void> {
    return this.queue.stop();
  }

  stats(): PushStats {
    const q = this.queue.stats();
    return { ...this.counts, queued: q.queued, dropped: q.dropped };
  }
}
