import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Client secrets are stored only as salted scrypt hashes. The secrets are 256 random bits, so the hash's
 * cost protects a leaked table rather than a guessable password; N=2^14 keeps a token request fast.
 */
const N = 16384;
const r = 8;
const p = 1;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, n: number, rr: number, pp: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N: n, r: rr, p: pp, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A new client secret: 32 random bytes, base64url, prefixed so scanners can recognise a leaked one. */
export function generateSecret(): string {
  return `ndgs_${randomBytes(32).toString('base64url')}`;
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, N, r, p);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Compares in constant time; a malformed stored hash never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, rr, pp, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !rr || !pp || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), Number(n), Number(rr), Number(pp));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
