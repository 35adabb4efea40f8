/**
 * Connected clients, whatever their transport: what each may ask (its message budget), which runner it is
 * bound to, what it watches, and where the domain's deliveries go. Messages from one session are handled
 * strictly in the order they came, even when one of them waits (a room loading, a view code being checked).
 */
import { type ClientMessage, CloseCode, ErrorCode, parseClientFrame, PROTOCOL_VERSION, type RunnerInfo, type ServerMessage } from '../../lib/protocol';
import type { Delivery, Refusal, SessionChange } from '../room/effects';
import { MessageBudget, messageCost, SnapshotBudget } from '../limits/admission';
import type { Peer } from './peer';
import { KeyedBuckets } from '../limits/token-bucket';
import type { Access, Granted, Viewer } from './access';
import type { ResultOf, RoomCommand } from '../room/commands';
import type { AnswerOf, RoomQuery } from '../room/queries';
import type { Fanout, Member } from './fanout';
import { type Outcome, type Sender, Session } from './session';
import type { Rooms } from './rooms';


export interface SessionServices {
  rooms: Rooms;
  fanout: Fanout;
  access: Access;
  now: () => number;
  /** Read an event's live state, wherever its room runs (null when there is no such event). */
  query<Q extends RoomQuery>(event: string, q: Q): Promise<AnswerOf<Q> | null>;
  /** Run a command on an event: the one way anything changes (live/core.ts). */
  run<C extends RoomCommand>(event: string, command: C, sender: Session | null, ref?: string): Promise<Outcome<ResultOf<C>>>;
  /** Make an event followable here (its room, or its owner's updates); false when there is no such event. */
  open(event: string): Promise<boolean>;
  /** Phones bound to a runner came (+1) or went (-1). */
  presence(event: string, runnerId: string, delta: 1 | -1): void;
  /** Whether the event's room runs on this instance now (commands for it are answered without a round trip). */
  runsHere(event: string): boolean;
  /** Charge a write to the sender's address (limits/write-budget.ts); the refusal when it is over budget. */
  admit(address: string, event: string, command: RoomCommand): Refusal | null;
  /** Runners one address may create per hour. */
  joinsPerHourPerIp: number;
  snapshotsPerSecondPerIp: number;
}

const runnerKey = (event: string, runnerId: string) => `${event}\n${runnerId}`;

export class Sessions {
  private readonly sessions = new Map<number, Session>();
  private readonly byRunner = new Map<string, Set<Session>>();
  private readonly boundToEvent = new Map<string, Set<Session>>();
  private readonly snapshotBudget: SnapshotBudget;
  private readonly joins: KeyedBuckets;
  private nextId = 1;

  constructor(private readonly s: SessionServices) {
    this.joins = new KeyedBuckets(s.joinsPerHourPerIp, s.joinsPerHourPerIp / 3600);
    this.snapshotBudget = new SnapshotBudget(s.snapshotsPerSecondPerIp);
  }

  attach(peer: Peer, address: string): Session {
    const session = new Session(this.nextId++, peer, address, new MessageBudget(this.s.now), this.snapshotBudget);
    this.sessions.set(session.id, session);
    session.send({ type: 'hello', v: PROTOCOL_VERSION, now: this.s.now() });
    return session;
  }

  detach(session: Session): void {
    if (!this.sessions.delete(session.id)) return;
    session.closed = true;
    this.s.fanout.leave(session.id);
    this.unbind(session);
  }

