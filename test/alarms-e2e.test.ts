/**
 * Alarms across the real services: ingest raises and clears, the dashboard's API acts on them
 * through the control topics, webhooks reach a local receiver signed, and a manager sees only
 * their venue. create-system.ts with the run's real InfluxDB; devices are real MQTT clients.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../shared/alarms.ts';
import type { SiteView } from '../shared/site-state.ts';
import { influxQuery } from './helpers/influxd.ts';
import { startTestSystem, type TestDevice, type TestSystem } from './helpers/system.ts';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

const WEBHOOK_SECRET = 'rahasia-webhook-dishub-batam';
let sys: TestSystem;
let receiver: Server;
let receiverUrl: string;
const deliveries: Delivery[] = [];
let bus: TestDevice;
let seq = 0;
const t0 = Date.now() - 60_000;

async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const openAlarm = (siteId: string, type: string) => async () => {
  const res = await sys.api('GET', `/api/alarms?state=open&siteId=${siteId}&type=${type}`);
  return (res.body as Alarm[])[0];
};

const busCounts = (inTotal: number, outTotal: number) => {
  seq += 1;
  return bus.publish('counts', { ts: t0 + seq * 1000, seq, in: inTotal, out: outTotal });
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wa-gateway`;

  sys = await startTestSystem({ influx: true, env: { LIVE_TICK_MS: '100', NOTIFY_TICK_MS: '100' } });
  await sys.createSite({
    id: 'bus-k1-09',
    name: 'Trans Batam K1 #09',
    kind: 'bus',
    designCapacity: 10,
    policyPct: 0.5,
  });
  await sys.createSite({ id: 'pasar-botania', name: 'Pasar Botania', kind: 'market', designCapacity: 100 });
  const { secret } = await sys.createDevice({ id: 'bus-k1-09-gw', siteId: 'bus-k1-09', type: 'gateway' });
  bus = await sys.connectDevice('bus-k1-09-gw', secret);
  const hook = await sys.api('POST', '/api/webhooks', {
    url: receiverUrl,
    secret: WEBHOOK_SECRET,
    format: 'text',
    sites: ['bus-k1-09'],
  });
  expect(hook.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await sys?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

describe('alarms end to end', () => {
  it('raises a critical capacity alarm, notifies a signed webhook in Bahasa Indonesia, and stores the event', async () => {
    await busCounts(7, 0);
    const alarm = await until('a critical capacity alarm', 3000, openAlarm('bus-k1-09', 'capacity'));
    expect(alarm).toMatchObject({ severity: 'critical', state: 'open', siteId: 'bus-k1-09' });

    const delivery = await until('the webhook delivery', 5000, () => deliveries[0]);
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(delivery.body).digest('hex')}`;
    expect(delivery.headers['x-jagajarak-signature']).toBe(signature);
    expect(delivery.headers['x-jagajarak-idempotency-key']).toMatch(/^[0-9a-f]{16,}$/);
    expect(delivery.body).toContain('[KRITIS]');
    expect(delivery.body).toContain('Trans Batam K1 #09');

    const events = await until('the alarm_event in InfluxDB', 5000, async () => {
      const rows = await influxQuery(
        sys.influx!.url,
        sys.influx!.database,
        `SELECT "alarmId", severity, state, "action" FROM alarm_event WHERE site = 'bus-k1-09'`,
      );
      return rows.length ? rows : undefined;
    });
    expect(events[0]).toMatchObject({
      alarmId: alarm.id,
      severity: 'critical',
      state: 'open',
      action: 'raised',
    });
  });

  it('acknowledges through the API (it stays open), then clears by itself when the bus empties', async () => {
    const alarm = (await openAlarm('bus-k1-09', 'capacity')())!;
    const ack = await sys.api('POST', `/api/alarms/${encodeURIComponent(alarm.id)}/ack`, {
      comment: 'Bus tambahan dikirim',
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      id: alarm.id,
      state: 'acknowledged',
      acknowledgedBy: sys.admin.username,
    });
    expect((await openAlarm('bus-k1-09', 'capacity')())?.state).toBe('acknowledged');

    await busCounts(7, 6);
    const cleared = await until('the alarm to clear', 3000, async () => {
      const res = await sys.api('GET', `/api/alarms/${encodeURIComponent(alarm.id)}`);
      return res.body?.state === 'cleared' ? (res.body as Alarm) : undefined;
    });
    expect(cleared.clearedBy).toBe('system');
    expect(cleared.history.map((h) => h.action)).toEqual(['raised', 'acknowledged', 'cleared']);
  });

  it('switches the city policy in one move: safe capacity follows within a tick and the change is audited', async () => {
    const view = async () =>
      ((await sys.api('GET', '/api/sites/pasar-botania')).body as SiteView).safeCapacity;
    expect(await view()).toBe(50);
    const put = await sys.api('PUT', '/api/policy', { id: 'normal' });
    expect(put.status).toBe(200);
    expect(
      await until('safe capacity 100', 2000, async () => ((await view()) === 100 ? true : undefined)),
    ).toBe(true);
    const policy = (await sys.api('GET', '/api/policy')).body;
    expect(policy.changes.at(-1)).toMatchObject({
      from: 'new-normal-1',
      to: 'normal',
      by: sys.admin.username,
    });
  });

  it('keeps a venue manager to their own venue over HTTP and socket.io', async () => {
    const created = await sys.api('POST', '/api/users', {
      username: 'upt-botania',
      password: 'kata-sandi-pasar',
      role: 'manager',
      sites: ['pasar-botania'],
    });
    expect(created.status).toBe(201);
    const token = await sys.login('upt-botania', 'kata-sandi-pasar');
    const get = (path: string) =>
      fetch(`${sys.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
        status: r.status,
        body: await r.json().catch(() => undefined),
      }));
    expect(((await get('/api/sites')).body as SiteView[]).map((s) => s.id)).toEqual(['pasar-botania']);
    expect((await get('/api/sites/bus-k1-09')).status).toBe(404);
    expect((await get('/api/sites/bus-k1-09/history')).status).toBe(404);
    expect((await get('/api/alarms?state=all')).body).toEqual([]);

    const socket = io(sys.url, { auth: { token }, transports: ['websocket'], reconnection: false });
    const seenSites: string[] = [];
    const seenAlarms: string[] = [];
    socket.on('sites:snapshot', (sites) => seenSites.push(...sites.map((s: SiteView) => s.id)));
    socket.on('sites:update', (sites) => seenSites.push(...sites.map((s: SiteView) => s.id)));
    socket.on('alarms:snapshot', (alarms) => seenAlarms.push(...alarms.map((a: Alarm) => a.siteId)));
    socket.on('alarms:update', (alarms) => seenAlarms.push(...alarms.map((a: Alarm) => a.siteId)));
    await new Promise<void>((resolve) => socket.once('sites:snapshot', () => resolve()));
    await busCounts(20, 6);
    await until('a new alarm on the bus', 3000, openAlarm('bus-k1-09', 'capacity'));
    await new Promise((r) => setTimeout(r, 400)); // three live ticks for anything that would leak
    socket.close();
    expect(new Set(seenSites)).toEqual(new Set(['pasar-botania']));
    expect(seenAlarms).toEqual([]);
  });
});
