import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../shared/config.ts';
import { serviceUser } from '../shared/mqtt-service.ts';
import { topics } from '../shared/topics.ts';
import { loadBrokerConfig } from './config.ts';
import { createBroker, MQTT_WS_PATH } from './create-broker.ts';
import { nextMessage, SERVICE_SECRET, startTestBroker, type TestBroker } from './test-kit.ts';

const run = promisify(execFile);
const COUNTS = '{"ts":1764313200000,"seq":1,"in":3,"out":1}';

let dir: string;
let cert: string;
let key: string;
let ca: Buffer;

/** A throwaway self-signed certificate for localhost / 127.0.0.1, made at test time. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jagajarak-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  ca = await readFile(cert);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('MQTT over TLS', () => {
  let t: TestBroker;
  afterEach(async () => {
    await t.close();
  });
  const start = async (env: Record<string, string> = {}) => {
    t = await startTestBroker({ MQTT_TLS_CERT: cert, MQTT_TLS_KEY: key, MQTTS_PORT: '0', ...env });
    return t.mqttsPort!;
  };

  it('serves devices over mqtts:// to clients that trust the certificate, and mosquitto_pub --cafile', async () => {
    const port = await start();
    const secret = await t.provision('bus-k1-07');
    const ingest = await t.service('ingest');
    await ingest.subscribeAsync(
      ['counts', 'status'].map((s) => topics.device('bus-k1-07', s as 'counts')),
      { qos: 1 },
    );
    const got = nextMessage(ingest, topics.device('bus-k1-07', 'counts'));
    const device = await mqtt.connectAsync(`mqtts://localhost:${port}`, {
      protocolVersion: 4,
      username: 'bus-k1-07',
      password: secret,
      clientId: 'bus-k1-07',
      reconnectPeriod: 0,
      ca,
    });
    try {
      await device.publishAsync(topics.device('bus-k1-07', 'counts'), COUNTS, { qos: 1 });
      expect((await got).payload).toBe(COUNTS);
    } finally {
      await device.endAsync(true);
    }

    const status = nextMessage(ingest, topics.device('bus-k1-07', 'status'));
    await run('mosquitto_pub', [
      ...['-h', 'localhost', '-p', String(port), '--cafile', cert, '-V', 'mqttv311'],
      ...['-u', 'bus-k1-07', '-P', secret, '-q', '1', '-t', topics.device('bus-k1-07', 'status')],
      ...['-m', '{"online":true}'],
    ]);
    expect((await status).payload).toBe('{"online":true}');
  });

  it('refuses clients that do not trust the certificate', async () => {
    const port = await start();
    const client = mqtt.connect(`mqtts://localhost:${port}`, {
      protocolVersion: 4,
      username: serviceUser('x'),
      password: SERVICE_SECRET,
      reconnectPeriod: 0,
    });
    const err = await new Promise<Error & { code?: string | number }>((resolve) =>
      client.once('error', (e) => resolve(e)),
    );
    client.end(true);
    expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');

    const refused = run('mosquitto_pub', [
      ...['-h', 'localhost', '-p', String(port), '--capath', '/etc/ssl/certs', '-V', 'mqttv311'],
      ...['-u', serviceUser('x'), '-P', SERVICE_SECRET, '-t', topics.siteState('s1'), '-m', 'x'],
    ]);
    await expect(refused).rejects.toMatchObject({ code: expect.any(Number) });
  });

  it('serves MQTT over WebSocket as wss when TLS is configured', async () => {
    await start();
    const client = await mqtt.connectAsync(`wss://localhost:${t.wsPort}${MQTT_WS_PATH}`, {
      protocolVersion: 4,
      username: serviceUser('ws-tls'),
      password: SERVICE_SECRET,
      reconnectPeriod: 0,
      ca,
    });
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });

  it('with MQTT_TLS_ONLY serves no plain TCP', async () => {
    const port = await start({ MQTT_TLS_ONLY: 'on' });
    expect(t.mqttPort).toBe(0);
    const client = await mqtt.connectAsync(`mqtts://localhost:${port}`, {
      protocolVersion: 4,
      username: serviceUser('tls-only'),
      password: SERVICE_SECRET,
      reconnectPeriod: 0,
      ca,
    });
    expect(client.connected).toBe(true);
    await client.endAsync(true);
  });
});

describe('TLS configuration', () => {
  it('requires certificate and key together, and TLS for TLS-only', () => {
    const base = { MQTT_SERVICE_SECRET: SERVICE_SECRET };
    expect(() => loadBrokerConfig({ ...base, MQTT_TLS_KEY: '/k.pem' })).toThrow(ConfigError);
    expect(() => loadBrokerConfig({ ...base, MQTT_TLS_ONLY: 'on' })).toThrow(/MQTT_TLS_ONLY needs/);
    expect(loadBrokerConfig({ ...base, MQTT_TLS_CERT: '/c.pem', MQTT_TLS_KEY: '/k.pem' })).toMatchObject({
      MQTTS_PORT: 8883,
      MQTT_TLS_ONLY: false,
    });
  });

  it('fails to start naming the variable when a certificate file is missing, and leaves nothing listening', async () => {
    const config = loadBrokerConfig({
      MQTT_SERVICE_SECRET: SERVICE_SECRET,
      MQTT_PORT: '0',
      MQTT_WS_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      MQTT_TLS_CERT: join(dir, 'missing.pem'),
      MQTT_TLS_KEY: key,
    });
    await expect(createBroker(config).start()).rejects.toThrow(/MQTT_TLS_CERT: cannot read .*ENOENT/);
  });
});
