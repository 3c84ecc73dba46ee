/**
 * A webhook endpoint that hangs must not grow the dashboard's memory or delay other webhooks
 * (issue #6 item 3, docs/queues.md "Dashboard: webhook deliveries"). Real dashboard, real broker
 * carrying the alarms, real HTTP servers: one that never answers, one that answers at once.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type BareBroker, startBareBroker } from '../../test/helpers/bare-broker.ts';
import { type FakeIngest, makeAlarm, startFakeIngest, T0 } from '../alarm-fixture.ts';
import { pasarTos, type RunningDashboard, startDashboard, tempDataDir } from '../test-fixture.ts';
import { MAX_IN_FLIGHT_PER_WEBHOOK } from './notifier.ts';

/** An HTTP server that reads each request and answers it never (`hang`) or at once with 200. */
async function startEndpoint(hang: boolean) {
  const held: ServerResponse[] = [];
  const keys: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keys.push(String(req.headers['x-jagajarak-idempotency-key']));
      if (hang) held.push(res);
      else res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type Endpoint = Awaited<ReturnType<typeof startEndpoint>>;

const ALARMS = 20;
const MAX_PENDING = 5;
let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: FakeIngest;
let d: RunningDashboard | undefined;
let endpoints: Endpoint[] = [];
/** Real time from T0: the alarms below are seconds old, so no re-notification round is due. */
const realStart = Date.now();
const clock = { now: () => T0 + (Date.now() - realStart) };

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await startFakeIngest(broker.url);
  d = await startDashboard({
    brokerUrl: broker.url,
    dataDir: data.dir,
    clock,
    env: {
      NOTIFY_TICK_MS: '20',
      NOTIFY_RATE_LIMIT_MS: '0',
      WEBHOOK_MAX_PENDING: String(MAX_PENDING),
      // Far longer than the test: the hanging endpoint holds every request it gets.
      WEBHOOK_TIMEOUT_MS: '120000',
    },
  });
});

afterEach(async () => {
  await d?.dashboard.stop();
  for (const e of endpoints.splice(0)) await e.close();
  await ingest.close();
  await broker.close();
  data.dispose();
});

it('keeps a hanging webhook to its in-flight share and WEBHOOK_MAX_PENDING, dropping the oldest, while another gets every delivery', async () => {
  const dashboard = d!;
  const token = await dashboard.login();
  expect((await dashboard.api('/api/sites', { body: pasarTos, token })).status).toBe(201);
  const hanging = await startEndpoint(true);
  const healthy = await startEndpoint(false);
  endpoints = [hanging, healthy];
  const hook = async (url: string) => {
    const res = await dashboard.api('/api/webhooks', {
      body: { url, secret: 'rahasia-webhook-uji-1234' },
      token,
    });
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  };
  // The hanging one first: it is offered every alarm before the healthy one.
  const hangingId = await hook(hanging.url);
  const healthyId = await hook(healthy.url);

  // Each alarm replaces the previous one of (site, type): a new id, so a new "raised" each.
  for (let i = 0; i < ALARMS; i++)
    await ingest.publish(makeAlarm(pasarTos.id, 'capacity', { raisedAt: T0 - (ALARMS - i) * 1000 }));

  await expect.poll(() => healthy.keys.length, { timeout: 10_000 }).toBe(ALARMS);
  expect(hanging.keys).toHaveLength(MAX_IN_FLIGHT_PER_WEBHOOK);

  const log = (await dashboard.api(`/api/webhooks/deliveries?webhookId=${hangingId}`, { token }))
    .body as Array<{ key: string; status: string; lastError: string | null; createdAt: string }>;
  const oldestFirst = log.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const pending = oldestFirst.filter((r) => r.status === 'pending');
  const dropped = oldestFirst.filter((r) => r.lastError?.startsWith('dropped:'));
  // What stays: the requests in flight (the oldest) and the newest; everything between is dropped.
  expect(pending).toHaveLength(MAX_PENDING);
  expect(pending.slice(0, MAX_IN_FLIGHT_PER_WEBHOOK).map((r) => r.key)).toEqual(hanging.keys);
  expect(pending.at(-1)).toBe(oldestFirst.at(-1));
  expect(dropped).toHaveLength(ALARMS - MAX_PENDING);
  expect(dropped.every((r) => r.status === 'failed')).toBe(true);

  const metrics = (await dashboard.api('/metrics')).body as string;
  expect(metrics).toContain(`dashboard_webhook_queue_dropped_total{queue="pending"} ${ALARMS - MAX_PENDING}`);
  const healthyLog = (await dashboard.api(`/api/webhooks/deliveries?webhookId=${healthyId}`, { token }))
    .body as Array<{ status: string }>;
  expect(healthyLog.filter((r) => r.status === 'delivered')).toHaveLength(ALARMS);

  // Requests still hanging are cut off at stop, not waited for (WEBHOOK_TIMEOUT_MS is 2 minutes),
  // and stay pending for the next start.
  const stopping = Date.now();
  await dashboard.dashboard.stop();
  d = undefined;
  expect(Date.now() - stopping).toBeLessThan(5_000);
});
