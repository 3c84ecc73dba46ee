import { createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alarm } from '../../shared/alarms.ts';
import { type BareBroker, startBareBroker } from '../../test/helpers/bare-broker.ts';
import { type FakeIngest, makeAlarm, startFakeIngest, T0 } from '../alarm-fixture.ts';
import { busK1, pasarTos, type RunningDashboard, startDashboard, tempDataDir } from '../test-fixture.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on a real socket; answers each request with the next status (the last repeats). */
async function startReceiver(statuses: number[] = [200]) {
  const received: Received[] = [];
  const receiver = {
    received,
    statuses,
    url: '',
    server: undefined as unknown as Server,
    /** Requests carrying this idempotency key. */
    withKey: (key: string) => received.filter((r) => r.headers['x-jagajarak-idempotency-key'] === key),
  };
  receiver.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = receiver.statuses.length > 1 ? receiver.statuses.shift()! : receiver.statuses[0]!;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
  return receiver;
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const SECRET = 'rahasia-webhook-uji-1234';
let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: FakeIngest;
let d: RunningDashboard | undefined;
let token: string;
const receivers: Receiver[] = [];
/** Real time from T0 plus what a test skips ahead. */
let skew = 0;
const realStart = Date.now();
const clock = { now: () => T0 + (Date.now() - realStart) + skew };

async function start(env: Record<string, string> = {}) {
  d = await startDashboard({
    brokerUrl: broker.url,
    dataDir: data.dir,
    clock,
    env: {
      NOTIFY_TICK_MS: '20',
      WEBHOOK_BACKOFF_MS: '10',
      WEBHOOK_BACKOFF_MAX_MS: '40',
      NOTIFY_RATE_LIMIT_MS: '0',
      ...env,
    },
  });
  token = await d.login();
  return d;
}

async function receiver(statuses?: number[]) {
  const r = await startReceiver(statuses);
  receivers.push(r);
  return r;
}

async function webhook(body: object) {
  const res = await d!.api('/api/webhooks', { body: { secret: SECRET, ...body }, token });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

async function deliveries(query = '') {
  return (await d!.api(`/api/webhooks/deliveries${query}`, { token })).body as Array<Record<string, unknown>>;
}

/** A short real wait: the only way to show that nothing more arrives. */
const quiet = () => new Promise((r) => setTimeout(r, 150));

/** An alarm raised "now" on the dashboard's clock, so re-notification rounds start from it. */
const alarmNow = (
  siteId: string,
  type: Alarm['type'] = 'capacity',
  severity: Alarm['severity'] = 'warning',
) => makeAlarm(siteId, type, { severity, raisedAt: Math.floor(clock.now()) });

beforeEach(async () => {
  skew = 0;
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await startFakeIngest(broker.url);
  await start();
  for (const site of [pasarTos, busK1])
    expect((await d!.api('/api/sites', { body: site, token })).status).toBe(201);
});

afterEach(async () => {
  await d?.dashboard.stop();
  d = undefined;
  for (const r of receivers.splice(0)) await new Promise((resolve) => r.server.close(resolve));
  await ingest.close();
  await broker.close();
  data.dispose();
});

describe('webhook deliveries', () => {
  it('signs the body with the secret, which the receiver verifies, and never returns the secret', async () => {
    const r = await receiver();
    const created = await d!.api('/api/webhooks', { body: { url: r.url, secret: SECRET }, token });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wh_/),
      url: r.url,
      minSeverity: 'warning',
      format: 'json',
      createdAt: expect.any(String),
      createdBy: 'admin',
    });
    expect(JSON.stringify((await d!.api('/api/webhooks', { token })).body)).not.toContain(SECRET);
    expect(statSync(join(data.dir, 'webhooks.json')).mode & 0o777).toBe(0o600);

    const alarm = alarmNow(pasarTos.id, 'capacity', 'critical');
    await ingest.publish(alarm);
    await expect.poll(() => r.received.length).toBe(1);
    const [request] = r.received;
    const expected = `sha256=${createHmac('sha256', SECRET).update(request!.body).digest('hex')}`;
    expect(request!.headers['x-jagajarak-signature']).toBe(expected);
    expect(request!.headers['x-jagajarak-event']).toBe('raised');
    expect(request!.headers['x-jagajarak-idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toMatchObject({
      event: 'raised',
      alarm: { id: alarm.id, severity: 'critical' },
      site: { id: pasarTos.id, name: 'Pasar Tos 3000', kind: 'market' },
    });

    await expect.poll(async () => (await deliveries())[0]?.status).toBe('delivered');
    expect((await deliveries())[0]).toMatchObject({
      webhookId: created.body.id,
      alarmId: alarm.id,
      attempts: 1,
      lastStatus: 200,
    });
  });

  it('retries a 500 with backoff until it succeeds, then sends it no more; a 400 is not retried', async () => {
    const flaky = await receiver([500, 503, 200]);
    const refusing = await receiver([400]);
    await webhook({ url: flaky.url });
    await webhook({ url: refusing.url });
    await ingest.publish(alarmNow(pasarTos.id));

    await expect.poll(() => flaky.received.length).toBe(3);
    await quiet();
    expect(flaky.received).toHaveLength(3);
    expect(new Set(flaky.received.map((x) => x.headers['x-jagajarak-idempotency-key'])).size).toBe(1);
    expect(new Set(flaky.received.map((x) => x.body)).size).toBe(1);
    expect(refusing.received).toHaveLength(1);

    const log = await deliveries();
    expect(log.find((x) => x.status === 'delivered')).toMatchObject({
      attempts: 3,
      lastStatus: 200,
      lastError: null,
    });
    expect(log.find((x) => x.status === 'failed')).toMatchObject({
      attempts: 1,
      lastStatus: 400,
      lastError: 'HTTP 400 Bad Request',
    });
  });

  it('never repeats a success after a restart with the same DATA_DIR, and resumes a pending one', async () => {
    const r = await receiver();
    const down = await receiver([500]);
    await webhook({ url: r.url });
    const pendingHook = await webhook({ url: down.url });
    await ingest.publish(alarmNow(pasarTos.id, 'fever', 'critical'));
    await expect.poll(() => r.received.length).toBe(1);
    await expect.poll(() => down.received.length).toBeGreaterThan(0);

    await d!.dashboard.stop();
    down.statuses = [200];
    // The restarted dashboard gets the retained alarm again as if new: the log must stop a repeat.
    await start();
    await expect
      .poll(async () => (await deliveries(`?webhookId=${pendingHook.id}`))[0]?.status)
      .toBe('delivered');
    await quiet();
    expect(r.received).toHaveLength(1);
    expect(down.received.filter((x) => x.headers['x-jagajarak-event'] === 'raised').length).toBeGreaterThan(
      1,
    );
    expect(await deliveries()).toHaveLength(2);
  });

  it('sends text webhooks as a short Bahasa Indonesia message', async () => {
    const r = await receiver();
    await webhook({ url: r.url, format: 'text' });
    const alarm = makeAlarm(pasarTos.id, 'capacity', {
      severity: 'critical',
      raisedAt: T0,
      details: { occupancy: 312, safeCapacity: 250, load: 1.248 },
    });
    await ingest.publish(alarm);
    await expect.poll(() => r.received.length).toBe(1);
    expect(r.received[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.received[0]!.body).toBe(
      '[KRITIS] Pasar Tos 3000: 312 orang, kapasitas aman 250 (125%). Sejak 08.15 WIB.',
    );

    await ingest.update(alarm, {
      state: 'cleared',
      clearedAt: T0 + 47 * 60_000,
      clearedBy: 'system',
      updatedAt: T0 + 47 * 60_000,
    });
    await expect.poll(() => r.received.length).toBe(2);
    expect(r.received[1]!.body).toBe('[PULIH] Pasar Tos 3000: alarm kapasitas selesai pukul 09.02 WIB.');
  });

  it('sends only to webhooks whose sites and minimum severity match, and notifies an escalation', async () => {
    const critOnly = await receiver();
    const busOnly = await receiver();
    await webhook({ url: critOnly.url, minSeverity: 'critical' });
    await webhook({ url: busOnly.url, sites: [busK1.id] });
    const alarm = alarmNow(pasarTos.id);
    await ingest.publish(alarm);
    await quiet();
    expect(critOnly.received).toHaveLength(0);
    expect(busOnly.received).toHaveLength(0);

    await ingest.update(alarm, { severity: 'critical', updatedAt: alarm.updatedAt + 1000 });
    await expect.poll(() => critOnly.received.length).toBe(1);
    expect(critOnly.received[0]!.headers['x-jagajarak-event']).toBe('escalated');
    expect(busOnly.received).toHaveLength(0);
    expect(
      (
        await d!.api('/api/webhooks', {
          body: { url: critOnly.url, secret: SECRET, sites: ['mall-x'] },
          token,
        })
      ).status,
    ).toBe(400);
    expect(
      (await d!.api('/api/webhooks', { body: { url: 'ftp://x', secret: 'short' }, token })).body.error,
    ).toMatch(/url must be an http or https URL; secret must be at least 16 characters/);
  });
});

