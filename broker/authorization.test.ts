import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_DEVICE_PAYLOAD_BYTES } from '../shared/device-schemas.ts';
import { filters, ROOT, topics } from '../shared/topics.ts';
import { collect, nextMessage, startTestBroker, type TestBroker } from './test-kit.ts';

const COUNTS = '{"ts":1764313200000,"seq":1,"in":3,"out":1}';
/** The payload of every publish that must be refused, so tests can look for any trace of it. */
const DENIED = '{"denied":true}';

const closedBy = (client: MqttClient) =>
  new Promise<void>((resolve) => client.once('close', () => resolve()));

describe('broker authorization', () => {
  let t: TestBroker;
  let watcher: MqttClient;
  let seen: Array<{ topic: string; payload: string }>;
  let secret: string;

  beforeEach(async () => {
    t = await startTestBroker();
    secret = await t.provision('bus-k1-07');
    await t.provision('bus-k1-08');
    watcher = await t.service('watcher');
    await watcher.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    seen = collect(watcher);
  });
  afterEach(async () => {
    await t.close();
  });

  /** Publishes a marker as a service and waits for it, so anything routed before it was seen. */
  async function drain(): Promise<void> {
    const marker = nextMessage(watcher, topics.deviceCmd('marker'));
    await watcher.publishAsync(topics.deviceCmd('marker'), 'end', { qos: 1 });
    await marker;
  }

  it('routes a device publish on its own stream to service subscribers', async () => {
    const device = await t.device('bus-k1-07', secret);
    const got = nextMessage(watcher, topics.device('bus-k1-07', 'counts'));
    await device.publishAsync(topics.device('bus-k1-07', 'counts'), COUNTS, { qos: 1 });
    expect((await got).payload).toBe(COUNTS);
    expect(await t.metric('jagajarak_broker_messages_total')).toBeGreaterThanOrEqual(1);
  });

  it("closes a device publishing under another device's topic and routes nothing of it", async () => {
    const device = await t.device('bus-k1-07', secret);
    const closed = closedBy(device);
    device.publish(topics.device('bus-k1-08', 'counts'), DENIED, { qos: 1 });
    await closed;
    await drain();
    expect(seen.filter((m) => m.payload === DENIED)).toEqual([]);
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'not-own-topic' })).toBe(1);
  });

  it.each([
    ['a site state', topics.siteState('trans-batam-k1')],
    ['a site alarm', topics.siteAlarm('trans-batam-k1', 'capacity')],
    ['a registry record', topics.registryDevice('bus-k1-07')],
    ['the city policy', topics.registryPolicy()],
    ['its own cmd topic', topics.deviceCmd('bus-k1-07')],
    ['$SYS', '$SYS/broker/uptime'],
    ['a topic outside the protocol', 'other/thing'],
  ])('closes a device publishing on %s', async (_label, topic) => {
    const device = await t.device('bus-k1-07', secret);
    const closed = closedBy(device);
    device.publish(topic, DENIED, { qos: 0 });
    await closed;
    await drain();
    expect(seen.filter((m) => m.payload === DENIED)).toEqual([]);
    expect(t.broker.registry.devices.get('bus-k1-07')).toBeDefined();
  });

  it('closes a device whose payload exceeds the device limit', async () => {
    const device = await t.device('bus-k1-07', secret);
    const closed = closedBy(device);
    device.publish(topics.device('bus-k1-07', 'counts'), 'x'.repeat(MAX_DEVICE_PAYLOAD_BYTES + 1), {
      qos: 1,
    });
    await closed;
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'payload-too-large' })).toBe(1);
  });

  it('clears the retain flag on device streams other than status', async () => {
    const device = await t.device('bus-k1-07', secret);
    const got = nextMessage(watcher, topics.device('bus-k1-07', 'counts'));
    await device.publishAsync(topics.device('bus-k1-07', 'counts'), COUNTS, { qos: 1, retain: true });
    await got;
    const late = await t.service('late');
    const status = nextMessage(late);
    await device.publishAsync(topics.device('bus-k1-07', 'status'), '{"online":true}', {
      qos: 1,
      retain: true,
    });
    await late.subscribeAsync(filters.allDeviceStreams, { qos: 1 });
    // Only the retained status comes back; the counts message was not kept.
    expect(await status).toMatchObject({ topic: topics.device('bus-k1-07', 'status'), retain: true });
  });

  it('lets a device subscribe to its own cmd topic and receive commands', async () => {
    const device = await t.device('bus-k1-07', secret);
    const granted = await device.subscribeAsync(topics.deviceCmd('bus-k1-07'), { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const cmd = nextMessage(device);
    await watcher.publishAsync(topics.deviceCmd('bus-k1-07'), '{"op":"ping"}', { qos: 1 });
    expect(await cmd).toMatchObject({ topic: topics.deviceCmd('bus-k1-07'), payload: '{"op":"ping"}' });
  });

  it("denies a device subscribing to another device's cmd, to # and to $SYS/#", async () => {
    const device = await t.device('bus-k1-07', secret);
    // mqtt.js rejects a SUBACK holding 0x80 codes; the codes ride on the error.
    const granted = await device
      .subscribeAsync([topics.deviceCmd('bus-k1-08'), '#', '$SYS/#', topics.device('bus-k1-07', 'counts')], {
        qos: 1,
      })
      .then(
        () => [],
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
      );
    expect(granted).toEqual([128, 128, 128, 128]);
    expect(device.connected).toBe(true);
    const reasons = ['not-own-cmd', 'wildcard', 'sys-topic'];
    const counts = await Promise.all(
      reasons.map((reason) => t.metric('jagajarak_broker_subscribe_denied_total', { reason })),
    );
    expect(counts).toEqual([2, 1, 1]);
  });

  it('delivers a retained birth and, when the socket dies, the last will on the status topic', async () => {
    const status = topics.device('bus-k1-07', 'status');
    const device = await t.device('bus-k1-07', secret, {
      will: { topic: status, payload: Buffer.from('{"online":false}'), qos: 1, retain: true },
    });
    await device.publishAsync(status, '{"online":true,"fw":"1.4.2"}', { qos: 1, retain: true });
    const dashboard = await t.service('dashboard-live');
    const birth = nextMessage(dashboard, status);
    await dashboard.subscribeAsync(status, { qos: 1 });
    expect(await birth).toMatchObject({ payload: '{"online":true,"fw":"1.4.2"}', retain: true });

    const will = nextMessage(dashboard, status);
    device.stream.destroy();
    expect((await will).payload).toBe('{"online":false}');
  });

  it('refuses a device whose last will is not on its own status topic', async () => {
    const code = await t.refusal({
      username: 'bus-k1-07',
      password: secret,
      clientId: 'bus-k1-07',
      will: {
        topic: topics.device('bus-k1-08', 'status'),
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    });
    expect(code).toBe(5);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'will-not-allowed' })).toBe(1);
  });

  it('lets services publish derived topics but not $SYS or outside crowd/v1/', async () => {
    const ingest = await t.service('ingest');
    const state = nextMessage(watcher, topics.siteState('trans-batam-k1'));
    await ingest.publishAsync(topics.siteState('trans-batam-k1'), '{}', { qos: 1, retain: true });
    await state;
    const closed = closedBy(ingest);
    ingest.publish('$SYS/fake', 'x');
    await closed;
    const other = await t.service('other');
    const otherClosed = closedBy(other);
    other.publish('elsewhere/x', 'x');
    await otherClosed;
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'sys-topic' })).toBe(1);
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'outside-root' })).toBe(1);
  });
});
