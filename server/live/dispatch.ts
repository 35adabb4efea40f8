/**
 * The one way anything changes: a command runs on its event's room, wherever that room is. Here, `run` asks
 * the room for the command's Effects, sends what may go at once, makes the writes durable, and only then
 * applies the change and sends the rest. Elsewhere, the command goes to the owner and its answers come back.
 * Reads (`query`), creating and deleting events go the same way. With several instances a room runs only on
 * the instance that owns its event, and its writes are fenced by the owner's lease.
 */
import { DEFAULT_RACE, ErrorCode, type ServerMessage } from '../../lib/protocol';
import type { Backplane, Moved, RunReply, RunRequest } from '../backplane/ports';
import { execute, type ResultOf, type RoomCommand } from '../room/commands';
import type { Applied, Delivery, Effects, Refusal, SessionChange } from '../room/effects';
import { snapshot } from '../room/picture';
import { type AnswerOf, answer, type RoomQuery } from '../room/queries';
import type { Room, SnapshotMessage } from '../room/state';
import type { EventRecord } from '../storage/store';
import type { EventIndex } from './event-index';
import type { Fanout } from './fanout';
import { again, retryWithin } from './retry';
import type { Rooms } from './rooms';
import { type Outcome, type Sender, Session } from './session';
import type { Sessions } from './sessions';
import { NotOwnerError, StorageUnavailableError, type WritePipeline } from './write-pipeline';

/** How long a command waits for an event to find an owner again (another instance taking over). */
const ROUTE_PATIENCE_MS = 8000;

const UNREACHABLE: Refusal = {
  code: ErrorCode.StorageUnavailable,
  status: 503,
  message: 'Nothing was saved: the instance running this event cannot be reached right now. Try again in a moment.',
  retryAfterMs: 2000,
};

const MOVED: Moved = { moved: true };
const moved = (out: object): out is Moved => 'moved' in out;

/** Commands of sessions on another instance: what the room sends its sender is collected for the reply. */
class RemoteSender implements Sender {
  readonly messages: ServerMessage[] = [];
  bind: string | null = null;
  send(msg: ServerMessage): void {
    this.messages.push(msg);
  }
  bound(_event: string, runnerId: string): void {
    this.bind = runnerId;
  }
}

export interface DispatchDeps {
  index: EventIndex;
  rooms: Rooms;
  sessions: Sessions;
  pipeline: WritePipeline;
  backplane: Backplane;
  fanout: Fanout;
  now: () => number;
  /** The room's event and links changed: keep the index in step, here and everywhere. */
  synced: (room: Room) => void;
  /** A write found the event owned elsewhere now. */
  lost: (event: string) => void;
}

export class Dispatch {
  constructor(private readonly d: DispatchDeps) {}

  /** The lease a room's writes are made under, when writes are fenced. */
  ownershipOf(room: Room): { event: string; epoch: number } | undefined {
    const { ownership } = this.d.backplane;
    const epoch = ownership.owned(room.id);
    return epoch === undefined || ownership.holder === undefined ? undefined : { event: room.id, epoch };
  }

  /**
   * Run a command on an event's room, wherever it is. Resolves with the command's result once it is durable
   * and visible, or with the refusal (also sent to `sender`, a live session, when there is one).
   */
  run<C extends RoomCommand>(event: string, cmd: C, sender: Sender | null, ref?: string): Promise<Outcome<ResultOf<C>>> {
    return retryWithin(
      this.d.now,
      ROUTE_PATIENCE_MS,
      async () => {
        const out = await this.runOnce(event, cmd, sender, ref);
        return moved(out) ? again() : (out as Outcome<ResultOf<C>>);
      },
      (): Outcome<ResultOf<C>> => {
        sender?.send({ type: 'error', code: ErrorCode.StorageUnavailable, message: UNREACHABLE.message, ...(ref ? { ref } : {}), retryAfterMs: UNREACHABLE.retryAfterMs });
        return { ok: false, refusal: UNREACHABLE };
      },
    );
  }

  private async runOnce(event: string, cmd: RoomCommand, sender: Sender | null, ref?: string): Promise<Outcome<unknown> | Moved> {
    const { rooms, backplane } = this.d;
    const claiming = rooms.known(event) ? backplane.ownership.claim(event) : null;
    // Without a wait when the event is here: answers go out in the order the session's messages came.
    const claim = claiming instanceof Promise ? await claiming : claiming;
    if (claim && !claim.here) {
      const from = sender instanceof Session ? { instance: backplane.bus.instance, session: sender.id } : null;
      const reply = await backplane.bus.forward(claim.instance, { event, cmd, from, ...(ref ? { ref } : {}) });
      if ('unreachable' in reply || reply.moved) return MOVED;
      for (const msg of reply.send) sender?.send(msg);
      if (reply.bind && sender instanceof Session && !sender.closed) {
        // The phone hears what is sent to its runner through the event's channel.
        backplane.channel.follow(event);
        this.d.sessions.bindRemote(sender, event, reply.bind);
      }
      return reply.ok ? { ok: true, result: reply.result } : { ok: false, refusal: reply.refusal };
    }
    const room = claim ? (rooms.peek(event) ?? (await rooms.get(event))) : null;
    if (!room) {
      const refusal: Refusal = { code: ErrorCode.NoSuchEvent, status: 404, message: `There is no event "${event}".` };
      sender?.send({ type: 'error', code: ErrorCode.NoSuchEvent, message: refusal.message, ...(ref ? { ref } : {}) });
      return { ok: false, refusal };
    }
    return this.runOnRoom(room, (r) => execute(r, cmd), sender, ref);
  }

