import { describe, expect, it } from 'vitest';
import { DEVICE_SECRET_COST, hashSecret, newDeviceSecret, PASSWORD_COST, verifySecret } from './secrets.ts';

describe('hashSecret and verifySecret', () => {
  it('round-trip a device secret at the device cost', async () => {
    const secret = newDeviceSecret();
    const stored = await hashSecret(secret, DEVICE_SECRET_COST);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifySecret(secret, stored)).toBe(true);
  });

  it('round-trip a password at the default (password) cost', async () => {
    const stored = await hashSecret('kata-sandi-operator');
    expect(stored.startsWith(`scrypt$${PASSWORD_COST.N}$${PASSWORD_COST.r}$${PASSWORD_COST.p}$`)).toBe(true);
    expect(await verifySecret('kata-sandi-operator', stored)).toBe(true);
  });

  it('reject a wrong secret', async () => {
    const stored = await hashSecret('right', DEVICE_SECRET_COST);
    expect(await verifySecret('wrong', stored)).toBe(false);
    expect(await verifySecret('', stored)).toBe(false);
    expect(await verifySecret('right ', stored)).toBe(false);
  });

  it('salt every hash: the same secret hashes differently and both verify', async () => {
    const [a, b] = await Promise.all([
      hashSecret('same', DEVICE_SECRET_COST),
      hashSecret('same', DEVICE_SECRET_COST),
    ]);
    expect(a).not.toBe(b);
    expect(await verifySecret('same', a)).toBe(true);
    expect(await verifySecret('same', b)).toBe(true);
  });

  it('verify against the cost recorded in the hash, not the current default', async () => {
    const cheap = await hashSecret('s', { N: 2 ** 4, r: 1, p: 1 });
    expect(cheap.startsWith('scrypt$16$1$1$')).toBe(true);
    expect(await verifySecret('s', cheap)).toBe(true);
  });

  it('answer false, never throw, for a malformed stored hash', async () => {
    const key = Buffer.alloc(32).toString('base64url');
    const valid = await hashSecret('s', DEVICE_SECRET_COST);
    const [, , , , salt, hash] = valid.split('$');
    const malformed = [
      '',
      'plain-text-secret',
      'scrypt$$$$$',
      `bcrypt$1024$8$1$${salt}$${hash}`,
      `scrypt$1024$8$1$${salt}`,
      `scrypt$1024$8$1$${salt}$${hash}$extra`,
      `scrypt$x$8$1$${salt}$${hash}`,
      `scrypt$1024$8.5$1$${salt}$${hash}`,
      `scrypt$1024$8$1$${salt}$${hash?.slice(0, 20)}`,
      `scrypt$1000$8$1$${salt}$${key}`,
      `scrypt$-1024$8$1$${salt}$${key}`,
      `scrypt$0$8$1$${salt}$${key}`,
      `scrypt$1024$0$1$${salt}$${key}`,
    ];
    for (const stored of malformed) {
      await expect(verifySecret('s', stored), stored).resolves.toBe(false);
    }
  });
});

describe('newDeviceSecret', () => {
  it('is 43 base64url characters (32 random bytes) and new every time', () => {
    const secrets = Array.from({ length: 50 }, newDeviceSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});
