/**
 * Issue #6 item 5, "no secret in any log", broker side: every line the broker logs at trace
 * level through failed and good logins of a device, a service and an integration account, a
 * refused will and a refused publish, captured and searched for every secret and secret hash.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { nextMessage, SERVICE_SECRET, startTestBroker, type TestBroker } from '../../broker/test-kit.ts';
import { createLogger } from '../../shared/log.ts';
import { hashSecret } from '../../shared/secrets.ts';
import { topics } from '../../shared/topics.ts';

// Random, so no log word can contain a piece of them by chance.
const INTEGRATION_SECRET = randomBytes(18).toString('base64url');
const WRONG_SECRET = randomBytes(18).toString('base64url');

describe('broker logs', () => {
  let t: TestBroker | undefined;
  afterEach(async () => {
    await t?.close();
  });

  it('never contain a secret or a secret hash, through failed and good logins', async () => {
    const lines: string[] = [];
    const logger = createLogger('broker', {
      level: 'trace',
      destination: { write: (l: string) => lines.push(l) },
    });
    const integrationHash = await hashSecret(INTEGRATION_SECRET, { N: 2 ** 4, r: 1, p: 1 });
    t = await startTestBroker({ MQTT_INTEGRATIONS: `bridge:readwrite:${integrationHash}` }, undefined, {
      logger,
    });
    const secret = await t.provision('bus-k1-07');
    const deviceHash = t.broker.registry.devices.get('bus-k1-07')!.secretHash;

    // Failed logins: wrong device secret, the device's secret under another name, wrong service
    // and integration secrets, a secret sent as the username.
    expect(await t.refusal({ username: 'bus-k1-07', password: WRONG_SECRET, clientId: 'bus-k1-07' })).toBe(4);
    expect(await t.refusal({ username: 'bus-k1-99', password: secret, clientId: 'bus-k1-99' })).toBe(4);
    expect(await t.refusal({ username: 'svc:ingest', password: WRONG_SECRET, clientId: 'i' })).toBe(4);
    expect(await t.refusal({ username: 'int:bridge', password: WRONG_SECRET, clientId: 'b' })).toBe(4);
    expect(await t.refusal({ username: 'int:nobody', password: INTEGRATION_SECRET, clientId: 'n' })).toBe(4);
    // A refused will and a refused publish after good logins.
    expect(
      await t.refusal({
        username: 'bus-k1-07',
        password: secret,
        clientId: 'bus-k1-07',
        will: { topic: 'elsewhere', payload: Buffer.from('x'), qos: 0, retain: false },
      }),
    ).toBe(5);
    const device = await t.device('bus-k1-07', secret);
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish(topics.device('bus-k1-08', 'counts'), '{}');
    await closed;

    // Good logins of each kind, and a message through.
    const ingest = await t.service('ingest');
    await ingest.subscribeAsync(topics.device('bus-k1-07', 'counts'), { qos: 1 });
    const bridge = await mqtt.connectAsync(t.url, {
      protocolVersion: 4,
      username: 'int:bridge',
      password: INTEGRATION_SECRET,
      reconnectPeriod: 0,
    });
    const again = await t.device('bus-k1-07', secret);
    const got = nextMessage(ingest);
    await again.publishAsync(topics.device('bus-k1-07', 'counts'), '{"seq":1}', { qos: 1 });
    await got;
    await bridge.endAsync(true);
    await t.close();
    t = undefined;

    const log = lines.join('');
    // The log did record the refusals (so the search below searched something).
    expect(log).toContain('connection refused');
    expect(log).toContain('publish refused');
    for (const leak of [
      secret,
      WRONG_SECRET,
      INTEGRATION_SECRET,
      SERVICE_SECRET,
      deviceHash,
      integrationHash,
    ])
      expect(log).not.toContain(leak);
    // Nor a recognisable part of one (a 12-character window of each secret).
    for (const leak of [secret, WRONG_SECRET, INTEGRATION_SECRET])
      expect(log).not.toContain(leak.slice(4, 16));
  });
});
