import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamSchemas } from '../shared/device-schemas.ts';
import { filters, parseTopic, topics } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';
import { createSimulator, type Simulator } from './create-simulator.ts';
import { startTestOperatorApi, type TestOperatorApi } from './test-operator-api.ts';

const ADMIN = { username: 'admin', password: 'rahasia-uji-123' };
const SITES = ['bus-k6-01', 'pasar-induk-jodoh'];
const DEVICES = [
  'bus-k6-01-gw',
  'pasar-induk-jodoh-door-1',
  'pasar-induk-jodoh-door-2',
  'pasar-induk-jodoh-thermal',
];

interface Seen {
  deviceId: string;
  stream: string;
  json: Record<string, unknown>;
  retain: boolean;
}

describe('simulator end to end (operator API over HTTP, devices over MQTT)', () => {
  let api: TestOperatorApi;
  let aedes: Aedes;
  let server: Server;
  let url: string;
  let sim: Simulator | undefined;
  /** Device status publications the broker routed, including wills (aedes emits those too). */
  let statusPublications: Array<{ deviceId: string; payload: string }>;

  beforeEach(async () => {
    api = await startTestOperatorApi(ADMIN);
    statusPublications = [];
    aedes = await Aedes.createBroker({
      // The broker checks each device against the secret the API issued, as the real one does.
      authenticate: (_client, username, password, done) =>
        done(
          null,
          username === 'watcher' || (!!username && api.secrets.get(username) === password?.toString()),
        ),
    });
    aedes.on('publish', (packet) => {
      const parsed = parseTopic(packet.topic);
      if (parsed?.kind === 'device' && parsed.stream === 'status')
        statusPublications.push({ deviceId: parsed.deviceId, payload: packet.payload.toString() });
    });
    server = createServer(aedes.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
    await api.close();
  });

  async function watch() {
    const client = await mqtt.connectAsync(url, { username: 'watcher', reconnectPeriod: 0 });
    const seen: Seen[] = [];
    client.on('message', (topic, payload, packet) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind !== 'device') return;
      seen.push({
        deviceId: parsed.deviceId,
        stream: parsed.stream,
        json: JSON.parse(payload.toString()),
        retain: packet.retain,
      });
    });
    await client.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
    return { client, seen };
  }

  const until = async (what: string, check: () => boolean, ms = 10_000) => {
    for (const deadline = Date.now() + ms; !check() && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 20));
    expect(check(), what).toBe(true);
  };

  it('provisions, connects every device, streams valid data stamped with wall time, and honours reset-counts', async () => {
    const watcher = await watch();
    sim = createSimulator({
      apiUrl: api.url,
      mqttUrl: url,
      adminUser: ADMIN.username,
      adminPassword: ADMIN.password,
      speed: 60,
      start: '06:00',
      filter: { sites: SITES },
    });
    const before = Date.now();
    await sim.start();
    expect([...api.sites.keys()].sort()).toEqual([...SITES].sort());
    expect(sim.stats()).toMatchObject({ devices: DEVICES.length, connected: DEVICES.length });

    const births = () =>
      new Set(
        watcher.seen.filter((m) => m.stream === 'status' && m.json.online === true).map((m) => m.deviceId),
      );
    await until('every device sent its birth', () => births().size === DEVICES.length);
    await until('counts from every counter', () =>
      ['bus-k6-01-gw', 'pasar-induk-jodoh-door-1', 'pasar-induk-jodoh-door-2'].every((id) =>
        watcher.seen.some((m) => m.deviceId === id && m.stream === 'counts'),
      ),
    );
    await until('a position and a temperature', () =>
      ['position', 'temperature'].every((s) => watcher.seen.some((m) => m.stream === s)),
    );
    const after = Date.now();
    for (const m of watcher.seen.filter((x) => x.stream !== 'status')) {
      const parsed = safeParse(streamSchemas[m.stream as 'counts'], m.json);
      expect(parsed.ok ? 'ok' : parsed.error).toBe('ok');
      // Device time is the wall clock even at speed 60: never in the future.
      expect(m.json.ts as number).toBeGreaterThanOrEqual(before);
      expect(m.json.ts as number).toBeLessThanOrEqual(after);
    }
    expect(sim.stats().modelTimeLocal).toMatch(/ 06:\d\d WIB/);

    const door = 'pasar-induk-jodoh-door-1';
    const lastCounts = () =>
      watcher.seen.filter((m) => m.deviceId === door && m.stream === 'counts').at(-1)!.json;
    const beforeReset = lastCounts().in as number;
    expect(beforeReset).toBeGreaterThan(100);
    const seenBefore = watcher.seen.length;
    await watcher.client.publishAsync(topics.deviceCmd(door), JSON.stringify({ op: 'reset-counts' }), {
      qos: 1,
    });
    await until('counts after the reset', () =>
      watcher.seen.slice(seenBefore).some((m) => m.deviceId === door && m.stream === 'counts'),
    );
    expect(lastCounts().in as number).toBeLessThan(beforeReset / 2);
    expect(sim.stats().commands).toBe(1);
    await watcher.client.endAsync();
  });

  it('stops cleanly: every device publishes offline itself and no will fires', async () => {
    sim = createSimulator({
      apiUrl: api.url,
      mqttUrl: url,
      adminUser: ADMIN.username,
      adminPassword: ADMIN.password,
      filter: { sites: SITES },
    });
    await sim.start();
    await sim.stop();
    const watcher = await watch();
    await until(
      'retained status of every device',
      () => watcher.seen.filter((m) => m.stream === 'status').length === DEVICES.length,
    );
    for (const m of watcher.seen)
      expect(m).toMatchObject({ stream: 'status', retain: true, json: { online: false } });
    for (const m of watcher.seen) expect(typeof m.json.ts).toBe('number');
    // A will is the bare `{"online":false}`; the clean offline message carries a ts.
    expect(statusPublications.filter((p) => p.payload === JSON.stringify({ online: false }))).toEqual([]);
    expect(sim.stats()).toMatchObject({ devices: 0, connected: 0 });
    await watcher.client.endAsync();
  });

  it('fails to start with the API message when the admin password is wrong', async () => {
    sim = createSimulator({
      apiUrl: api.url,
      mqttUrl: url,
      adminUser: ADMIN.username,
      adminPassword: 'salah',
      filter: { sites: SITES },
    });
    await expect(sim.start()).rejects.toThrow(/HTTP 401: invalid credentials/);
  });
});
