import { describe, expect, it } from 'vitest';
import { MAX_DEVICE_PAYLOAD_BYTES } from '../shared/device-schemas.ts';
import { DEVICE_STREAMS, ROOT, topics } from '../shared/topics.ts';
import {
  decidePublish,
  decideSubscribe,
  type Identity,
  mayForward,
  topicProblem,
  willProblem,
} from './access-policy.ts';

const bus: Identity = { kind: 'device', deviceId: 'bus-k1-07', secretHash: 'h' };
const ingest: Identity = { kind: 'service', name: 'ingest' };
const pub = (topic: string, retain = false, payload = '{}') => ({ topic, payload, retain });

describe('decidePublish', () => {
  it.each(DEVICE_STREAMS)('lets a device publish its own %s stream', (stream) => {
    expect(decidePublish(bus, pub(topics.device('bus-k1-07', stream))).ok).toBe(true);
  });

  it('keeps the retain flag only on status', () => {
    expect(decidePublish(bus, pub(topics.device('bus-k1-07', 'status'), true))).toEqual({
      ok: true,
      retain: true,
    });
    expect(decidePublish(bus, pub(topics.device('bus-k1-07', 'counts'), true))).toEqual({
      ok: true,
      retain: false,
    });
  });

  it.each([
    [topics.device('bus-k1-08', 'counts'), 'not-own-topic'],
    [topics.deviceCmd('bus-k1-07'), 'not-device-stream'],
    [`${topics.device('bus-k1-07', 'counts')}/extra`, 'not-own-topic'],
    [topics.siteState('trans-batam-k1'), 'not-own-topic'],
    [topics.registryPolicy(), 'not-own-topic'],
    ['$SYS/x', 'sys-topic'],
    ['a/b/c/d/e/f/g/h/i', 'invalid-topic'],
    [`${ROOT}/${'x'.repeat(300)}`, 'invalid-topic'],
    [`${ROOT}/devices/bus-k1-07/\uFFFD`, 'invalid-topic'],
    [`${ROOT}/devices/bus-k1-07/counts\u0000`, 'invalid-topic'],
  ])('refuses a device publishing %s (%s)', (topic, reason) => {
    expect(decidePublish(bus, pub(topic))).toMatchObject({ ok: false, reason });
  });

  it('refuses device payloads over the protocol limit', () => {
    const topic = topics.device('bus-k1-07', 'counts');
    expect(decidePublish(bus, pub(topic, false, 'x'.repeat(MAX_DEVICE_PAYLOAD_BYTES))).ok).toBe(true);
    expect(decidePublish(bus, pub(topic, false, 'x'.repeat(MAX_DEVICE_PAYLOAD_BYTES + 1)))).toMatchObject({
      reason: 'payload-too-large',
    });
  });

  it('lets services publish anything under the root, keeping retain, but not $SYS or elsewhere', () => {
    expect(decidePublish(ingest, pub(topics.siteState('x1'), true))).toEqual({ ok: true, retain: true });
    expect(decidePublish(ingest, pub(topics.deviceCmd('bus-k1-07')))).toEqual({ ok: true, retain: false });
    expect(decidePublish(ingest, pub('$SYS/x'))).toMatchObject({ reason: 'sys-topic' });
    expect(decidePublish(ingest, pub('other/x'))).toMatchObject({ reason: 'outside-root' });
  });

  it('refuses an empty topic level under the root for everyone (aedes drops it from persistent sessions)', () => {
    expect(decidePublish(ingest, pub(`${ROOT}/devices//counts`))).toMatchObject({ reason: 'invalid-topic' });
    expect(decidePublish(ingest, pub(`${ROOT}/sites/x1/state/`))).toMatchObject({ reason: 'invalid-topic' });
  });
});

describe('decideSubscribe', () => {
  it('lets a device subscribe to exactly its own cmd topic', () => {
    expect(decideSubscribe(bus, topics.deviceCmd('bus-k1-07'))).toEqual({ ok: true });
    expect(decideSubscribe(bus, topics.deviceCmd('bus-k1-08'))).toEqual({ ok: false, reason: 'not-own-cmd' });
    expect(decideSubscribe(bus, `${ROOT}/devices/bus-k1-07/+`)).toEqual({ ok: false, reason: 'wildcard' });
    expect(decideSubscribe(bus, '$SYS/#')).toEqual({ ok: false, reason: 'sys-topic' });
  });

  it('lets services subscribe to anything', () => {
    expect(decideSubscribe(ingest, '#')).toEqual({ ok: true });
  });
});

describe('mayForward', () => {
  it('forwards to a device only its own cmd topic', () => {
    expect(mayForward(bus, topics.deviceCmd('bus-k1-07'))).toBe(true);
    expect(mayForward(bus, topics.device('bus-k1-08', 'counts'))).toBe(false);
    expect(mayForward(ingest, topics.device('bus-k1-08', 'counts'))).toBe(true);
    expect(mayForward(undefined, topics.deviceCmd('bus-k1-07'))).toBe(false);
  });
});

describe('willProblem', () => {
  it("accepts a device's will only on its own status topic", () => {
    expect(willProblem(bus, pub(topics.device('bus-k1-07', 'status'), true))).toBeUndefined();
    expect(willProblem(bus, pub(topics.device('bus-k1-07', 'counts')))).toMatch(/status/);
    expect(willProblem(ingest, pub('$SYS/x'))).toBeDefined();
    expect(willProblem(ingest, undefined)).toBeUndefined();
  });
});

describe('topicProblem', () => {
  it('accepts protocol topics and explains the rest', () => {
    expect(topicProblem(topics.siteAlarm('trans-batam-k1', 'capacity'))).toBeUndefined();
    expect(topicProblem('')).toBe('empty topic');
    expect(topicProblem('a/+/b')).toBe('wildcard in a topic name');
  });
});

describe('integration accounts', () => {
  const reader: Identity = { kind: 'integration', name: 'grafana', rights: 'read' };
  const bridge: Identity = { kind: 'integration', name: 'bridge', rights: 'readwrite' };

  it('lets a read account publish nothing, not even its will', () => {
    expect(decidePublish(reader, pub('bridge/x'))).toMatchObject({ ok: false, reason: 'read-only' });
    expect(willProblem(reader, pub('bridge/status'))).toBeDefined();
  });

  it('lets a readwrite account publish any valid topic, keeping retain, but not $SYS or the registry', () => {
    expect(decidePublish(bridge, pub('other/root', true))).toEqual({ ok: true, retain: true });
    expect(decidePublish(bridge, pub('$TopicA/B'))).toEqual({ ok: true, retain: false });
    expect(decidePublish(bridge, pub(topics.device('bus-k1-07', 'counts')))).toMatchObject({ ok: true });
    expect(decidePublish(bridge, pub('$SYS/x'))).toMatchObject({ ok: false, reason: 'sys-topic' });
    expect(decidePublish(bridge, pub(topics.registryPolicy()))).toMatchObject({
      ok: false,
      reason: 'registry-topic',
    });
    expect(decidePublish(bridge, pub('a/+/b'))).toMatchObject({ ok: false, reason: 'invalid-topic' });
  });

  it('lets both subscribe to everything and receive everything', () => {
    for (const filter of ['#', '$SYS/#', '+/+', `${ROOT}/registry/#`])
      expect(decideSubscribe(reader, filter)).toEqual({ ok: true });
    expect(mayForward(reader, '$SYS/broker/uptime')).toBe(true);
    expect(mayForward(bridge, topics.deviceCmd('bus-k1-07'))).toBe(true);
  });
});
