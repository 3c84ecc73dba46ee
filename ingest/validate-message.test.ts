import { beforeEach, describe, expect, it } from 'vitest';
import { RegistryReplica } from '../shared/registry-replica.ts';
import { topics } from '../shared/topics.ts';
import { validateMessage } from './validate-message.ts';

const now = 1_764_313_200_000;
let registry: RegistryReplica;

beforeEach(() => {
  registry = new RegistryReplica();
  registry.handle(
    topics.registrySite('pasar-jodoh'),
    JSON.stringify({
      id: 'pasar-jodoh',
      name: 'Pasar Induk Jodoh',
      kind: 'market',
      designCapacity: 400,
      createdAt: 'x',
    }),
  );
  registry.handle(
    topics.registryDevice('door-1'),
    JSON.stringify({
      id: 'door-1',
      siteId: 'pasar-jodoh',
      type: 'door-counter',
      secretHash: 'h',
      createdAt: 'x',
    }),
  );
});

const check = (topic: string, payload: string | Buffer) =>
  validateMessage(topic, typeof payload === 'string' ? Buffer.from(payload) : payload, registry);

describe('validateMessage', () => {
  it('accepts a good counts message and ignores unknown fields', () => {
    const r = check(
      topics.device('door-1', 'counts'),
      JSON.stringify({ ts: now, seq: 1, in: 5, out: 2, extra: 'x' }),
    );
    expect(r).toMatchObject({
      ok: true,
      message: { stream: 'counts', payload: { ts: now, seq: 1, in: 5, out: 2 } },
    });
    expect(r.ok && 'extra' in r.message.payload).toBe(false);
  });

  it.each([
    ['bad-topic', 'crowd/v1/devices/door-1/counts/extra', '{}'],
    ['bad-topic', 'crowd/v1/devices/door-1/cmd', '{}'],
    ['unknown-device', topics.device('door-9', 'counts'), '{}'],
    ['stream-not-allowed', topics.device('door-1', 'temperature'), '{}'],
    ['invalid-json', topics.device('door-1', 'counts'), '{"ts":'],
    ['invalid-payload', topics.device('door-1', 'counts'), JSON.stringify({ ts: now, seq: 1, in: -1 })],
    [
      'invalid-payload',
      topics.device('door-1', 'counts'),
      JSON.stringify({ ts: now, seq: 1, in: '5', out: 0 }),
    ],
    ['too-large', topics.device('door-1', 'counts'), 'x'.repeat(5000)],
  ])('rejects %s (%s)', (reason, topic, payload) => {
    expect(check(topic, payload)).toMatchObject({ ok: false, reason });
  });

  it('rejects invalid UTF-8', () => {
    expect(check(topics.device('door-1', 'counts'), Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({
      ok: false,
      reason: 'invalid-utf8',
    });
  });

  it('reports every payload problem at once with its path', () => {
    const r = check(topics.device('door-1', 'counts'), JSON.stringify({ ts: 5, seq: -1 }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('ts ');
      expect(r.error).toContain('seq ');
      expect(r.error).toContain('in ');
      expect(r.error).toContain('out ');
    }
  });

  it('rejects a device whose site is gone', () => {
    registry.handle(topics.registrySite('pasar-jodoh'), '');
    expect(
      check(topics.device('door-1', 'counts'), JSON.stringify({ ts: now, seq: 1, in: 1, out: 0 })),
    ).toMatchObject({
      ok: false,
      reason: 'unknown-site',
    });
  });
});
