import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics } from '../shared/topics.ts';
import { TokenBucket } from './rate-limit.ts';
import { collect, startTestBroker, type TestBroker } from './test-kit.ts';

const manualClock = (start = 1_764_313_200_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};

const counts = (seq: number) => JSON.stringify({ ts: 1_764_313_200_000 + seq, seq, in: seq, out: 0 });

describe('TokenBucket', () => {
  it('passes a burst, then delays each message until its token is earned, then refuses', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(20, 3, 2, clock);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual(Array(3).fill({ action: 'pass' }));
    expect(bucket.take()).toEqual({ action: 'delay', ms: 50 });
    expect(bucket.take()).toEqual({ action: 'delay', ms: 100 });
    expect(bucket.take()).toEqual({ action: 'disconnect' });
    clock.advance(100);
    // The two waiting messages used the 2 tokens earned; the next one waits again.
    expect(bucket.take()).toEqual({ action: 'delay', ms: 50 });
  });

  it('refills at the rate up to the burst, never beyond', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 2, 2, clock);
    bucket.take();
    bucket.take();
    clock.advance(60_000);
    expect([bucket.take(), bucket.take()]).toEqual([{ action: 'pass' }, { action: 'pass' }]);
    expect(bucket.take().action).toBe('delay');
  });
});

describe('per-device publish rate limit', () => {
  let t: TestBroker;
  let clock: ReturnType<typeof manualClock>;
  let watcher: MqttClient;
  let secret: string;
  const topic = topics.device('bus-k1-07', 'counts');

  beforeEach(async () => {
    clock = manualClock();
    t = await startTestBroker({ MQTT_DEVICE_RATE: '20', MQTT_DEVICE_BURST: '3' }, undefined, { clock });
    secret = await t.provision('bus-k1-07');
    watcher = await t.service('watcher');
    await watcher.subscribeAsync(topic, { qos: 1 });
  });
  afterEach(async () => {
    await t.close();
  });

  it('paces QoS 1 messages over the burst instead of dropping them, in order', async () => {
    const device = await t.device('bus-k1-07', secret);
    const seen = collect(watcher);
    // mqtt.js pipelines these into one TCP write: the broker sees them at one instant.
    await Promise.all([1, 2, 3, 4, 5].map((seq) => device.publishAsync(topic, counts(seq), { qos: 1 })));
    // aedes sends the PUBACK before it routes the message: wait for the last one to arrive.
    await expect.poll(() => seen.length).toBe(5);
    expect(seen.map((m) => JSON.parse(m.payload).seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await t.metric('jagajarak_broker_rate_limited_total', { action: 'delayed' })).toBe(2);
    expect(device.connected).toBe(true);
  });

  it('disconnects a device with more than a burst of messages waiting, and a reconnect does not refill its bucket', async () => {
    const device = await t.device('bus-k1-07', secret);
    const seen = collect(watcher);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    for (let seq = 1; seq <= 10; seq++) device.publish(topic, counts(seq), { qos: 0 });
    await closed;
    expect(await t.metric('jagajarak_broker_rate_limited_total', { action: 'disconnected' })).toBe(1);
    expect(await t.metric('jagajarak_broker_rate_limited_total', { action: 'delayed' })).toBe(3);

    const again = await t.device('bus-k1-07', secret);
    const closedAgain = new Promise<void>((resolve) => again.once('close', () => resolve()));
    again.publish(topic, counts(11), { qos: 1 });
    await closedAgain;
    expect(await t.metric('jagajarak_broker_rate_limited_total', { action: 'disconnected' })).toBe(2);

    // Once the bucket has refilled the device gets through again.
    clock.advance(1000);
    const third = await t.device('bus-k1-07', secret);
    await third.publishAsync(topic, counts(12), { qos: 1 });
    // aedes acknowledges before routing, and a loaded machine routes the burst late: wait for 12.
    await expect.poll(() => seen.map((m) => JSON.parse(m.payload).seq).includes(12)).toBe(true);
    // Only the burst passed of the flood; the delayed ones died with their connection.
    expect(seen.map((m) => JSON.parse(m.payload).seq)).toEqual([1, 2, 3, 12]);
  });

  it('does not limit services', async () => {
    const ingest = await t.service('ingest');
    const state = topics.siteState('trans-batam-k1');
    await watcher.subscribeAsync(state, { qos: 1 });
    const seen = collect(watcher);
    await Promise.all(Array.from({ length: 50 }, (_, i) => ingest.publishAsync(state, `${i}`, { qos: 1 })));
    await expect.poll(() => seen.length).toBe(50);
    expect(await t.metric('jagajarak_broker_rate_limited_total', { action: 'delayed' })).toBe(0);
  });
});
