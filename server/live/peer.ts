/** What the live layer needs of one connected client, whatever carries it (WebSocket, Server-Sent Events). */

/** One serialised message shared by many peers; each transport caches its own framing of it here. */
export interface SharedFrame {
  readonly bytes: Buffer;
  /** Binary (the compact position frames, lib/live-codec.ts) rather than JSON text. */
  readonly binary?: boolean;
  ws?: Buffer;
  sse?: Buffer;
}

export interface Peer {
  send(data: string): void;
  /** Send bytes that many peers receive alike, framing them at most once for all. */
  sendShared(frame: SharedFrame): void;
  close(code: number, reason: string): void;
  /** Bytes queued but not yet written to the network. */
  readonly bufferedAmount: number;
}

export const sharedFrame = (msg: unknown): SharedFrame => ({ bytes: Buffer.from(JSON.stringify(msg)) });

export const binaryFrame = (bytes: Uint8Array): SharedFrame => ({
  bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
  binary: true,
});
