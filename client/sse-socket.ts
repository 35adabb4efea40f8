/**
 * A SocketLike over Server-Sent Events (down) and HTTP posts (up), for networks that block WebSocket.
 * Messages are posted one after another, so the server sees them in the order they were sent.
 */
import type { SocketLike } from './live-socket';

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
    this.source = new EventSource(`${base}/api/stream`);
    this.source.addEventListener('stream', (e) => {
      this.id = (JSON.parse((e as MessageEvent<string>).data) as { id: string }).id;
      this.readyState = OPEN;
      this.onopen?.({});
    });
    this.source.onmessage = (e) => this.onmessage?.({ data: e.data });
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
        const res = await fetch(`${this.base}/api/stream/${id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: data,
        });
        if (res.status === 404) this.finish(1006, 'stream gone');
      } catch {
        this.finish(1006, 'post failed');
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
