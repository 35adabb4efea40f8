/**
 * Server-issued runner ids and secrets, and how they are kept. Tokens (runner, organiser, device keys) are
 * long random strings: a fast hash is enough, there is nothing to brute-force. View codes are chosen by
 * people and can be short, so they get a slow, salted hash (scrypt).
 */
import { createHash, randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { CLAIM_ALPHABET, CLAIM_CODE_LENGTH } from '../lib/entries/entry';

export interface Secrets {
  newRunnerId(): string;
  /** A secret with 128 bits of randomness or more. */
  newToken(): string;
  hash(token: string): string;
  verify(token: string, hash: string): boolean;
  /** A start-list entry's claim code: short enough to print and type (lib/entries/entry.ts). */
  newClaimCode(): string;
}

export const cryptoCredentials: Secrets = {
  newRunnerId: () => randomBytes(6).toString('base64url'),
  newToken: () => randomBytes(24).toString('base64url'),
  hash: (token) => createHash('sha256').update(token).digest('base64url'),
  verify(token, hash) {
    return sameText(this.hash(token), hash);
  },
  newClaimCode() {
    let out = '';
    for (let i = 0; i < CLAIM_CODE_LENGTH; i++) out += CLAIM_ALPHABET[randomInt(CLAIM_ALPHABET.length)];
    return out;
  },
};

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// N = 2^14, r = 8: about 16 MiB and a few tens of milliseconds per check, in libuv's thread pool.
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

function derive(code: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(code.normalize('NFC'), salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A view code's stored form: "scrypt$<salt>$<key>" (base64url). */
export async function hashViewCode(code: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${(await derive(code, salt)).toString('base64url')}`;
}

/** Whether `code` matches a stored view code; codes stored by earlier versions (SHA-256) are read too. */
export async function verifyViewCode(code: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 3 || parts[0] !== 'scrypt') return cryptoCredentials.verify(code, stored);
  const key = await derive(code, Buffer.from(parts[1]!, 'base64url'));
  const want = Buffer.from(parts[2]!, 'base64url');
  return key.length === want.length && timingSafeEqual(key, want);
}

/** A code the server picks for the organiser: 10 characters that read unambiguously (no 0/O, 1/l/I). */
export function newViewCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
