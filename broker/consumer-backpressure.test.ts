/**
 * Backpressure from a durable consumer that is behind: unit rules with a fake clock, then a real
 * broker with a connected consumer that stops acknowledging (docs/queues.md).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { topics } from '../shared/topics.ts';
import type { BoundedPersistence } from './bounded-persistence.ts';
import { ConsumerBackpressure } from './consumer-backpressure.ts';
import { startTestBroker, type TestBroker } from './test-kit.ts';

describe('ConsumerBackpressure', () => {
  afterEach(() => vi.useRealTimers());

  const setup = (highWater = 10) => {
    vi.useFakeTimers();
    const state = { depth: 0, connected: true, closed: false };
    const bp = new ConsumerBackpressure({
      consumers: ['ingest'],
      depth: () => state.depth,
      connected: () => state.connected,
      highWater,
      maxHoldMs: 1000,
      checkMs: 10,
      now: () => Date.now(),
    });
    const released: number[] = [];
    const hold = (n: number) =>
      bp.hold(
        () => state.closed,
        () => released.push(n),
      );
    return { bp, state, released, hold };
  };

  it('holds device publishes while a connected consumer is over the high-water mark, then lets them go in order', () => {
    const { bp, state, released, hold } = setup();
    expect(hold(0)).toBe(false);
    state.depth = 11;
    expect([hold(1), hold(2)]).toEqual([true, true]);
    state.depth = 6; // between the marks: still congested (hysteresis)
    vi.advanceTimersByTime(50);
    expect(released).toEqual([]);
    expect(hold(3)).toBe(true);
    state.depth = 5;
    vi.advanceTimersByTime(10);
    expect(released).toEqual([1, 2, 3]);
    expect(bp.holding()).toBe(0);
    expect(hold(4)).toBe(false);
  });

  it('never holds for a consumer that is offline: then its queue is the point', () => {
    const { state, hold } = setup();
    state.depth = 1000;
    state.connected = false;
    expect(hold(1)).toBe(false);
  });

  it('lets a publish go after maxHoldMs even while congested, and drops one whose connection closed', () => {
    const { state, released, hold } = setup();
    state.depth = 50;
    hold(1);
    vi.advanceTimersByTime(500);
    hold(2);
    vi.advanceTimersByTime(510);
    expect(released).toEqual([1]);
    state.closed = true;
    vi.advanceTimersByTime(600);
    expect(released).toEqual([1]);
  });

  it('is off with a high-water mark of 0', () => {
    const { state, hold } = setup(0);
    state.depth = 1_000_000;
    expect(hold(1)).toBe(false);
  });
});

describe('a broker with a consumer that is behind', () => {
  let kit: TestBroker | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it('stops acknowledging devices near the high-water mark instead of queueing everything, and loses nothing', async () => {
    kit = await startTestBroker({
      MQTT_DURABLE_SESSIONS: `slow-ingest=${topics.device('+', 'counts').replace('counts', '+')}`,
      MQTT_BACKPRESSURE_QUEUE: '20',
      // Not paced by the rate limit, so every message is either acknowledged or held here.
      MQTT_DEVICE_RATE: '1000',
      MQTT_DEVICE_BURST: '1000',
    });
    const persistence = (kit.broker.aedes as unknown as { persistence: BoundedPersistence }).persistence;
    // Connected, but never acknowledges (its handler never calls back).
    const consumer = await kit.service('ingest', { clientId: 'slow-ingest', clean: false });
    consumer.handleMessage = () => {};

    const secret = await kit.provision('bus-k1-07-gw');
    const device = await kit.device('bus-k1-07-gw', secret);
    let acked = 0;
    // One at a time, as a device's in-flight window sends them (aedes routes asynchronously).
    for (let i = 1; i <= 60; i++) {
      device.publish(
        topics.device('bus-k1-07-gw', 'counts'),
        JSON.stringify({ ts: 1764313200000 + i, seq: i, in: i, out: 0 }),
        { qos: 1 },
        () => acked++,
      );
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // Past the mark they wait unacknowledged (held, or still unread in the socket), not queued.
    await expect.poll(() => kit!.metric('jagajarak_broker_publishes_holding')).toBeGreaterThanOrEqual(20);
    expect(acked).toBeLessThan(30);
    expect(persistence.queueDepth('slow-ingest')).toBeLessThanOrEqual(25);

    // Offline, the consumer's queue takes the rest: every message acknowledged and kept.
    consumer.end(true);
    await expect.poll(() => acked, { timeout: 5000 }).toBe(60);
    expect(persistence.queueDepth('slow-ingest')).toBe(60);
    expect(await kit.metric('jagajarak_broker_publishes_held_total')).toBeGreaterThanOrEqual(1);
    expect(await kit.metric('jagajarak_broker_queue_dropped_total', { client: 'slow-ingest' })).toBe(0);
  });
});
