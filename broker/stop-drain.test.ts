import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../shared/topics.ts';
import type { BoundedPersistence } from './bounded-persistence.ts';
import { startTestBroker, type TestBroker } from './test-kit.ts';

let kit: TestBroker | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const CONSUMER = 'drain-ingest';
const reading = (seq: number) => JSON.stringify({ ts: 1764313200000 + seq, seq, in: seq, out: 0 });
const closed = (client: MqttClient) => new Promise<void>((resolve) => client.once('close', () => resolve()));

/**
 * A broker with a durable consumer that receives one device message and holds its PUBACK until
 * `release` is called; the device has its PUBACK already.
 */
async function heldMessage(env: Record<string, string>, lines: string[] = []) {
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  kit = await startTestBroker(
    { MQTT_DURABLE_SESSIONS: `${CONSUMER}=${topics.device('+', 'counts').replace('counts', '+')}`, ...env },
    undefined,
    { logger },
  );
  const persistence = (kit.broker.aedes as unknown as { persistence: BoundedPersistence }).persistence;
  const consumer = await kit.service('ingest', { clientId: CONSUMER, clean: false });
  const acks: Array<() => void> = [];
  const received: number[] = [];
  consumer.handleMessage = (packet, callback) => {
    received.push(JSON.parse(String(packet.payload)).seq);
    acks.push(() => callback());
  };
  const secret = await kit.provision('bus-k1-07-gw');
  const device = await kit.device('bus-k1-07-gw', secret);
  await device.publishAsync(topics.device('bus-k1-07-gw', 'counts'), reading(1), { qos: 1 });
  await expect.poll(() => received).toEqual([1]);
  expect(persistence.queueDepth(CONSUMER)).toBe(1);
  const release = () => {
    for (const ack of acks.splice(0)) ack();
  };
  return { consumer, device, persistence, release };
}

describe('a broker stop', () => {
  it('closes the devices first and waits for the durable consumer to acknowledge what the devices had acknowledged', async () => {
    const { consumer, device, persistence, release } = await heldMessage({});
    const deviceClosed = closed(device);
    const consumerClosed = closed(consumer);
    let stopped = false;
    const stopping = kit!.broker.stop().then(() => {
      stopped = true;
    });
    await deviceClosed;
    // The consumer is still connected and the stop waits for it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    expect(consumer.connected).toBe(true);
    release();
    await stopping;
    await consumerClosed;
    expect(persistence.queueDepth(CONSUMER)).toBe(0);
  });

  it('does not warn about writes to connections it is closing itself', async () => {
    const lines: string[] = [];
    await heldMessage({ MQTT_STOP_DRAIN_MS: '100' }, lines);
    const clients = (kit!.broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
    const client = clients[CONSUMER]!;
    // What aedes reports when a delivery meets a client the stop has just closed (lib/write.js).
    kit!.broker.aedes.emit('clientError', client, new Error('connection closed'));
    await expect.poll(() => lines.some((l) => JSON.parse(l).msg === 'client error')).toBe(true);
    lines.length = 0;
    const stopping = kit!.broker.stop();
    kit!.broker.aedes.emit('clientError', client, new Error('connection closed'));
    kit!.broker.aedes.emit('clientError', client, new Error('packet received not valid'));
    await stopping;
    const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'client error');
    expect(errors.map((l) => l.reason)).toEqual(['packet received not valid']);
  });

  it('gives up after MQTT_STOP_DRAIN_MS and says what is lost', async () => {
    const lines: string[] = [];
    await heldMessage({ MQTT_STOP_DRAIN_MS: '150' }, lines);
    const started = Date.now();
    await kit!.broker.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.left);
    expect(warning).toMatchObject({ left: { [CONSUMER]: 1 }, drainMs: 150 });
    expect(warning.msg).toMatch(/lost/);
  });

  it('does not wait for a durable consumer that is away', async () => {
    const lines: string[] = [];
    const { consumer } = await heldMessage({ MQTT_STOP_DRAIN_MS: '10000' }, lines);
    await consumer.endAsync(true);
    const clients = (kit!.broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
    await expect.poll(() => clients[CONSUMER]).toBeUndefined();
    const started = Date.now();
    await kit!.broker.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lines.map((l) => JSON.parse(l).left)).toContainEqual({ [CONSUMER]: 1 });
  });
});
