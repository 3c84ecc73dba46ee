/**
 * The broker's session queues at their bounds, over real sockets: a persistent subscriber that is
 * offline, and one that stops reading its socket (issue #6 item 3, docs/queues.md).
 */
import { once } from 'node:events';
import type { Client } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { filters, topics } from '../shared/topics.ts';
import type { BoundedPersistence } from './bounded-persistence.ts';
import { startTestBroker, type TestBroker } from './test-kit.ts';
import { TURN_ALLOWANCE_BYTES } from './turn-batched-writes.ts';

let kit: TestBroker | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const SESSION = { clientId: 'jagajarak-ingest', clean: false } as const;
const counts = (i: number) => JSON.stringify({ ts: 1764313200000 + i, seq: i, in: i, out: 0 });
const persistenceOf = (k: TestBroker) =>
  (k.broker.aedes as unknown as { persistence: BoundedPersistence }).persistence;

describe('persistent session queue', () => {
  it('keeps the first MQTT_MAX_QUEUED_PER_CLIENT messages for an offline session and counts the rest', async () => {
    kit = await startTestBroker({ MQTT_MAX_QUEUED_PER_CLIENT: '10' });
    const ingest = await kit.service('ingest', SESSION);
    await ingest.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
    await ingest.endAsync();

    const publisher = await kit.service('sim');
    for (let i = 1; i <= 30; i++)
      await publisher.publishAsync(topics.device('bus-k1-07', 'counts'), counts(i), { qos: 1 });
    expect(persistenceOf(kit).queueDepth(SESSION.clientId)).toBe(10);
    expect(await kit.metric('jagajarak_broker_queue_dropped_total', { client: SESSION.clientId })).toBe(20);
    expect(await kit.metric('jagajarak_broker_session_queue_messages')).toBe(10);

    const received: number[] = [];
    const back = await kit.service('ingest', {
      ...SESSION,
    });
    back.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()).seq));
    await expect.poll(() => received.length).toBe(10);
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Acknowledged, so the queue is empty and live messages flow again.
    await publisher.publishAsync(topics.device('bus-k1-07', 'counts'), counts(31), { qos: 1 });
    await expect.poll(() => received.at(-1)).toBe(31);
    await expect.poll(() => persistenceOf(kit!).queueDepth(SESSION.clientId)).toBe(0);
  });
});

describe('a subscriber that stops reading its socket', () => {
  it('is disconnected after MQTT_DRAIN_TIMEOUT_MS while what the broker buffers for it stays bounded', async () => {
    kit = await startTestBroker({ MQTT_DRAIN_TIMEOUT_MS: '400', MQTT_MAX_QUEUED_PER_CLIENT: '50' });
    const stuck = await kit.service('stuck', { ...SESSION, clientId: 'stuck-reader' });
    await stuck.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
    const aedesClient = (kit.broker.aedes as unknown as { clients: Record<string, Client> }).clients[
      'stuck-reader'
    ] as Client & {
      conn: { writableLength: number };
    };
    // The client keeps its socket open but reads nothing more (a frozen process, a dead NIC).
    (stuck as unknown as { stream: { pause(): void } }).stream.pause();

    let maxBuffered = 0;
    const sample = setInterval(() => {
      maxBuffered = Math.max(maxBuffered, aedesClient.conn.writableLength);
    }, 5);
    const disconnected = once(kit.broker.aedes, 'clientDisconnect');
    const publisher = await kit.service('sim');
    const payload = 'x'.repeat(64 * 1024);
    const offered = 400;
    const sent = Array.from({ length: offered }, (_, i) =>
      publisher.publishAsync(topics.device('bus-k1-07', 'counts'), `${i}${payload}`, { qos: 1 }),
    );
    const [gone] = (await disconnected) as [Client];
    clearInterval(sample);
    expect(gone.id).toBe('stuck-reader');

    // aedes writes at most one packet per in-flight emission (mqemitter concurrency 100) past
    // the socket's high-water mark, then stops reading from publishers; a service connection
    // may also buffer one turn's batch (turn-batched-writes.ts): 400 × 64 KiB = 25 MiB offered,
    // at most ~101 × 64 KiB + 1 MiB held.
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThan(102 * 65 * 1024 + TURN_ALLOWANCE_BYTES);
    // With the reader gone routing resumes: every publish completes.
    await Promise.all(sent);
    // What the session keeps for its return is bounded too.
    expect(persistenceOf(kit).queueDepth('stuck-reader')).toBeLessThanOrEqual(50);
    expect(
      await kit.metric('jagajarak_broker_queue_dropped_total', { client: 'stuck-reader' }),
    ).toBeGreaterThanOrEqual(offered - 50);
  });
});
