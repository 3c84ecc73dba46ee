import { afterEach, describe, expect, it } from 'vitest';
import { filters, topics } from '../shared/topics.ts';
import { loadBrokerConfig } from './config.ts';
import { parseDurableSessions } from './durable-sessions.ts';
import { SERVICE_SECRET, startTestBroker, type TestBroker } from './test-kit.ts';

let kit: TestBroker | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const reading = (seq: number) => JSON.stringify({ ts: 1764313200000 + seq, seq, in: seq, out: 0 });

/** Publishes before any subscriber exists, then connects ingest's persistent session. */
async function deliveredToLateIngest(env: Record<string, string>): Promise<number[]> {
  kit = await startTestBroker(env);
  const device = await kit.service('sim');
  for (let seq = 1; seq <= 5; seq++)
    await device.publishAsync(topics.device('bus-k1-07', 'counts'), reading(seq), { qos: 1 });
  const received: number[] = [];
  const ingest = await kit.service('ingest', { clientId: 'jagajarak-ingest', clean: false });
  ingest.on('message', (_topic, payload) => received.push(JSON.parse(payload.toString()).seq));
  await ingest.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
  // One live message after the subscription: once it is here, anything queued came before it.
  await device.publishAsync(topics.device('bus-k1-07', 'counts'), reading(6), { qos: 1 });
  await expect.poll(() => received.includes(6)).toBe(true);
  return received;
}

describe('durable sessions', () => {
  it('queues QoS 1 messages for ingest from broker start, before ingest ever connected', async () => {
    expect(await deliveredToLateIngest({})).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('loses those messages when no session is declared (why the declaration exists)', async () => {
    expect(await deliveredToLateIngest({ MQTT_DURABLE_SESSIONS: 'none' })).toEqual([6]);
  });

  it('parses clientId=filter lists and refuses malformed entries', () => {
    expect(parseDurableSessions(' a=x/+/y , z/# ; b=c ')).toEqual([
      { clientId: 'a', filters: ['x/+/y', 'z/#'] },
      { clientId: 'b', filters: ['c'] },
    ]);
    expect(() => parseDurableSessions('a=')).toThrow(/clientId=filter/);
    expect(() =>
      loadBrokerConfig({ MQTT_SERVICE_SECRET: SERVICE_SECRET, MQTT_DURABLE_SESSIONS: '=x' }),
    ).toThrow(/MQTT_DURABLE_SESSIONS/);
    expect(loadBrokerConfig({ MQTT_SERVICE_SECRET: SERVICE_SECRET }).MQTT_DURABLE_SESSIONS).toEqual([
      { clientId: 'jagajarak-ingest', filters: [filters.allDeviceStreams] },
    ]);
  });
});
