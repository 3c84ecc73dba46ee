/**
 * Provisioning against the real dashboard (dashboard/create-dashboard.ts behind a real aedes
 * broker): the routes, status codes and response shapes the installer relies on.
 */
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, type RunningDashboard, startDashboard, tempDataDir } from '../dashboard/test-fixture.ts';
import { deviceRecordSchema } from '../shared/registry-schemas.ts';
import { verifySecret } from '../shared/secrets.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { batamScenario } from './batam-scenario.ts';
import { provisionFleet } from './provision.ts';
import { filterScenario, scenarioDevices, scenarioSites } from './scenario.ts';

const scenario = filterScenario(batamScenario, { sites: ['bus-k7-01', 'mpp-batam'] });

describe('provisioning against the real dashboard', () => {
  let broker: BareBroker;
  let data: { dir: string; dispose(): void };
  let dashboard: RunningDashboard;

  beforeEach(async () => {
    broker = await startBareBroker();
    data = tempDataDir();
    dashboard = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir });
  });

  afterEach(async () => {
    await dashboard.dashboard.stop();
    await broker.close();
    data.dispose();
  });

  /** The device record the dashboard replicated (retained) to the broker. */
  async function replicated(deviceId: string) {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      const message = new Promise<Buffer>((resolve) =>
        client.on('message', (_t, payload) => resolve(payload)),
      );
      await client.subscribeAsync(topics.registryDevice(deviceId), { qos: 1 });
      return deviceRecordSchema.parse(JSON.parse((await message).toString()));
    } finally {
      await client.endAsync();
    }
  }

  const provision = () =>
    provisionFleet({
      apiUrl: dashboard.url,
      adminUser: ADMIN.username,
      adminPassword: ADMIN.password,
      sites: scenarioSites(scenario),
      devices: scenarioDevices(scenario),
    });

  it('creates the sites and devices and gets secrets the broker can verify, rotating them on a re-run', async () => {
    const first = await provision();
    expect(first).toMatchObject({ sitesCreated: 2, devicesCreated: 3 });
    const record = await replicated('bus-k7-01-gw');
    expect(record).toMatchObject({ siteId: 'bus-k7-01', type: 'gateway' });
    expect(await verifySecret(first.secrets.get('bus-k7-01-gw')!, record.secretHash)).toBe(true);

    const second = await provision();
    expect(second).toMatchObject({ sitesExisting: 2, devicesRotated: 3 });
    const rotated = await replicated('bus-k7-01-gw');
    expect(await verifySecret(second.secrets.get('bus-k7-01-gw')!, rotated.secretHash)).toBe(true);
    expect(await verifySecret(first.secrets.get('bus-k7-01-gw')!, rotated.secretHash)).toBe(false);
  });
});
