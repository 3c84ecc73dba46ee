import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { topics } from '../shared/topics.ts';
import {
  closeOf,
  connectPacket,
  encodeLength,
  nextMessage,
  readConnack,
  SERVICE_SECRET,
  startTestBroker,
  type TestBroker,
} from './test-kit.ts';

const run = promisify(execFile);
const COUNTS = '{"ts":1764313200000,"seq":7,"in":12,"out":4}';
const MIB = 1024 * 1024;

describe('broker transports', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker();
  });
  afterEach(async () => {
    await t.close();
  });

  it('serves MQTT over WebSocket at /mqtt with the same access rules', async () => {
    const secret = await t.provision('bus-k1-07');
    const ingest = await t.service('ingest');
    await ingest.subscribeAsync(topics.device('bus-k1-07', 'counts'), { qos: 1 });
    const got = nextMessage(ingest);
    const device = await mqtt.connectAsync(t.wsUrl, {
      protocolVersion: 4,
      username: 'bus-k1-07',
      password: secret,
      clientId: 'bus-k1-07',
      reconnectPeriod: 0,
    });
    try {
      await device.publishAsync(topics.device('bus-k1-07', 'counts'), COUNTS, { qos: 1 });
      expect((await got).payload).toBe(COUNTS);
    } finally {
      await device.endAsync(true);
    }
    expect(await t.refusal({ username: 'bus-k1-07', password: 'wrong', clientId: 'x' }, t.wsUrl)).toBe(4);
  });

  it('answers a plain HTTP request on the WebSocket port with 426', async () => {
    const res = await fetch(`http://127.0.0.1:${t.wsPort}/`);
    expect(res.status).toBe(426);
  });

  it('closes a connection announcing a 200 MiB packet at once, and other clients keep working', async () => {
    const ingest = await t.service('ingest');
    await ingest.subscribeAsync(topics.siteState('trans-batam-k1'), { qos: 1 });

    const socket = await t.rawSocket();
    socket.write(
      connectPacket({ clientId: 'big', clean: true, username: 'svc:big', password: SERVICE_SECRET }),
    );
    expect(await readConnack(socket)).toBe(0);
    const closed = closeOf(socket);
    // A PUBLISH fixed header announcing 200 MiB, then the start of a body that never ends.
    socket.write(Buffer.concat([Buffer.from([0x30]), encodeLength(200 * MIB), Buffer.alloc(64 * 1024)]));
    await closed;
    expect(await t.metric('jagajarak_broker_connections_dropped_total', { reason: 'packet-too-large' })).toBe(
      1,
    );

    const got = nextMessage(ingest);
    await ingest.publishAsync(topics.siteState('trans-batam-k1'), '{"ok":true}', { qos: 1 });
    expect((await got).payload).toBe('{"ok":true}');
  });

  it('closes an unauthenticated connection whose CONNECT announces more than the limit', async () => {
    const socket = await t.rawSocket();
    const closed = closeOf(socket);
    socket.write(Buffer.concat([Buffer.from([0x10]), encodeLength(300 * 1024)]));
    await closed;
    expect(await t.metric('jagajarak_broker_connections_dropped_total', { reason: 'packet-too-large' })).toBe(
      1,
    );
  });

  it('closes a WebSocket connection announcing an oversize packet', async () => {
    const ws = new WebSocket(t.wsUrl, 'mqtt');
    await once(ws, 'open');
    const closed = closeOf(ws);
    ws.send(Buffer.concat([Buffer.from([0x10]), encodeLength(200 * MIB)]));
    await closed;
    expect(await t.metric('jagajarak_broker_connections_dropped_total', { reason: 'packet-too-large' })).toBe(
      1,
    );
  });

  it('accepts mosquitto_pub as an outside device client', async () => {
    const secret = await t.provision('bus-k1-07');
    const ingest = await t.service('ingest');
    await ingest.subscribeAsync(topics.device('bus-k1-07', 'counts'), { qos: 1 });
    const got = nextMessage(ingest);
    const args = ['-h', '127.0.0.1', '-p', String(t.mqttPort), '-V', 'mqttv311', '-u', 'bus-k1-07'];
    await run('mosquitto_pub', [
      ...args,
      '-P',
      secret,
      '-q',
      '1',
      '-t',
      topics.device('bus-k1-07', 'counts'),
      '-m',
      COUNTS,
    ]);
    expect((await got).payload).toBe(COUNTS);

    const refused = run('mosquitto_pub', [
      ...args,
      '-P',
      'wrong',
      '-t',
      topics.device('bus-k1-07', 'counts'),
      '-m',
      COUNTS,
    ]);
    await expect(refused).rejects.toMatchObject({
      stderr: expect.stringMatching(/bad user name or password/i),
    });
  });
});
