/**
 * MQTT 3.1.1 conformance for authorized clients (issue #6 item 6), modelled on the Eclipse Paho
 * interoperability tests (paho.mqtt.testing `interoperability/client_test.py`: basic, retained
 * messages, will message, zero-length client id, offline message queueing, overlapping
 * subscriptions, keepalive, redelivery on reconnect, subscribe failure, $ topics, unsubscribe),
 * plus QoS 2 end to end and persistent sessions. mqtt.js clients log in as an integration
 * account against the real broker from createBroker, or against any broker named by
 * CONFORMANCE_MQTT_URL / CONFORMANCE_USER / CONFORMANCE_PASS (see target.ts).
 *
 * Every topic is under a per-run prefix so runs against a shared broker do not collide; the
 * suite waits for a marker message instead of sleeping wherever it asserts "nothing else came".
 */
import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConnack } from '../../broker/test-kit.ts';
import { topics as v1 } from '../../shared/topics.ts';
import { closed, rawConnect, rawSubscribe, receivedAll, startTarget, type Target } from './target.ts';

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
}

const P = `conf-${randomBytes(4).toString('hex')}`;
/** Paho's topics and wildcards, one level down under the run's prefix. */
const topics = [`${P}/TopicA`, `${P}/TopicA/B`, `${P}/Topic/C`, `${P}/TopicA/C`, `${P}//TopicA`];
const wild = {
  topicAPlus: `${P}/TopicA/+`,
  plusC: `${P}/+/C`,
  all: `${P}/#`,
  plusPlus: `${P}/+/+`,
  topicAAll: `${P}/TopicA/#`,
};

let target: Target;
let ids = 0;
const clientId = (name: string) => `${name}-${P}-${++ids}`;

function inbox(client: MqttClient): Received[] {
  const got: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    got.push({
      topic,
      payload: payload.toString(),
      qos: packet.qos,
      retain: packet.retain === true,
      dup: packet.dup === true,
    }),
  );
  return got;
}

/** Sends a marker through the broker to `receiver` and waits for it: whatever was routed before it has arrived. */
async function settle(receiver: MqttClient, got: Received[], sender: MqttClient): Promise<void> {
  const marker = `${P}/marker/${++ids}`;
  await receiver.subscribeAsync(marker, { qos: 2 });
  await sender.publishAsync(marker, 'marker', { qos: 2 });
  await expect.poll(() => got.some((m) => m.topic === marker), { timeout: 5000 }).toBe(true);
  got.splice(
    got.findIndex((m) => m.topic === marker),
    1,
  );
}

const withoutMarkers = (got: Received[]) => got.filter((m) => !m.topic.startsWith(`${P}/marker/`));

beforeAll(async () => {
  target = await startTarget();
});
afterAll(async () => {
  await target.close();
});

