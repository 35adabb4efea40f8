/** Server-issued runner ids and secret tokens. Tokens are kept only as hashes. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Credentials {
  newRunnerId(): string;
  /** A secret with 128 bits of randomness or more. */
  newToken(): string;
  hash(token: string): string;
  verify(token: string, hash: string): boolean;
}

export const cryptoCredentials: Credentials = {
  newRunnerId: () => randomBytes(6).toString('base64url'),
  newToken: () => randomBytes(24).toString('base64url'),
  // Tokens are long random strings, so a fast hash is enough: there is nothing to brute-force.
  hash: (token) => createHash('sha256').update(token).digest('base64url'),
  verify(token, hash) {
    const a = Buffer.from(this.hash(token));
    const b = Buffer.from(hash);
    return a.length === b.length && timingSafeEqual(a, b);
  },
};