  get(id: number): Session | undefined {
    return this.sessions.get(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Whether anyone on this process holds the event: spectators or runners' phones. */
  holds(event: string): boolean {
    return this.s.fanout.hasWatchers(event) || this.boundToEvent.has(event);
  }

  /** Refuse a frame; the answer goes out after the answers to the session's earlier frames. */
  refuse(session: Session, code: ErrorCode, message: string, extra: { retryAfterMs?: number } = {}): void {
    this.enqueue(session, () => session.send({ type: 'error', code, message, ...extra }));
  }

  private enqueue(session: Session, work: () => void | Promise<void>): void {
    if (session.waiting) session.backlog.push(work);
    else this.work(session, work);
  }

  private work(session: Session, work: () => void | Promise<void>): void {
    const failed = () => session.send({ type: 'error', code: ErrorCode.BadMessage, message: 'That message could not be handled.' });
    let result: void | Promise<void>;
    try {
      result = work();
    } catch {
      return failed();
    }
    if (!(result instanceof Promise)) return;
    session.waiting = true;
    result.catch(failed).finally(() => {
      session.waiting = false;
      while (!session.waiting && session.backlog.length) this.work(session, session.backlog.shift()!);
    });
  }

  /**
   * One frame from a client. It has paid one token of its budget already (the transport takes it before
   * reading); here it pays the rest of its kind's cost, and is handled after the session's earlier frames.
   */
  receive(session: Session, data: string): void {
    const parsed = parseClientFrame(data);
    const type = parsed.ok ? parsed.msg.type : parsed.ref;
    const extra = messageCost(type) - 1;
    if (extra > 0) {
      const verdict = session.budget.take(extra);
      if (verdict === 'close') return session.peer.close(CloseCode.Policy, 'message rate exceeded');
      if (verdict === 'refuse') return this.refuse(session, ErrorCode.RateLimited, 'Too many messages: slow down.', { retryAfterMs: 1000 });
    }
    this.enqueue(session, () => (parsed.ok ? this.handle(session, parsed.msg) : this.malformed(session, parsed)));
  }

  private malformed(session: Session, p: Extract<ReturnType<typeof parseClientFrame>, { ok: false }>): void | Promise<void> {
    if (p.ref === 'pos' && session.runner) {
      const { runnerId } = session.runner;
      return this.command(session, session.runner.event, { do: 'refusePosition', runnerId, seq: p.seq, message: p.message }, 'pos');
    }
    session.send({ type: 'error', code: p.code, message: p.message, ...(p.ref ? { ref: p.ref } : {}) });
  }

  private handle(session: Session, msg: ClientMessage): void | Promise<void> {
    if (session.closed) return;
    switch (msg.type) {
      case 'join': {
        if (!this.s.rooms.known(msg.event)) return this.noSuchEvent(session, msg.event, 'join');
        if (!this.joins.take(session.address)) {
          return this.refuse(session, ErrorCode.QuotaExceeded, 'Too many runners joined from this address: try again later.', {
            retryAfterMs: this.joins.waitMs(session.address),
          });
        }
        return this.command(session, msg.event, { do: 'join', name: msg.name, color: msg.color, bib: msg.bib ?? null, claim: msg.claim, details: msg.details }, 'join');
      }
      case 'resume':
        if (!this.s.rooms.known(msg.event)) return this.noSuchEvent(session, msg.event, 'resume');
        return this.command(session, msg.event, { do: 'resume', runnerId: msg.runnerId, token: msg.token, name: msg.name, color: msg.color }, 'resume');
      case 'pos':
      case 'mood':
      case 'stop': {
        const bound = session.runner;
        if (!bound) {
          const what = msg.type === 'pos' ? 'sending positions' : msg.type === 'mood' ? 'sending happiness' : 'stopping';
          return session.send({ type: 'error', code: ErrorCode.NotJoined, message: `Join or resume as a runner before ${what}.`, ref: msg.type });
        }
        const { event, runnerId } = bound;
        const cmd: RoomCommand =
          msg.type === 'pos' ? { do: 'position', runnerId, msg } : msg.type === 'mood' ? { do: 'mood', runnerId, value: msg.value } : { do: 'stop', runnerId };
        return this.command(session, event, cmd, msg.type);
      }
      case 'subscribe':
        return this.subscribe(session, msg);
      case 'interest': {
        const interest = { follow: new Set(msg.follow), view: msg.view };
        if (this.s.fanout.refocus(session.id, msg.event, interest)) return;
        return session.send({ type: 'error', code: ErrorCode.NotSubscribed, message: 'Subscribe to this event with interest before changing what you look at.', ref: 'interest' });
      }
      case 'who':
        return this.who(session, msg);
      case 'unsubscribe':
        this.s.fanout.unwatch(session.id, msg.event);
        return;
      case 'cheer': {
        if (!this.s.rooms.known(msg.event)) return this.noSuchEvent(session, msg.event, 'cheer');
        const watch = this.s.fanout.watching(session.id, msg.event);
        if (!watch && this.s.rooms.info(msg.event)?.protected !== false) {
          return session.send({ type: 'error', code: ErrorCode.ViewCodeRequired, message: 'This event is protected: enter its view code to cheer.', ref: 'cheer' });
        }
        const seen = watch?.via === 'link' && watch.only ? [...watch.only] : null;
        return this.command(session, msg.event, { do: 'cheer', runnerId: msg.runnerId, text: msg.text, from: msg.from, seen }, 'cheer');
      }
    }
  }

  /**
   * Run a command for a session. Answered here, its answers keep their place among the session's; answered by
   * another instance, the session's later messages wait for it, so that they keep their place too.
   */
  private command(session: Session, event: string, cmd: RoomCommand, ref: string): void | Promise<void> {
    const over = this.s.admit(session.address, event, cmd);
    if (over) return this.sendRefusal(session, over, ref);
    const here = this.s.runsHere(event);
    const done = this.s.run(event, cmd, session, ref);
    if (!here) return done.then(() => {});
  }

  private noSuchEvent(session: Session, event: string, ref: string): void {
    session.send({ type: 'error', code: ErrorCode.NoSuchEvent, message: `There is no event "${event}".`, ref });
  }

  private subscribe(session: Session, msg: Extract<ClientMessage, { type: 'subscribe' }>): void | Promise<void> {
    // A new subscribe replaces the old one whatever its outcome: access is judged afresh every time.
    this.s.fanout.unwatch(session.id, msg.event);
    if (!this.s.rooms.known(msg.event)) return this.noSuchEvent(session, msg.event, 'subscribe');
    const granted = this.s.access.viewer(msg.event, { code: msg.code, share: msg.share, organiserToken: msg.organiser }, session.address);
    if (granted instanceof Promise) return granted.then((g) => this.subscribed(session, msg, g));
    return this.subscribed(session, msg, granted);
  }

  private subscribed(session: Session, msg: Extract<ClientMessage, { type: 'subscribe' }>, granted: Granted): void | Promise<void> {
    if (session.closed) return;
    if (!granted.ok) return this.sendRefusal(session, granted.refusal, 'subscribe');
    // Snapshots are large: each connection and address may ask for only so many (wrong guesses are
    // limited apart, by the attempt limits).
    if (!session.snapshots.take() || !this.snapshotBudget.address(session.address)) {
      return session.send({
        type: 'error',
        code: ErrorCode.RateLimited,
        message: 'Too many snapshots asked for: wait a moment before subscribing again.',
        ref: 'subscribe',
        retryAfterMs: Math.max(1000, session.snapshots.waitMs()),
      });
    }
    if (this.s.rooms.peek(msg.event)) return this.watch(session, msg, granted.viewer);
    return this.s.open(msg.event).then((found) => {
      if (session.closed) return;
      if (!found) return this.noSuchEvent(session, msg.event, 'subscribe');
      this.watch(session, msg, granted.viewer);
    });
  }

  private watch(session: Session, msg: Extract<ClientMessage, { type: 'subscribe' }>, viewer: Viewer): void {
    // The link's choice bounds any narrower choice of the spectator's.
    const chosen = msg.runners ? new Set(viewer.only ? msg.runners.filter((id) => viewer.only!.has(id)) : msg.runners) : viewer.only;
    // A subscription that may see every runner may say what it looks at; one limited to some runners gets
    // those runners as it always did (the snapshot then carries no `field`).
    const interest = msg.interest && !chosen ? { follow: new Set(msg.interest.follow), view: msg.interest.view } : undefined;
    // The snapshot comes with watching: from the room here, or from the event's owner.
    this.s.fanout.watch(session, { event: msg.event, only: chosen, via: viewer.via, linkId: viewer.linkId, ...(interest ? { interest } : {}) });
  }

  /** Who runners of the field are, by this instance's indices: answered from the event's room, here or at its owner. */
  private who(session: Session, msg: Extract<ClientMessage, { type: 'who' }>): void | Promise<void> {
    const field = this.s.fanout.field(msg.event);
    if (!field || !this.s.fanout.watching(session.id, msg.event)?.interest) {
      return session.send({ type: 'error', code: ErrorCode.NotSubscribed, message: 'Subscribe to this event with interest before asking who runners are.', ref: 'who' });
    }
    const { gen } = field;
    const byId = new Map<string, number>();
    for (const n of msg.n) {
      const id = field.ids[n];
      if (id !== undefined) byId.set(id, n);
    }
    const answer = (infos: RunnerInfo[] | null) => {
      const runners = (infos ?? []).flatMap((info) => {
        const n = byId.get(info.id);
        return n === undefined ? [] : [{ ...info, n }];
      });
      session.send({ type: 'who', event: msg.event, gen, runners });
    };
    if (byId.size === 0) return answer([]);
    return this.s.query(msg.event, { ask: 'infos', ids: [...byId.keys()] }).then(answer);
  }

  private sendRefusal(session: Session, r: Refusal, ref: string): void {
    session.send({
      type: 'error',
      code: r.code,
      message: r.message,
      ref,
      ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
    });
  }

  // ---------- deliveries ----------

  /** Send what a command produced: to its sender, a runner's phones, or everyone at the event. */
  deliver(event: string, sender: Sender | null, deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      const to = d.to;
      if ('sender' in to) sender?.send(d.msg);
      else if ('runner' in to) for (const s of this.byRunner.get(runnerKey(event, to.runner)) ?? []) s.send(d.msg);
      else if ('runnerOthers' in to) {
        for (const s of this.byRunner.get(runnerKey(event, to.runnerOthers)) ?? []) if (s !== sender) s.send(d.msg);
      } else if ('watchers' in to) this.s.fanout.broadcast(event, d.msg, undefined, to.watchers);
      else if ('organisers' in to) this.s.fanout.broadcast(event, d.msg, undefined, undefined, 'organisers');
      else if ('runners' in to) {
        const json = JSON.stringify(d.msg);
        for (const s of this.boundToEvent.get(event) ?? []) s.peer.send(json);
      } else {
        // Event news: spectators, then runners' phones that do not also watch.
        this.s.fanout.broadcast(event, d.msg);
        if (d.msg.type === 'happiness') continue;
        const json = JSON.stringify(d.msg);
        for (const s of this.boundToEvent.get(event) ?? []) if (!this.s.fanout.watching(s.id, event)) s.peer.send(json);
      }
    }
  }

  /** One change a command made to sessions: here, for a session of this instance or for all of them. */
  change(event: string, sender: Sender | null, c: SessionChange): void {
    if ('bind' in c) {
      if (sender instanceof Session) {
        if (!sender.closed) this.bind(sender, event, c.bind);
      } else sender?.bound?.(event, c.bind);
    } else if ('unbindRunner' in c) {
      for (const s of [...(this.byRunner.get(runnerKey(event, c.unbindRunner)) ?? [])]) this.unbind(s);
    } else if ('dropLink' in c) {
      this.dropLink(event, c.dropLink, c.reason);
    } else {
      for (const { member, watch } of [...this.s.fanout.watchers(event)]) {
        if (watch.via === 'link' || watch.via === 'organiser') continue;
        this.s.fanout.unwatch(member.id, event);
        this.tell(member, {
          type: 'error',
          code: ErrorCode.ViewCodeRequired,
          message: 'This event is now protected: enter its view code.',
          ref: 'subscribe',
        });
      }
    }
  }

  /** Tell a member of the fan-out something: members are sessions, whose peer carries the message. */
  private tell(member: Member, msg: ServerMessage): void {
    if (!this.sessions.get(member.id)?.closed) member.peer.send(JSON.stringify(msg));
  }

  /** Whoever watches through this link is told and receives nothing more. */
  dropLink(event: string, linkId: string, reason: 'revoked' | 'expired'): void {
    for (const { member, watch } of [...this.s.fanout.watchers(event)]) {
      if (watch.via !== 'link' || watch.linkId !== linkId) continue;
      this.s.fanout.unwatch(member.id, event);
      this.tell(
        member,
        reason === 'revoked'
          ? { type: 'error', code: ErrorCode.LinkRevoked, message: 'The organiser has withdrawn this link.', ref: 'subscribe' }
          : { type: 'error', code: ErrorCode.LinkExpired, message: 'This link has expired.', ref: 'subscribe' },
      );
    }
  }

  /** Bind a session here to a runner whose event runs on another instance (its command was answered there). */
  bindRemote(session: Session, event: string, runnerId: string): void {
    this.bind(session, event, runnerId);
  }

  private bind(session: Session, event: string, runnerId: string): void {
    if (session.runner?.event === event && session.runner.runnerId === runnerId) return;
    this.unbind(session);
    session.runner = { event, runnerId };
    const key = runnerKey(event, runnerId);
    let set = this.byRunner.get(key);
    if (!set) this.byRunner.set(key, (set = new Set()));
    set.add(session);
    let bound = this.boundToEvent.get(event);
    if (!bound) this.boundToEvent.set(event, (bound = new Set()));
    bound.add(session);
    this.s.presence(event, runnerId, 1);
  }

  private unbind(session: Session): void {
    const r = session.runner;
    if (!r) return;
    session.runner = null;
    const key = runnerKey(r.event, r.runnerId);
    const set = this.byRunner.get(key);
    set?.delete(session);
    if (set?.size === 0) this.byRunner.delete(key);
    const bound = this.boundToEvent.get(r.event);
    bound?.delete(session);
    if (bound?.size === 0) this.boundToEvent.delete(r.event);
    this.s.presence(r.event, r.runnerId, -1);
  }

  /** Events whose runners have phones bound here, with how many per runner. */
  boundRunners(): Map<string, Map<string, number>> {
    const out = new Map<string, Map<string, number>>();
    for (const [key, set] of this.byRunner) {
      const [event, runnerId] = key.split('\n') as [string, string];
      let m = out.get(event);
      if (!m) out.set(event, (m = new Map()));
      m.set(runnerId, set.size);
    }
    return out;
  }

  /** Close every session (server shutting down, or storage lost for good). */
  closeAll(code: number, reason: string): void {
    for (const s of [...this.sessions.values()]) s.peer.close(code, reason);
  }

  /** Counts for health checks and leak tests. */
  stats(): { connections: number; bound: number } {
    let bound = 0;
    for (const s of this.byRunner.values()) bound += s.size;
    return { connections: this.sessions.size, bound };
  }
}