describe('rate limit and re-notification', () => {
  it('suppresses a burst for one site and webhook, but lets a worse alarm through', async () => {
    await d!.dashboard.stop();
    await start({ NOTIFY_RATE_LIMIT_MS: '60000' });
    const r = await receiver();
    await webhook({ url: r.url });
    await ingest.publish(alarmNow(pasarTos.id, 'capacity'));
    await expect.poll(() => r.received.length).toBe(1);
    await ingest.publish(alarmNow(pasarTos.id, 'device-offline'));
    await ingest.publish(alarmNow(pasarTos.id, 'sensor-fault'));
    await ingest.publish(alarmNow(busK1.id, 'capacity'));
    await ingest.publish(alarmNow(pasarTos.id, 'fever', 'critical'));
    await expect.poll(async () => (await deliveries()).length).toBe(5);
    await expect.poll(() => r.received.length).toBe(3);
    await quiet();
    expect(r.received).toHaveLength(3);
    const statuses = (await deliveries()).map((x) => `${x.siteId}/${x.status}`).sort();
    expect(statuses).toEqual([
      `${busK1.id}/delivered`,
      `${pasarTos.id}/delivered`,
      `${pasarTos.id}/delivered`,
      `${pasarTos.id}/suppressed`,
      `${pasarTos.id}/suppressed`,
    ]);
    expect((await d!.api('/metrics')).body).toMatch(/dashboard_notifications_suppressed_total 2/);
  });

  it('re-notifies an open alarm every renotifyMs while unacknowledged, and stops after an acknowledgement', async () => {
    const r = await receiver();
    await webhook({ url: r.url });
    const alarm = alarmNow(pasarTos.id);
    await ingest.publish(alarm);
    await expect.poll(() => r.received.length).toBe(1);

    skew += 14 * 60_000; // default renotifyMs is 15 minutes
    await d!.dashboard.notifyTick();
    await quiet();
    expect(r.received).toHaveLength(1);

    skew += 60_000;
    await d!.dashboard.notifyTick();
    await expect.poll(() => r.received.length).toBe(2);
    expect(r.received[1]!.headers['x-jagajarak-event']).toBe('renotify');
    expect(JSON.parse(r.received[1]!.body).text).toMatch(
      /^\[WASPADA\] Pengingat: Pasar Tos 3000: .* Belum ditanggapi\.$/,
    );
    await d!.dashboard.notifyTick();
    await quiet();
    expect(r.received).toHaveLength(2);

    expect(
      (await d!.api(`/api/alarms/${encodeURIComponent(alarm.id)}/ack`, { body: {}, token })).status,
    ).toBe(200);
    skew += 30 * 60_000;
    await d!.dashboard.notifyTick();
    await quiet();
    expect(r.received).toHaveLength(2);
  });
});
