/**
 * Issue #6 item 5, broker side: secrets are stored as salted scrypt hashes and compared in
 * constant time. node:crypto's timingSafeEqual is wrapped (it still runs) so the test can see
 * that every comparison goes through it with equal-length buffers, whatever the length of the
 * secret presented. (timingSafeEqual throws on unequal lengths; code that compared a raw secret
 * would have to branch on the length first, and leak it.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const compared = vi.hoisted(() => [] as Array<[number, number]>);
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
    compared.push([a.byteLength, b.byteLength]);
    return actual.timingSafeEqual(a, b);
  };
  return { ...actual, default: { ...actual, timingSafeEqual }, timingSafeEqual };
});

const { Authenticator } = await import('../../broker/authenticator.ts');
const { RegistryReplica } = await import('../../shared/registry-replica.ts');
const { DEVICE_SECRET_COST, PASSWORD_COST, hashSecret, newDeviceSecret, verifySecret } = await import(
  '../../shared/secrets.ts'
);
const { topics } = await import('../../shared/topics.ts');

const SERVICE_SECRET = 'service-secret-0123456789abcdef';

describe('secret storage and comparison', () => {
  beforeEach(() => {
    compared.length = 0;
  });

  it('stores secrets as salted scrypt hashes: scrypt$N$r$p$salt$hash', async () => {
    const device = await hashSecret(newDeviceSecret(), DEVICE_SECRET_COST);
    expect(device).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    const password = await hashSecret('kata-sandi-operator', PASSWORD_COST);
    expect(password).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  });

  it('verifies wrong secrets of any length with timingSafeEqual on equal-length buffers', async () => {
    const stored = await hashSecret('the-right-secret', DEVICE_SECRET_COST);
    for (const attempt of ['', 'x', 'the-right-secre', 'the-right-secret!', 'y'.repeat(500)])
      expect(await verifySecret(attempt, stored)).toBe(false);
    expect(await verifySecret('the-right-secret', stored)).toBe(true);
    expect(compared).toHaveLength(6);
    for (const [a, b] of compared) expect(a).toBe(b);
  });

  describe('the broker authenticator', () => {
    let registry: InstanceType<typeof RegistryReplica>;
    let auth: InstanceType<typeof Authenticator>;
    beforeEach(() => {
      registry = new RegistryReplica();
      auth = new Authenticator({ registry, serviceSecret: SERVICE_SECRET });
      auth.attach();
    });
    afterEach(() => auth.detach());
    const connect = { clientId: 'c1', clean: true };

    it('compares a service secret of any length in constant time', async () => {
      for (const attempt of ['s', SERVICE_SECRET.slice(0, -1), `${SERVICE_SECRET}x`, 'z'.repeat(300)])
        await expect(auth.authenticate(connect, 'svc:ingest', Buffer.from(attempt))).rejects.toMatchObject({
          returnCode: 4,
        });
      await expect(auth.authenticate(connect, 'svc:ingest', Buffer.from(SERVICE_SECRET))).resolves.toEqual({
        kind: 'service',
        name: 'ingest',
      });
      expect(compared).toHaveLength(5);
      for (const [a, b] of compared) expect([a, b]).toEqual([32, 32]);
    });

    it('compares device secrets in constant time, on the scrypt path and on the cache path', async () => {
      const secret = newDeviceSecret();
      const record = {
        id: 'bus-k1-07',
        siteId: 'trans-batam-k1',
        type: 'gateway',
        secretHash: await hashSecret(secret, DEVICE_SECRET_COST),
        createdAt: new Date().toISOString(),
      };
      registry.handle(topics.registryDevice('bus-k1-07'), Buffer.from(JSON.stringify(record)));
      const device = { clientId: 'bus-k1-07', clean: true };
      await expect(auth.authenticate(device, 'bus-k1-07', Buffer.from(secret))).resolves.toMatchObject({
        kind: 'device',
      });
      // Cached now: a wrong secret of another length is compared digest to digest, then by scrypt.
      await expect(auth.authenticate(device, 'bus-k1-07', Buffer.from('short'))).rejects.toMatchObject({
        returnCode: 4,
      });
      await expect(auth.authenticate(device, 'bus-k1-07', Buffer.from(secret))).resolves.toMatchObject({
        kind: 'device',
      });
      expect(compared.length).toBeGreaterThanOrEqual(4);
      for (const [a, b] of compared) expect(a).toBe(b);
    });
  });
});
