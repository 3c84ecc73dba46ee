import { afterEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../shared/secrets.ts';
import { ConnectionLimits, normalizeIp } from './connection-limits.ts';
import { SERVICE_SECRET, startTestBroker, type TestBroker } from './test-kit.ts';

const manualClock = (start = 1_764_313_200_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};
const device = { kind: 'device', deviceId: 'bus-k1-07', secretHash: 'h' } as const;

describe('ConnectionLimits', () => {
  it('counts an IPv4 client on a dual-stack socket as its IPv4 address', () => {
    expect(normalizeIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
    const limits = new ConnectionLimits({ maxConnections: 0, maxPerIp: 1, exemptIps: [] });
    expect(limits.admit({}, device, '10.1.2.3')).toBeUndefined();
    expect(limits.admit({}, device, '::ffff:10.1.2.3')).toBe('max-connections-per-ip');
  });

  it('frees the slot once, however often a connection is released', () => {
    const limits = new ConnectionLimits({ maxConnections: 0, maxPerIp: 1, exemptIps: [] });
    const a = {};
    limits.admit(a, device, '10.1.2.3');
    limits.release(a);
    limits.release(a);
    expect(limits.admit({}, device, '10.1.2.3')).toBeUndefined();
    expect(limits.admit({}, device, '10.1.2.3')).toBe('max-connections-per-ip');
  });
});

describe('broker connection limits', () => {
  let t: TestBroker | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('refuses device connections over MQTT_MAX_CONNECTIONS_PER_IP with CONNACK 3, but not services', async () => {
    t = await startTestBroker({ MQTT_MAX_CONNECTIONS_PER_IP: '2', MQTT_LIMIT_EXEMPT_IPS: 'none' });
    const secrets: string[] = [];
    for (const id of ['bus-a1', 'bus-a2', 'bus-a3']) secrets.push(await t.provision(id));
    const first = await t.device('bus-a1', secrets[0]!);
    await t.device('bus-a2', secrets[1]!);
    expect(await t.refusal({ username: 'bus-a3', password: secrets[2]!, clientId: 'bus-a3' })).toBe(3);
    expect(
      await t.metric('jagajarak_broker_connections_refused_total', { limit: 'max-connections-per-ip' }),
    ).toBe(1);
    expect((await t.service('ingest')).connected).toBe(true);

    await first.endAsync();
    await expect.poll(async () => (await t!.device('bus-a3', secrets[2]!)).connected).toBe(true);
  });

  it('exempts loopback from the per-IP limit by default', async () => {
    t = await startTestBroker({ MQTT_MAX_CONNECTIONS_PER_IP: '1' });
    const a = await t.provision('bus-a1');
    const b = await t.provision('bus-a2');
    expect((await t.device('bus-a1', a)).connected).toBe(true);
    expect((await t.device('bus-a2', b)).connected).toBe(true);
  });

  it('refuses devices over MQTT_MAX_CONNECTIONS with CONNACK 3 and still admits services', async () => {
    // The test kit's control plane (svc:dashboard) holds one of the three.
    t = await startTestBroker({ MQTT_MAX_CONNECTIONS: '3' });
    const secrets: string[] = [];
    for (const id of ['bus-a1', 'bus-a2', 'bus-a3']) secrets.push(await t.provision(id));
    await t.device('bus-a1', secrets[0]!);
    await t.device('bus-a2', secrets[1]!);
    expect(await t.refusal({ username: 'bus-a3', password: secrets[2]!, clientId: 'bus-a3' })).toBe(3);
    expect(await t.metric('jagajarak_broker_connections_refused_total', { limit: 'max-connections' })).toBe(
      1,
    );
    expect((await t.service('ingest')).connected).toBe(true);
  });
});

describe('broker login backoff', () => {
  let t: TestBroker | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('backs off an IP after MQTT_AUTH_MAX_FAILURES failed logins, even for the right secret, then lets it in', async () => {
    const clock = manualClock();
    t = await startTestBroker({ MQTT_AUTH_MAX_FAILURES: '3', MQTT_LIMIT_EXEMPT_IPS: 'none' }, undefined, {
      clock,
    });
    const secret = await t.provision('bus-k1-07');
    for (let i = 0; i < 3; i++)
      expect(await t.refusal({ username: 'bus-k1-07', password: `wrong-${i}`, clientId: 'bus-k1-07' })).toBe(
        4,
      );
    expect(await t.refusal({ username: 'bus-k1-07', password: secret, clientId: 'bus-k1-07' })).toBe(3);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'backoff' })).toBe(1);
    // The secret was not even checked while backed off.
    expect(await t.metric('jagajarak_broker_secret_verifications_total')).toBe(3);

    clock.advance(1000);
    expect((await t.device('bus-k1-07', secret)).connected).toBe(true);
  });

  it('backs off a service username wherever the attempts come from, but never a device id by name', async () => {
    const clock = manualClock();
    t = await startTestBroker({ MQTT_AUTH_MAX_FAILURES: '3' }, undefined, { clock });
    for (let i = 0; i < 3; i++)
      expect(await t.refusal({ username: 'svc:ingest', password: `guess-${i}`, clientId: `g${i}` })).toBe(4);
    expect(await t.refusal({ username: 'svc:ingest', password: SERVICE_SECRET, clientId: 'ok' })).toBe(3);
    // Other services (another username) are not affected.
    expect((await t.service('dashboard-2')).connected).toBe(true);

    const secret = await t.provision('bus-k1-07');
    for (let i = 0; i < 5; i++)
      expect(await t.refusal({ username: 'bus-k1-07', password: `wrong-${i}`, clientId: 'bus-k1-07' })).toBe(
        4,
      );
    expect((await t.device('bus-k1-07', secret)).connected).toBe(true);

    clock.advance(1000);
    expect((await t.service('ingest')).connected).toBe(true);
  });

  it('backs off an integration username', async () => {
    const hash = await hashSecret('integration-secret-0123', { N: 2 ** 4, r: 1, p: 1 });
    t = await startTestBroker({ MQTT_AUTH_MAX_FAILURES: '2', MQTT_INTEGRATIONS: `bridge:read:${hash}` });
    for (let i = 0; i < 2; i++)
      expect(await t.refusal({ username: 'int:bridge', password: `guess-${i}`, clientId: `g${i}` })).toBe(4);
    expect(
      await t.refusal({ username: 'int:bridge', password: 'integration-secret-0123', clientId: 'ok' }),
    ).toBe(3);
  });
});
