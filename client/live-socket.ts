/** A WebSocket that reconnects by itself and speaks the Trackside protocol. Works in browsers and Node. */
import { backoffMs } from './backoff';
import type { ClientMessage, ServerMessage } from '../lib/protocol';
import type { ConnectionState, SocketFactory, SocketLike, Transport } from './socket-like';
import { SseSocket } from './sse-socket';

/** Callers that build sockets themselves (the simulator, tests) take the types from here too. */
export type { ConnectionState, SocketFactory, SocketLike, Transport } from './socket-like';

export interface LiveSocketOptions {
  url: string;
  /** Called on every (re)connection, before queued user sends; say who you are here. */
  onOpen?: () => void;
  onMessage: (msg: ServerMessage) => void;
  /** A binary message (compact position frames, lib/live-codec.ts). */
  onBinary?: (bytes: Uint8Array) => void;
  onState?: (state: ConnectionState, detail: { attempt: number; retryInMs?: number; code?: number; transport: Transport }) => void;
  createSocket?: SocketFactory;
  /**
   * Used instead of WebSocket once it has failed to open twice in a row (a network that blocks it).
   * In browsers it defaults to Server-Sent Events with HTTP posts.
   */
  createFallback?: SocketFactory;
}

/** WebSocket attempts that never opened before the fallback is tried. */
const FALLBACK_AFTER = 2;

const OPEN = 1;

export class LiveSocket {
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private failedOpens = 0;
  transport: Transport = 'websocket';
  state: ConnectionState = 'connecting';

  private readonly unwatch: () => void;

  constructor(private readonly opts: LiveSocketOptions) {
    this.unwatch = this.watchNetwork();
    this.connect();
  }

  /**
   * In a browser, follow what it knows of the network: a socket open when the network went away can hang
   * for minutes before it fails, and after an outage nobody should wait for the backoff timer.
   */
  private watchNetwork(): () => void {
    if (typeof window === 'undefined') return () => {};
    const offline = () => this.dropConnection();
    const online = () => this.reconnectNow();
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
    };
  }

  /** Send if connected; returns false when the message could not be sent now. */
  send(msg: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(msg));
    return true;
  }

  close(): void {
    this.closed = true;
    this.unwatch();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'bye');
    this.setState('closed', {});
  }

  /** Give up on the current connection and retry on the usual schedule. */
  dropConnection(): void {
    const socket = this.socket;
    if (!socket || this.closed) return;
    this.socket = null;
    socket.onclose = null;
    socket.close();
    this.scheduleRetry();
  }

  /** Skip the wait before the next attempt. */
  reconnectNow(): void {
    if (this.closed) return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.connect();
    }
  }

  private setState(state: ConnectionState, detail: { retryInMs?: number; code?: number }): void {
    this.state = state;
    this.opts.onState?.(state, { attempt: this.attempt, transport: this.transport, ...detail });
  }

  private fallback(): SocketFactory | null {
    if (this.opts.createFallback) return this.opts.createFallback;
    if (typeof EventSource === 'undefined') return null;
    return (url) => new SseSocket(url.replace(/^ws/, 'http').replace(/\/ws$/, ''));
  }

  private connect(): void {
    this.retryTimer = null;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting', {});
    const fallback = this.failedOpens >= FALLBACK_AFTER ? this.fallback() : null;
    this.transport = fallback ? 'sse' : 'websocket';
    const create = fallback ?? this.opts.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = create(this.opts.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    // Binary messages as ArrayBuffers (browsers would make Blobs, which read asynchronously).
    if ('binaryType' in socket) socket.binaryType = 'arraybuffer';
    let opened = false;
    socket.onopen = () => {
      opened = true;
      if (this.transport === 'websocket') this.failedOpens = 0;
      this.setState('open', {});
      this.opts.onOpen?.();
    };
    socket.onmessage = (ev) => {
      if (typeof ev.data !== 'string') {
        const bytes = ev.data instanceof ArrayBuffer ? new Uint8Array(ev.data) : ArrayBuffer.isView(ev.data) ? new Uint8Array(ev.data.buffer, ev.data.byteOffset, ev.data.byteLength) : null;
        if (bytes) this.opts.onBinary?.(bytes);
        return;
      }
      let msg: ServerMessage;
      try {
        msg = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'hello') this.attempt = 0;
      this.opts.onMessage(msg);
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      // A socket that never opened while the device is online points at a network that blocks WebSocket.
      // After the fallback drops, WebSocket gets one more try: the block may have been the server restarting.
      const online = typeof navigator === 'undefined' || navigator.onLine;
      if (!opened && this.transport === 'websocket' && online) this.failedOpens++;
      if (this.transport === 'sse') this.failedOpens = FALLBACK_AFTER - 1;
      if (this.closed) return;
      this.scheduleRetry(ev.code);
    };
  }

  private scheduleRetry(code?: number): void {
    const delay = backoffMs(this.attempt);
    this.attempt++;
    this.setState('reconnecting', { retryInMs: delay, code });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
