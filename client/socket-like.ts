/** What a live connection is made of, whatever carries it: WebSocket, Server-Sent Events, or `ws` in Node. */

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type Transport = 'websocket' | 'sse';

/** The subset of the WebSocket API used here; the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readonly readyState: number;
  /** WebSocket's: how binary messages arrive ('arraybuffer' is asked for). */
  binaryType?: string;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;
