/**
 * Observability (issue #7 item 5) of the whole system in one process (create-system.ts, as
 * `npm start` runs it, on the run's real InfluxDB): after good and bad device messages, a browser
 * socket and an alarm raised, acknowledged and cleared, one scrape of the dashboard's /metrics
 * shows every family operators alert on, with the values that happened.
 */
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/socket-events.ts';
import { topics } from '../shared/topics.ts';
import { families, parseMetrics, sample } from './helpers/prom-text.ts';
import { startTestSystem, type TestDevice, type TestSystem } from './helpers/system.ts';

const SITE = {
  id: 'mpp-batam',
  name: 'Mal Pelayanan Publik Batam',
  kind: 'public-service',
  designCapacity: 300,
} as const;

describe('metrics of the whole system', () => {
  let sys: TestSystem;
  let device: TestDevice;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;

  beforeAll(async () => {
    sys = await startTestSystem({ influx: true, env: { LIVE_TICK_MS: '100' } });
    await sys.createSite(SITE);
    const { secret } = await sys.createDevice({ id: 'mpp-gw-1', siteId: SITE.id, type: 'gateway' });
    device = await sys.connectDevice('mpp-gw-1', secret);
  });

  afterAll(async () => {
    socket?.disconnect();
    await sys?.stop();
  });

  it('exposes messages, rejections, write latency, spool, clients, sockets and alarms on /metrics', async () => {
    const now = Date.now();
    await device.publish('occupancy', { ts: now, seq: 1, count: 40 });
    await device.publish('temperature', { ts: now + 1, seq: 2, kind: 'body', celsius: 38.6 });
    // Two bad messages: not JSON, and a required field of the wrong type.
    await device.client.publishAsync(topics.device('mpp-gw-1', 'occupancy'), 'bukan json', { qos: 1 });
    await device.client.publishAsync(
      topics.device('mpp-gw-1', 'occupancy'),
      JSON.stringify({ ts: now + 2, seq: 3, count: 'banyak' }),
      { qos: 1 },
    );

    const token = await sys.login();
    socket = connectSocket(sys.url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      auth: { token },
    });
    await new Promise((resolve) => socket!.once('sites:snapshot', resolve));

    let alarmId = '';
    await expect
      .poll(async () => {
        const open = (await sys.api('GET', '/api/alarms?state=open')).body as Array<{
          id: string;
          type: string;
        }>;
        alarmId = open.find((a) => a.type === 'fever')?.id ?? '';
        return alarmId;
      })
      .not.toBe('');
    expect((await sys.api('POST', `/api/alarms/${encodeURIComponent(alarmId)}/ack`, {})).status).toBe(200);

    const scrape = async () => (await fetch(`${sys.url}/metrics`)).text();
    // The dashboard counts its cache at scrape time; ingest refreshes its gauge every level tick.
    await expect
      .poll(async () => {
        const now = parseMetrics(await scrape());
        return [
          sample(now, 'jagajarak_dashboard_open_alarms', {
            type: 'fever',
            severity: 'critical',
            state: 'acknowledged',
          }),
          sample(now, 'jagajarak_ingest_open_alarms', { type: 'fever', severity: 'critical' }),
        ];
      })
      .toEqual([1, 1]);
    // The store writes in batches (about 1 s): wait for the first batch to be timed.
    await expect
      .poll(
        async () => sample(parseMetrics(await scrape()), 'jagajarak_store_write_duration_seconds_count') ?? 0,
      )
      .toBeGreaterThanOrEqual(1);
    const text = await scrape();
    const m = parseMetrics(text);

    expect(
      sample(m, 'jagajarak_ingest_messages_received_total', { stream: 'occupancy' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'jagajarak_ingest_messages_received_total', { stream: 'temperature' })).toBe(1);
    const rejected = [...m.entries()].filter(([k]) =>
      k.startsWith('jagajarak_ingest_messages_rejected_total{'),
    );
    expect(rejected.reduce((n, [, v]) => n + v, 0)).toBe(2);
    // The earlier names stay, counting the same.
    expect(sample(m, 'jagajarak_ingest_messages_received_total', { stream: 'temperature' })).toBe(1);

    expect(sample(m, 'jagajarak_store_write_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    for (const family of [
      'jagajarak_store_spool_lines',
      'jagajarak_store_spool_bytes',
      'jagajarak_store_pending_points',
    ])
      expect(families(text), family).toContain(family);

    expect(sample(m, 'jagajarak_broker_connected_clients', { kind: 'device' })).toBe(1);
    expect(sample(m, 'jagajarak_broker_connected_clients', { kind: 'service' })).toBeGreaterThanOrEqual(2);
    expect(sample(m, 'jagajarak_broker_connected_clients', { kind: 'integration' })).toBe(0);
    expect(sample(m, 'dashboard_sockets')).toBe(1);

    expect(sample(m, 'jagajarak_ingest_open_alarms', { type: 'fever', severity: 'critical' })).toBe(1);
    expect(sample(m, 'jagajarak_ingest_alarm_transitions_total', { type: 'fever', action: 'raised' })).toBe(
      1,
    );
    expect(
      sample(m, 'jagajarak_ingest_alarm_transitions_total', { type: 'fever', action: 'acknowledged' }),
    ).toBe(1);

    expect((await sys.api('POST', `/api/alarms/${encodeURIComponent(alarmId)}/clear`, {})).status).toBe(200);
    await expect
      .poll(async () => {
        const after = parseMetrics(await scrape());
        return [
          sample(after, 'jagajarak_ingest_alarm_transitions_total', { type: 'fever', action: 'cleared' }),
          sample(after, 'jagajarak_dashboard_open_alarms', {
            type: 'fever',
            severity: 'critical',
            state: 'acknowledged',
          }),
          sample(after, 'jagajarak_ingest_open_alarms', { type: 'fever', severity: 'critical' }),
        ];
      })
      .toEqual([1, undefined, 0]);

    socket.disconnect();
    await expect.poll(async () => sample(parseMetrics(await scrape()), 'dashboard_sockets')).toBe(0);
    await device.close();
    await expect
      .poll(async () =>
        sample(parseMetrics(await scrape()), 'jagajarak_broker_connected_clients', { kind: 'device' }),
      )
      .toBe(0);
  });
});
