import { statSync } from 'node:fs';
import { join } from 'node:path';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alarm } from '../shared/alarms.ts';
import type { SiteState, SiteView } from '../shared/site-state.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-events.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { type FakeIngest, makeAlarm, startFakeIngest, T0 } from './alarm-fixture.ts';
import {
  ADMIN,
  busK1,
  pasarTos,
  type RunningDashboard,
  startDashboard,
  tempDataDir,
} from './test-fixture.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const MANAGER = { username: 'upt-tos', password: 'pasar-tos-manager', role: 'manager', sites: [pasarTos.id] };
const enc = encodeURIComponent;

let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: FakeIngest;
let d: RunningDashboard;
let admin: string;
const sockets: ClientSocket[] = [];
const tosAlarm = makeAlarm(pasarTos.id, 'capacity');
const busAlarm = makeAlarm(busK1.id, 'capacity', { severity: 'critical' });

function state(siteId: string, occupancy: number): SiteState {
  return {
    siteId,
    occupancy,
    safeCapacity: 40,
    load: occupancy / 40,
    level: 'ok',
    updatedAt: T0 + occupancy,
    lastSeenAt: T0,
    levelSince: T0,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
    policyId: 'new-normal-1',
  };
}

const publishState = (s: SiteState) =>
  ingest.client.publishAsync(topics.siteState(s.siteId), JSON.stringify(s), { qos: 1, retain: true });

function openSocket(token: string): ClientSocket {
  const socket: ClientSocket = connectSocket(d.url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    auth: { token },
  });
  sockets.push(socket);
  return socket;
}

function next<E extends 'sites:snapshot' | 'alarms:snapshot'>(socket: ClientSocket, event: E) {
  return new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) =>
    socket.once(event, ((value: never) => resolve(value)) as never),
  );
}

async function createManager(body: object = MANAGER) {
  const res = await d.api('/api/users', { body, token: admin });
  expect(res.status).toBe(201);
  return res.body;
}

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await startFakeIngest(broker.url);
  d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir });
  admin = await d.login();
  for (const site of [pasarTos, busK1])
    expect((await d.api('/api/sites', { body: site, token: admin })).status).toBe(201);
  for (const [id, siteId] of [
    ['tos-door-1', pasarTos.id],
    ['bus-k1-01-apc', busK1.id],
  ])
    expect(
      (await d.api('/api/devices', { body: { id, siteId, type: 'door-counter' }, token: admin })).status,
    ).toBe(201);
  await ingest.publish(tosAlarm);
  await ingest.publish(busAlarm);
  await expect.poll(async () => (await d.api('/api/alarms', { token: admin })).body.length).toBe(2);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await d.dashboard.stop();
  await ingest.close();
  await broker.close();
  data.dispose();
});

