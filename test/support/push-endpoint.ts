/**
 * A push service on loopback, for tests: it takes what the server posts to a subscription's endpoint,
 * checks the VAPID signature (RFC 8292) and decrypts the payload (RFC 8291, aes128gcm) with the browser
 * keys a test made for the subscription, as a browser's push service and the browser would between them.
 */
import { createECDH, createPublicKey, type ECDH, hkdfSync, randomBytes, verify, createDecipheriv } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface Browser {
  ecdh: ECDH;
  auth: Buffer;
  /** PushSubscription.toJSON() of this browser at `endpoint`. */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
}

const b64 = (b: Buffer) => b.toString('base64url');

export class PushEndpoint {
  readonly received: Received[] = [];
  /** Paths answered with another status than 201 (410: the browser unsubscribed). */
  readonly statusOf = new Map<string, number>();
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  /** Listening on loopback at `port` (any free one when 0). */
  static async start(port = 0): Promise<PushEndpoint> {
    let self: PushEndpoint | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        self!.received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(self!.statusOf.get(path) ?? 201).end();
        for (const wake of self!.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    self = new PushEndpoint(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  /** A browser's keys and its subscription at a path of this endpoint. */
  browser(name: string): Browser {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    return { ecdh, auth, subscription: { endpoint: `${this.origin}/push/${name}`, expirationTime: null, keys: { p256dh: b64(ecdh.getPublicKey()), auth: b64(auth) } } };
  }

  /** What reached a browser's path so far. */
  to(browser: Browser): Received[] {
    const path = new URL(browser.subscription.endpoint).pathname;
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves at the next request (or at once when `ready` already holds). */
  async until<T>(ready: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = ready();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the push endpoint was not reached in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** RFC 8291: the payload as the browser reads it, from one aes128gcm record. */
export function decryptPush(browser: Browser, body: Buffer): string {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const serverKey = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  if (record.length > rs) throw new Error('more than one record');
  const secret = browser.ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), browser.ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, browser.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 2 and then any zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** RFC 8292: the claims of a request's VAPID header, once its ES256 signature checks with its key `k`. */
export function checkVapid(headers: IncomingMessage['headers']): { k: string; aud: string; exp: number; sub: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(headers.authorization ?? '');
  if (!m) throw new Error(`not a VAPID authorization: ${headers.authorization}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  const [head, claims, sig] = jwt.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg: string };
  if (header.alg !== 'ES256') throw new Error(`signed with ${header.alg}`);
  const point = Buffer.from(k, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))) {
    throw new Error('the VAPID signature does not check');
  }
  return { k, ...(JSON.parse(Buffer.from(claims, 'base64url').toString()) as { aud: string; exp: number; sub: string }) };
}
