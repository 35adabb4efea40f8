/**
 * What owners tell every instance, over Redis pub/sub: each tick's update and each command's news on the
 * event's channel, and changes to the event index on one channel for all. An instance whose clients follow
 * an event owned elsewhere relays its channel (relay.ts), takes the event over once its owner stopped
 * renewing, and resynchronises after Redis comes back.
 */
import { log } from '../../log';
import type { FieldDump } from '../../room/picture';
import type { Delta, SnapshotMessage } from '../../room/state';
import type { ChannelHandler, EventChannel, Feed, IndexChange, News } from '../ports';
import type { RedisBus } from './bus';
import type { RedisCommandBus } from './commands';
import type { Ownership } from './ownership';
import { Relay } from './relay';

type ChannelMessage = { k: 'tick'; l: number; e: string; d: Delta } | { k: 'news'; n: News };

export class RedisChannel implements EventChannel {
  private readonly relays = new Map<string, { relay: Relay; subscribed: Promise<void> }>();
  private readonly followedRemotely = new Set<string>();
  private handler!: ChannelHandler;
  private sweeping = false;

  constructor(
    private readonly bus: RedisBus,
    private readonly ownership: Ownership,
    private readonly commands: RedisCommandBus,
    /** The event is owned here now: its room becomes the feed of its followers here. */
    private readonly gained: (event: string) => Promise<void>,
  ) {}

  async listen(handler: ChannelHandler): Promise<void> {
    this.handler = handler;
    await this.bus.subscribe(this.bus.channel('index'), (m) => {
      const { from, change } = JSON.parse(m) as { from: string; change: IndexChange };
      if (from !== this.ownership.holder) this.handler.indexChanged(change);
    });
  }

  private channelOf(event: string): string {
    return this.bus.channel(`e:${event}`);
  }

  publishTick(event: string, epoch: string, delta: Delta): void {
    const lease = this.ownership.epoch(event);
    if (lease === undefined) return;
    void this.bus.publish(this.channelOf(event), JSON.stringify({ k: 'tick', l: lease, e: epoch, d: delta } satisfies ChannelMessage));
  }

  publishNews(event: string, news: News): void {
    void this.bus.publish(this.channelOf(event), JSON.stringify({ k: 'news', n: news } satisfies ChannelMessage));
  }

  publishIndex(change: IndexChange): void {
    void this.bus.publish(this.bus.channel('index'), JSON.stringify({ from: this.ownership.holder, change }));
  }

  // ---------- following events owned elsewhere ----------

  follow(event: string): void {
    if (this.ownership.epoch(event) !== undefined || this.relays.has(event)) return;
    const relay = new Relay(
      event,
      (only, allAlerts) => this.fetchSnapshot(event, only, allAlerts),
      () => this.fetchField(event),
      () => this.handler.resync(event),
    );
    const subscribed = this.bus.subscribe(this.channelOf(event), (m) => this.onChannel(event, relay, m)).catch((err: unknown) => {
      log('warn', 'backplane_subscribe_failed', { event, error: String(err) });
    });
    this.relays.set(event, { relay, subscribed });
    // The owner counts the phones bound here too.
    this.announcePresence(event);
  }

  feed(event: string): Feed | undefined {
    return this.relays.get(event)?.relay;
  }

  /** Whether this instance relays the event (it became the owner: take over). */
  relaying(event: string): boolean {
    return this.relays.has(event);
  }

  private onChannel(event: string, relay: Relay, raw: string): void {
    let m: ChannelMessage;
    try {
      m = JSON.parse(raw) as ChannelMessage;
    } catch {
      return;
    }
    if (this.relays.get(event)?.relay !== relay) return;
    if (m.k === 'news') {
      this.handler.news(event, m.n);
      return;
    }
    const owner = relay.lease;
    if (relay.tick(m.l, m.e, m.d) === 'publish') this.handler.relayed(event, m.e, m.d);
    // A new owner counts the phones bound here from scratch.
    else if (relay.lease > owner && owner > 0) this.announcePresence(event);
  }

  /** Ask the owner, as fetchSnapshot does; the relay brings the dump up to date with the updates after it. */
  private async fetchField(event: string): Promise<FieldDump | null> {
    await this.relays.get(event)?.subscribed;
    const claim = await this.ownership.claim(event);
    if (claim.here) return null;
    const reply = await this.commands.ask(claim.instance, event, { ask: 'field' });
    if (typeof reply !== 'object' || reply === null || 'moved' in reply || 'unreachable' in reply) return null;
    return reply as FieldDump;
  }

  private async fetchSnapshot(event: string, only: string[] | null, allAlerts = false): Promise<SnapshotMessage | null> {
    await this.relays.get(event)?.subscribed;
    const claim = await this.ownership.claim(event);
    if (claim.here) {
      // Ours now: the room takes over as the feed.
      void this.takeOver(event);
      return null;
    }
    const reply = await this.commands.request<SnapshotMessage | { moved: true }>(claim.instance, { t: 'snapshot', event, only, ...(allAlerts ? { allAlerts } : {}) });
    if ('unreachable' in reply || 'moved' in reply) {
      this.ownership.forget(event);
      return null;
    }
    return reply;
  }

  private drop(event: string): void {
    if (!this.relays.delete(event)) return;
    void this.bus.unsubscribe(this.channelOf(event));
  }

  /** The event is owned here now: stop relaying it, and let its room feed the followers. */
  async takeOver(event: string): Promise<void> {
    this.drop(event);
    await this.gained(event);
  }

  private announcePresence(event: string): void {
    const bound = this.handler.boundRunners(event);
    if (!bound) return;
    for (const [runnerId, n] of bound) for (let i = 0; i < n; i++) this.commands.presence(event, runnerId, 1);
  }

  /**
   * Followed events: stop relaying those nobody here follows any more; take those whose owner stopped
   * renewing (it died or froze); and bring spectators waiting for a snapshot up to date.
   */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [event, { relay }] of this.relays) {
        if (!this.handler.holds(event) && Date.now() - relay.lastHeard > 10_000) this.drop(event);
      }
      const followed = [...this.relays.keys()];
      if (followed.length === 0) return;
      for (const event of await this.ownership.expired(followed)) {
        this.ownership.forget(event);
        const claim = await this.ownership.claim(event);
        if (claim.here) await this.takeOver(event);
      }
      for (const event of this.relays.keys()) this.handler.resync(event, { staleOnly: true });
    } finally {
      this.sweeping = false;
    }
  }

  /** Redis is back: messages may have been lost meanwhile, so everything relayed starts again. */
  async recovered(): Promise<void> {
    await this.handler.reloadIndex().catch((err: unknown) => log('warn', 'index_reload_failed', { error: String(err) }));
    for (const { relay } of this.relays.values()) relay.reset();
  }

  get relayed(): number {
    return this.relays.size;
  }

  followedElsewhere(event: string): boolean {
    return this.followedRemotely.has(event) || !this.bus.ready;
  }

  /** Which events owned here other instances follow (their rooms stay loaded for them). */
  async countFollowers(): Promise<void> {
    const owned = this.ownership.events();
    const counts = await this.bus.subscribers(owned.map((e) => this.channelOf(e)));
    if (!counts) return;
    this.followedRemotely.clear();
    for (const e of owned) if ((counts[this.channelOf(e)] ?? 0) > 0) this.followedRemotely.add(e);
  }
}
