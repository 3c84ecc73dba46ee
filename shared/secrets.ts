/**
 * Salted scrypt hashes for passwords and device secrets, compared in constant time.
 * Format: `scrypt$N$r$p$<salt b64url>$<hash b64url>`, so the cost can be raised later without
 * invalidating stored hashes.
 *
 * Device secrets are 256-bit random strings, so they need no key stretching to resist guessing;
 * they use a lower cost (N=2^10, ~1 ms) so that thousands of buses reconnecting after a broker
 * restart do not cost minutes of CPU. Human passwords use N=2^15 (~100 ms).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const PASSWORD_COST = { N: 2 ** 15, r: 8, p: 1 } as const;
export const DEVICE_SECRET_COST = { N: 2 ** 10, r: 8, p: 1 } as const;
const KEY_LEN = 32;

function scryptAsync(
  secret: string,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LEN, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(
  secret: string,
  cost: { N: number; r: number; p: number } = PASSWORD_COST,
): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `secret` matches `stored`; false for a malformed hash (never throws). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Number.isInteger(cost.N) || !Number.isInteger(cost.r) || !Number.isInteger(cost.p)) return false;
  const expected = Buffer.from(hashB64, 'base64url');
  if (expected.length !== KEY_LEN) return false;
  try {
    const actual = await scryptAsync(secret, Buffer.from(saltB64, 'base64url'), cost);
    return timingSafeEqual(actual, expected);
  } catch {
    // node:crypto throws synchronously on cost parameters it rejects (N not a power of 2, N < 0).
    return false;
  }
}

/** A new device secret: 32 random bytes, base64url (43 characters). */
export function newDeviceSecret(): string {
  return randomBytes(32).toString('base64url');
}
