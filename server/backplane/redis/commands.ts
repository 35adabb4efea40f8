/**
 * Requests to the instance that owns an event (or holds a stream) over each instance's inbox in Redis, and
 * serving the ones sent here. A request to an instance that is gone, stuck or out of reach comes back as
 * `unreachable`, and where the event is is found out again before the next try.
 */
import type { RoomQuery } from '../../room/queries';
import type { CommandBus, Moved, RequestHandler, RunReply, RunRequest, Unreachable } from '../ports';
import type { RedisBus } from './bus';
import type { Ownership } from './ownership';

export type Request =
  | { t: 'run'; req: RunRequest }
  | { t: 'ask'; event: string; q: RoomQuery }
  | { t: 'snapshot'; event: string; only: string[] | null; allAlerts?: boolean }
  | { t: 'delete'; event: string }
  | { t: 'presence'; event: string; runnerId: string; delta: number }
  | { t: 'stream'; stream: string; body: string };

const isMoved = (r: unknown) => typeof r === 'object' && r !== null && ('moved' in r || 'unreachable' in r);

export class RedisCommandBus implements CommandBus {
  readonly instance: string;
  readonly streamTag: string;
  private handler!: RequestHandler;

  constructor(
    private readonly bus: RedisBus,
    private readonly ownership: Ownership,
  ) {
    this.instance = ownership.holder;
    // Stream ids made here start with the instance's name, so any instance knows where a stream is held.
    this.streamTag = ownership.holder;
  }

  serve(handler: RequestHandler): void {
    this.handler = handler;
    this.bus.serve((body) => this.answer(body as Request));
  }

  async request<T>(to: string, body: Request): Promise<T | Unreachable> {
    try {
      return (await this.bus.request(to, body)) as T;
    } catch (err) {
      // Gone, stuck or out of reach: find out again where the event is before trying again.
      if ('event' in body) this.ownership.forget(body.event);
      else if (body.t === 'run') this.ownership.forget(body.req.event);
      return { unreachable: (err as Error).message };
    }
  }

  async forward(to: string, req: RunRequest): Promise<RunReply | Unreachable> {
    const reply = await this.request<RunReply>(to, { t: 'run', req });
    if (!('unreachable' in reply) && reply.moved) this.ownership.forget(req.event);
    return reply;
  }

  async ask(to: string, event: string, q: RoomQuery): Promise<unknown> {
    const reply = await this.request<unknown>(to, { t: 'ask', event, q });
    if (isMoved(reply)) this.ownership.forget(event);
    return reply;
  }

  forwardDelete(to: string, event: string): Promise<{ ok: boolean } | Moved | Unreachable> {
    return this.request(to, { t: 'delete', event });
  }

  presence(event: string, runnerId: string, delta: number): void {
    void Promise.resolve(this.ownership.claim(event)).then((c) => {
      if (c.here) this.handler.presence(event, runnerId, delta);
      else void this.bus.tell(c.instance, { t: 'presence', event, runnerId, delta } satisfies Request);
    });
  }

  async streamPost(stream: string, body: string): Promise<'ok' | 'gone'> {
    const to = stream.slice(0, this.instance.length);
    if (to === this.instance) return this.handler.streamPost(stream, body);
    const reply = await this.request<'ok' | 'gone'>(to, { t: 'stream', stream, body });
    return typeof reply === 'string' ? reply : 'gone';
  }

  private async answer(r: Request): Promise<unknown> {
    switch (r.t) {
      case 'run':
        return this.handler.run(r.req);
      case 'ask':
        return this.handler.ask(r.event, r.q);
      case 'snapshot':
        return this.handler.snapshot(r.event, r.only, r.allAlerts);
      case 'delete':
        return this.handler.delete(r.event);
      case 'presence':
        this.handler.presence(r.event, r.runnerId, r.delta);
        return null;
      case 'stream':
        return this.handler.streamPost(r.stream, r.body);
    }
  }
}
