import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteState } from '../shared/site-state.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { createIngest, type Ingest } from './create-ingest.ts';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
let broker: BareBroker;
let admin: MqttClient;
let device: MqttClient;
const running: Ingest[] = [];

function config(clientId = `ingest-test-${Math.random().toString(36).slice(2)}`) {
  return {
    mqttUrl: broker.url,
    serviceSecret: 'test-secret-0123456789',
    clientId,
    policyId: 'normal',
    stateFlushMs: 20,
    levelTickMs: 100,
    registrySettleMs: 50,
  };
}

async function startIngest(clientId?: string) {
  const store = createMemoryStore();
  const ingest = createIngest(config(clientId), { store });
  await ingest.start();
  running.push(ingest);
  return { ingest, store };
}

function waitForState(ingest: Ingest, predicate: (s: SiteState) => boolean): Promise<SiteState> {
  return new Promise((resolve) => {
    const on = (s: SiteState) => {
      if (predicate(s)) {
        ingest.events.off('state', on);
        resolve(s);
      }
    };
    ingest.events.on('state', on);
  });
}

async function provision() {
  const site = {
    id: 'bus-k1-01',
    name: 'Trans Batam K1 01',
    kind: 'bus',
    designCapacity: 10,
    policyPct: 0.5,
    createdAt: 'x',
  };
  const door = { id: 'bus-k1-01-gw', siteId: site.id, type: 'gateway', secretHash: 'h', createdAt: 'x' };
  await admin.publishAsync(topics.registrySite(site.id), JSON.stringify(site), { qos: 1, retain: true });
  await admin.publishAsync(topics.registryDevice(door.id), JSON.stringify(door), { qos: 1, retain: true });
}

const counts = (seq: number, inT: number, outT: number) =>
  JSON.stringify({ ts: T0 + seq * 1000, seq, in: inT, out: outT });

beforeEach(async () => {
  broker = await startBareBroker();
  admin = await mqtt.connectAsync(broker.url, { clientId: 'admin' });
  device = await mqtt.connectAsync(broker.url, { clientId: 'bus-k1-01-gw' });
  await provision();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
  await Promise.all([admin.endAsync(), device.endAsync()]);
  await broker.close();
});

describe('ingest', () => {
  it('turns cumulative door totals into a critical site state published retained on MQTT', async () => {
    const { ingest, store } = await startIngest();
    const critical = waitForState(ingest, (s) => s.level === 'critical');
    await device.publishAsync(topics.device('bus-k1-01-gw', 'counts'), counts(1, 7, 0), { qos: 1 });
    expect(await critical).toMatchObject({ siteId: 'bus-k1-01', occupancy: 7, safeCapacity: 5, load: 1.4 });

    const watcher = await mqtt.connectAsync(broker.url);
    const retained = new Promise<SiteState>((resolve) =>
      watcher.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as SiteState)),
    );
    await watcher.subscribeAsync(topics.siteState('bus-k1-01'), { qos: 1 });
    expect(await retained).toMatchObject({ occupancy: 7, level: 'critical' });
    await watcher.endAsync();

    await store.flush();
    const readings = await store.points({
      measurement: 'counts',
      tags: { site: 'bus-k1-01' },
      fromMs: 0,
      toMs: T0 * 2,
    });
    expect(readings.map((p) => p.fields)).toEqual([{ in: 7, out: 0, seq: 1 }]);
  });

  it('rejects and counts malformed messages while good ones keep flowing', async () => {
    const { ingest, store } = await startIngest();
    const bad = ['{"ts":', JSON.stringify({ ts: T0, seq: 1, in: -3, out: 0 }), '[]', 'null', '{"in":"7"}'];
    for (const payload of bad)
      await device.publishAsync(topics.device('bus-k1-01-gw', 'counts'), payload, { qos: 1 });
    await device.publishAsync(topics.device('ghost-device', 'counts'), counts(1, 1, 0), { qos: 1 });
    const done = waitForState(ingest, (s) => s.occupancy === 3);
    await device.publishAsync(topics.device('bus-k1-01-gw', 'counts'), counts(2, 3, 0), { qos: 1 });
    await done;

    const byReason = [...ingest.rejections()].sort();
    expect(byReason).toEqual([
      ['invalid-json|bus-k1-01-gw', 1],
      ['invalid-payload|bus-k1-01-gw', 4],
      ['unknown-device|ghost-device', 1],
    ]);
    await store.flush();
    const dead = await store.points({
      measurement: 'rejected',
      tags: {},
      fromMs: 0,
      toMs: Date.now() + 1000,
    });
    expect(dead.length).toBeGreaterThanOrEqual(1);
    expect(dead.every((p) => typeof p.fields.error === 'string')).toBe(true);
  });

  it('ignores a QoS 1 duplicate and a reboot never counts as people leaving', async () => {
    const { ingest } = await startIngest();
    const topic = topics.device('bus-k1-01-gw', 'counts');
    await device.publishAsync(topic, counts(1, 4, 0), { qos: 1 });
    await device.publishAsync(topic, counts(2, 6, 1), { qos: 1 });
    await device.publishAsync(topic, counts(1, 4, 0), { qos: 1 });
    const after = waitForState(ingest, (s) => s.occupancy === 7);
    await device.publishAsync(topic, JSON.stringify({ ts: T0 + 10_000, seq: 0, in: 2, out: 0 }), { qos: 1 });
    expect((await after).occupancy).toBe(7);
  });

  it('processes messages the broker kept for its persistent session while it was down', async () => {
    const clientId = 'ingest-persistent';
    const first = await startIngest(clientId);
    await first.ingest.stop();
    running.splice(running.indexOf(first.ingest), 1);
    await device.publishAsync(topics.device('bus-k1-01-gw', 'counts'), counts(1, 2, 0), { qos: 1 });

    const store = createMemoryStore();
    const second = createIngest(config(clientId), { store });
    running.push(second);
    const seen = waitForState(second, (s) => s.occupancy === 2);
    await second.start();
    expect((await seen).level).toBe('ok');
    expect(second.rejections().size).toBe(0);
  });
});
