import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceRecordSchema } from '../shared/registry-schemas.ts';
import { verifySecret } from '../shared/secrets.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import {
  ADMIN,
  busK1,
  pasarTos,
  type RunningDashboard,
  startDashboard,
  tempDataDir,
} from './test-fixture.ts';

let broker: BareBroker;
let data: { dir: string; dispose(): void };
const running: RunningDashboard[] = [];

async function start(env: Record<string, string> = {}) {
  const d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, env });
  running.push(d);
  return d;
}

async function stopAll() {
  await Promise.all(running.splice(0).map((d) => d.dashboard.stop()));
}

/** The retained message the broker holds for a topic, read by a fresh outside client. */
async function retained(topic: string): Promise<string | undefined> {
  const client = await mqtt.connectAsync(broker.url);
  try {
    const message = new Promise<string>((resolve) => client.on('message', (_t, p) => resolve(p.toString())));
    await client.subscribeAsync(topic, { qos: 1 });
    return await Promise.race([message, new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))]);
  } finally {
    await client.endAsync();
  }
}

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
});

afterEach(async () => {
  await stopAll();
  await broker.close();
  data.dispose();
});

describe('login and sessions', () => {
  it('logs in with the env admin and sets an HttpOnly SameSite=Strict session cookie', async () => {
    const d = await start();
    const res = await d.api('/api/login', { body: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ username: 'admin', role: 'admin' });
    expect(typeof res.body.token).toBe('string');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^jj_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/);

    const viaCookie = await fetch(`${d.url}/api/me`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await viaCookie.json()).toEqual({ username: 'admin', role: 'admin' });
    const viaBearer = await d.api('/api/me', { token: res.body.token });
    expect(viaBearer.body).toEqual({ username: 'admin', role: 'admin' });
  });

  it('refuses a wrong password and an unknown user with the same 401 message', async () => {
    const d = await start();
    const wrong = await d.api('/api/login', { body: { username: 'admin', password: 'salah-sekali' } });
    const unknown = await d.api('/api/login', { body: { username: 'siapa', password: 'salah-sekali' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual({ error: 'invalid username or password' });
    expect(unknown.body).toEqual(wrong.body);
  });

  it('answers 401 on API routes without a token or with a forged one', async () => {
    const d = await start();
    expect((await d.api('/api/sites')).status).toBe(401);
    expect((await d.api('/api/sites')).body).toEqual({ error: 'login required' });
    const token = await d.login();
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await d.api('/api/sites', { token: forged })).status).toBe(401);
  });

  it('clears the session cookie on logout', async () => {
    const d = await start();
    const res = await d.api('/api/logout', { body: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/jj_session=;.*Max-Age=0/i);
  });
});

describe('sites and devices', () => {
  it('creates a site, stores policyPct 50 as 0.5 and lists it as unknown with its safe capacity', async () => {
    const d = await start();
    const token = await d.login();
    const created = await d.api('/api/sites', { body: pasarTos, token });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'pasar-tos-3000', policyPct: 0.5 });
    expect(typeof created.body.createdAt).toBe('string');

    const sites = await d.api('/api/sites', { token });
    expect(sites.body).toEqual([
      expect.objectContaining({
        id: 'pasar-tos-3000',
        name: 'Pasar Tos 3000',
        kind: 'market',
        occupancy: null,
        safeCapacity: 200,
        load: null,
        level: 'unknown',
        updatedAt: null,
      }),
    ]);
    expect((await d.api('/api/sites/pasar-tos-3000', { token })).body).toMatchObject({
      id: 'pasar-tos-3000',
      devices: [],
    });
    expect((await d.api('/api/sites/nowhere', { token })).status).toBe(404);
  });

  it('answers 409 for a duplicate site id and for a duplicate device id', async () => {
    const d = await start();
    const token = await d.login();
    expect((await d.api('/api/sites', { body: pasarTos, token })).status).toBe(201);
    const again = await d.api('/api/sites', { body: pasarTos, token });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/pasar-tos-3000/);
    const device = { id: 'tos-door-1', siteId: pasarTos.id, type: 'door-counter' };
    expect((await d.api('/api/devices', { body: device, token })).status).toBe(201);
    expect((await d.api('/api/devices', { body: device, token })).status).toBe(409);
  });

  it('answers 400 naming every problem of a bad body', async () => {
    const d = await start();
    const token = await d.login();
    const bad = await d.api('/api/sites', {
      body: { id: 'pasar-x', kind: 'ship', designCapacity: 10, policyPct: 2000 },
      token,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/(^|; )name /);
    expect(bad.body.error).toMatch(/(^|; )kind /);
    expect(bad.body.error).toMatch(/(^|; )policyPct must be a fraction 0..1 or a percentage 5..100/);
    expect((await d.api('/api/sites', { body: '{not json', token })).body).toEqual({
      error: 'body must be a JSON object',
    });
    const unknownSite = await d.api('/api/devices', {
      body: { id: 'dev-1', siteId: 'no-such-site', type: 'door-counter' },
      token,
    });
    expect(unknownSite.status).toBe(400);
    expect(unknownSite.body.error).toMatch(/siteId unknown site 'no-such-site'/);

    const empty = await d.api('/api/sites', { body: { ...pasarTos, designCapacity: 0 }, token });
    expect(empty.body.error).toMatch(/^designCapacity must be at least 1/);
    await d.api('/api/sites', { body: pasarTos, token });
    const emptied = await d.api(`/api/sites/${pasarTos.id}`, {
      method: 'PATCH',
      body: { designCapacity: 0 },
      token,
    });
    expect(emptied.status).toBe(400);
  });

  it('returns a device secret once, stores and replicates only a hash that verifies', async () => {
    const d = await start();
    const token = await d.login();
    await d.api('/api/sites', { body: pasarTos, token });
    const created = await d.api('/api/devices', {
      body: { id: 'tos-door-1', siteId: pasarTos.id, type: 'door-counter' },
      token,
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['id', 'secret']);
    const { secret } = created.body as { secret: string };

    const listed = await d.api(`/api/devices?siteId=${pasarTos.id}`, { token });
    expect(listed.body).toEqual([expect.objectContaining({ id: 'tos-door-1', siteId: pasarTos.id })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toContain('secretHash');
    expect(JSON.stringify((await d.api(`/api/sites/${pasarTos.id}`, { token })).body)).not.toContain(
      'scrypt$',
    );

    const file = JSON.parse(readFileSync(join(data.dir, 'registry.json'), 'utf8'));
    expect(JSON.stringify(file)).not.toContain(secret);
    expect(await verifySecret(secret, file.devices[0].secretHash)).toBe(true);

    const record = deviceRecordSchema.parse(
      JSON.parse((await retained(topics.registryDevice('tos-door-1')))!),
    );
    expect(await verifySecret(secret, record.secretHash)).toBe(true);

    const rotated = await d.api('/api/devices/tos-door-1/secret', { body: {}, token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    const after = deviceRecordSchema.parse(
      JSON.parse((await retained(topics.registryDevice('tos-door-1')))!),
    );
    expect(await verifySecret(rotated.body.secret, after.secretHash)).toBe(true);
    expect(await verifySecret(secret, after.secretHash)).toBe(false);
    expect((await d.api('/api/devices/nope-1/secret', { body: {}, token })).status).toBe(404);
  });

  it('moves a device to another site without a new secret, replicated for broker and ingest', async () => {
    const d = await start();
    const token = await d.login();
    await d.api('/api/sites', { body: pasarTos, token });
    await d.api('/api/sites', { body: busK1, token });
    const { secret } = (
      await d.api('/api/devices', {
        body: { id: 'spare-cam-1', siteId: pasarTos.id, type: 'occupancy-sensor' },
        token,
      })
    ).body as { secret: string };

    const moved = await d.api('/api/devices/spare-cam-1', {
      method: 'PATCH',
      body: { siteId: busK1.id },
      token,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: 'spare-cam-1', siteId: busK1.id, type: 'occupancy-sensor' });
    expect(JSON.stringify(moved.body)).not.toContain('secretHash');
    const record = deviceRecordSchema.parse(
      JSON.parse((await retained(topics.registryDevice('spare-cam-1')))!),
    );
    expect(record.siteId).toBe(busK1.id);
    expect(await verifySecret(secret, record.secretHash)).toBe(true);
    expect((await d.api(`/api/devices?siteId=${pasarTos.id}`, { token })).body).toEqual([]);

    const patch = (id: string, body: unknown) =>
      d.api(`/api/devices/${id}`, { method: 'PATCH', body, token });
    expect((await patch('spare-cam-1', { siteId: 'nowhere' })).status).toBe(400);
    expect((await patch('spare-cam-1', { type: 'door-counter' })).status).toBe(400);
    expect((await patch('spare-cam-1', {})).status).toBe(400);
    expect((await patch('nope-1', { siteId: busK1.id })).status).toBe(404);
  });

  it('deletes a device, then its emptied site, removing both retained records', async () => {
    const d = await start();
    const token = await d.login();
    await d.api('/api/sites', { body: pasarTos, token });
    await d.api('/api/devices', {
      body: { id: 'tos-door-1', siteId: pasarTos.id, type: 'door-counter' },
      token,
    });
    const del = (path: string) => d.api(path, { method: 'DELETE', token });

    const refused = await del(`/api/sites/${pasarTos.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/tos-door-1/);
    expect((await del('/api/devices/tos-door-1')).status).toBe(204);
    expect(await retained(topics.registryDevice('tos-door-1'))).toBeUndefined();
    expect((await del(`/api/sites/${pasarTos.id}`)).status).toBe(204);
    expect(await retained(topics.registrySite(pasarTos.id))).toBeUndefined();
    expect((await d.api(`/api/sites/${pasarTos.id}`, { token })).status).toBe(404);
    expect((await d.api('/api/sites', { token })).body).toEqual([]);
    expect((await del(`/api/sites/${pasarTos.id}`)).status).toBe(404);
    expect((await del('/api/devices/tos-door-1')).status).toBe(404);
    const file = JSON.parse(readFileSync(join(data.dir, 'registry.json'), 'utf8'));
    expect([file.sites, file.devices]).toEqual([[], []]);
  });

  it('answers only after the registry message came back through the broker', async () => {
    const d = await start({ REGISTRY_ECHO_TIMEOUT_MS: '300' });
    const token = await d.login();
    const created = await d.api('/api/sites', { body: busK1, token });
    expect(created.status).toBe(201);
    // By the time the API answered, the broker already held the record.
    const stored = (await retained(topics.registrySite(busK1.id)))!;
    expect(JSON.parse(stored)).toMatchObject({ id: busK1.id });

    // Drop every registry echo on its way back to the dashboard: the API must not claim success.
    broker.aedes.authorizeForward = (_client, packet) =>
      packet.topic.startsWith(topics.registrySite('')) ? null : packet;
    const late = await d.api('/api/sites', { body: { ...busK1, id: 'bus-k1-02' }, token });
    expect(late.status).toBe(503);
    expect(late.body.error).toMatch(/saved/);
  });
});

describe('service endpoints', () => {
  it('serves /healthz without auth and says degraded with 503 once MQTT is gone', async () => {
    const d = await start();
    const ok = await d.api('/healthz');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      status: 'ok',
      mqtt: true,
      store: expect.objectContaining({ pending: 0, failed: 0 }),
    });
    await broker.close();
    await expect.poll(async () => (await d.api('/healthz')).status).toBe(503);
    expect((await d.api('/healthz')).body).toMatchObject({ status: 'degraded', mqtt: false });
    broker = await startBareBroker(); // afterEach closes it
  });

  it('serves Prometheus metrics, behind a bearer token when METRICS_TOKEN is set', async () => {
    const open = await start();
    await open.api('/api/sites');
    const text = (await open.api('/metrics')).body as string;
    expect(text).toContain('dashboard_http_requests_total');
    expect(text).toContain('dashboard_sockets 0');
    await stopAll();

    const closed = await start({ METRICS_TOKEN: 'metrik-rahasia' });
    expect((await closed.api('/metrics')).status).toBe(401);
    const res = await fetch(`${closed.url}/metrics`, { headers: { authorization: 'Bearer metrik-rahasia' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('describes the store and the city policy in /api/info', async () => {
    const d = await start({ POLICY_PRESET: 'ppkm-4' });
    const token = await d.login();
    expect((await d.api('/api/info', { token })).body).toEqual({
      store: 'memory',
      storeDescription: expect.stringContaining('memory'),
      policy: { id: 'ppkm-4', label: { id: 'PPKM level 4', en: 'PPKM level 4' } },
      version: expect.any(String),
    });
  });

  it('sends security headers and JSON 404s for unknown API paths', async () => {
    const d = await start();
    const token = await d.login();
    const res = await d.api('/api/nothing-here', { token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not found' });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+ wss:\/\/127\.0\.0\.1:\d+/);
    expect(csp).toContain("img-src 'self' data:");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the UI page and its bundle, or a clear error page while the UI is missing', async () => {
    const d = await start();
    const page = await fetch(`${d.url}/`);
    const html = await page.text();
    if (page.status === 200) {
      const js = await fetch(`${d.url}/assets/app.js`);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/javascript/);
      expect(await js.text()).not.toMatch(/cdn\.jsdelivr|unpkg\.com/);
    } else {
      expect(page.status).toBe(503);
      expect(html).toContain('The dashboard UI is not available');
    }
  });
});

describe('restart', () => {
  it('keeps sites, devices and the policy in DATA_DIR and republishes them retained', async () => {
    const first = await start();
    const token = await first.login();
    await first.api('/api/sites', { body: pasarTos, token });
    await first.api('/api/devices', {
      body: { id: 'tos-door-1', siteId: pasarTos.id, type: 'door-counter' },
      token,
    });
    expect((await first.api('/api/policy', { method: 'PUT', body: { id: 'ppkm-3' }, token })).status).toBe(
      200,
    );
    await stopAll();

    // A fresh broker has no retained messages: only the restarted dashboard can fill it.
    await broker.close();
    broker = await startBareBroker();
    const second = await start();
    const token2 = await second.login();
    expect((await second.api('/api/sites', { token: token2 })).body).toEqual([
      expect.objectContaining({ id: pasarTos.id }),
    ]);
    expect((await second.api('/api/devices', { token: token2 })).body).toEqual([
      expect.objectContaining({ id: 'tos-door-1' }),
    ]);
    const policy = await second.api('/api/policy', { token: token2 });
    expect(policy.body).toMatchObject({ id: 'ppkm-3', changedBy: 'admin' });
    expect(policy.body.changes).toEqual([
      expect.objectContaining({ from: 'new-normal-1', to: 'ppkm-3', by: 'admin' }),
    ]);
    await expect.poll(() => retained(topics.registrySite(pasarTos.id))).toContain(pasarTos.id);
    await expect.poll(() => retained(topics.registryDevice('tos-door-1'))).toContain('secretHash');
    await expect.poll(() => retained(topics.registryPolicy())).toContain('ppkm-3');
  });
});
