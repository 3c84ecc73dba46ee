import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteState } from '../shared/site-state.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { pasarTos, type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: MqttClient;
let d: RunningDashboard;
let token: string;

const state = (patch: Partial<SiteState> = {}): SiteState => ({
  siteId: pasarTos.id,
  occupancy: 120,
  safeCapacity: 200,
  load: 0.6,
  level: 'ok',
  updatedAt: T0,
  lastSeenAt: T0 + 30_000,
  levelSince: T0,
  bodyTempC: 36.8,
  ambientTempC: null,
  position: null,
  policyId: 'new-normal-1',
  ...patch,
});

/** Plays ingest: publishes a retained site state. */
const publishState = (s: SiteState) =>
  ingest.publishAsync(topics.siteState(s.siteId), JSON.stringify(s), { qos: 1, retain: true });

const detail = () => d.api(`/api/sites/${pasarTos.id}`, { token });

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await mqtt.connectAsync(broker.url, { clientId: 'fake-ingest' });
  d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir });
  token = await d.login();
  expect((await d.api('/api/sites', { body: pasarTos, token })).status).toBe(201);
  for (const [id, type, name] of [
    ['tos-door-2', 'door-counter', undefined],
    ['tos-door-1', 'door-counter', 'Pintu utara'],
    ['tos-scan-1', 'thermal-scanner', undefined],
  ] as const) {
    const body = { id, siteId: pasarTos.id, type, ...(name ? { name } : {}) };
    expect((await d.api('/api/devices', { body, token })).status).toBe(201);
  }
});

afterEach(async () => {
  await d.dashboard.stop();
  await ingest.endAsync();
  await broker.close();
  data.dispose();
});

describe('GET /api/sites/:id devices and last-seen', () => {
  it('lists every registry device of the site with no presence before ingest reports any', async () => {
    const res = await detail();
    expect(res.status).toBe(200);
    expect(res.body.lastSeenAt).toBeNull();
    expect(res.body.devices).toEqual([
      expect.objectContaining({
        id: 'tos-door-1',
        type: 'door-counter',
        name: 'Pintu utara',
        lastSeenAt: null,
        online: null,
      }),
      expect.objectContaining({ id: 'tos-door-2', type: 'door-counter', lastSeenAt: null, online: null }),
      expect.objectContaining({ id: 'tos-scan-1', type: 'thermal-scanner', lastSeenAt: null, online: null }),
    ]);
    for (const device of res.body.devices) expect(device).not.toHaveProperty('secretHash');
  });

  it('merges the last-seen time and online flag ingest published, and shows the site last-seen time', async () => {
    await publishState(
      state({
        devices: [
          { id: 'tos-door-1', lastSeenAt: T0 + 30_000, online: true },
          { id: 'tos-scan-1', lastSeenAt: T0 - 600_000, online: false },
          // Ingest may still know a device the registry has since deleted: not shown.
          { id: 'tos-door-9', lastSeenAt: T0, online: true },
        ],
      }),
    );
    await expect.poll(async () => (await detail()).body.lastSeenAt).toBe(new Date(T0 + 30_000).toISOString());
    const res = await detail();
    expect(
      res.body.devices.map((x: { id: string; lastSeenAt: string | null; online: boolean | null }) => [
        x.id,
        x.lastSeenAt,
        x.online,
      ]),
    ).toEqual([
      ['tos-door-1', new Date(T0 + 30_000).toISOString(), true],
      ['tos-door-2', null, null],
      ['tos-scan-1', new Date(T0 - 600_000).toISOString(), false],
    ]);
    const listed = await d.api('/api/sites', { token });
    expect(listed.body[0]).toMatchObject({
      id: pasarTos.id,
      updatedAt: new Date(T0).toISOString(),
      lastSeenAt: new Date(T0 + 30_000).toISOString(),
    });
  });

  it('accepts a state from an ingest that reports no devices', async () => {
    await publishState(state({ occupancy: 77 }));
    await expect.poll(async () => (await detail()).body.occupancy).toBe(77);
    expect((await detail()).body.devices.map((x: { online: unknown }) => x.online)).toEqual([
      null,
      null,
      null,
    ]);
  });
});
