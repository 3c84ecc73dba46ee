/**
 * "No secret in any log" (issue #6 item 5, docs/security.md): the whole system (broker, ingest,
 * dashboard) logs at trace level into a buffer while every secret passes through it: the admin
 * password and a wrong one, session tokens (bearer, cookie, socket.io), a device secret and a
 * wrong one over MQTT, the service secret, the session key and a webhook secret that signs a
 * real delivery. None of them may appear anywhere in what was logged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/log.ts';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

const WEBHOOK_SECRET = 'webhook-signing-secret-7f3a9c';
const WRONG_PASSWORD = 'wrong-admin-password-5521';
const WRONG_DEVICE_SECRET = 'wrong-device-secret-Zq81xk';

describe('no secret in any log', () => {
  const lines: string[] = [];
  let sys: TestSystem;
  let receiver: Server;
  let delivered: Promise<string>;

  beforeAll(async () => {
    let gotDelivery: (signature: string) => void = () => undefined;
    delivered = new Promise((resolve) => {
      gotDelivery = resolve;
    });
    // A receiver that fails the first delivery (so the retry and failure paths log too) and
    // reports the signature of the next one.
    let calls = 0;
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls += 1;
        res.statusCode = calls === 1 ? 500 : 204;
        res.end();
        if (calls > 1) gotDelivery(String(req.headers['x-jagajarak-signature']));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const logger = createLogger('system', { level: 'trace', destination: { write: (s) => lines.push(s) } });
    sys = await startTestSystem({
      logger,
      env: { NOTIFY_TICK_MS: '50', WEBHOOK_BACKOFF_MS: '50', NOTIFY_RATE_LIMIT_MS: '0' },
    });
  });

  afterAll(async () => {
    await sys?.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('logs none of the passwords, tokens, device, service, session or webhook secrets', async () => {
    const secrets: Record<string, string> = {
      'admin password': sys.admin.password,
      'wrong password': WRONG_PASSWORD,
      MQTT_SERVICE_SECRET: sys.env.MQTT_SERVICE_SECRET!,
      SESSION_SECRET: sys.env.SESSION_SECRET!,
      'webhook secret': WEBHOOK_SECRET,
      'wrong device secret': WRONG_DEVICE_SECRET,
    };

    // Logins: a bad one, a bearer one, a cookie one used and logged out.
    const bad = await fetch(`${sys.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: WRONG_PASSWORD }),
    });
    expect(bad.status).toBe(401);
    const token = await sys.login();
    secrets['session token'] = token;
    const cookieLogin = await fetch(`${sys.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sys.admin),
    });
    const cookie = (cookieLogin.headers.get('set-cookie') ?? '').split(';')[0]!;
    secrets['session cookie'] = cookie.slice('jj_session='.length);
    expect((await fetch(`${sys.url}/api/me`, { headers: { cookie } })).status).toBe(200);

    // A live socket authenticated with the token.
    const socket = io(sys.url, { transports: ['websocket'], auth: { token }, reconnection: false });
    await new Promise((resolve, reject) => {
      socket.once('server:info', resolve);
      socket.once('connect_error', reject);
    });
    socket.disconnect();

    // A device provisioned, connected with its secret, and an impostor with a wrong one.
    await sys.createSite({ id: 'pasar-jodoh', kind: 'market', designCapacity: 10 });
    const { secret } = await sys.createDevice({ id: 'jodoh-cam-1', siteId: 'pasar-jodoh' });
    secrets['device secret'] = secret;
    const device = await sys.connectDevice('jodoh-cam-1', secret);
    await expect(
      mqtt.connectAsync(sys.mqttUrl, {
        protocolVersion: 4,
        clientId: 'jodoh-cam-1-x',
        username: 'jodoh-cam-1',
        password: WRONG_DEVICE_SECRET,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    // A service identity with a wrong password too (the broker logs refused logins).
    await expect(
      mqtt.connectAsync(sys.mqttUrl, {
        protocolVersion: 4,
        username: 'svc:ingest',
        password: WRONG_DEVICE_SECRET,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();

    // A webhook with a secret, and an alarm it signs a delivery of (first attempt fails, retried).
    const { port } = receiver.address() as AddressInfo;
    const hook = await sys.api('POST', '/api/webhooks', {
      url: `http://127.0.0.1:${port}/hook`,
      secret: WEBHOOK_SECRET,
    });
    expect(hook.status).toBe(201);
    await device.publish('occupancy', { ts: Date.now(), seq: 1, count: 40 });
    expect(await delivered).toMatch(/^sha256=[0-9a-f]{64}$/);

    expect((await fetch(`${sys.url}/api/logout`, { method: 'POST', headers: { cookie } })).status).toBe(200);

    const log = lines.join('');
    // The capture is real: the services did log, including the refused logins.
    for (const msg of ['dashboard listening', 'login refused', 'login', 'device provisioned', 'wrong secret'])
      expect(log).toContain(msg);
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThanOrEqual(16);
      expect(log.includes(value), `${what} appears in the log`).toBe(false);
    }
  });
});
