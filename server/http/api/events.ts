/** Listing and creating events, and the health report. */
import { ErrorCode } from '../../../lib/protocol';
import { cryptoCredentials } from '../../credentials';
import { HttpError, sendJson } from '../errors';
import { eventLoopDelay } from '../event-loop-delay';
import { addressOf, type ApiRequest, OPEN_CORS } from './context';

/** Every event as anyone may see it: public ones with their counts, protected ones with name and status only. */
export function listEvents(r: ApiRequest<'listEvents'>): void {
  sendJson(r.res, 200, { events: r.ctx.live.index.list() }, OPEN_CORS);
}

export async function createEvent(r: ApiRequest<'createEvent'>): Promise<void> {
  const address = addressOf(r);
  if (!(await r.ctx.creations.take(address))) {
    throw new HttpError(429, ErrorCode.RateLimited, 'Too many events created from this address: try again later.', { 'retry-after': '600' });
  }
  const { name } = await r.body();
  const organiserToken = cryptoCredentials.newToken();
  const out = await r.ctx.live.createEvent(name, cryptoCredentials.hash(organiserToken));
  if (!out.ok) throw HttpError.from(out.refusal);
  const event = out.result!.info;
  sendJson(r.res, 201, {
    event,
    organiserToken,
    links: { spectator: `/e/${event.id}`, runner: `/e/${event.id}/run`, organiser: `/e/${event.id}/organise#token=${organiserToken}` },
  });
}

export function health(r: ApiRequest<'health'>): void {
  const { live } = r.ctx;
  const storage = live.storageHealth();
  const ok = storage.state === 'ok';
  const backplane = live.backplane.health();
  sendJson(
    r.res,
    ok ? 200 : 503,
    {
      ok,
      // Without the backplane this instance still serves the events it owns and what it holds; it says so here.
      degraded: backplane.state === 'down',
      instance: live.backplane.bus.instance,
      owned: live.backplane.ownership.ownedEvents(),
      backplane,
      storage: { engine: live.store.engine, ...storage },
      ...live.stats(),
      exports: r.ctx.exports.active,
      // A request that holds the event loop shows here (course files are read in workers so that none does).
      eventLoopDelayMs: eventLoopDelay(),
    },
    ok ? OPEN_CORS : { ...OPEN_CORS, 'retry-after': '5' },
  );
}
