/**
 * The lean MQTT 3.1.1 connection of the simulated devices, against a real aedes broker on an
 * ephemeral port (and, for the one case a broker cannot show, a TCP peer that never answers).
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type ConnectPacket, type PublishPacket } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MqttConnection, type MqttConnectionOptions } from './mqtt-connection.ts';

const ID = 'load-000001';
const TOPIC = `crowd/v1/devices/${ID}/counts`;

describe('lean MQTT connection against a real aedes broker', () => {
  let aedes: Aedes;
  let server: Server;
  let url: string;
  let connects: ConnectPacket[];
  let publishes: PublishPacket[];
  let pings: number;
  const cleanup: Array<() => Promise<unknown> | unknown> = [];

  beforeEach(async () => {
    connects = [];
    publishes = [];
    pings = 0;
    aedes = await Aedes.createBroker({
      authenticate: (_client, username, password, done) =>
        done(null, username === 'watcher' || (username === ID && password?.toString() === 'rahasia')),
      preConnect: (_client, packet, done) => {
        connects.push(packet);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        if (client?.id === ID) publishes.push({ ...packet });
        done(null);
      },
    });
    aedes.on('ping', () => pings++);
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

  function connection(options: Partial<MqttConnectionOptions> = {}): MqttConnection {
    const conn = new MqttConnection({
      url,
      clientId: ID,
      username: ID,
      password: 'rahasia',
      clean: false,
      keepaliveS: 60,
      connectTimeoutMs: 2000,
      will: { topic: `crowd/v1/devices/${ID}/status`, payload: '{"online":false}', qos: 1, retain: true },
      ...options,
    });
    cleanup.push(() => conn.end());
    return conn;
  }

  async function connected(conn: MqttConnection): Promise<boolean> {
    const up = once(conn, 'connect');
    conn.connect();
    const [sessionPresent] = (await up) as [boolean];
    return sessionPresent;
  }

  async function watcher(filter: string) {
    const client = await mqtt.connectAsync(url, { clientId: `w-${Math.random()}`, username: 'watcher' });
    cleanup.push(() => client.endAsync(true));
    const seen: Array<{ topic: string; text: string; qos: number }> = [];
    client.on('message', (topic, payload, packet) =>
      seen.push({ topic, text: payload.toString(), qos: packet.qos }),
    );
    await client.subscribeAsync(filter, { qos: 1 });
    return { client, seen };
  }

  const until = async (check: () => boolean, what = 'condition') => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check(), what).toBe(true);
  };

  it('logs in with credentials, a persistent session, keepalive and a retained will', async () => {
    const conn = connection();
    expect(await connected(conn)).toBe(false);
    expect(conn.connected).toBe(true);
    const packet = connects[0]!;
    expect(packet).toMatchObject({
      clientId: ID,
      username: ID,
      clean: false,
      keepalive: 60,
      protocolVersion: 4,
    });
    expect(packet.password?.toString()).toBe('rahasia');
    expect(packet.will).toMatchObject({ topic: `crowd/v1/devices/${ID}/status`, qos: 1, retain: true });
    expect(packet.will?.payload.toString()).toBe('{"online":false}');
    await new Promise((r) => conn.subscribe(`crowd/v1/devices/${ID}/cmd`, 1, r));
    await conn.end();
    // The broker kept the session (with its subscription): the next login finds it.
    expect(await connected(conn)).toBe(true);
  });

  it('delivers QoS 1 and QoS 0 messages byte for byte, calling back on the PUBACK', async () => {
    const { seen } = await watcher(`crowd/v1/devices/${ID}/+`);
    const conn = connection();
    await connected(conn);
    const acked: Array<Error | undefined> = [];
    // Multi-byte UTF-8 and a payload long enough for a 3-byte remaining length (>= 16,384 bytes).
    const text = `{"note":"Pasar Induk Jodoh – pintu ü","pad":"${'x'.repeat(20_000)}"}`;
    conn.publish(TOPIC, text, 1, false, false, (err) => acked.push(err));
    conn.publish(`crowd/v1/devices/${ID}/position`, '{"lat":1.13}', 0, false, false);
    await until(() => seen.length === 2 && acked.length === 1);
    expect(acked).toEqual([undefined]);
    expect(seen.find((m) => m.topic === TOPIC)).toMatchObject({ text, qos: 1 });
    expect(seen.find((m) => m.topic.endsWith('/position'))).toMatchObject({ text: '{"lat":1.13}', qos: 0 });
    expect(conn.inflightCount).toBe(0);
  });

  it('resends an unacknowledged QoS 1 message after a reconnect with DUP set, until it is acknowledged', async () => {
    const conn = connection();
    await connected(conn);
    const acked: Array<Error | undefined> = [];
    conn.publish(TOPIC, '{"seq":1}', 1, false, false, (err) => acked.push(err));
    // The socket dies before the PUBACK can be read.
    conn.destroy();
    await once(conn, 'close');
    expect(conn.inflightCount).toBe(1);
    await connected(conn);
    await until(() => acked.length === 1, 'the resent message is acknowledged');
    expect(acked).toEqual([undefined]);
    // Once or twice at the broker (the first copy may have reached it), the last one a DUP.
    expect(publishes.length).toBeGreaterThanOrEqual(1);
    expect(publishes.at(-1)).toMatchObject({ topic: TOPIC, dup: true, qos: 1 });
    expect(conn.inflightCount).toBe(0);
  });

  it('receives commands from its subscription, large ones split over reads too, and acknowledges them', async () => {
    const conn = connection();
    await connected(conn);
    const cmd = `crowd/v1/devices/${ID}/cmd`;
    const subscribed = new Promise<Error | undefined>((r) => conn.subscribe(cmd, 1, r));
    expect(await subscribed).toBeUndefined();
    const got: string[] = [];
    conn.on('message', (topic, payload) => got.push(`${topic} ${payload.length}`));
    const { client } = await watcher('nothing/here');
    const big = JSON.stringify({ op: 'reset-counts', pad: 'y'.repeat(300_000) });
    await client.publishAsync(cmd, big, { qos: 1 });
    await client.publishAsync(cmd, '{"op":"reset-counts"}', { qos: 1 });
    await until(() => got.length === 2);
    expect(got).toEqual([`${cmd} ${big.length}`, `${cmd} 21`]);
    // Acknowledged: a new login on the same session gets nothing again.
    await conn.end();
    const again: string[] = [];
    conn.on('message', (topic) => again.push(topic));
    await connected(conn);
    await client.publishAsync(cmd, '{"op":"reset-counts"}', { qos: 1 });
    await until(() => again.length >= 1);
    expect(again).toEqual([cmd]);
  });

  it('sends PINGREQ when it has sent nothing for a keepalive period', async () => {
    const conn = connection({ keepaliveS: 1 });
    await connected(conn);
    await until(() => pings >= 1, 'a ping within about one keepalive period');
    expect(conn.connected).toBe(true);
  });

  it('reports a refused login as an error and closes', async () => {
    const conn = connection({ password: 'salah' });
    const errors: string[] = [];
    conn.on('error', (err) => errors.push(err.message));
    const closed = new Promise<void>((r) => conn.once('close', () => r()));
    conn.connect();
    await closed;
    // aedes answers a failed authentication with 5 [MQTT-3.2.2.3].
    expect(errors).toEqual(['Connection refused: Not authorized']);
    expect(conn.connected).toBe(false);
  });

  it('gives up on a peer that never answers the CONNECT', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanup.push(() => new Promise((r) => silent.close(r)));
    cleanup.push(() => {
      for (const s of sockets) s.destroy();
    });
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const conn = connection({ url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 100 });
    const errors: string[] = [];
    conn.on('error', (err) => errors.push(err.message));
    const closed = new Promise<void>((r) => conn.once('close', () => r()));
    conn.connect();
    await closed;
    expect(errors).toEqual(['no CONNACK within 100 ms']);
  });

  it('refuses URLs it cannot speak', () => {
    expect(() => connection({ url: 'ws://127.0.0.1:8083/mqtt' })).toThrow(/use mqtt:\/\/ or mqtts:\/\//);
  });
});
