/** Who may open a live connection or call the API: the client's address and the page's origin. */
import type { IncomingMessage } from 'node:http';

/** The client's address; behind a reverse proxy (TRUST_PROXY=1) the first X-Forwarded-For entry. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Browsers always send Origin on WebSocket upgrades, so a page elsewhere cannot ride on a visitor's
 * connection. Without ALLOWED_ORIGINS only this server's own origin is allowed. Clients that are not
 * browsers (apps, the simulator) send no Origin and are allowed: they cannot borrow anyone's session.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[] | null): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed) return allowed.includes(origin) || allowed.includes('*');
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
