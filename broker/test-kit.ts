/**
 * Test helpers for the broker's tests: a real broker on ephemeral ports, real mqtt.js clients,
 * device provisioning through the registry topics (as the dashboard does it), raw MQTT bytes for
 * what mqtt.js refuses to send, and cleanup of everything started.
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { connectService } from '../shared/mqtt-service.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { DeviceRecord, DeviceType } from '../shared/registry-schemas.ts';
import { DEVICE_SECRET_COST, hashSecret, newDeviceSecret } from '../shared/secrets.ts';
import { topics } from '../shared/topics.ts';
import { loadBrokerConfig } from './config.ts';
import { type Broker, type BrokerDeps, createBroker, MQTT_WS_PATH } from './create-broker.ts';

export const SERVICE_SECRET = 'test-service-secret-0123456789';

/** A device record as the dashboard publishes it, with a fresh secret hash. */
export async function deviceRecord(deviceId: string, secret: string, type: DeviceType = 'gateway') {
  const record: DeviceRecord = {
    id: deviceId,
    siteId: 'trans-batam-k1',
    type,
    secretHash: await hashSecret(secret, DEVICE_SECRET_COST),
    createdAt: new Date().toISOString(),
  };
  return record;
}

export interface TestBroker {
  broker: Broker;
  metrics: Registry;
  mqttPort: number;
  wsPort: number;
  /** The MQTT over TLS port, when MQTT_TLS_CERT and MQTT_TLS_KEY are set. */
  mqttsPort?: number | undefined;
  url: string;
  wsUrl: string;
  /** A connected `svc:<name>` client (no reconnects), closed by close(). */
  service(name?: string, extra?: IClientOptions): Promise<MqttClient>;
  /** Publishes a retained device record as the control plane does and waits until the broker has it. */
  provision(deviceId: string, options?: { secret?: string; type?: DeviceType }): Promise<string>;
  /** Publishes the last record of a device again, byte for byte (what the dashboard does on reconnect). */
  republish(deviceId: string): Promise<void>;
  /** Clears the retained record (empty payload) and waits until the broker dropped it. */
  deprovision(deviceId: string): Promise<void>;
  /** A connected device client (no reconnects), closed by close(). */
  device(deviceId: string, secret: string, extra?: IClientOptions): Promise<MqttClient>;
  /** Connects with these options and resolves with the CONNACK refusal code (fails if accepted). */
  refusal(options: IClientOptions, url?: string): Promise<number>;
  /** A raw TCP socket to the broker, destroyed by close(). */
  rawSocket(): Promise<Socket>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startTestBroker(
  env: Record<string, string> = {},
  aedes?: BrokerDeps['aedes'],
  deps: Pick<BrokerDeps, 'clock' | 'logger'> = {},
): Promise<TestBroker> {
  const metrics = new Registry();
  const config = loadBrokerConfig({
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    MQTT_SERVICE_SECRET: SERVICE_SECRET,
    ...env,
  });
  const broker = createBroker(config, { metrics, ...deps, ...(aedes ? { aedes } : {}) });
  const { mqttPort, wsPort, mqttsPort } = await broker.start();
  const url = `mqtt://127.0.0.1:${mqttPort}`;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  let control: MqttClient | undefined;
  const records = new Map<string, DeviceRecord>();

  const track = (client: MqttClient) => {
    clients.push(client);
    return client;
  };
  const service = async (name = 'test', extra: IClientOptions = {}) =>
    track(
      await connectService({
        url,
        service: name,
        secret: SERVICE_SECRET,
        extra: { reconnectPeriod: 0, ...extra },
      }),
    );
  const controlPlane = async () => {
    control ??= await service('dashboard');
    return control;
  };
  const publishRecord = async (record: DeviceRecord) => {
    const arrived = waitForDevice(broker.registry, record.id, (r) => r?.secretHash === record.secretHash);
    await (await controlPlane()).publishAsync(topics.registryDevice(record.id), JSON.stringify(record), {
      qos: 1,
      retain: true,
    });
    await arrived;
  };

  return {
    broker,
    metrics,
    mqttPort,
    wsPort,
    mqttsPort,
    url,
    wsUrl: `ws://127.0.0.1:${wsPort}${MQTT_WS_PATH}`,
    service,
    async provision(deviceId, options = {}) {
      const secret = options.secret ?? newDeviceSecret();
      const record = await deviceRecord(deviceId, secret, options.type);
      records.set(deviceId, record);
      await publishRecord(record);
      return secret;
    },
    async republish(deviceId) {
      await publishRecord(records.get(deviceId)!);
    },
    async deprovision(deviceId) {
      const gone = waitForDevice(broker.registry, deviceId, (r) => r === undefined);
      await (await controlPlane()).publishAsync(topics.registryDevice(deviceId), '', {
        qos: 1,
        retain: true,
      });
      await gone;
    },
    async device(deviceId, secret, extra = {}) {
      return track(
        await mqtt.connectAsync(url, {
          protocolVersion: 4,
          username: deviceId,
          password: secret,
          clientId: deviceId,
          reconnectPeriod: 0,
          queueQoSZero: false,
          ...extra,
        }),
      );
    },
    async refusal(options, target = url) {
      const client = mqtt.connect(target, { protocolVersion: 4, reconnectPeriod: 0, ...options });
      track(client);
      const err = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve));
      if (typeof err.code !== 'number') throw err;
      return err.code;
    },
    async rawSocket() {
      const socket = netConnect(mqttPort, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => {});
      await once(socket, 'connect');
      return socket;
    },
    async metric(name, labels = {}) {
      const found = (await metrics.getSingleMetric(name)?.get())?.values ?? [];
      const match = found.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
      return match?.value ?? 0;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      for (const socket of sockets) socket.destroy();
      await broker.stop();
    },
  };
}

