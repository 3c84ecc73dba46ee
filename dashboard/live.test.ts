import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SiteState, SiteView } from '../shared/site-state.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-events.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { busK1, pasarTos, type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: MqttClient;
let d: RunningDashboard;
let token: string;
const sockets: ClientSocket[] = [];

function state(siteId: string, occupancy: number, safeCapacity = 200): SiteState {
  const load = occupancy / safeCapacity;
  return {
    siteId,
    occupancy,
    safeCapacity,
    load,
    level: load >= 1 ? 'critical' : load >= 0.8 ? 'warning' : 'ok',
    updatedAt: T0 + occupancy,
    lastSeenAt: T0 + occupancy,
    levelSince: T0,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
    policyId: 'new-normal-1',
  };
}

/** Plays ingest: publishes a retained site state. */
function publishState(s: SiteState) {
  return ingest.publishAsync(topics.siteState(s.siteId), JSON.stringify(s), { qos: 1, retain: true });
}

function openSocket(auth?: { token: string }, extraHeaders?: Record<string, string>): ClientSocket {
  const socket: ClientSocket = connectSocket(d.url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    ...(auth ? { auth } : {}),
    ...(extraHeaders ? { extraHeaders } : {}),
  });
  sockets.push(socket);
  return socket;
}

function once<T>(socket: ClientSocket, event: 'sites:snapshot' | 'server:info'): Promise<T> {
  return new Promise((resolve) => socket.once(event, ((value: T) => resolve(value)) as never));
}

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await mqtt.connectAsync(broker.url, { clientId: 'fake-ingest' });
  d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, env: { LIVE_TICK_MS: '100' } });
  token = await d.login();
  for (const site of [pasarTos, busK1])
    expect((await d.api('/api/sites', { body: site, token })).status).toBe(201);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await d.dashboard.stop();
  await ingest.endAsync();
  await broker.close();
  data.dispose();
});

describe('live site state', () => {
  it('shows a published site state in GET /api/sites, worst site first', async () => {
    await publishState(state(busK1.id, 45, 40));
    await publishState(state(pasarTos.id, 20));
    await expect
      .poll(async () => ((await d.api('/api/sites', { token })).body as SiteView[]).map((s) => s.id))
      .toEqual([busK1.id, pasarTos.id]);
    const [bus] = (await d.api('/api/sites', { token })).body as SiteView[];
    expect(bus).toMatchObject({
      occupancy: 45,
      safeCapacity: 40,
      load: 1.125,
      level: 'critical',
      updatedAt: new Date(T0 + 45).toISOString(),
      route: 'K1',
    });
  });

  it('ignores and counts a site state that does not validate', async () => {
    await ingest.publishAsync(
      topics.siteState(pasarTos.id),
      JSON.stringify({ siteId: pasarTos.id, occupancy: -1 }),
      {
        qos: 1,
      },
    );
    await ingest.publishAsync(topics.siteState(pasarTos.id), 'not json', { qos: 1 });
    await expect
      .poll(async () => (await d.api('/metrics')).body)
      .toMatch(/dashboard_mqtt_rejected_total\{reason="site-state-not-json"\} 1/);
    expect((await d.api('/metrics')).body).toMatch(
      /dashboard_mqtt_rejected_total\{reason="site-state-invalid"\} 1/,
    );
    const view = (await d.api(`/api/sites/${pasarTos.id}`, { token })).body as SiteView;
    expect(view.level).toBe('unknown');
  });
});

describe('live feed (batched site states)', () => {
  const publishBatch = (states: unknown[]) =>
    ingest.publishAsync(topics.liveSiteStates(), JSON.stringify({ states }), { qos: 0 });

  it('applies every state of a batch, keeping the device list of the retained state', async () => {
    const door = { id: 'tos-door-1', siteId: pasarTos.id, type: 'door-counter' };
    expect((await d.api('/api/devices', { body: door, token })).status).toBe(201);
    await publishState({
      ...state(pasarTos.id, 20),
      devices: [{ id: door.id, lastSeenAt: T0, online: true }],
    });
    await expect
      .poll(async () => (await d.api(`/api/sites/${pasarTos.id}`, { token })).body.occupancy)
      .toBe(20);

    await publishBatch([state(pasarTos.id, 150), state(busK1.id, 45, 40)]);
    await expect
      .poll(async () => (await d.api(`/api/sites/${busK1.id}`, { token })).body.level)
      .toBe('critical');
    const detail = (await d.api(`/api/sites/${pasarTos.id}`, { token })).body;
    expect(detail.occupancy).toBe(150);
    expect(detail.devices).toEqual([
      expect.objectContaining({ id: door.id, lastSeenAt: new Date(T0).toISOString(), online: true }),
    ]);
  });

  it('rejects a bad state of a batch on its own and counts it, applying the rest', async () => {
    await publishBatch([{ siteId: pasarTos.id, occupancy: -1 }, state(busK1.id, 12, 40)]);
    await publishBatch(['not a state']);
    await ingest.publishAsync(topics.liveSiteStates(), '{"states":', { qos: 0 });
    await expect.poll(async () => (await d.api(`/api/sites/${busK1.id}`, { token })).body.occupancy).toBe(12);
    await expect
      .poll(async () => (await d.api('/metrics')).body)
      .toMatch(/dashboard_mqtt_rejected_total\{reason="site-state-invalid"\} 2/);
    const metrics = (await d.api('/metrics')).body as string;
    expect(metrics).toMatch(/dashboard_mqtt_rejected_total\{reason="site-state-not-json"\} 1/);
    expect(metrics).toMatch(/dashboard_site_state_batches_total 3/);
    expect((await d.api(`/api/sites/${pasarTos.id}`, { token })).body.level).toBe('unknown');
  });
});