  /** Run a rule on a room held here (timers, jobs); refused when the event has moved to another instance. */
  async runOn<R>(room: Room, rule: (room: Room) => Effects<R>, sender: Sender | null, ref?: string): Promise<Outcome<R>> {
    const out = await this.runOnRoom(room, rule, sender, ref);
    return moved(out) ? { ok: false, refusal: UNREACHABLE } : out;
  }

  private runOnRoom<R>(room: Room, rule: (room: Room) => Effects<R>, sender: Sender | null, ref?: string): Promise<Outcome<R> | Moved> {
    const { rooms, backplane, pipeline } = this.d;
    if (backplane.ownership.owned(room.id) === undefined || rooms.peek(room.id) !== room) return Promise.resolve(MOVED);
    const owner = this.ownershipOf(room);
    rooms.touch(room.id);
    const fx = rule(room);
    this.deliver(room.id, sender, fx.send);
    if (fx.refusal) return Promise.resolve({ ok: false, refusal: fx.refusal });
    if (fx.write.length === 0 && !fx.commit) return Promise.resolve({ ok: true, result: fx.result });
    return new Promise((resolve) => {
      pipeline.submit(
        fx.write,
        (err, arrivals) => {
          if (err instanceof NotOwnerError) {
            fx.abort?.();
            this.d.lost(room.id);
            resolve(MOVED);
            return;
          }
          if (err) {
            fx.abort?.();
            const retryAfterMs = err instanceof StorageUnavailableError ? err.retryAfterMs : 5000;
            const message = 'Nothing was saved: the server cannot store data right now. Try again in a moment.';
            sender?.send({ type: 'error', code: ErrorCode.StorageUnavailable, message, ...(ref ? { ref } : {}), retryAfterMs });
            resolve({ ok: false, refusal: { code: ErrorCode.StorageUnavailable, status: 503, message, retryAfterMs } });
            return;
          }
          if (fx.write.length) room.changes++;
          const applied = fx.commit ? fx.commit(arrivals) : { send: [] };
          this.apply(room.id, sender, applied);
          this.d.synced(room);
          resolve({ ok: true, result: applied.result ?? fx.result });
        },
        owner,
      );
    });
  }

  /** Send deliveries here, and what is not for the sender to the other instances too. */
  deliver(event: string, sender: Sender | null, deliveries: readonly Delivery[], changes: SessionChange[] = []): void {
    const { sessions, backplane } = this.d;
    sessions.deliver(event, sender, deliveries);
    const others = deliveries.filter((d) => !('sender' in d.to));
    const shared = changes.filter((c) => !('bind' in c));
    if (others.length || shared.length) {
      const except = sender instanceof Session ? { instance: backplane.bus.instance, session: sender.id } : null;
      backplane.channel.publishNews(event, { deliveries: others, changes: shared, except });
    }
  }

  private apply(event: string, sender: Sender | null, applied: Applied<unknown>): void {
    // What the change says goes out first: a removed runner's phone is told before it is let go.
    this.deliver(event, sender, applied.send, applied.sessions);
    for (const change of applied.sessions ?? []) this.d.sessions.change(event, sender, change);
  }

  /** What the HTTP API reads of an event's live state, from wherever its room is; null when there is no such event. */
  query<Q extends RoomQuery>(event: string, q: Q): Promise<AnswerOf<Q> | null> {
    const { rooms, backplane } = this.d;
    return retryWithin(
      this.d.now,
      ROUTE_PATIENCE_MS,
      async () => {
        if (!rooms.known(event)) return null;
        const claim = await backplane.ownership.claim(event);
        if (claim.here) {
          const room = rooms.peek(event) ?? (await rooms.get(event));
          return room ? answer(room, q) : null;
        }
        const got = await backplane.bus.ask(claim.instance, event, q);
        const retry = typeof got === 'object' && got !== null && ('unreachable' in got || 'moved' in got);
        return retry ? again() : (got as AnswerOf<Q>);
      },
      () => {
        throw new StorageUnavailableError(UNREACHABLE.message, 2000);
      },
    );
  }