describe('users API', () => {
  it('creates a manager without returning the hash, and refuses bad bodies, duplicates and non-admins', async () => {
    const created = await createManager();
    expect(created).toEqual({
      username: 'upt-tos',
      role: 'manager',
      sites: [pasarTos.id],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await d.api('/api/users', { body: MANAGER, token: admin })).status).toBe(409);

    const noSites = await d.api('/api/users', {
      body: { ...MANAGER, username: 'x-mgr', sites: [] },
      token: admin,
    });
    expect(noSites).toMatchObject({
      status: 400,
      body: { error: 'sites must list at least one site for a manager' },
    });
    const unknown = await d.api('/api/users', {
      body: { ...MANAGER, username: 'x-mgr', sites: ['mall-x'] },
      token: admin,
    });
    expect(unknown.body.error).toMatch(/unknown site 'mall-x'/);
    const bad = await d.api('/api/users', {
      body: { username: 'a b', password: 'short', role: 'boss' },
      token: admin,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/username .*; password must be at least 8 characters; role /);

    const operator = { username: 'dishub-ops', password: 'operator-sandi', role: 'operator' };
    expect((await d.api('/api/users', { body: operator, token: admin })).status).toBe(201);
    const opToken = await d.login(operator.username, operator.password);
    expect((await d.api('/api/users', { token: opToken })).status).toBe(403);
    expect(
      (await d.api('/api/users', { body: { ...operator, username: 'x2' }, token: opToken })).status,
    ).toBe(403);

    const list = (await d.api('/api/users', { token: admin })).body;
    expect(list.map((u: { username: string }) => u.username)).toEqual(['admin', 'dishub-ops', 'upt-tos']);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|passwordHash/);
  });

  it('applies new sites at once, ends sessions on a password change or removal, and protects the env admin', async () => {
    await createManager();
    const token = await d.login(MANAGER.username, MANAGER.password);
    const ids = async (t: string) =>
      ((await d.api('/api/sites', { token: t })).body as SiteView[]).map((s) => s.id);
    expect(await ids(token)).toEqual([pasarTos.id]);

    const patched = await d.api(`/api/users/${MANAGER.username}`, {
      method: 'PATCH',
      body: { sites: [busK1.id] },
      token: admin,
    });
    expect(patched.body).toMatchObject({ sites: [busK1.id] });
    expect(await ids(token)).toEqual([busK1.id]);

    await d.api(`/api/users/${MANAGER.username}`, {
      method: 'PATCH',
      body: { password: 'kata-sandi-baru' },
      token: admin,
    });
    expect((await d.api('/api/sites', { token })).status).toBe(401);
    const fresh = await d.login(MANAGER.username, 'kata-sandi-baru');
    expect((await d.api('/api/me', { token: fresh })).body).toEqual({
      username: 'upt-tos',
      role: 'manager',
      sites: [busK1.id],
    });

    expect((await d.api(`/api/users/${MANAGER.username}`, { method: 'DELETE', token: admin })).status).toBe(
      204,
    );
    expect((await d.api('/api/sites', { token: fresh })).status).toBe(401);
    expect((await d.api(`/api/users/${MANAGER.username}`, { method: 'DELETE', token: admin })).status).toBe(
      404,
    );

    expect((await d.api('/api/users/admin', { method: 'DELETE', token: admin })).status).toBe(409);
    expect(
      (await d.api('/api/users/admin', { method: 'PATCH', body: { role: 'operator' }, token: admin })).status,
    ).toBe(409);
    const toOperator = await d.api('/api/users', {
      body: { username: 'second-admin', password: 'admin-kedua-123', role: 'admin' },
      token: admin,
    });
    expect(toOperator.status).toBe(201);
    const demoted = await d.api('/api/users/second-admin', {
      method: 'PATCH',
      body: { role: 'operator' },
      token: admin,
    });
    expect(demoted.body).toMatchObject({ role: 'operator' });
    expect(demoted.body).not.toHaveProperty('sites');
  });

  it('keeps users in DATA_DIR/users.json (0600, hashes only) across a restart', async () => {
    await createManager();
    await d.dashboard.stop();
    const path = join(data.dir, 'users.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir });
    const token = await d.login(MANAGER.username, MANAGER.password);
    expect((await d.api('/api/me', { token })).body).toEqual({
      username: 'upt-tos',
      role: 'manager',
      sites: [pasarTos.id],
    });
    expect(await d.login(ADMIN.username, ADMIN.password)).toEqual(expect.any(String));
  });
});

describe('a venue manager over HTTP', () => {
  it('cannot read or act on another venue by any route, and answers 404 rather than 403 for it', async () => {
    await createManager();
    const token = await d.login(MANAGER.username, MANAGER.password);
    const get = (path: string) => d.api(path, { token });
    const post = (path: string, body: unknown = {}) => d.api(path, { body, token });

    expect(((await get('/api/sites')).body as SiteView[]).map((s) => s.id)).toEqual([pasarTos.id]);
    expect((await get(`/api/sites/${pasarTos.id}`)).status).toBe(200);
    for (const path of [
      `/api/sites/${busK1.id}`,
      `/api/sites/${busK1.id}/history`,
      `/api/sites/${busK1.id}/corrections`,
      `/api/sites/${busK1.id}/alarm-events`,
      `/api/alarms/${enc(busAlarm.id)}`,
    ])
      expect((await get(path)).status, path).toBe(404);
    expect(((await get('/api/devices')).body as Array<{ id: string }>).map((x) => x.id)).toEqual([
      'tos-door-1',
    ]);
    expect((await get(`/api/devices?siteId=${busK1.id}`)).body).toEqual([]);
    expect(((await get('/api/alarms')).body as Alarm[]).map((a) => a.id)).toEqual([tosAlarm.id]);
    expect((await get(`/api/alarms?siteId=${busK1.id}`)).body).toEqual([]);

    for (const path of [`/api/alarms/${enc(busAlarm.id)}/ack`, `/api/alarms/${enc(busAlarm.id)}/clear`])
      expect((await post(path)).status, path).toBe(404);
    expect((await post(`/api/alarms/${enc(busAlarm.id)}/comment`, { comment: 'x' })).status).toBe(404);
    expect(ingest.alarmCommands).toEqual([]);

    // Their own venue's alarms work, with the manager as the actor.
    const acked = await post(`/api/alarms/${enc(tosAlarm.id)}/ack`);
    expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'upt-tos' });
    // The count they are regulated by is corrected by Dishub, not by them: not even their own.
    for (const site of [pasarTos.id, busK1.id]) {
      expect((await post(`/api/sites/${site}/counts/reset`, { reason: 'manual' })).status).toBe(403);
      expect((await post(`/api/sites/${site}/counts/correct`, { occupancy: 0 })).status).toBe(403);
    }
    expect(ingest.countCommands).toEqual([]);
    expect((await get(`/api/sites/${pasarTos.id}/corrections`)).status).toBe(200);

    // Admin-only and operator routes.
    expect(
      (await d.api(`/api/sites/${pasarTos.id}`, { method: 'PATCH', body: { name: 'x' }, token })).status,
    ).toBe(403);
    expect((await d.api('/api/policy', { method: 'PUT', body: { id: 'normal' }, token })).status).toBe(403);
    expect((await get('/api/alarm-settings')).status).toBe(403);
    expect((await get('/api/webhooks')).status).toBe(403);
    expect((await get('/api/webhooks/deliveries')).status).toBe(403);
    expect((await get('/api/users')).status).toBe(403);
  });
});

