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

async function startIngest(clientId?: string, clock?: { now(): number }) {
  const store = createMemoryStore();
  const ingest = createIngest(config(clientId), { store, ...(clock ? { clock } : {}) });
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

  it('sends every change on the live feed, and the retained state on level changes, paced, and last', async () => {
    const { ingest } = await startIngest();
    const watcher = await mqtt.connectAsync(broker.url);
    const live: SiteState[] = [];
    const retained: SiteState[] = [];
    watcher.on('message', (topic, payload) => {
      if (topic === topics.liveSiteStates())
        live.push(...(JSON.parse(payload.toString()) as { states: SiteState[] }).states);
      else retained.push(JSON.parse(payload.toString()) as SiteState);
    });
    await watcher.subscribeAsync([topics.liveSiteStates(), topics.siteState('bus-k1-01')], { qos: 1 });
    // Safe capacity 5: 1 and 2 inside are `ok`, 7 is `critical` (a level change).
    const totals: Array<[number, number]> = [
      [1, 0],
      [2, 0],
      [2, 1],
      [3, 1],
      [9, 2],
      [9, 3],
    ];
    for (const [i, [inT, outT]] of totals.entries()) {
      const applied = waitForState(ingest, (s) => s.occupancy === inT - outT);
      await device.publishAsync(topics.device('bus-k1-01-gw', 'counts'), counts(i + 1, inT, outT), {
        qos: 1,
      });
      await applied;
      await expect.poll(() => live.at(-1)?.occupancy).toBe(inT - outT);
    }
    expect(live.map((s) => s.occupancy)).toEqual([1, 2, 1, 2, 7, 6]);
    for (const s of live) expect(s).not.toHaveProperty('devices');

    // Retained: the first state and the level change at once, then the latest after the pause.
    await expect.poll(() => retained.at(-1)?.occupancy, { timeout: 3000 }).toBe(6);
    expect(retained.length).toBeLessThan(live.length);
    expect(retained.slice(0, 1).map((s) => s.occupancy)).toEqual([1]);
    expect(retained.map((s) => s.level)).toContain('critical');
    expect(retained.at(-1)?.devices).toEqual([expect.objectContaining({ id: 'bus-k1-01-gw', online: null })]);
    await watcher.endAsync();
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

  it('reports each device of the site with its last-seen time and the online flag of its birth and will', async () => {
    const camera = {
      id: 'bus-k1-01-cam',
      siteId: 'bus-k1-01',
      type: 'occupancy-sensor',
      secretHash: 'h',
      createdAt: 'x',
    };
    await admin.publishAsync(topics.registryDevice(camera.id), JSON.stringify(camera), {
      qos: 1,
      retain: true,
    });
    let now = T0;
    await startIngest(undefined, { now: () => now });
    const cam = await mqtt.connectAsync(broker.url, {
      clientId: camera.id,
      reconnectPeriod: 0,
      will: {
        topic: topics.device(camera.id, 'status'),
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    });
    // Device lists travel on the retained state (the live feed leaves them out).
    const watcher = await mqtt.connectAsync(broker.url);
    const retainedStates: SiteState[] = [];
    const waiters = new Set<() => void>();
    watcher.on('message', (_topic, payload) => {
      retainedStates.push(JSON.parse(payload.toString()) as SiteState);
      for (const w of waiters) w();
    });
    await watcher.subscribeAsync(topics.siteState('bus-k1-01'), { qos: 1 });
    const waitForRetained = (predicate: (s: SiteState) => boolean) =>
      new Promise<SiteState>((resolve) => {
        const check = () => {
          const found = retainedStates.find(predicate);
          if (!found) return;
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      });
    try {
      const camOf = (s: SiteState) => s.devices?.find((d) => d.id === camera.id);
      const born = waitForRetained((s) => camOf(s)?.online === true);
      await cam.publishAsync(
        topics.device(camera.id, 'status'),
        JSON.stringify({ online: true, fw: '2.0.1', ts: T0 }),
        {
          qos: 1,
          retain: true,
        },
      );
      expect(await born).toMatchObject({
        lastSeenAt: T0,
        devices: [{ id: camera.id, lastSeenAt: T0, online: true }],
      });

      now = T0 + 5_000;
      const counted = waitForRetained((s) => s.occupancy === 4);
      await cam.publishAsync(
        topics.device(camera.id, 'occupancy'),
        JSON.stringify({ ts: T0 + 5_000, seq: 1, count: 4 }),
        { qos: 1 },
      );
      expect(camOf(await counted)).toEqual({ id: camera.id, lastSeenAt: T0 + 5_000, online: true });

      // The connection drops without a DISCONNECT: the broker publishes the camera's last will.
      now = T0 + 60_000;
      const dead = waitForRetained((s) => camOf(s)?.online === false);
      cam.stream.destroy();
      expect(await dead).toMatchObject({
        lastSeenAt: T0 + 5_000,
        devices: [{ id: camera.id, lastSeenAt: T0 + 5_000, online: false }],
      });

      // A restarted ingest knows the camera is offline from the retained will, but not when it was last heard.
      await startIngest(undefined, { now: () => now });
      const replayed = waitForRetained((s) => camOf(s) !== undefined && camOf(s)?.lastSeenAt === null);
      expect(camOf(await replayed)).toEqual({ id: camera.id, lastSeenAt: null, online: false });
    } finally {
      await Promise.all([cam.endAsync(true), watcher.endAsync()]);
    }
  });
});