function waitForDevice(
  registry: RegistryReplica,
  deviceId: string,
  done: (record: DeviceRecord | undefined) => boolean,
): Promise<void> {
  return new Promise((resolve) => {
    const listener = (id: string, record: DeviceRecord | undefined) => {
      if (id !== deviceId || !done(record)) return;
      registry.off('device', listener);
      resolve();
    };
    registry.on('device', listener);
  });
}

/** Resolves with the next message on `topic` (any topic when omitted). */
export function nextMessage(
  client: MqttClient,
  topic?: string,
): Promise<{ topic: string; payload: string; retain: boolean }> {
  return new Promise((resolve) => {
    const listener = (t: string, payload: Buffer, packet: { retain?: boolean }) => {
      if (topic !== undefined && t !== topic) return;
      client.off('message', listener);
      resolve({ topic: t, payload: payload.toString(), retain: packet.retain === true });
    };
    client.on('message', listener);
  });
}

/** Collects every message a client receives, for "received nothing else" checks. */
export function collect(client: MqttClient): Array<{ topic: string; payload: string }> {
  const seen: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}

/** Resolves when the socket closes, whether it ended cleanly or was reset. */
export function closeOf(emitter: { once(event: 'close', listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => emitter.once('close', () => resolve()));
}

/** MQTT remaining-length encoding (MQTT 3.1.1 section 2.2.3). */
export function encodeLength(length: number): Buffer {
  const bytes: number[] = [];
  let x = length;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    bytes.push(byte);
  } while (x > 0);
  return Buffer.from(bytes);
}

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/** A raw MQTT 3.1.1 CONNECT, for what mqtt.js will not send (e.g. an empty id with clean off). */
export function connectPacket(options: {
  clientId: string;
  clean: boolean;
  username?: string;
  password?: string;
}) {
  let flags = options.clean ? 0x02 : 0;
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 60]),
    str(options.clientId),
    options.username === undefined ? Buffer.alloc(0) : str(options.username),
    options.password === undefined ? Buffer.alloc(0) : str(options.password),
  ]);
  return Buffer.concat([Buffer.from([0x10]), encodeLength(body.length), body]);
}

/** Resolves with the CONNACK return code read from a raw socket. */
export async function readConnack(socket: Socket): Promise<number> {
  const [data] = (await once(socket, 'data')) as [Buffer];
  if (data[0] !== 0x20) throw new Error(`expected CONNACK, got 0x${data[0]?.toString(16)}`);
  return data[3]!;
}
