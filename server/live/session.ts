/** One connected client, whatever its transport, and whoever else may send a command (another instance). */
import type { ServerMessage } from '../../lib/protocol';
import type { MessageBudget, SnapshotBudget } from '../limits/admission';
import type { TokenBucket } from '../limits/token-bucket';
import type { Refusal } from '../room/effects';
import type { Member } from './fanout';
import type { Peer } from './peer';

/** Whoever sent a command: a session here, or one of another instance whose answers travel back. */
export interface Sender {
  send(msg: ServerMessage): void;
  /** The command bound its sender to a runner (a session here is bound by Sessions itself). */
  bound?(event: string, runnerId: string): void;
}

export class Session implements Member, Sender {
  runner: { event: string; runnerId: string } | null = null;
  /**
   * Messages are handled one after another. Most are handled at once; while one waits (a view code being
   * checked, a room loading), the ones after it wait here, in order.
   */
  waiting = false;
  readonly backlog: Array<() => void | Promise<void>> = [];
  closed = false;
  readonly snapshots: TokenBucket;

  constructor(
    readonly id: number,
    readonly peer: Peer,
    readonly address: string,
    readonly budget: MessageBudget,
    snapshots: SnapshotBudget,
  ) {
    this.snapshots = snapshots.connection();
  }

  send(msg: ServerMessage): void {
    if (!this.closed) this.peer.send(JSON.stringify(msg));
  }
}

export type Outcome<R> = { ok: true; result: R | undefined } | { ok: false; refusal: Refusal };
