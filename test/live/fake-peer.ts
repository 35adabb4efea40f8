/** A peer without a socket: it keeps what it is sent, and its queued bytes are whatever the test says. */
import { type DecodedFrame, decodeFrames } from '../../lib/live-codec';
import type { ServerMessage } from '../../lib/protocol';
import type { Peer, SharedFrame } from '../../server/live/peer';

export class FakePeer implements Peer {
  readonly sent: ServerMessage[] = [];
  /** The shared frames it got, as objects: a frame serialised once is the same object for everyone. */
  readonly frames: SharedFrame[] = [];
  /** The binary position frames it got (each message may hold several), decoded. */
  readonly binary: DecodedFrame[] = [];
  closedWith: { code: number; reason: string } | null = null;
  bufferedAmount = 0;

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ServerMessage);
  }

  sendShared(frame: SharedFrame): void {
    this.frames.push(frame);
    if (frame.binary) this.binary.push(...decodeFrames(frame.bytes));
    else this.sent.push(JSON.parse(frame.bytes.toString('utf8')) as ServerMessage);
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }

  of<K extends ServerMessage['type']>(type: K): Array<Extract<ServerMessage, { type: K }>> {
    return this.sent.filter((m): m is Extract<ServerMessage, { type: K }> => m.type === type);
  }
}
