/**
 * Polls the satellite trackers of every live event (docs/trackers.md): one round every few seconds, run by
 * one instance of the cluster at a time, asks each tracker that is due (feed-plan.ts) for the messages since
 * its last one, within the request budget. What a feed brings goes to the event's room as a `feedReport`
 * command, the same way as every other fix; the tracker's poll state is written with it, so a round on
 * another instance carries on where this one stopped.
 */
import type { RoomCommand } from '../room/commands';
import type { AppFix, FeedPoll } from '../room/tracking-apps';
import type { TrackerRecord } from '../storage/store';
import { log } from '../log';
import { duePolls, type FeedBudget, pollInterval } from './feed-plan';
import { inReachUrl, parseInReachKml } from '../sources/feeds/inreach';
import type { FeedMessage } from '../sources/feeds/messages';
import { parseSpotJson, SPOT_PAGE, spotUrl } from '../sources/feeds/spot';

export interface FeedSources {
  /** Base of MapShare feeds: https://share.garmin.com/Feed/Share/ */
  inreach: string;
  /** Base of SPOT feeds: https://api.findmespot.com/spot-main-web/consumer/rest-api/2.0/public/feed/ */
  spot: string;
}

/** What a round needs of the server: the trackers, a way to run commands, the clock and HTTP. */
export interface FeedPorts {
  liveTrackers(): Promise<Array<{ event: string; tracker: TrackerRecord }>>;
  run(event: string, cmd: RoomCommand): Promise<unknown>;
  now(): number;
  fetch: typeof fetch;
}

/** Largest feed answer read: a day of messages is far less. */
const MAX_FEED_BYTES = 2 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;
/** A first poll asks for this much of the past. */
const FIRST_POLL_MS = 24 * 3600_000;
/** SPOT pages read at most in one poll. */
const MAX_SPOT_PAGES = 10;
/** Satellite fixes are good to about this, metres (neither service reports it). */
const SATELLITE_ACCURACY_M = 15;

const APP = { inreach: 'Garmin inReach', spot: 'SPOT' } as const;

class FeedError extends Error {}

export class FeedPoller {
  /** A service that answered 429 is left alone until then (Garmin blocks an address for an hour). */
  private readonly resting = new Map<'inreach' | 'spot', number>();

  constructor(
    private readonly ports: FeedPorts,
    private readonly sources: FeedSources,
    private readonly budget: FeedBudget,
    private readonly intervalMs: number,
  ) {}

  /** One round: poll the trackers that are due, oldest poll first, while the budget lasts. Returns the polls made. */
  async round(): Promise<number> {
    const all = await this.ports.liveTrackers();
    const interval = pollInterval(all.length, this.intervalMs, this.budget.perHour);
    let polls = 0;
    for (const { event, tracker } of duePolls(all, this.ports.now(), interval)) {
      if ((this.resting.get(tracker.kind) ?? 0) > this.ports.now()) continue;
      if (!(await this.budget.take())) break;
      polls++;
      const poll = await this.poll(tracker);
      await this.ports.run(event, { do: 'feedReport', trackerId: tracker.id, poll }).catch((err: unknown) => {
        log('warn', 'feed_report_failed', { event, tracker: tracker.id, error: String(err) });
      });
    }
    return polls;
  }

  private async poll(tracker: TrackerRecord): Promise<FeedPoll> {
    const polledAt = this.ports.now();
    const since = tracker.lastT ?? polledAt - FIRST_POLL_MS;
    try {
      const messages = tracker.kind === 'inreach' ? await this.inReach(tracker, since) : await this.spot(tracker, since);
      // Only what came after the last message taken: a feed repeats the minute it was asked from.
      const fresh = messages.filter((m) => tracker.lastT === null || m.t > tracker.lastT);
      const fixes: AppFix[] = fresh
        .filter((m) => m.valid)
        .map((m) => ({ lat: m.lat, lon: m.lon, t: m.t, acc: SATELLITE_ACCURACY_M, alt: m.alt, spd: m.spd, hdg: m.hdg, bat: null }));
      const lastT = messages.length ? Math.max(...messages.map((m) => m.t)) : null;
      return { app: APP[tracker.kind], polledAt, fixes, sos: fresh.some((m) => m.emergency), lastT, error: null };
    } catch (err) {
      const error = err instanceof FeedError ? err.message : `the feed could not be read: ${err instanceof Error ? err.message : String(err)}`;
      log('info', 'feed_poll_failed', { tracker: tracker.id, kind: tracker.kind, error });
      return { app: APP[tracker.kind], polledAt, fixes: [], sos: false, lastT: null, error };
    }
  }

  private async inReach(tracker: TrackerRecord, since: number): Promise<FeedMessage[]> {
    const headers: Record<string, string> = {};
    // MapShare takes the page's password with any user name.
    if (tracker.password) headers.authorization = `Basic ${Buffer.from(`trackside:${tracker.password}`).toString('base64')}`;
    const text = await this.get('inreach', inReachUrl(this.sources.inreach, tracker.feed, since), headers);
    return parseInReachKml(text);
  }

  private async spot(tracker: TrackerRecord, since: number): Promise<FeedMessage[]> {
    const out: FeedMessage[] = [];
    for (let page = 0; page < MAX_SPOT_PAGES; page++) {
      if (page > 0 && !(await this.budget.take())) break;
      const got = parseSpotJson(await this.get('spot', spotUrl(this.sources.spot, tracker.feed, tracker.password, since, page * SPOT_PAGE), {}));
      out.push(...got.messages);
      if (got.messages.length < SPOT_PAGE || out.length >= got.totalCount) break;
    }
    return out;
  }

  private async get(kind: 'inreach' | 'spot', url: string, headers: Record<string, string>): Promise<string> {
    const res = await this.ports.fetch(url, { headers: { ...headers, 'user-agent': 'Trackside' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (res.status === 429) {
      this.resting.set(kind, this.ports.now() + 3600_000);
      throw new FeedError(`${APP[kind]} is limiting requests from this server: polls stop for an hour`);
    }
    if (res.status === 401 || res.status === 403) throw new FeedError(kind === 'inreach' ? 'the MapShare page needs its password, or the one given is wrong' : 'the SPOT page is private: its password is missing or wrong');
    if (res.status === 404) throw new FeedError(kind === 'inreach' ? 'no MapShare page has this name: check it (share.garmin.com/<name>)' : 'no SPOT feed has this id');
    if (!res.ok) throw new FeedError(`${APP[kind]} answered ${res.status}`);
    return readAtMost(res, MAX_FEED_BYTES, () => new FeedError(`${APP[kind]} sent more than ${MAX_FEED_BYTES} bytes`));
  }
}

/** The body as text, or `tooLarge()` thrown as soon as it passes `limit` bytes (nothing more is read). */
async function readAtMost(res: Response, limit: number, tooLarge: () => Error): Promise<string> {
  if (Number(res.headers.get('content-length')) > limit) throw tooLarge();
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
