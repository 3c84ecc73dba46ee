/**
 * HTTPS from certificate paths (issue #6 item 5, docs/security.md "HTTPS"): a throwaway
 * self-signed certificate made with openssl at test time, real TLS requests that trust only it,
 * a login whose cookie is Secure, HSTS, and socket.io over wss on the same server.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDashboardConfig } from '../../dashboard/config.ts';
import { ADMIN, type RunningDashboard, startDashboard, tempDataDir } from '../../dashboard/test-fixture.ts';
import { type BareBroker, startBareBroker } from '../helpers/bare-broker.ts';

let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ca: Buffer;
let certPath: string;
let keyPath: string;

function httpsRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; trust?: Buffer | undefined },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers ?? {},
        ...(init.trust ? { ca: init.trust } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

beforeAll(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  certPath = join(data.dir, 'cert.pem');
  keyPath = join(data.dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(certPath);
});

afterAll(async () => {
  await broker.close();
  data.dispose();
});

describe('HTTPS', () => {
  let d: RunningDashboard;
  let base: string;

  beforeAll(async () => {
    d = await startDashboard({
      brokerUrl: broker.url,
      dataDir: data.dir,
      env: { HTTPS_CERT: certPath, HTTPS_KEY: keyPath },
    });
    base = d.url.replace('http://', 'https://');
  });
  afterAll(async () => {
    await d?.dashboard.stop();
  });

  it('serves HTTPS only: a plain HTTP request fails and an untrusted client refuses the certificate', async () => {
    await expect(fetch(`${d.url}/healthz`)).rejects.toThrow();
    await expect(httpsRequest(`${base}/healthz`, {})).rejects.toThrow(/self[- ]signed|certificate/i);
    const ok = await httpsRequest(`${base}/healthz`, { trust: ca });
    expect([200, 503]).toContain(ok.status);
  });

  it('logs in over TLS with a Secure cookie and sends HSTS', async () => {
    const res = await httpsRequest(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify(ADMIN),
      trust: ca,
    });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^jj_session=/);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(res.headers['strict-transport-security']).toBe('max-age=15552000; includeSubDomains');

    const me = await httpsRequest(`${base}/api/me`, {
      headers: { cookie: cookie.split(';')[0]! },
      trust: ca,
    });
    expect(JSON.parse(me.body)).toEqual({ username: 'admin', role: 'admin' });
  });

  it('carries socket.io over wss on the same server', async () => {
    const login = await httpsRequest(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
      trust: ca,
    });
    const { token } = JSON.parse(login.body) as { token: string };
    const socket = io(base, {
      transports: ['websocket'],
      auth: { token },
      ca: ca.toString(),
      reconnection: false,
    });
    try {
      const info = await new Promise<unknown>((resolve, reject) => {
        socket.once('server:info', resolve);
        socket.once('connect_error', reject);
      });
      expect(info).toMatchObject({ store: 'memory' });
      expect(socket.io.engine.transport.name).toBe('websocket');
    } finally {
      socket.disconnect();
    }
  });
});

describe('HTTPS configuration', () => {
  it('refuses HTTPS_CERT without HTTPS_KEY, and a start with an unreadable key names the variable', async () => {
    const base = { ADMIN_PASSWORD: ADMIN.password, MQTT_SERVICE_SECRET: 'test-service-secret-0123' };
    expect(() => loadDashboardConfig({ ...base, HTTPS_CERT: certPath })).toThrow(
      /HTTPS_CERT and HTTPS_KEY must be set together/,
    );
    await expect(
      startDashboard({
        brokerUrl: broker.url,
        dataDir: data.dir,
        env: { HTTPS_CERT: certPath, HTTPS_KEY: join(data.dir, 'missing.pem') },
      }),
    ).rejects.toThrow(/HTTPS_KEY: cannot read .*missing\.pem/);
  });
});
