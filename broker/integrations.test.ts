import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/config.ts';
import { hashSecret } from '../shared/secrets.ts';
import { topics } from '../shared/topics.ts';
import { loadBrokerConfig } from './config.ts';
import { parseIntegrations } from './security-config.ts';
import { nextMessage, SERVICE_SECRET, startTestBroker, type TestBroker } from './test-kit.ts';

const READER_SECRET = 'reader-secret-0123456789';
const WRITER_SECRET = 'writer-secret-0123456789';
/** A cheap cost: the format and code path are those of production hashes. */
const CHEAP = { N: 2 ** 4, r: 1, p: 1 };

describe('MQTT_INTEGRATIONS', () => {
  it('parses name:rights:scryptHash entries', async () => {
    const hash = await hashSecret('x'.repeat(16), CHEAP);
    expect(parseIntegrations(` bridge:read:${hash} , tool:readwrite:${hash}`)).toEqual({
      accounts: [
        { name: 'bridge', rights: 'read', secretHash: hash },
        { name: 'tool', rights: 'readwrite', secretHash: hash },
      ],
      problems: [],
    });
  });

  it('refuses a plaintext secret, bad rights, bad names and duplicates without echoing the entry', async () => {
    const hash = await hashSecret('x'.repeat(16), CHEAP);
    const load = () =>
      loadBrokerConfig({
        MQTT_SERVICE_SECRET: SERVICE_SECRET,
        MQTT_INTEGRATIONS: `a:read:my-plain-secret,b:admin:${hash},Bad:read:${hash},c:read:${hash},c:read:${hash}`,
      });
    expect(load).toThrow(ConfigError);
    let message = '';
    try {
      load();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/entry 1 \(a\): the secret must be a scrypt hash/);
    expect(message).toMatch(/entry 2 \(b\): rights must be read or readwrite/);
    expect(message).toMatch(/entry 3: name must match/);
    expect(message).toMatch(/entry 5: duplicate name 'c'/);
    expect(message).not.toContain('my-plain-secret');
  });
});

describe('integration service accounts', () => {
  let env: Record<string, string>;
  let t: TestBroker;
  let secret: string;
  const clients: MqttClient[] = [];

  const integration = async (name: string, password: string) => {
    const client = await mqtt.connectAsync(t.url, {
      protocolVersion: 4,
      username: `int:${name}`,
      password,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  };
  const closedBy = (client: MqttClient) =>
    new Promise<void>((resolve) => client.once('close', () => resolve()));

  beforeAll(async () => {
    const [reader, writer] = await Promise.all([
      hashSecret(READER_SECRET, CHEAP),
      hashSecret(WRITER_SECRET, CHEAP),
    ]);
    env = { MQTT_INTEGRATIONS: `grafana:read:${reader},bridge:readwrite:${writer}` };
  });
  beforeEach(async () => {
    t = await startTestBroker(env);
    secret = await t.provision('bus-k1-07');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await t.close();
  });

  it('lets a read account subscribe to everything, # and $SYS/# included, and publish nothing', async () => {
    const reader = await integration('grafana', READER_SECRET);
    const granted = await reader.subscribeAsync(['#', '$SYS/#', '+/v1/devices/+/+'], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1]);
    const got = nextMessage(reader, topics.device('bus-k1-07', 'counts'));
    const device = await t.device('bus-k1-07', secret);
    await device.publishAsync(topics.device('bus-k1-07', 'counts'), '{"seq":1}', { qos: 1 });
    expect((await got).payload).toBe('{"seq":1}');

    const closed = closedBy(reader);
    reader.publish('bridge/out', 'x', { qos: 1 });
    await closed;
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'read-only' })).toBe(1);
  });

  it('lets a readwrite account publish any topic except $SYS and the registry', async () => {
    const bridge = await integration('bridge', WRITER_SECRET);
    await bridge.subscribeAsync('#', { qos: 1 });
    for (const topic of ['bridge/in/anything', '$TopicA', topics.device('bus-k1-07', 'cmd')]) {
      const got = nextMessage(bridge, topic);
      await bridge.publishAsync(topic, 'x', { qos: 1 });
      // '#' does not match a '$' topic [MQTT-4.7.2-1]; it is routed, just not to this filter.
      if (!topic.startsWith('$')) expect((await got).topic).toBe(topic);
    }
    expect(bridge.connected).toBe(true);

    const closed = closedBy(bridge);
    bridge.publish(topics.registryDevice('evil'), '{}', { qos: 1, retain: true });
    await closed;
    const again = await integration('bridge', WRITER_SECRET);
    const closedAgain = closedBy(again);
    again.publish('$SYS/broker/fake', 'x');
    await closedAgain;
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'registry-topic' })).toBe(1);
    expect(await t.metric('jagajarak_broker_publish_denied_total', { reason: 'sys-topic' })).toBe(1);
    expect(t.broker.registry.devices.has('evil')).toBe(false);
  });

  it('refuses a wrong secret and an unknown account with CONNACK 4, and checks scrypt once per account', async () => {
    expect(await t.refusal({ username: 'int:bridge', password: READER_SECRET })).toBe(4);
    expect(await t.refusal({ username: 'int:nobody', password: WRITER_SECRET })).toBe(4);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'bad-integration-secret' })).toBe(
      1,
    );
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'unknown-integration' })).toBe(1);
    const before = await t.metric('jagajarak_broker_secret_verifications_total');
    for (let i = 0; i < 3; i++) await (await integration('bridge', WRITER_SECRET)).endAsync();
    expect(await t.metric('jagajarak_broker_secret_verifications_total')).toBe(before + 1);
  });

  it('is not rate limited like a device', async () => {
    const bridge = await integration('bridge', WRITER_SECRET);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => bridge.publishAsync('bridge/load', `${i}`, { qos: 1 })),
    );
    expect(await t.metric('jagajarak_broker_rate_limited_total', { action: 'delayed' })).toBe(0);
  });
});
