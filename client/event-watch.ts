/**
 * Watching one event, as a pure reducer: the picture (client/event-view.ts), the connection, and the socket
 * policy every page that watches shares: subscribe on every (re)connection, again after a gap in the
 * offsets, again when a busy server says when; stop for good when a share link stops working; ask for the
 * view code when the event is protected. It decides; the session (client/event-session.ts) does what it says.
 */
import { type ClientMessage, ErrorCode, type ServerMessage } from '../lib/protocol';
import { emptyEventView, type EventView, type LocalAction, reduceEventView } from './event-view';
import type { ConnectionState, Transport } from './socket-like';

/** What lets this page watch: nothing (a public event), a view code, a share link, or the organiser token. */
export type WatchAccess = { code?: string; share?: string; organiser?: string };

export interface Connection {
  state: ConnectionState;
  /** Time to the next attempt while reconnecting. */
  retryInMs: number | null;
  transport: Transport;
}

export type CheerStatus = { state: 'idle' } | { state: 'sending' } | { state: 'sent' } | { state: 'failed'; message: string };

export interface WatchState {
  view: EventView;
  connection: Connection;
  access: WatchAccess;
  /** The event is protected and this page has no code that opens it yet (or the one given was wrong). */
  lock: 'required' | 'wrong' | null;
  /** Nothing more will come through this share link (withdrawn, expired, unknown): what the server said. */
  gone: string | null;
  cheer: CheerStatus;
}

export type WatchInput =
  | { type: 'server'; msg: ServerMessage; now: number }
  | { type: 'local'; action: LocalAction }
  | { type: 'connection'; connection: Connection }
  /** The spectator gave a view code. */
  | { type: 'unlock'; code: string }
  /** A cheer was handed to the connection, or could not be. */
  | { type: 'cheer'; status: CheerStatus };

export type WatchEffect =
  /** Send a subscribe with the current access: a fresh snapshot follows. */
  | { do: 'subscribe' }
  | { do: 'subscribe-later'; ms: number }
  | { do: 'close' }
  /** This view code opened the event: keep it for this tab. */
  | { do: 'keep-code'; code: string };

export function initialWatch(access: WatchAccess): WatchState {
  return {
    view: emptyEventView,
    connection: { state: 'connecting', retryInMs: null, transport: 'websocket' },
    access,
    lock: null,
    gone: null,
    cheer: { state: 'idle' },
  };
}

/** The subscribe frame for this access: one key opens the event, the strongest the page holds. */
export function subscribeMessage(event: string, access: WatchAccess): Extract<ClientMessage, { type: 'subscribe' }> {
  const key = access.share ? { share: access.share } : access.organiser ? { organiser: access.organiser } : access.code ? { code: access.code } : {};
  return { type: 'subscribe', event, ...key };
}

/** Query parameters that open the event's HTTP reads (tracks, course, downloads) for this page. */
export function readAccess(access: WatchAccess): { share: string } | { code: string } | Record<string, never> {
  return access.share ? { share: access.share } : access.code ? { code: access.code } : {};
}

const LINK_GONE: ReadonlySet<string> = new Set([ErrorCode.LinkRevoked, ErrorCode.LinkExpired, ErrorCode.NoSuchLink]);
const BUSY: ReadonlySet<string> = new Set([ErrorCode.RateLimited, ErrorCode.StorageUnavailable]);

export function reduceWatch(state: WatchState, input: WatchInput): { state: WatchState; effects: WatchEffect[] } {
  switch (input.type) {
    case 'connection': {
      const opened = input.connection.state === 'open' && state.connection.state !== 'open';
      return { state: { ...state, connection: input.connection }, effects: opened && !state.gone ? [{ do: 'subscribe' }] : [] };
    }
    case 'unlock':
      return { state: { ...state, access: { ...state.access, code: input.code } }, effects: [{ do: 'subscribe' }] };
    case 'cheer':
      return { state: { ...state, cheer: input.status }, effects: [] };
    case 'local':
      return { state: { ...state, view: reduceEventView(state.view, input.action) }, effects: [] };
    case 'server':
      return onServer(state, input.msg, input.now);
  }
}

function onServer(state: WatchState, msg: ServerMessage, now: number): { state: WatchState; effects: WatchEffect[] } {
  if (msg.type === 'cheered') return { state: { ...state, cheer: { state: 'sent' } }, effects: [] };
  if (msg.type === 'error') {
    if (msg.ref === 'cheer') return { state: { ...state, cheer: { state: 'failed', message: msg.message } }, effects: [] };
    // Nothing more will come through this link: stop trying.
    if (LINK_GONE.has(msg.code)) return { state: { ...state, gone: msg.message }, effects: [{ do: 'close' }] };
    // The server is busy: ask for the snapshot again when it says.
    if (msg.ref === 'subscribe' && BUSY.has(msg.code)) {
      return { state, effects: [{ do: 'subscribe-later', ms: Math.max(1000, msg.retryAfterMs ?? 3000) }] };
    }
    if (msg.code === ErrorCode.ViewCodeRequired || msg.code === ErrorCode.BadViewCode) {
      // The organiser token opens a protected event: the event was protected just now, so ask again with it.
      if (state.access.organiser) return { state, effects: [{ do: 'subscribe' }] };
      return { state: { ...state, lock: msg.code === ErrorCode.BadViewCode ? 'wrong' : 'required' }, effects: [] };
    }
    return { state, effects: [] };
  }
  const view = reduceEventView(state.view, msg, now);
  const effects: WatchEffect[] = [];
  // An update showed a gap (or the server's live state was rebuilt): start again from a fresh snapshot.
  if (view.resync !== state.view.resync) effects.push({ do: 'subscribe' });
  if (msg.type !== 'snapshot') return { state: view === state.view ? state : { ...state, view }, effects };
  if (state.access.code && !state.access.share && !state.access.organiser) effects.push({ do: 'keep-code', code: state.access.code });
  return { state: { ...state, view, lock: null }, effects };
}
