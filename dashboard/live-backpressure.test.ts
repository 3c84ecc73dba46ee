/**
 * A browser that stops reading its WebSocket must not grow the dashboard's memory: it is skipped
 * while backed up and gets a fresh snapshot once it reads again (issue #6 item 3,
 * docs/queues.md). Real dashboard, real MQTT broker feeding site states, real socket.io client
 * whose WebSocket stops reading.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SiteState, SiteView } from '../shared/site-state.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-events.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** 25 sites with long names: a snapshot or a full batch is ~15 KB, one WebSocket message each. */
const SITES = Array.from({ length: 25 }, (_, i) => ({
  id: `pasar-uji-${i}`,
  name: `Pasar uji ${i} `.padEnd(120, 'x'),
  kind: 'market',
  designCapacity: 400,
  areaM2: 900,
  policyPct: 50,
}));

let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: MqttClient;
let d: RunningDashboard;
let socket: ClientSocket | undefined;

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await mqtt.connectAsync(broker.url, { clientId: 'fake-ingest' });
  d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir, env: { LIVE_TICK_MS: '10' } });
  const token = await d.login();
  const created = await Promise.all(SITES.map((body) => d.api('/api/sites', { body, token })));
  expect(created.map((r) => r.status)).toEqual(SITES.map(() => 201));
  socket = connectSocket(d.url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    auth: { token },
  });
});

afterEach(async () => {
  // A still-paused client would hold the server's close for ws's 30 s close timeout.
  if (socket?.connected) wsOf(socket).resume();
  socket?.disconnect();
  await d.dashboard.stop();
  await ingest.endAsync();
  await broker.close();
  data.dispose();
});

function state(siteId: string, occupancy: number): SiteState {
  return {
    siteId,
    occupancy,
    safeCapacity: 200,
    load: occupancy / 200,
    level: 'ok',
    updatedAt: 1_764_313_200_000 + occupancy,
    lastSeenAt: 1_764_313_200_000 + occupancy,
    levelSince: 1_764_313_200_000,
    bodyTempC: null,
    ambientTempC: null,
    position: null,
    policyId: 'new-normal-1',
  };
}

const metric = async (name: string) => (await d.metrics.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;

/**
 * The `ws` WebSocket under engine.io-client. Its own `pause()` is what stops reading for good:
 * pausing the net.Socket alone is undone by ws's receiver on its next 'drain' (ws
 * lib/websocket.js `receiverOnDrain`), and the kernel keeps taking data.
 */
const wsOf = (client: ClientSocket) =>
  (client.io.engine as unknown as { transport: { ws: { pause(): void; resume(): void } } }).transport.ws;

it('skips a browser that stops reading, keeps what it buffers bounded, and resyncs it when it reads again', async () => {
  const client = socket!;
  await new Promise<void>((resolve) => client.once('sites:snapshot', () => resolve()));
  const ws = wsOf(client);
  ws.pause();

  let round = 0;
  let maxBuffered = 0;
  /** New states for every site, a burst of resync requests, then the tick that carries them. */
  const publishRound = async () => {
    round++;
    const sent = await metric('dashboard_socket_sites_total');
    await Promise.all(
      SITES.map((s) => ingest.publishAsync(topics.siteState(s.id), JSON.stringify(state(s.id, round)))),
    );
    for (let i = 0; i < 40; i++) client.emit('sites:resync', () => {});
    await expect.poll(() => metric('dashboard_socket_sites_total')).toBeGreaterThan(sent);
    maxBuffered = Math.max(maxBuffered, await metric('jagajarak_live_buffered_bytes'));
  };
  // Loopback socket buffers take megabytes before anything stays in the dashboard's memory: fill
  // them until the WebSocket's send queue holds bytes, then keep going for 25 more rounds.
  while ((await metric('jagajarak_live_buffered_bytes')) === 0) {
    await publishRound();
    expect(round, 'the kernel buffers never filled').toBeLessThan(200);
  }
  for (let i = 0; i < 25; i++) await publishRound();

  // Without the bound every round adds a batch and forty ~15 KB snapshots (~15 MB in all); with it
  // at most 8 unsent packets wait in engine.io plus what `ws` took in its last flush.
  expect(await metric('jagajarak_live_batches_skipped_total')).toBeGreaterThanOrEqual(20);
  expect(maxBuffered).toBeGreaterThan(0);
  expect(maxBuffered).toBeLessThan(2 * 1024 * 1024);

  const fresh = new Promise<SiteView[]>((resolve) =>
    client.on('sites:snapshot', (sites) => {
      if (sites.find((s) => s.id === SITES[0]!.id)?.occupancy === round) resolve(sites);
    }),
  );
  ws.resume();
  const sites = await fresh;
  expect(sites).toHaveLength(SITES.length);
  expect(sites.every((s) => s.occupancy === round)).toBe(true);
});
