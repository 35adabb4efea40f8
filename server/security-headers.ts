/**
 * Security headers: for pages, a nonce-based content security policy that still lets the map load its tiles;
 * for everything else (API answers, files, errors, the event stream, tracking-app answers), a policy that
 * allows nothing, so that no answer is ever sniffed as, run as or framed as a page.
 */
import { randomBytes } from 'node:crypto';

/** The CSP source for the tile server: its origin, with a {s} subdomain placeholder as a wildcard. */
export function tileSource(tileUrl: string): string {
  if (tileUrl.startsWith('/') && !tileUrl.startsWith('//')) return "'self'";
  const m = /^(https?:)?\/\/([^/?#]+)/.exec(tileUrl);
  if (!m) return "'self'";
  const scheme = m[1] ?? 'https:';
  return `${scheme}//${m[2]!.replace(/\{[a-z]+\}/g, '*')}`;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * `frameAncestors`: the CSP source list of who may frame the page; only an event's embed (/embed/<id>) has
 * one (its organiser's sites), every other page may be framed by nobody.
 */
export function pageHeaders(opts: { tileUrl: string; nonce: string; dev: boolean; tls: boolean; frameAncestors?: string }): Record<string, string> {
  const ancestors = opts.frameAncestors ?? "'none'";
  const csp = [
    "default-src 'self'",
    // Next marks its own scripts with the nonce; 'strict-dynamic' lets them load the page's chunks.
    `script-src 'self' 'nonce-${opts.nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    // Leaflet positions every marker and tile with inline styles.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${tileSource(opts.tileUrl)}`,
    "connect-src 'self' ws: wss:",
    "font-src 'self'",
    // The app-shell service worker (public/sw.js) and the web app manifest come from this server only.
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    // Tile servers such as OpenStreetMap's require a Referer; send the origin only.
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'geolocation=(self), camera=(), microphone=()',
    // X-Frame-Options cannot name sites; browsers that know frame-ancestors ignore it, the rest refuse to frame.
    ...(ancestors === "'none'" ? { 'x-frame-options': 'DENY' } : {}),
    ...(opts.tls ? { 'strict-transport-security': 'max-age=15552000' } : {}),
  };
}

/** Headers every answer that is not a page carries, whatever it is (JSON, GPX, an image, an error, a 404). */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
});
