/**
 * A live socket lives no longer than its session, and only a same-origin page may open one
 * (issue #6 item 5, docs/security.md H13-H14). Real dashboard, real broker, real socket.io clients.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-events.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
let now = T0;
let broker: BareBroker;
let data: { dir: string; dispose(): void };
let d: RunningDashboard;
const sockets: ClientSocket[] = [];

beforeEach(async () => {
  now = T0;
  broker = await startBareBroker();
  data = tempDataDir();
  d = await startDashboard({
    brokerUrl: broker.url,
    dataDir: data.dir,
    clock: { now: () => now },
    env: { LIVE_SESSION_CHECK_MS: '20', SESSION_TTL_HOURS: '1' },
  });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await d.dashboard.stop();
  await broker.close();
  data.dispose();
});

function openSocket(options: { token?: string; headers?: Record<string, string> }): ClientSocket {
  const socket: ClientSocket = connectSocket(d.url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    ...(options.token ? { auth: { token: options.token } } : {}),
    ...(options.headers ? { extraHeaders: options.headers } : {}),
  });
  sockets.push(socket);
  return socket;
}

const connected = (socket: ClientSocket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('sites:snapshot', () => resolve());
    socket.once('connect_error', reject);
  });

const disconnected = (socket: ClientSocket) =>
  new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

const refusal = (socket: ClientSocket) =>
  new Promise<string>((resolve, reject) => {
    socket.once('connect_error', (err) => resolve(err.message));
    socket.once('connect', () => reject(new Error('the handshake was accepted')));
  });

const ended = async (reason: string) =>
  (await d.metrics.getSingleMetric('dashboard_sockets_ended_total')?.get())?.values.find(
    (v) => v.labels.reason === reason,
  )?.value ?? 0;

it("ends a live socket as soon as its session is logged out, and keeps the user's other session", async () => {
  // A sweep only once a minute: the logout itself must trigger the check.
  await d.dashboard.stop();
  d = await startDashboard({
    brokerUrl: broker.url,
    dataDir: data.dir,
    clock: { now: () => now },
    env: { LIVE_SESSION_CHECK_MS: '60000', SESSION_TTL_HOURS: '1' },
  });
  const kept = await d.login();
  const loggedOut = await d.login();
  // Sockets are checked in connection order: the kept one first, so the sweep that ends the
  // other has already verified it.
  const keptSocket = openSocket({ token: kept });
  await connected(keptSocket);
  const socket = openSocket({ token: loggedOut });
  await connected(socket);

  const gone = disconnected(socket);
  expect((await d.api('/api/logout', { body: {}, token: loggedOut })).status).toBe(200);
  expect(await gone).toBe('io server disconnect');
  expect(await ended('session-ended')).toBe(1);
  expect(keptSocket.connected).toBe(true);
  expect(await keptSocket.emitWithAck('sites:resync')).toBe(0);

  // The logged-out token cannot open a new one either.
  expect(await refusal(openSocket({ token: loggedOut }))).toBe('unauthorized');
});

it('ends a cookie-authenticated live socket when its session expires on the clock', async () => {
  const token = await d.login();
  const socket = openSocket({ headers: { cookie: `jj_session=${token}` } });
  await connected(socket);
  now += 3_600_000 - 1_000;
  // Sweeps run every 20 ms: one that still finds the session valid must leave the socket open.
  await expect.poll(() => ended('expired'), { timeout: 200 }).toBe(0);
  expect(socket.connected).toBe(true);

  const gone = disconnected(socket);
  now += 1_000;
  expect(await gone).toBe('io server disconnect');
  expect(await ended('expired')).toBe(1);
});

it('refuses a handshake from a foreign origin and accepts one from its own', async () => {
  const token = await d.login();
  const refusedBefore = (await d.api('/metrics')).body as string;
  expect(refusedBefore).toMatch(/dashboard_csrf_refused_total 0/);

  const hijack = openSocket({ headers: { cookie: `jj_session=${token}`, origin: 'https://evil.example' } });
  expect(await refusal(hijack)).toBe('cross-site request refused');
  // A sibling subdomain is the same site (SameSite=Strict lets the cookie through), not the same origin.
  const sibling = openSocket({ headers: { cookie: `jj_session=${token}`, 'sec-fetch-site': 'same-site' } });
  expect(await refusal(sibling)).toBe('cross-site request refused');
  // An opaque origin (sandboxed iframe, file://) proves nothing.
  expect(await refusal(openSocket({ token, headers: { origin: 'null' } }))).toBe(
    'cross-site request refused',
  );

  const metrics = (await d.api('/metrics')).body as string;
  expect(metrics).toMatch(/dashboard_csrf_refused_total 3/);
  expect(metrics).toMatch(/dashboard_sockets_refused_total 3/);

  await connected(openSocket({ headers: { cookie: `jj_session=${token}`, origin: d.url } }));
  await connected(
    openSocket({
      headers: { cookie: `jj_session=${token}`, origin: d.url, 'sec-fetch-site': 'same-origin' },
    }),
  );
  // Scripts and Node clients send no Origin.
  await connected(openSocket({ token }));
});
