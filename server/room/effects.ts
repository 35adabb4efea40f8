/**
 * The one result type of every command on an event: what to send at once, what to make durable, and what
 * happens once it is. A command changes nothing anyone can see before its write commits: `commit` runs
 * after the write, applies the change and says what to send; `abort` runs instead when the write failed.
 * A command with nothing to write but a `commit` runs it after everything written before it is durable.
 */
import type { ErrorCode, ServerMessage } from '../../lib/protocol';
import type { WriteOp } from '../storage/store';

/** Who a message is for. The domain knows the sender of a command and runners; sessions know sockets. */
export type Recipient =
  /** The session that sent the command. */
  | { sender: true }
  /** Every session bound to this runner (their phones). */
  | { runner: string }
  /** Every session bound to this runner except the sender. */
  | { runnerOthers: string }
  /** Everyone watching the event, and its runners' own sessions (event news). */
  | { event: true }
  /** Everyone watching the event who sees this runner (a share link may leave them out); the organiser too. */
  | { watchers: string }
  /** Every organiser session watching the event (race control: the console, the organiser page). */
  | { organisers: true }
  /** Every runner's phones at this event. */
  | { runners: true };

export interface Delivery {
  to: Recipient;
  msg: ServerMessage;
}

/** What changes for sessions once a command took effect. */
export type SessionChange =
  /** Bind the sender to this runner: its later pos/mood/stop messages are this runner's. */
  | { bind: string }
  /** Sessions bound to this runner are bound to nobody any more. */
  | { unbindRunner: string }
  /** Whoever watches through this share link is dropped (it expired or was withdrawn). */
  | { dropLink: string; reason: 'revoked' | 'expired' }
  /** Spectators who did not come through a share link must enter the view code again. */
  | { recheckAccess: true };

export interface Applied<R = void> {
  send: Delivery[];
  sessions?: SessionChange[];
  /** The answer for a caller that waits (an HTTP request). */
  result?: R;
}

/** Why a command was refused, for callers that answer over HTTP. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  /** HTTP status that fits. */
  status: number;
  retryAfterMs?: number;
}

export interface Effects<R = void> {
  send: Delivery[];
  write: WriteOp[];
  commit?: (arrivals: ReadonlyArray<number | null>) => Applied<R>;
  abort?: () => void;
  /** Set when the command was refused (nothing to write); `send` holds the refusal for sessions. */
  refusal?: Refusal;
  /** The answer when there is nothing to wait for. */
  result?: R;
}

export const nothing = <R = void>(result?: R): Effects<R> => ({ send: [], write: [], result });

export const reply = (msg: ServerMessage): Delivery => ({ to: { sender: true }, msg });

/** A refusal: an error frame for a session, and the same reason for an HTTP caller. */
export function refuse<R = void>(refusal: Refusal, ref?: string, extra: { seq?: number } = {}): Effects<R> {
  return {
    send: [
      reply({
        type: 'error',
        code: refusal.code,
        message: refusal.message,
        ...(ref ? { ref } : {}),
        ...extra,
        ...(refusal.retryAfterMs !== undefined ? { retryAfterMs: refusal.retryAfterMs } : {}),
      }),
    ],
    write: [],
    refusal,
  };
}