describe('a venue manager over socket.io', () => {
  it('gets only their own sites and alarms in snapshots and live batches; an admin gets all', async () => {
    await createManager();
    const manager = openSocket(await d.login(MANAGER.username, MANAGER.password));
    const [sites, alarms] = await Promise.all([
      next(manager, 'sites:snapshot'),
      next(manager, 'alarms:snapshot'),
    ]);
    expect(sites.map((s) => s.id)).toEqual([pasarTos.id]);
    expect(alarms.map((a) => a.id)).toEqual([tosAlarm.id]);
    const adminSocket = openSocket(admin);
    expect((await next(adminSocket, 'alarms:snapshot')).map((a) => a.id).sort()).toEqual(
      [busAlarm.id, tosAlarm.id].sort(),
    );

    const seenSites: string[] = [];
    const seenAlarms: string[] = [];
    manager.on('sites:update', (batch) => seenSites.push(...batch.map((s) => s.id)));
    manager.on('alarms:update', (batch) => seenAlarms.push(...batch.map((a) => a.id)));
    const adminSaw = new Promise<void>((resolve) =>
      adminSocket.on(
        'alarms:update',
        (batch) => batch.some((a) => a.id === busAlarm.id && a.assignee === 'x') && resolve(),
      ),
    );
    const managerDone = new Promise<void>((resolve) =>
      manager.on('alarms:update', (batch) => batch.some((a) => a.assignee === 'done') && resolve()),
    );

    await publishState(state(busK1.id, 30));
    await ingest.update(busAlarm, { assignee: 'x', updatedAt: T0 + 5 });
    await adminSaw;
    await publishState(state(pasarTos.id, 7));
    await ingest.update(tosAlarm, { assignee: 'done', updatedAt: T0 + 6 });
    await managerDone;
    expect(seenSites).toContain(pasarTos.id);
    expect(seenSites).not.toContain(busK1.id);
    expect(seenAlarms).not.toContain(busAlarm.id);
  });

  it('sends each socket of a manager one batch per tick with all of its sites, and none of the others', async () => {
    await createManager({ ...MANAGER, sites: [pasarTos.id, busK1.id] });
    const token = await d.login(MANAGER.username, MANAGER.password);
    const tabs = [openSocket(token), openSocket(token)];
    await Promise.all(tabs.map((tab) => next(tab, 'sites:snapshot')));
    const batches: string[][][] = tabs.map(() => []);
    for (const [i, tab] of tabs.entries())
      tab.on('sites:update', (batch) => batches[i]!.push(batch.map((v) => v.id).sort()));

    // Both sites change in one live frame, so in one tick.
    const frame = { states: [state(pasarTos.id, 11), state(busK1.id, 12)] };
    await ingest.client.publishAsync(topics.liveSiteStates(), JSON.stringify(frame), { qos: 0 });
    await expect.poll(() => batches.map((b) => b.length)).toEqual([1, 1]);
    for (const b of batches) expect(b).toEqual([[busK1.id, pasarTos.id].sort()]);
  });

  it('re-scopes a connected manager when their sites change, and ends the socket when the user is removed', async () => {
    await createManager();
    const manager = openSocket(await d.login(MANAGER.username, MANAGER.password));
    await next(manager, 'sites:snapshot');

    const rescoped = Promise.all([next(manager, 'sites:snapshot'), next(manager, 'alarms:snapshot')]);
    await d.api(`/api/users/${MANAGER.username}`, {
      method: 'PATCH',
      body: { sites: [busK1.id] },
      token: admin,
    });
    const [sites, alarms] = await rescoped;
    expect(sites.map((s) => s.id)).toEqual([busK1.id]);
    expect(alarms.map((a) => a.id)).toEqual([busAlarm.id]);

    const seen: string[] = [];
    manager.on('sites:update', (batch) => seen.push(...batch.map((s) => s.id)));
    const gotBus = new Promise<void>((resolve) =>
      manager.on(
        'sites:update',
        (batch) => batch.some((s) => s.id === busK1.id && s.occupancy === 31) && resolve(),
      ),
    );
    await publishState(state(pasarTos.id, 9));
    await publishState(state(busK1.id, 31));
    await gotBus;
    expect(seen).not.toContain(pasarTos.id);

    const ended = new Promise<string>((resolve) => manager.on('disconnect', resolve));
    await d.api(`/api/users/${MANAGER.username}`, { method: 'DELETE', token: admin });
    expect(await ended).toBe('io server disconnect');
  });
});
