/**
 * A SocketLike over Server-Sent Events (down) and HTTP posts (up), for networks that block WebSocket.
 * Messages are posted one after another, so the server sees them in the order they were sent.
 */
import { ApiError, apiUrl, call } from './api';
import type { SocketLike } from './socket-like';

const OPEN = 1;
const CLOSED = 3;

export class SseSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  private readonly source: EventSource;
  private id: string | null = null;
  private posting: Promise<void> = Promise.resolve();

  /** `base` is the server's http(s) origin. */
  constructor(private readonly base: string) {
    this.source = new EventSource(apiUrl('stream', {}, {}, base));
    this.source.addEventListener('stream', (e) => {
      this.id = (JSON.parse((e as MessageEvent<string>).data) as { id: string }).id;
      this.readyState = OPEN;
      this.onopen?.({});
    });
    this.source.onmessage = (e) => this.onmessage?.({ data: e.data });
    // Binary frames come base64-encoded in events named "b".
    this.source.addEventListener('b', (e) => {
      const text = atob((e as MessageEvent<string>).data);
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      this.onmessage?.({ data: bytes });
    });
    this.source.addEventListener('close', (e) => {
      const { code, reason } = JSON.parse((e as MessageEvent<string>).data) as { code: number; reason: string };
      this.finish(code, reason);
    });
    // EventSource would retry by itself; the live socket decides when, with its backoff.
    this.source.onerror = () => this.finish(1006, 'stream lost');
  }

  send(data: string): void {
    const id = this.id;
    if (this.readyState !== OPEN || !id) return;
    this.posting = this.posting.then(async () => {
      try {
        await call('streamPost', { stream: id }, { raw: data, rawType: 'application/json', origin: this.base });
      } catch (err) {
        // A refused frame is answered over the stream; only a stream the server no longer has, or no answer, ends it.
        if (!(err instanceof ApiError) || err.status === 0) this.finish(1006, 'post failed');
        else if (err.status === 404) this.finish(1006, 'stream gone');
      }
    });
  }

  close(): void {
    this.finish(1000, 'closed');
  }

  private finish(code: number, reason: string): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.source.close();
    this.onclose?.({ code, reason });
  }
}
