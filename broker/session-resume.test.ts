/**
 * A persistent session resuming with a backlog while live messages keep coming (issue #6 item 2,
 * what ingest meets after a broker restart): aedes subscribes the client before it snapshots the
 * queue to re-send it (connect.js `restoreSubs` before `emptyQueue`), so a message published in
 * between is both delivered live and in the snapshot, and the client acknowledges the live copy
 * long before the replay reaches it. Real aedes, real mqtt.js, real sockets.
 */
import type { Client } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { filters, topics } from '../shared/topics.ts';
import type { BoundedPersistence } from './bounded-persistence.ts';
import { startTestBroker, type TestBroker } from './test-kit.ts';

let kit: TestBroker | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const SESSION = { clientId: 'jagajarak-ingest', clean: false } as const;
const BACKLOG = 200;
const topic = topics.device('bus-k1-07', 'counts');
const counts = (seq: number) => JSON.stringify({ ts: 1764313200000 + seq, seq, in: seq, out: 0 });
const persistenceOf = (k: TestBroker) =>
  (k.broker.aedes as unknown as { persistence: BoundedPersistence }).persistence;

describe('a persistent session resuming with a backlog', () => {
  it('gets a message published while it connects once, and is not disconnected when the replay reaches it', async () => {
    kit = await startTestBroker();
    const k = kit;
    const first = await k.service('ingest', SESSION);
    await first.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
    await first.endAsync();
    const publisher = await k.service('sim');
    for (let seq = 1; seq <= BACKLOG; seq++) await publisher.publishAsync(topic, counts(seq), { qos: 1 });

    const errors: string[] = [];
    k.broker.aedes.on('clientError', (client: Client, err: Error) =>
      errors.push(`${client.id}: ${err.message}`),
    );
    // 'client' is emitted after the session's subscriptions are restored and before the queue is
    // replayed: the exact window in which a new message is both live and in the replay.
    k.broker.aedes.on('client', (client: Client) => {
      if (client.id !== SESSION.clientId) return;
      k.broker.aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(counts(BACKLOG + 1)),
          qos: 1,
          retain: false,
          dup: false,
        },
        () => {},
      );
    });

    const received: number[] = [];
    let closes = 0;
    const back = await k.service('ingest', SESSION);
    back.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()).seq));
    back.on('close', () => closes++);

    const settled = () => errors.length > 0 || persistenceOf(k).queueDepth(SESSION.clientId) === 0;
    await expect.poll(settled, { timeout: 5_000 }).toBe(true);
    // Before the fix: "jagajarak-ingest: no such packet", and the session was closed mid-replay.
    expect(errors).toEqual([]);
    expect(closes).toBe(0);
    expect(back.connected).toBe(true);
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: BACKLOG + 1 }, (_, i) => i + 1));
  });
});
