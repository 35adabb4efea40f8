/**
 * Where every live transport enters (WebSocket, Server-Sent Events with posts): who may connect from an
 * address, each connection's message budget, frames that are refused before they are read (binary, over the
 * rate), and the streams whose posts arrive separately, here or at another instance. A transport declares a
 * Peer for each client and hands the gateway what the client sends; everything after that is the same
 * whichever way the client came.
 */
import { CloseCode, ErrorCode, LIMITS } from '../../lib/protocol';
import type { AddressLimiter } from '../limits/admission';
import type { Peer } from './peer';
import type { Session } from './session';
import type { Sessions } from './sessions';

/** One connected client as its transport sees it. */
export interface Connection {
  readonly session: Session;
  /** A text frame (a WebSocket message, a stream's post). */
  receive(data: string): void;
  /** A binary frame: refused, the protocol is JSON text. */
  receiveBinary(): void;
  /** The transport closed: forget the client. */
  closed(): void;
}

export interface GatewayOptions {
  sessions: Sessions;
  limiter: AddressLimiter;
  /** Hands a post for a stream held by another instance there; 'gone' when no instance holds it. */
  postElsewhere: (stream: string, body: string) => Promise<'ok' | 'gone'>;
  /** Stream ids made here start with this ('' with one process): a post names the instance holding its stream. */
  streamTag: string;
}

export class Gateway {
  private readonly streams = new Map<string, Connection>();
  private open = true;

  constructor(private readonly o: GatewayOptions) {}

  /** Whether new connections are taken (false while the server stops). */
  get accepting(): boolean {
    return this.open;
  }

  stopAccepting(): void {
    this.open = false;
  }

  /** Count a new connection from `address`; false when the address has as many as it may. */
  admit(address: string): boolean | Promise<boolean> {
    return this.o.limiter.open(address);
  }

  /** A connection admitted but never made (the upgrade failed) gives its place back. */
  release(address: string): void {
    this.o.limiter.close(address);
  }

  /** An admitted client; with `stream`, its posts may arrive apart from its connection (Server-Sent Events). */
  connect(peer: Peer, address: string, stream?: string): Connection {
    const { sessions, limiter } = this.o;
    const session = sessions.attach(peer, address);
    let gone = false;
    /** Every frame pays before it is read; refused frames are not even parsed. */
    const paid = (): boolean => {
      const verdict = session.budget.take(1);
      if (verdict === 'close') peer.close(CloseCode.Policy, 'message rate exceeded');
      else if (verdict === 'refuse') {
        sessions.refuse(session, ErrorCode.RateLimited, `Too many messages: at most ${LIMITS.ratePerSecond} a second.`, { retryAfterMs: 1000 });
      }
      return verdict === 'ok';
    };
    const connection: Connection = {
      session,
      receive(data) {
        if (paid()) sessions.receive(session, data);
      },
      receiveBinary() {
        if (paid()) sessions.refuse(session, ErrorCode.BinaryFrame, 'Frames must be JSON text, not binary.');
      },
      closed: () => {
        if (gone) return;
        gone = true;
        if (stream) this.streams.delete(stream);
        limiter.close(address);
        sessions.detach(session);
      },
    };
    if (stream) this.streams.set(stream, connection);
    return connection;
  }

  /** A new stream id: this instance's tag, then enough randomness that it cannot be guessed. */
  streamId(random: string): string {
    return this.o.streamTag + random;
  }

  /** Whether a stream of this id may be open: held here, or made by another instance. */
  mayHold(stream: string): boolean {
    return this.streams.has(stream) || this.madeElsewhere(stream);
  }

  private madeElsewhere(stream: string): boolean {
    return this.o.streamTag !== '' && !stream.startsWith(this.o.streamTag);
  }

  /** A post for a stream: handled here when the stream is, else handed to the instance holding it. */
  async post(stream: string, body: string): Promise<'ok' | 'gone'> {
    if (this.postHere(stream, body) === 'ok') return 'ok';
    return this.madeElsewhere(stream) ? this.o.postElsewhere(stream, body) : 'gone';
  }

  /** A post for a stream held here (another instance handed it over, or it came here). */
  postHere(stream: string, body: string): 'ok' | 'gone' {
    const connection = this.streams.get(stream);
    if (!connection) return 'gone';
    connection.receive(body);
    return 'ok';
  }
}
