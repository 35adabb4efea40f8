/**
 * The rooms this process holds: loaded the first time something needs an event, from its checkpoint plus
 * what arrived after it (or, for runners without one, their stored track), and released once nobody has
 * used the event for a while. Cost follows what is live, not what is stored.
 */
import type { EventInfo } from '../../lib/protocol';
import { SAMPLES_KEPT } from '../room/happiness';
import { checkpoints, passingsLoaded, rebuild, rebuilt, replay, replayFrom, restored, runnersToRebuild } from '../room/recovery';
import { CHEERS_KEPT } from '../room/runner-track';
import type { RoomDeps } from '../room/deps';
import { Room } from '../room/state';
import { log } from '../log';
import type { ReadQueries } from '../storage/store';
import type { Ownership, WritePipeline } from './write-pipeline';

/** The lease a room's writes go under (several instances), or undefined (one process). */
export type OwnershipOf = (room: Room) => Ownership | undefined;

const PAGE = 5000;

export interface RoomsOptions {
  /** A room nobody used for this long is released. */
  idleMs: number;
  /** The event as the index knows it (every event, loaded or not). */
  info: (event: string) => EventInfo | undefined;
  /** Whether anyone on this process still holds the event (spectators, runners' phones). */
  held: (event: string) => boolean;
  /** A room was loaded (phones already bound to its runners are counted here). */
  loaded?: (room: Room) => void;
}

export class Rooms {
  private readonly loaded = new Map<string, Room>();
  private readonly loading = new Map<string, Promise<Room | null>>();
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly store: ReadQueries,
    private readonly pipeline: WritePipeline,
    private readonly deps: RoomDeps,
    private readonly opts: RoomsOptions,
  ) {}

  /** The room of `event`, loading it when needed; null when there is no such event. */
  async get(event: string): Promise<Room | null> {
    if (!this.known(event)) return null;
    this.lastUsed.set(event, this.deps.now());
    const room = this.loaded.get(event);
    if (room) return room;
    const releasing = this.releasing.get(event);
    if (releasing) await releasing;
    let loading = this.loading.get(event);
    if (!loading) {
      loading = this.hydrate(event).finally(() => this.loading.delete(event));
      this.loading.set(event, loading);
    }
    return loading;
  }

  /** Whether the event exists, loaded or not. */
  known(event: string): boolean {
    return this.opts.info(event) !== undefined;
  }

  /** The event's current info: the loaded room's, else the index's. */
  info(event: string): EventInfo | undefined {
    return this.loaded.get(event)?.info ?? this.opts.info(event);
  }

  /** The room if it is loaded now. */
  peek(event: string): Room | undefined {
    return this.loaded.get(event);
  }

  touch(event: string): void {
    if (this.loaded.has(event)) this.lastUsed.set(event, this.deps.now());
  }

  all(): IterableIterator<Room> {
    return this.loaded.values();
  }

  get count(): number {
    return this.loaded.size;
  }

  private async hydrate(event: string): Promise<Room | null> {
    const started = this.deps.now();
    const record = await this.store.loadRoom(event, { cheersKept: CHEERS_KEPT, samplesKept: SAMPLES_KEPT });
    if (!record) return null;
    const room = new Room(record, this.deps);
    for (const runnerId of runnersToRebuild(room)) {
      let cursor = null as { t: number; seq: number } | null;
      for (;;) {
        const page = await this.store.trackPage(event, runnerId, cursor, PAGE);
        rebuild(room, runnerId, page);
        if (page.length < PAGE) break;
        cursor = { t: page.at(-1)!.t, seq: page.at(-1)!.seq };
      }
      rebuilt(room, runnerId, await this.store.skipped(event, runnerId));
    }
    let from = replayFrom(room);
    let replayed = 0;
    while (from !== null) {
      const page = await this.store.replay(event, from, PAGE);
      for (const a of page) replay(room, a);
      replayed += page.length;
      from = page.length < PAGE ? null : page.at(-1)!.arrival;
    }
    let passings = 0;
    for (let after = 0; ; ) {
      const page = await this.store.passings(event, after, PAGE);
      passingsLoaded(room, page);
      passings += page.length;
      if (page.length < PAGE) break;
      after = page.at(-1)!.arrival;
    }
    restored(room);
    this.loaded.set(event, room);
    this.opts.loaded?.(room);
    this.lastUsed.set(event, this.deps.now());
    log('info', 'room_loaded', { event, runners: room.runners.size, replayed, passings, ms: this.deps.now() - started });
    return room;
  }

  /** Checkpoints of every loaded room's changed runners, made durable. */
  async checkpoint(room: Room, owner?: Ownership): Promise<void> {
    const ops = checkpoints(room);
    if (ops.length === 0) return;
    try {
      await this.pipeline.write(ops, owner);
    } catch {
      // Not saved: the runners stay marked as changed and go with the next checkpoint.
      for (const op of ops) if (op.op === 'checkpoint') room.runners.get(op.runnerId)!.unsaved = true;
    }
  }

  async checkpointAll(owner: OwnershipOf = () => undefined): Promise<void> {
    await Promise.all([...this.loaded.values()].map((r) => this.checkpoint(r, owner(r))));
  }

  /** Release rooms nobody holds and nobody used for `idleMs`, after a last checkpoint. */
  async releaseIdle(owner: OwnershipOf = () => undefined): Promise<string[]> {
    const now = this.deps.now();
    const released: string[] = [];
    for (const [event, room] of this.loaded) {
      if (this.opts.held(event) || room.busy) continue;
      if (now - (this.lastUsed.get(event) ?? 0) < this.opts.idleMs) continue;
      released.push(event);
      const done = this.checkpoint(room, owner(room)).then(() => {
        // Used again while the checkpoint was written: keep it.
        if (this.opts.held(event) || room.busy || this.deps.now() - (this.lastUsed.get(event) ?? 0) < this.opts.idleMs) return;
        if (room.unsaved) return;
        this.loaded.delete(event);
        this.lastUsed.delete(event);
      });
      this.releasing.set(event, done.finally(() => this.releasing.delete(event)));
      await done;
    }
    return released.filter((e) => !this.loaded.has(e));
  }

  /** Forget a room whose event was deleted. */
  drop(event: string): void {
    this.loaded.delete(event);
    this.lastUsed.delete(event);
  }
}
