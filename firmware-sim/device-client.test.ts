import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Aedes, type ConnectPacket } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countsSchema, positionSchema, statusSchema } from '../shared/device-schemas.ts';
import { topics } from '../shared/topics.ts';
import { DeviceClient, SIM_FIRMWARE_VERSION } from './device-client.ts';

const DEVICE = 'pasar-botania-door-1';
const SECRET = 'rahasia-perangkat-uji';
const STATUS = topics.device(DEVICE, 'status');
const fixedClock = { now: () => 1_764_313_200_000 };

describe('device client (protocol v1) against a real aedes broker', () => {
  let aedes: Aedes;
  let server: Server;
  let url: string;
  let logins: Array<{ clientId: string; username: string | undefined; password: string | undefined }>;
  let connects: ConnectPacket[];
  const cleanup: Array<() => Promise<unknown> | unknown> = [];

  beforeEach(async () => {
    logins = [];
    connects = [];
    aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        if (username === 'watcher') return done(null, true);
        logins.push({ clientId: client.id, username, password: password?.toString() });
        done(null, username === DEVICE && password?.toString() === SECRET);
      },
      preConnect: (_client, packet, done) => {
        connects.push(packet);
        done(null, true);
      },
    });
    server = createServer(aedes.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function device(): Promise<DeviceClient> {
    const client = new DeviceClient({
      url,
      deviceId: DEVICE,
      secret: SECRET,
      clock: fixedClock,
      reconnect: false,
    });
    cleanup.push(() => client.stop());
    await client.start();
    return client;
  }

  async function watcher(filter: string | string[]): Promise<{
    client: MqttClient;
    messages: Array<{ topic: string; json: unknown; retain: boolean; qos: number }>;
  }> {
    const client = await mqtt.connectAsync(url, {
      clientId: `watcher-${Math.random()}`,
      username: 'watcher',
      reconnectPeriod: 0,
    });
    cleanup.push(() => client.endAsync(true));
    const messages: Array<{ topic: string; json: unknown; retain: boolean; qos: number }> = [];
    client.on('message', (topic, payload, packet) =>
      messages.push({ topic, json: JSON.parse(payload.toString()), retain: packet.retain, qos: packet.qos }),
    );
    await client.subscribeAsync(filter, { qos: 1 });
    return { client, messages };
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('logs in with its id and secret on a persistent session with a retained offline will', async () => {
    await device();
    expect(logins).toEqual([{ clientId: DEVICE, username: DEVICE, password: SECRET }]);
    const packet = connects[0]!;
    expect(packet.clean).toBe(false);
    expect(packet.keepalive).toBe(30);
    expect(packet.protocolVersion).toBe(4);
    expect(packet.will).toMatchObject({ topic: STATUS, qos: 1, retain: true });
    expect(JSON.parse(packet.will!.payload.toString())).toEqual({ online: false });
  });

  it('publishes a retained birth on its status topic after connecting', async () => {
    await device();
    const { messages } = await watcher(STATUS);
    await until(() => messages.length > 0);
    expect(messages[0]).toMatchObject({ topic: STATUS, retain: true });
    expect(statusSchema.parse(messages[0]!.json)).toEqual({
      online: true,
      fw: SIM_FIRMWARE_VERSION,
      ts: fixedClock.now(),
    });
  });

  it('publishes data on its own topics, counts at QoS 1 and positions at QoS 0, valid for protocol v1', async () => {
    const client = await device();
    const { messages } = await watcher([topics.device(DEVICE, 'counts'), topics.device(DEVICE, 'position')]);
    const ts = fixedClock.now();
    client.publish({ deviceId: DEVICE, stream: 'counts', payload: { ts, seq: 0, in: 5, out: 2 } });
    client.publish({
      deviceId: DEVICE,
      stream: 'position',
      payload: { ts, seq: 1, lat: 1.13, lon: 104.05, speedKmh: 20, heading: 90 },
    });
    await until(() => messages.length === 2);
    const counts = messages.find((m) => m.topic === topics.device(DEVICE, 'counts'))!;
    expect(countsSchema.parse(counts.json)).toEqual({ ts, seq: 0, in: 5, out: 2 });
    expect(counts.qos).toBe(1);
    const position = messages.find((m) => m.topic === topics.device(DEVICE, 'position'))!;
    expect(positionSchema.safeParse(position.json).success).toBe(true);
    expect(position.qos).toBe(0);
    expect(() =>
      client.publish({ deviceId: 'other-device', stream: 'counts', payload: { ts, seq: 2, in: 0, out: 0 } }),
    ).toThrow(/cannot publish/);
  });

  it('fires its will when the connection is lost without DISCONNECT', async () => {
    const client = await device();
    const { messages } = await watcher(STATUS);
    await until(() => messages.length === 1);
    client.kill();
    await until(() => messages.length === 2);
    expect(messages[1]).toMatchObject({ topic: STATUS, json: { online: false } });
  });

  it('publishes offline itself on a clean stop and the broker does not fire the will', async () => {
    const client = await device();
    const { messages } = await watcher(STATUS);
    await until(() => messages.length === 1);
    const gone = once(aedes, 'clientDisconnect');
    await client.stop();
    await gone;
    await until(() => messages.length === 2);
    expect(messages[1]!.json).toEqual({ online: false, ts: fixedClock.now() });
    // A will would arrive as a third status message; give the broker a round trip to send one.
    const { messages: late } = await watcher(STATUS);
    await until(() => late.length === 1);
    expect(messages).toHaveLength(2);
    expect(late[0]!.json).toEqual({ online: false, ts: fixedClock.now() });
    expect(client.connected).toBe(false);
  });

  it('hands reset-counts from its cmd topic to the firmware and ignores unknown or malformed commands', async () => {
    const client = await device();
    const received: string[] = [];
    client.on('command', (cmd) => received.push(cmd.op));
    const ops = await watcher(STATUS);
    await ops.client.publishAsync(topics.deviceCmd(DEVICE), JSON.stringify({ op: 'self-destruct' }), {
      qos: 1,
    });
    await ops.client.publishAsync(topics.deviceCmd(DEVICE), 'not json', { qos: 1 });
    await ops.client.publishAsync(topics.deviceCmd(DEVICE), JSON.stringify({ op: 'reset-counts' }), {
      qos: 1,
    });
    await until(() => received.length === 1);
    expect(received).toEqual(['reset-counts']);
    expect(client.stats()).toMatchObject({ commands: 1, rejectedCommands: 2 });
  });
});
