import aedesPersistence from 'aedes-persistence';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newDeviceSecret } from '../shared/secrets.ts';
import { topics } from '../shared/topics.ts';
import {
  closeOf,
  connectPacket,
  deviceRecord,
  readConnack,
  SERVICE_SECRET,
  startTestBroker,
  type TestBroker,
} from './test-kit.ts';

interface RetainedStore {
  storeRetained(packet: object): Promise<void>;
}

describe('broker authentication', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker();
  });
  afterEach(async () => {
    await t.close();
  });

  it('lets a device connect once the control plane has published its record', async () => {
    await expect(
      t.refusal({ username: 'bus-k1-07', password: 'whatever', clientId: 'bus-k1-07' }),
    ).resolves.toBe(4);
    const secret = await t.provision('bus-k1-07');
    const device = await t.device('bus-k1-07', secret);
    expect(device.connected).toBe(true);
    expect(await t.metric('jagajarak_broker_clients_connected')).toBe(2);
  });

  it('refuses a wrong device secret with CONNACK 4 and counts it', async () => {
    await t.provision('bus-k1-07');
    const code = await t.refusal({
      username: 'bus-k1-07',
      password: newDeviceSecret(),
      clientId: 'bus-k1-07',
    });
    expect(code).toBe(4);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'bad-secret' })).toBe(1);
  });

  it('refuses an unknown device with CONNACK 4', async () => {
    await t.provision('bus-k1-07');
    expect(await t.refusal({ username: 'bus-k1-99', password: 'x', clientId: 'bus-k1-99' })).toBe(4);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'unknown-device' })).toBe(1);
  });

  it('refuses anonymous clients with CONNACK 5 and a missing password with 4', async () => {
    expect(await t.refusal({ clientId: 'anon' })).toBe(5);
    expect(await t.refusal({ clientId: 'anon', username: 'svc:ingest' })).toBe(4);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'anonymous' })).toBe(1);
  });

  it('accepts svc: identities only with the service secret', async () => {
    expect(await t.refusal({ username: 'svc:ingest', password: 'not-the-secret', clientId: 'i1' })).toBe(4);
    expect(await t.refusal({ username: 'svc:', password: SERVICE_SECRET, clientId: 'i2' })).toBe(4);
    const ingest = await t.service('ingest');
    expect(ingest.connected).toBe(true);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'bad-service-secret' })).toBe(2);
  });

  it('refuses an empty client id with clean session off [MQTT-3.1.3-8] but accepts it with clean on', async () => {
    const socket = await t.rawSocket();
    socket.write(connectPacket({ clientId: '', clean: false, username: 'svc:x', password: SERVICE_SECRET }));
    expect(await readConnack(socket)).toBe(2);
    await closeOf(socket);

    const ok = await t.rawSocket();
    ok.write(connectPacket({ clientId: '', clean: true, username: 'svc:x', password: SERVICE_SECRET }));
    expect(await readConnack(ok)).toBe(0);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'empty-client-id' })).toBe(1);
  });

  it('refuses client ids longer than 128 characters', async () => {
    const code = await t.refusal({ username: 'svc:x', password: SERVICE_SECRET, clientId: 'c'.repeat(129) });
    expect(code).toBe(2);
  });

  it("refuses a device taking a service's client id and leaves the service connected", async () => {
    const ingest = await t.service('ingest', { clientId: 'ingest-main', clean: false });
    const secret = await t.provision('bus-k1-07');
    const code = await t.refusal({ username: 'bus-k1-07', password: secret, clientId: 'ingest-main' });
    expect(code).toBe(2);
    expect(ingest.connected).toBe(true);
    expect(await t.metric('jagajarak_broker_auth_failures_total', { reason: 'client-id-taken' })).toBe(1);
  });

  it('verifies a device secret with scrypt once and answers reconnects from the cache', async () => {
    const secret = await t.provision('bus-k1-07');
    for (let i = 0; i < 3; i++) await (await t.device('bus-k1-07', secret)).endAsync();
    expect(await t.metric('jagajarak_broker_secret_verifications_total')).toBe(1);
    // A wrong secret never matches the cached digest.
    expect(await t.refusal({ username: 'bus-k1-07', password: 'wrong', clientId: 'bus-k1-07' })).toBe(4);
  });

  it('ends the session and refuses the old secret when a device is re-keyed', async () => {
    const oldSecret = await t.provision('bus-k1-07');
    const device = await t.device('bus-k1-07', oldSecret);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    // The dashboard republishing the same record on reconnect must not end sessions.
    await t.republish('bus-k1-07');
    await device.publishAsync(topics.device('bus-k1-07', 'status'), '{"online":true}', {
      qos: 1,
      retain: true,
    });
    expect(device.connected).toBe(true);

    const newSecret = await t.provision('bus-k1-07');
    await closed;
    expect(await t.refusal({ username: 'bus-k1-07', password: oldSecret, clientId: 'bus-k1-07' })).toBe(4);
    expect((await t.device('bus-k1-07', newSecret)).connected).toBe(true);
  });

  it('closes a deleted device and refuses it afterwards', async () => {
    const secret = await t.provision('bus-k1-07');
    const device = await t.device('bus-k1-07', secret);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    await t.deprovision('bus-k1-07');
    await closed;
    expect(await t.refusal({ username: 'bus-k1-07', password: secret, clientId: 'bus-k1-07' })).toBe(4);
  });

  it('loads device records already retained in the persistence at start', async () => {
    // aedes' own default persistence (a CommonJS module whose typings declare an ES default export).
    const persistence = (aedesPersistence as unknown as () => RetainedStore)();
    const secret = newDeviceSecret();
    const record = await deviceRecord('bus-k1-08', secret);
    const packet = {
      cmd: 'publish' as const,
      topic: topics.registryDevice('bus-k1-08'),
      payload: Buffer.from(JSON.stringify(record)),
      qos: 1 as const,
      retain: true,
      dup: false,
      brokerId: 'previous-run',
      brokerCounter: 1,
    };
    await persistence.storeRetained(packet);
    const restarted = await startTestBroker({}, { persistence });
    try {
      expect(restarted.broker.registry.devices.get('bus-k1-08')?.secretHash).toBe(record.secretHash);
      expect((await restarted.device('bus-k1-08', secret)).connected).toBe(true);
    } finally {
      await restarted.close();
    }
  });
});