describe('MQTT 3.1.1 conformance (Paho interoperability model)', () => {
  it('basic: connects, disconnects, reconnects, and delivers QoS 0, 1 and 2 to a QoS 2 subscription', async () => {
    const a = await target.client({ clientId: clientId('a') });
    await a.endAsync();
    const again = await target.client({ clientId: clientId('a') });
    const got = inbox(again);
    await again.subscribeAsync(topics[0]!, { qos: 2 });
    await again.publishAsync(topics[0]!, 'qos 0', { qos: 0 });
    await again.publishAsync(topics[0]!, 'qos 1', { qos: 1 });
    await again.publishAsync(topics[0]!, 'qos 2', { qos: 2 });
    await expect.poll(() => got.length).toBe(3);
    expect(got.map((m) => [m.payload, m.qos])).toEqual([
      ['qos 0', 0],
      ['qos 1', 1],
      ['qos 2', 2],
    ]);
  });

  it('basic: closes a connection that sends a second CONNECT [MQTT-3.1.0-2] or a wrong protocol name [MQTT-3.1.2-1]', async () => {
    const socket = await target.raw();
    const login = { username: target.username, password: target.password };
    socket.write(rawConnect({ clientId: clientId('twice'), clean: true, ...login }));
    expect(await readConnack(socket)).toBe(0);
    const gone = closed(socket);
    socket.write(rawConnect({ clientId: clientId('twice'), clean: true, ...login }));
    await gone;

    const wrong = await target.raw();
    const wrongGone = closed(wrong);
    wrong.write(rawConnect({ clientId: clientId('hj'), clean: true, protocolName: 'hj', ...login }));
    await wrongGone;
  });

  it('retained messages: kept per topic at every QoS, sent with the retain flag, and cleared by an empty payload', async () => {
    const a = await target.client({ clientId: clientId('a') });
    await a.publishAsync(topics[1]!, 'qos 0', { qos: 0, retain: true });
    await a.publishAsync(topics[2]!, 'qos 1', { qos: 1, retain: true });
    await a.publishAsync(topics[3]!, 'qos 2', { qos: 2, retain: true });

    const b = await target.client({ clientId: clientId('b') });
    const got = inbox(b);
    await b.subscribeAsync(wild.plusPlus, { qos: 2 });
    await expect.poll(() => got.length).toBe(3);
    expect(got.every((m) => m.retain)).toBe(true);
    expect(got.map((m) => [m.topic, m.payload, m.qos]).sort()).toEqual(
      [
        [topics[1], 'qos 0', 0],
        [topics[2], 'qos 1', 1],
        [topics[3], 'qos 2', 2],
      ].sort(),
    );

    // [MQTT-3.3.1-10] a zero-byte retained message removes the retained message for its topic.
    for (const [i, qos] of [[1, 0] as const, [2, 1] as const, [3, 2] as const])
      await a.publishAsync(topics[i]!, '', { qos, retain: true });
    const c = await target.client({ clientId: clientId('c') });
    const none = inbox(c);
    await c.subscribeAsync(wild.plusPlus, { qos: 2 });
    await settle(c, none, a);
    expect(withoutMarkers(none)).toEqual([]);
  });

  it('will message: published when the connection drops without DISCONNECT', async () => {
    const b = await target.client({ clientId: clientId('b'), clean: false });
    const got = inbox(b);
    await b.subscribeAsync(topics[2]!, { qos: 2 });
    const a = await target.client({
      clientId: clientId('a'),
      keepalive: 2,
      will: { topic: topics[2]!, payload: Buffer.from('client not disconnected'), qos: 2, retain: false },
    });
    a.stream.destroy();
    await expect.poll(() => got.map((m) => m.payload)).toEqual(['client not disconnected']);
  });

  it('will message: not published after a clean DISCONNECT [MQTT-3.14.4-3]', async () => {
    const b = await target.client({ clientId: clientId('b') });
    const got = inbox(b);
    await b.subscribeAsync(topics[2]!, { qos: 2 });
    const a = await target.client({
      clientId: clientId('a'),
      will: { topic: topics[2]!, payload: Buffer.from('should not come'), qos: 1, retain: false },
    });
    await a.endAsync();
    await settle(b, got, b);
    expect(withoutMarkers(got)).toEqual([]);
  });

  it('zero-length client id: accepted with clean session (the server assigns one), refused without [MQTT-3.1.3-7/8]', async () => {
    const login = { username: target.username, password: target.password };
    const refused = await target.raw();
    refused.write(rawConnect({ clientId: '', clean: false, ...login }));
    expect(await readConnack(refused)).toBe(2);

    const accepted = await target.raw();
    accepted.write(rawConnect({ clientId: '', clean: true, ...login }));
    expect(await readConnack(accepted)).toBe(0);

    const viaMqttJs = await target.client({ clientId: '', clean: true });
    expect(viaMqttJs.connected).toBe(true);
  });

  it('offline message queueing: a persistent session keeps QoS 1 and 2 messages for its absent client', async () => {
    const id = clientId('offline');
    const a = await target.client({ clientId: id, clean: false });
    await a.subscribeAsync(wild.plusPlus, { qos: 2 });
    await a.endAsync();

    const b = await target.client({ clientId: clientId('b') });
    await b.publishAsync(topics[1]!, 'qos 0', { qos: 0 });
    await b.publishAsync(topics[2]!, 'qos 1', { qos: 1 });
    await b.publishAsync(topics[3]!, 'qos 2', { qos: 2 });

    const got: Received[] = [];
    const back = await target.client({ clientId: id, clean: false });
    back.on('message', (topic, payload, packet) =>
      got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: false, dup: false }),
    );
    await expect.poll(() => got.filter((m) => m.qos > 0).length).toBe(2);
    await settle(back, got, b);
    // Paho accepts 2 or 3: queueing QoS 0 for offline clients is optional.
    expect([2, 3]).toContain(withoutMarkers(got).length);
    expect(got.filter((m) => m.qos > 0).map((m) => m.payload)).toEqual(['qos 1', 'qos 2']);
  });

  it('persistent sessions: session present after reconnecting with clean session off, gone with it on [MQTT-3.2.2-2/1]', async () => {
    const id = clientId('session');
    const a = await target.client({ clientId: id, clean: false });
    await a.subscribeAsync(topics[0]!, { qos: 1 });
    await a.endAsync();
    const resumed = await target.client({ clientId: id, clean: false });
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => {
      resumed.once('connect', resolve);
      resumed.reconnect();
    });
    expect(connack.sessionPresent).toBe(true);
    await resumed.endAsync();
    const fresh = await target.client({ clientId: id, clean: true });
    const got = inbox(fresh);
    const sender = await target.client({ clientId: clientId('s') });
    await sender.publishAsync(topics[0]!, 'after clean', { qos: 1 });
    await settle(fresh, got, sender);
    expect(withoutMarkers(got)).toEqual([]);
  });

  it.each([
    [
      'in one SUBSCRIBE, QoS 2 filter first',
      [
        [wild.topicAAll, 2],
        [wild.topicAPlus, 1],
      ],
    ],
    [
      'in one SUBSCRIBE, QoS 1 filter first',
      [
        [wild.topicAPlus, 1],
        [wild.topicAAll, 2],
      ],
    ],
    ['in two SUBSCRIBEs, QoS 1 filter first', [[wild.topicAPlus, 1]], [[wild.topicAAll, 2]]],
    ['in two SUBSCRIBEs, QoS 2 filter first', [[wild.topicAAll, 2]], [[wild.topicAPlus, 1]]],
  ] as Array<[string, ...Array<Array<[string, 0 | 1 | 2]>>]>)(
    'overlapping subscriptions %s: one message at the highest QoS, or one per subscription at its QoS',
    async (_label, ...subscribes) => {
      const a = await target.client({ clientId: clientId('a') });
      const got = inbox(a);
      for (const filters of subscribes)
        await a.subscribeAsync(Object.fromEntries(filters.map(([f, qos]) => [f, { qos }])));
      await a.publishAsync(topics[3]!, 'overlapping topic filters', { qos: 2 });
      await settle(a, got, a);
      const qos = withoutMarkers(got).map((m) => m.qos);
      // aedes issue #1074: a QoS 1 overlap must not downgrade the QoS 2 delivery.
      expect(qos.length === 1 ? qos : [...qos].sort()).toEqual(qos.length === 1 ? [2] : [1, 2]);
    },
  );

  it('overlapping subscriptions of an offline persistent session: the queued message keeps the highest QoS', async () => {
    const id = clientId('overlap-offline');
    const a = await target.client({ clientId: id, clean: false });
    await a.subscribeAsync({ [wild.topicAPlus]: { qos: 1 }, [wild.topicAAll]: { qos: 2 } });
    await a.endAsync();
    const sender = await target.client({ clientId: clientId('s') });
    await sender.publishAsync(topics[3]!, 'queued overlap', { qos: 2 });
    const got: Received[] = [];
    const back = await target.client({ clientId: id, clean: false });
    back.on('message', (topic, payload, packet) =>
      got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: false, dup: false }),
    );
    await settle(back, got, sender);
    const qos = withoutMarkers(got).map((m) => m.qos);
    // [MQTT-3.3.5-1]: at least one copy at the highest matching QoS: no downgrade (aedes #1074).
    // Measured with aedes 1.2: two copies, both at QoS 2, one per subscription. The extra copy is
    // allowed; its QoS above the QoS 1 subscription is a known aedes deviation (broker/README.md).
    expect(Math.max(...qos)).toBe(2);
    expect(qos.length).toBeLessThanOrEqual(2);
  });

  it('keepalive: a silent client is disconnected after 1.5 x keepalive and its will published [MQTT-3.1.2-24]', async () => {
    const b = await target.client({ clientId: clientId('b') });
    const got = inbox(b);
    await b.subscribeAsync(topics[4]!, { qos: 2 });
    const silent = await target.raw();
    const gone = closed(silent);
    silent.write(
      rawConnect({
        clientId: clientId('silent'),
        clean: true,
        keepalive: 1,
        username: target.username,
        password: target.password,
        will: { topic: topics[4]!, payload: 'keepalive expiry', qos: 1 },
      }),
    );
    expect(await readConnack(silent)).toBe(0);
    await gone;
    await expect.poll(() => got.map((m) => m.payload)).toEqual(['keepalive expiry']);
  });

  it('redelivery on reconnect: unacknowledged QoS 1 and 2 messages are sent again with DUP set [MQTT-4.4.0-1]', async () => {
    const id = clientId('redeliver');
    const login = { username: target.username, password: target.password };
    const raw = await target.raw();
    raw.write(rawConnect({ clientId: id, clean: false, ...login }));
    expect(await readConnack(raw)).toBe(0);
    const suback = receivedAll(raw, [Buffer.from([0x90, 0x03, 0x00, 0x01])]);
    raw.write(rawSubscribe(1, wild.topicAAll, 2));
    await suback;
    // The raw client reads but never acknowledges.
    const delivered = receivedAll(raw, ['unacked qos 1', 'unacked qos 2']);
    const sender = await target.client({ clientId: clientId('s') });
    await sender.publishAsync(topics[1]!, 'unacked qos 1', { qos: 1 });
    await sender.publishAsync(topics[3]!, 'unacked qos 2', { qos: 2 });
    await delivered;
    const gone = closed(raw);
    raw.destroy();
    await gone;

    const got: Received[] = [];
    const back = await target.client({ clientId: id, clean: false });
    back.on('message', (topic, payload, packet) =>
      got.push({
        topic,
        payload: payload.toString(),
        qos: packet.qos,
        retain: false,
        dup: packet.dup === true,
      }),
    );
    await expect.poll(() => got.length).toBe(2);
    expect(got.map((m) => [m.payload, m.qos])).toEqual([
      ['unacked qos 1', 1],
      ['unacked qos 2', 2],
    ]);
  });

  it('$ topics: wildcard filters at the first level do not match topics starting with $ [MQTT-4.7.2-1]', async () => {
    const dollar = `$${P}/TopicA`;
    const b = await target.client({ clientId: clientId('b') });
    const got = inbox(b);
    await b.subscribeAsync({ '+/+': { qos: 2 }, '#': { qos: 2 }, '+/#': { qos: 2 } });
    await b.publishAsync(dollar, 'dollar', { qos: 1 });
    await settle(b, got, b);
    expect(withoutMarkers(got).filter((m) => m.topic.startsWith('$'))).toEqual([]);

    await b.subscribeAsync(dollar, { qos: 1 });
    const direct = new Promise<string>((resolve) => b.on('message', (t) => t === dollar && resolve(t)));
    await b.publishAsync(dollar, 'dollar', { qos: 1 });
    expect(await direct).toBe(dollar);
  });

  it('unsubscribe: stops delivery for that filter only', async () => {
    const a = await target.client({ clientId: clientId('a') });
    const got = inbox(a);
    await a.subscribeAsync({ [topics[1]!]: { qos: 2 }, [topics[3]!]: { qos: 2 } });
    await a.unsubscribeAsync(topics[1]!);
    await a.publishAsync(topics[1]!, 'unsubscribed', { qos: 1 });
    await a.publishAsync(topics[3]!, 'still subscribed', { qos: 1 });
    await settle(a, got, a);
    expect(withoutMarkers(got).map((m) => m.payload)).toEqual(['still subscribed']);
  });

  it('QoS 2 end to end: exactly once between two clients, and downgraded to the subscription QoS [MQTT-3.8.4-6]', async () => {
    const sender = await target.client({ clientId: clientId('s') });
    const at2 = await target.client({ clientId: clientId('r2') });
    const at0 = await target.client({ clientId: clientId('r0') });
    const got2 = inbox(at2);
    const got0 = inbox(at0);
    await at2.subscribeAsync(topics[0]!, { qos: 2 });
    await at0.subscribeAsync(topics[0]!, { qos: 0 });
    for (let i = 0; i < 20; i++) await sender.publishAsync(topics[0]!, `exactly once ${i}`, { qos: 2 });
    await settle(at2, got2, sender);
    await settle(at0, got0, sender);
    const expected = Array.from({ length: 20 }, (_, i) => `exactly once ${i}`);
    expect(withoutMarkers(got2).map((m) => [m.payload, m.qos])).toEqual(expected.map((p) => [p, 2]));
    expect(withoutMarkers(got0).map((m) => [m.payload, m.qos])).toEqual(expected.map((p) => [p, 0]));
  });

  it('subscribe failure: a refused filter gets 0x80 while the others in the same SUBSCRIBE are granted [MQTT-3.9.3]', async (ctx) => {
    // Needs an identity with restricted rights: a device of the project's broker.
    if (!target.own) return ctx.skip();
    const secret = await target.own.provision('conf-device-01');
    const device = await target.own.device('conf-device-01', secret);
    const granted = await device
      .subscribeAsync({ [v1.deviceCmd('conf-device-01')]: { qos: 1 }, 'nosubscribe/#': { qos: 1 } })
      .then(
        (g) => g.map((x) => x.qos),
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
      );
    expect(granted).toEqual([1, 0x80]);
    expect(device.connected).toBe(true);
  });
});