  /** A new event; its id comes from its name (or is `id`). Resolves once it is durable, or with the refusal. */
  async createEvent(name: string, organiserHash: string, id?: string): Promise<Outcome<EventRecord>> {
    const { index, backplane } = this.d;
    const taken: string[] = [];
    try {
      for (;;) {
        const eventId = id ?? index.reserveId(name);
        if (!id) taken.push(eventId);
        const claim = await backplane.ownership.claimNew(eventId).catch(() => null);
        if (claim === null) return { ok: false, refusal: { ...UNREACHABLE, message: 'The event could not be saved: try again in a moment.' } };
        if (claim === false) {
          if (id) return { ok: false, refusal: { code: ErrorCode.EventExists, status: 409, message: `There is an event "${id}" already.` } };
          continue;
        }
        return await this.writeNewEvent(eventId, name, organiserHash, claim.epoch);
      }
    } finally {
      for (const t of taken) index.release(t);
    }
  }

  private async writeNewEvent(eventId: string, name: string, organiserHash: string, epoch: number): Promise<Outcome<EventRecord>> {
    const { pipeline, backplane, index } = this.d;
    const record: EventRecord = {
      info: { id: eventId, name, createdAt: this.d.now(), status: 'live', protected: false, race: DEFAULT_RACE },
      organiserHash,
      viewCodeHash: null,
      quotas: {},
    };
    try {
      await pipeline.write([{ op: 'event', record }], backplane.ownership.holder ? { event: eventId, epoch } : undefined);
      index.put(record);
      backplane.channel.publishIndex({ put: record });
      return { ok: true, result: record };
    } catch (err) {
      const retryAfterMs = err instanceof StorageUnavailableError ? err.retryAfterMs : 5000;
      return { ok: false, refusal: { code: ErrorCode.StorageUnavailable, status: 503, message: 'The event could not be saved: try again in a moment.', retryAfterMs } };
    }
  }

  /** Delete an event and everything kept about it (retention), on the instance that owns it. */
  async deleteEvent(id: string): Promise<void> {
    const { backplane } = this.d;
    await retryWithin(
      this.d.now,
      ROUTE_PATIENCE_MS,
      async () => {
        const claim = await backplane.ownership.claim(id);
        const out = claim.here ? await this.deleteHere(id) : await backplane.bus.forwardDelete(claim.instance, id);
        return 'moved' in out || 'unreachable' in out ? again() : out;
      },
      () => {
        throw new StorageUnavailableError(UNREACHABLE.message, 2000);
      },
    );
  }

  async deleteHere(id: string): Promise<{ ok: boolean } | Moved> {
    const { backplane, pipeline } = this.d;
    const epoch = backplane.ownership.owned(id);
    if (epoch === undefined) return MOVED;
    try {
      await pipeline.write([{ op: 'deleteEvent', event: id }], backplane.ownership.holder ? { event: id, epoch } : undefined);
    } catch (err) {
      if (err instanceof NotOwnerError) return MOVED;
      throw err;
    }
    this.forget(id);
    backplane.channel.publishIndex({ deleted: id });
    backplane.ownership.released(id);
    return { ok: true };
  }

  /** An event deleted here or elsewhere: nobody here watches it any more. */
  forget(id: string): void {
    const { fanout } = this.d;
    for (const { member } of [...fanout.watchers(id)]) fanout.unwatch(member.id, id);
    this.d.rooms.drop(id);
    this.d.index.delete(id);
  }

  // ---------- for the other instances ----------

  async runForward(req: RunRequest): Promise<RunReply> {
    const room = await this.ownedRoom(req.event);
    if (!room) return MOVED;
    const sender = new RemoteSender();
    const out = await this.runOnRoom(room, (r) => execute(r, req.cmd), req.from ? sender : null, req.ref);
    if (moved(out)) return MOVED;
    return out.ok ? { send: sender.messages, bind: sender.bind, ok: true, result: out.result } : { send: sender.messages, bind: sender.bind, ok: false, refusal: out.refusal };
  }

  async answerForward(event: string, q: RoomQuery): Promise<unknown> {
    const room = await this.ownedRoom(event);
    return room ? answer(room, q) : MOVED;
  }

  async snapshotHere(event: string, only: string[] | null, allAlerts = false): Promise<SnapshotMessage | Moved> {
    const room = await this.ownedRoom(event);
    return room ? snapshot(room, only ? new Set(only) : null, { allAlerts }) : MOVED;
  }

  /** The event's room when this instance owns it. */
  private async ownedRoom(event: string): Promise<Room | null> {
    const { rooms, backplane } = this.d;
    if (!rooms.known(event) || backplane.ownership.owned(event) === undefined) return null;
    return rooms.peek(event) ?? (await rooms.get(event));
  }
}
