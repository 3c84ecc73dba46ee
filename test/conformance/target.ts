/**
 * The broker the conformance suite runs against. By default the project's own broker from
 * createBroker, in-process on ephemeral ports, with an integration account `int:conformance`
 * (readwrite). Point it elsewhere with:
 *
 *   CONFORMANCE_MQTT_URL=mqtt://host:1883 CONFORMANCE_USER=int:conformance CONFORMANCE_PASS=... \
 *     npx vitest run test/conformance
 *
 * Also holds a tiny raw MQTT 3.1.1 encoder, for what mqtt.js will not send (a CONNECT with an
 * empty client id and clean session off, a client that never pings or acknowledges).
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { encodeLength, startTestBroker, type TestBroker } from '../../broker/test-kit.ts';
import { hashSecret } from '../../shared/secrets.ts';

export interface Target {
  url: string;
  host: string;
  port: number;
  username: string;
  password: string;
  /** The in-process broker, when the suite started one (undefined against an outside broker). */
  own: TestBroker | undefined;
  /** A connected client logged in as the conformance account (no reconnects); closed by close(). */
  client(options?: IClientOptions): Promise<MqttClient>;
  /** A raw TCP socket to the broker; destroyed by close(). */
  raw(): Promise<Socket>;
  close(): Promise<void>;
}

const PASSWORD = 'conformance-secret-0123456789';

export async function startTarget(env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  let own: TestBroker | undefined;
  let url = env.CONFORMANCE_MQTT_URL;
  let username = env.CONFORMANCE_USER ?? '';
  let password = env.CONFORMANCE_PASS ?? '';
  if (!url) {
    const hash = await hashSecret(PASSWORD, { N: 2 ** 4, r: 1, p: 1 });
    own = await startTestBroker({ MQTT_INTEGRATIONS: `conformance:readwrite:${hash}` });
    url = own.url;
    username = 'int:conformance';
    password = PASSWORD;
  }
  const parsed = new URL(url);
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port || 1883),
    username,
    password,
    own,
    async client(options = {}) {
      const client = mqtt.connect(url!, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...(username ? { username, password } : {}),
        ...options,
      });
      clients.push(client);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      return client;
    },
    async raw() {
      const socket = netConnect(Number(parsed.port || 1883), parsed.hostname);
      socket.on('error', () => {});
      sockets.push(socket);
      await once(socket, 'connect');
      return socket;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      for (const socket of sockets) socket.destroy();
      await own?.close();
    },
  };
}

const str = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

/** A raw MQTT 3.1.1 CONNECT with every field mqtt.js would otherwise decide for us. */
export function rawConnect(options: {
  clientId: string;
  clean: boolean;
  keepalive?: number;
  username?: string;
  password?: string;
  will?: { topic: string; payload: string; qos: 0 | 1 | 2; retain?: boolean };
  protocolName?: string;
}): Buffer {
  const { will } = options;
  let flags = options.clean ? 0x02 : 0;
  if (will) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
  if (options.password !== undefined) flags |= 0x40;
  if (options.username !== undefined) flags |= 0x80;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepalive ?? 60);
  const body = Buffer.concat([
    str(options.protocolName ?? 'MQTT'),
    Buffer.from([4, flags]),
    keepalive,
    str(options.clientId),
    will ? Buffer.concat([str(will.topic), str(will.payload)]) : Buffer.alloc(0),
    options.username === undefined ? Buffer.alloc(0) : str(options.username),
    options.password === undefined ? Buffer.alloc(0) : str(options.password),
  ]);
  return Buffer.concat([Buffer.from([0x10]), encodeLength(body.length), body]);
}

/** A raw SUBSCRIBE for one filter. */
export function rawSubscribe(messageId: number, filter: string, qos: 0 | 1 | 2): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  const body = Buffer.concat([id, str(filter), Buffer.from([qos])]);
  return Buffer.concat([Buffer.from([0x82]), encodeLength(body.length), body]);
}

/** Resolves once `socket` has received bytes containing every one of `needles`. */
export function receivedAll(socket: Socket, needles: Array<string | Buffer>): Promise<Buffer> {
  return new Promise((resolve) => {
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (needles.every((n) => seen.includes(n))) {
        socket.off('data', onData);
        resolve(seen);
      }
    };
    socket.on('data', onData);
  });
}

/** Resolves when the socket closes. */
export const closed = (socket: Socket) =>
  new Promise<void>((resolve) => socket.once('close', () => resolve()));