describe('socket.io', () => {
  it('refuses a socket without a valid session', async () => {
    const refused = openSocket();
    const error = await new Promise<Error>((resolve) => refused.on('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
    const forged = openSocket({ token: 'x.y.z' });
    expect((await new Promise<Error>((resolve) => forged.on('connect_error', resolve))).message).toBe(
      'unauthorized',
    );
  });

  it('sends server info and a snapshot on connect, with the session cookie or auth.token', async () => {
    const viaToken = openSocket({ token });
    const [info, snapshot] = await Promise.all([
      once<{ store: string; policyId: string }>(viaToken, 'server:info'),
      once<SiteView[]>(viaToken, 'sites:snapshot'),
    ]);
    expect(info).toEqual({ store: 'memory', policyId: 'new-normal-1' });
    expect(snapshot.map((s) => s.id).sort()).toEqual([busK1.id, pasarTos.id]);

    const viaCookie = openSocket(undefined, { cookie: `jj_session=${token}` });
    expect(await once<SiteView[]>(viaCookie, 'sites:snapshot')).toHaveLength(2);
    const count = await viaCookie.emitWithAck('sites:resync');
    expect(count).toBe(2);
  });

  it('coalesces 50 quick states of one site into a few sites:update batches ending on the last value', async () => {
    const socket = openSocket({ token });
    await once(socket, 'sites:snapshot');
    const batches: SiteView[][] = [];
    const final = new Promise<void>((resolve) =>
      socket.on('sites:update', (sites) => {
        batches.push(sites);
        if (sites.some((s) => s.id === pasarTos.id && s.occupancy === 50)) resolve();
      }),
    );
    await Promise.all(Array.from({ length: 50 }, (_, i) => publishState(state(pasarTos.id, i + 1))));
    await final;
    // One tick is 100 ms; 50 messages through a local broker arrive within a tick or two.
    expect(batches.length).toBeLessThan(10);
    // A batch may carry other sites still dirty from earlier tests; this site appears once per batch.
    for (const batch of batches)
      expect(batch.filter((s) => s.id === pasarTos.id).length).toBeLessThanOrEqual(1);
    expect(batches.at(-1)!.at(-1)).toMatchObject({ id: pasarTos.id, occupancy: 50 });
    const metrics = (await d.api('/metrics')).body as string;
    expect(metrics).toMatch(/dashboard_sockets 1/);
    expect(metrics).toMatch(/dashboard_socket_batches_total\{event="sites:update"\} [1-9]/);
  });

  it('pushes a newly created site and a policy change to connected sockets', async () => {
    const socket = openSocket({ token });
    await once(socket, 'sites:snapshot');
    const seen = new Promise<SiteView>((resolve) =>
      socket.on('sites:update', (sites) => {
        const hotel = sites.find((s) => s.id === 'hotel-harbour');
        if (hotel) resolve(hotel);
      }),
    );
    await d.api('/api/sites', {
      body: { id: 'hotel-harbour', name: 'Harbour Bay Hotel', kind: 'hotel', designCapacity: 100 },
      token,
    });
    expect(await seen).toMatchObject({ level: 'unknown', safeCapacity: 50 });

    const relaxed = new Promise<SiteView>((resolve) =>
      socket.on('sites:update', (sites) => {
        const hotel = sites.find((s) => s.id === 'hotel-harbour' && s.safeCapacity === 100);
        if (hotel) resolve(hotel);
      }),
    );
    expect((await d.api('/api/policy', { method: 'PUT', body: { id: 'normal' }, token })).status).toBe(200);
    expect(await relaxed).toMatchObject({ safeCapacity: 100 });
  });
});

describe('manager scoping', () => {
  it('shows a venue manager only the assigned sites, over HTTP and socket.io, and no admin routes', async () => {
    await d.dashboard.users.add({
      username: 'upt-tos',
      role: 'manager',
      sites: [pasarTos.id],
      password: 'pasar-tos-manager',
    });
    const managerToken = await d.login('upt-tos', 'pasar-tos-manager');
    const sites = (await d.api('/api/sites', { token: managerToken })).body as SiteView[];
    expect(sites.map((s) => s.id)).toEqual([pasarTos.id]);
    expect((await d.api(`/api/sites/${busK1.id}`, { token: managerToken })).status).toBe(404);
    const denied = await d.api('/api/sites', { body: { ...busK1, id: 'bus-k1-09' }, token: managerToken });
    expect(denied.status).toBe(403);

    const socket = openSocket({ token: managerToken });
    expect((await once<SiteView[]>(socket, 'sites:snapshot')).map((s) => s.id)).toEqual([pasarTos.id]);
    const updates: SiteView[][] = [];
    const got = new Promise<void>((resolve) =>
      socket.on('sites:update', (batch) => {
        updates.push(batch);
        if (batch.some((s) => s.id === pasarTos.id && s.occupancy === 7)) resolve();
      }),
    );
    await publishState(state(busK1.id, 33, 40));
    await publishState(state(pasarTos.id, 7));
    await got;
    expect(updates.flat().map((s) => s.id)).not.toContain(busK1.id);
  });
});
