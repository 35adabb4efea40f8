/**
 * SPOT shared-page feeds: JSON at
 * https://api.findmespot.com/spot-main-web/consumer/rest-api/2.0/public/feed/<feed id>/message.json,
 * newest message first, 50 to a page (`start=50` for the next), `feedPassword` for a private page, and
 * `startDate` (yyyy-MM-ddTHH:mm:ss-0000) for messages since a time. SPOT asks for no more than one request
 * per feed every 2.5 minutes.
 *
 * What is taken, by SPOT's field names: response.feedMessageResponse.messages.message (an object when there
 * is one message, else a list), each with `unixTime` (seconds), `latitude`, `longitude`, `altitude`,
 * `messageType` ("TRACK", "OK", "CUSTOM", "HELP", "SOS", "HELP-CANCEL", "NEWMOVEMENT", "UNLIMITED-TRACK",
 * "EXTREME-TRACK", "STOP", "POWER-OFF" …), `messengerId` and `messageContent`. HELP and SOS raise an alert.
 * An error E-0195 ("No Messages to display") is an empty feed; other errors (a feed id that does not exist,
 * a wrong password) are the poll's error.
 */
import type { FeedMessage } from './messages';

export const SPOT_PAGE = 50;

interface SpotMessage {
  unixTime?: unknown;
  latitude?: unknown;
  longitude?: unknown;
  altitude?: unknown;
  messageType?: unknown;
  messengerId?: unknown;
  messageContent?: unknown;
}

/** Reads one page of a SPOT feed: its messages (oldest first) and how many the feed has in all. */
export function parseSpotJson(text: string): { messages: FeedMessage[]; totalCount: number } {
  const doc = JSON.parse(text) as { response?: { errors?: { error?: unknown }; feedMessageResponse?: { totalCount?: unknown; messages?: { message?: unknown } } } };
  const response = doc?.response;
  if (!response) throw new Error('the answer is not a SPOT feed');
  const errors = response.errors?.error;
  if (errors) {
    const list = ([] as Array<{ code?: unknown; text?: unknown; description?: unknown }>).concat(errors as never);
    if (list.some((e) => e.code === 'E-0195')) return { messages: [], totalCount: 0 };
    const e = list[0]!;
    const said = [e.description, e.text].find((v): v is string => typeof v === 'string') ?? 'an error';
    throw new Error(`SPOT says ${typeof e.code === 'string' ? `${e.code}: ` : ''}${said}`);
  }
  const feed = response.feedMessageResponse;
  const raw = feed?.messages?.message;
  const list: SpotMessage[] = raw === undefined ? [] : Array.isArray(raw) ? (raw as SpotMessage[]) : [raw as SpotMessage];
  const messages: FeedMessage[] = [];
  for (const m of list) {
    const t = Number(m.unixTime) * 1000;
    const lat = Number(m.latitude);
    const lon = Number(m.longitude);
    if (!Number.isFinite(t) || !Number.isFinite(lat) || !Number.isFinite(lon)) continue;
    const type = typeof m.messageType === 'string' ? m.messageType.toUpperCase() : '';
    const alt = Number(m.altitude);
    messages.push({
      t,
      lat,
      lon,
      alt: Number.isFinite(alt) && alt !== 0 ? alt : null,
      spd: null,
      hdg: null,
      // SPOT reports 0,0 and -99999 for messages without a position.
      valid: !(lat === 0 && lon === 0) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180,
      emergency: type === 'HELP' || type === 'SOS',
      device: typeof m.messengerId === 'string' ? m.messengerId : null,
      text: typeof m.messageContent === 'string' ? m.messageContent : null,
    });
  }
  const total = Number(feed?.totalCount);
  return { messages: messages.sort((a, b) => a.t - b.t), totalCount: Number.isFinite(total) ? total : messages.length };
}

/** The address of one page of a feed's messages, since `since` (ms) when given. */
export function spotUrl(base: string, feedId: string, password: string | null, since: number | null, start = 0): string {
  const url = new URL(`${encodeURIComponent(feedId)}/message.json`, base.endsWith('/') ? base : `${base}/`);
  if (password) url.searchParams.set('feedPassword', password);
  if (since !== null) url.searchParams.set('startDate', `${new Date(since).toISOString().slice(0, 19)}-0000`);
  if (start > 0) url.searchParams.set('start', String(start));
  return url.toString();
}
