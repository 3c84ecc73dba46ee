import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batamScenario } from './batam-scenario.ts';
import { ApiError, provisionFleet } from './provision.ts';
import { filterScenario, scenarioDevices, scenarioSites } from './scenario.ts';
import { startTestOperatorApi, type TestOperatorApi } from './test-operator-api.ts';

const ADMIN = { username: 'admin', password: 'rahasia-uji-123' };
const scenario = filterScenario(batamScenario, {
  maxBuses: 2,
  sites: ['bus-k2-01', 'bus-k6-01', 'pasar-botania'],
});

describe('provisioning through the operator API', () => {
  let api: TestOperatorApi;
  beforeEach(async () => {
    api = await startTestOperatorApi(ADMIN);
  });
  afterEach(async () => {
    await api.close();
  });

  const provision = (password = ADMIN.password) =>
    provisionFleet({
      apiUrl: api.url,
      adminUser: ADMIN.username,
      adminPassword: password,
      sites: scenarioSites(scenario),
      devices: scenarioDevices(scenario),
    });

  it('creates every site and device and returns each device secret', async () => {
    const result = await provision();
    expect([...api.sites.keys()].sort()).toEqual(['bus-k2-01', 'bus-k6-01', 'pasar-botania']);
    expect([...result.secrets.keys()].sort()).toEqual([
      'bus-k2-01-gw',
      'bus-k6-01-gw',
      'pasar-botania-door-1',
      'pasar-botania-thermal',
    ]);
    for (const [id, secret] of result.secrets) expect(api.secrets.get(id)).toBe(secret);
    expect(result).toMatchObject({ sitesCreated: 3, devicesCreated: 4, sitesExisting: 0, devicesRotated: 0 });
    expect(api.calls[0]).toBe('POST /api/login');
  });

  it('accepts existing sites and rotates the secret of existing devices on a second run', async () => {
    const first = await provision();
    const second = await provision();
    expect(second).toMatchObject({ sitesCreated: 0, sitesExisting: 3, devicesCreated: 0, devicesRotated: 4 });
    for (const [id, secret] of second.secrets) {
      expect(secret).not.toBe(first.secrets.get(id));
      expect(api.secrets.get(id)).toBe(secret);
    }
    expect(api.calls).toContain('POST /api/devices/bus-k2-01-gw/secret');
  });

  it('fails with the API error message when the admin login is refused', async () => {
    const err = await provision('wrong-password').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as Error).message).toContain('invalid credentials');
    expect(api.sites.size).toBe(0);
  });

  it('retries the login while the API is not reachable yet, then gives up', async () => {
    await api.close();
    const started = Date.now();
    const err = await provisionFleet({
      apiUrl: api.url,
      adminUser: ADMIN.username,
      adminPassword: ADMIN.password,
      sites: [],
      devices: [],
      connectAttempts: 3,
      retryDelayMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApiError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(20);
    api = await startTestOperatorApi(ADMIN);
  });
});
