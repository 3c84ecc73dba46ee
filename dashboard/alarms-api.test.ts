import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alarm } from '../shared/alarms.ts';
import { alarmSettingsRecordSchema } from '../shared/alarms.ts';
import { policyRecordSchema } from '../shared/registry-replica.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { type FakeIngest, makeAlarm, startFakeIngest, T0 } from './alarm-fixture.ts';
import { busK1, pasarTos, type RunningDashboard, startDashboard, tempDataDir } from './test-fixture.ts';

let broker: BareBroker;
let data: { dir: string; dispose(): void };
let ingest: FakeIngest;
let d: RunningDashboard;
let token: string;

const restaurant = { id: 'resto-nagoya', name: 'Rumah Makan Nagoya', kind: 'restaurant', designCapacity: 80 };

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

const enc = encodeURIComponent;

async function listed(query = ''): Promise<Alarm[]> {
  return (await d.api(`/api/alarms${query}`, { token })).body as Alarm[];
}

beforeEach(async () => {
  broker = await startBareBroker();
  data = tempDataDir();
  ingest = await startFakeIngest(broker.url);
  d = await startDashboard({
    brokerUrl: broker.url,
    dataDir: data.dir,
    env: { CONTROL_REPLY_TIMEOUT_MS: '300' },
  });
  token = await d.login();
  for (const site of [pasarTos, busK1, restaurant])
    expect((await d.api('/api/sites', { body: site, token })).status).toBe(201);
});

afterEach(async () => {
  await d.dashboard.stop();
  await ingest.close();
  await broker.close();
  data.dispose();
});

describe('GET /api/alarms', () => {
  it('lists retained alarms worst first, then longest open, with cleared ones last', async () => {
    const warnOld = makeAlarm(pasarTos.id, 'capacity', { raisedAt: T0 });
    const critNew = makeAlarm(busK1.id, 'capacity', { severity: 'critical', raisedAt: T0 + 60_000 });
    const critOld = makeAlarm(pasarTos.id, 'fever', { severity: 'critical', raisedAt: T0 + 1000 });
    const cleared = {
      ...makeAlarm(busK1.id, 'device-offline'),
      state: 'cleared' as const,
      clearedAt: T0 + 5000,
    };
    const acked = { ...makeAlarm(restaurant.id), state: 'acknowledged' as const, acknowledgedAt: T0 + 10 };
    for (const alarm of [warnOld, critNew, critOld, cleared, acked]) await ingest.publish(alarm);
    await expect.poll(async () => (await listed()).length).toBe(5);

    expect((await listed()).map((a) => a.id)).toEqual([
      critOld.id,
      critNew.id,
      warnOld.id,
      acked.id,
      cleared.id,
    ]);
    // `open` and `active` mean "not cleared": an acknowledged alarm stays open (DOMAIN.md).
    expect((await listed('?state=open')).map((a) => a.id)).toEqual([
      critOld.id,
      critNew.id,
      warnOld.id,
      acked.id,
    ]);
    expect((await listed('?state=active')).length).toBe(4);
    expect((await listed('?state=unacknowledged')).map((a) => a.id)).toEqual([
      critOld.id,
      critNew.id,
      warnOld.id,
    ]);
    expect((await listed('?state=acknowledged')).map((a) => a.id)).toEqual([acked.id]);
    expect((await listed('?state=cleared')).map((a) => a.id)).toEqual([cleared.id]);
    expect((await listed(`?siteId=${pasarTos.id}&type=fever`)).map((a) => a.id)).toEqual([critOld.id]);
    expect((await listed('?severity=critical&limit=1')).map((a) => a.id)).toEqual([critOld.id]);
    expect((await d.api('/api/alarms?state=bogus', { token })).status).toBe(400);

    const one = await d.api(`/api/alarms/${enc(critOld.id)}`, { token });
    expect(one.body).toEqual(critOld);
    expect((await d.api(`/api/alarms/${enc(`${pasarTos.id}:fever:1`)}`, { token })).status).toBe(404);
  });

  it('ignores and counts an alarm that does not validate or does not match its topic', async () => {
    await ingest.client.publishAsync(topics.siteAlarm(pasarTos.id, 'capacity'), '{"id":1}', { qos: 1 });
    const wrongSite = makeAlarm(busK1.id);
    await ingest.client.publishAsync(topics.siteAlarm(pasarTos.id, 'capacity'), JSON.stringify(wrongSite), {
      qos: 1,
    });
    await expect
      .poll(async () => (await d.api('/metrics')).body)
      .toMatch(/dashboard_mqtt_rejected_total\{reason="alarm-invalid"\} 2/);
    expect(await listed()).toEqual([]);
  });
});

describe('alarm actions', () => {
  it('acknowledges through ingest and answers with the alarm after it, accepting a raw or encoded id', async () => {
    const alarm = makeAlarm(pasarTos.id);
    await ingest.publish(alarm);
    await expect.poll(async () => (await listed()).length).toBe(1);

    const res = await d.api(`/api/alarms/${enc(alarm.id)}/ack`, {
      body: { comment: 'petugas menuju lokasi' },
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: alarm.id, state: 'acknowledged', acknowledgedBy: 'admin' });
    expect(ingest.alarmCommands).toEqual([
      expect.objectContaining({
        action: 'acknowledge',
        alarmId: alarm.id,
        by: 'admin',
        comment: 'petugas menuju lokasi',
      }),
    ]);
    // The reply updated the cache at once: the list agrees without waiting for the retained echo.
    expect((await listed('?state=acknowledged')).map((a) => a.id)).toEqual([alarm.id]);

    const assigned = await d.api(`/api/alarms/${alarm.id}/assign`, { body: { assignee: 'budi' }, token });
    expect(assigned.body).toMatchObject({ assignee: 'budi' });
    const commented = await d.api(`/api/alarms/${enc(alarm.id)}/comment`, {
      body: { comment: 'sudah diatur' },
      token,
    });
    expect(commented.body.history.at(-1)).toMatchObject({
      action: 'commented',
      comment: 'sudah diatur',
      by: 'admin',
    });
    const cleared = await d.api(`/api/alarms/${enc(alarm.id)}/clear`, { body: {}, token });
    expect(cleared.body).toMatchObject({ state: 'cleared', clearedBy: 'admin' });
  });

  it('answers 409 when ingest refuses, 404 for an unknown or stale id, 400 for a bad body and 503 on timeout', async () => {
    const alarm = makeAlarm(pasarTos.id);
    await ingest.publish(alarm);
    await expect.poll(async () => (await listed()).length).toBe(1);
    expect((await d.api(`/api/alarms/${enc(alarm.id)}/ack`, { body: {}, token })).status).toBe(200);
    const again = await d.api(`/api/alarms/${enc(alarm.id)}/ack`, { body: {}, token });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ error: 'alarm is acknowledged' });

    expect(
      (await d.api(`/api/alarms/${enc(`${pasarTos.id}:capacity:5`)}/ack`, { body: {}, token })).status,
    ).toBe(404);
    expect((await d.api('/api/alarms/not-an-id/ack', { body: {}, token })).status).toBe(404);
    expect((await d.api(`/api/alarms/${enc(alarm.id)}/comment`, { body: {}, token })).status).toBe(400);
    expect((await d.api(`/api/alarms/${enc(alarm.id)}/assign`, { body: { who: 'x' }, token })).status).toBe(
      400,
    );

    ingest.answering = false;
    const late = await d.api(`/api/alarms/${enc(alarm.id)}/clear`, { body: {}, token });
    expect(late.status).toBe(503);
    expect(late.body.error).toMatch(/did not answer/);
    expect((await d.api('/metrics')).body).toMatch(/dashboard_control_timeouts_total 1/);
  });
});

describe('counting corrections', () => {
  it('sends reset and correct commands to ingest with the actor, and validates them', async () => {
    const reset = await d.api(`/api/sites/${busK1.id}/counts/reset`, {
      body: { reason: 'end-of-line' },
      token,
    });
    expect(reset).toMatchObject({ status: 200, body: { ok: true } });
    const correct = await d.api(`/api/sites/${pasarTos.id}/counts/correct`, {
      body: { occupancy: 42, reason: 'hitung manual petugas' },
      token,
    });
    expect(correct.status).toBe(200);
    expect(ingest.countCommands).toEqual([
      expect.objectContaining({ action: 'reset', reason: 'end-of-line', by: 'admin' }),
      expect.objectContaining({
        action: 'correct',
        occupancy: 42,
        reason: 'hitung manual petugas',
        by: 'admin',
      }),
    ]);
    expect(
      (await d.api(`/api/sites/${busK1.id}/counts/reset`, { body: { reason: 'bored' }, token })).status,
    ).toBe(400);
    expect(
      (await d.api(`/api/sites/${busK1.id}/counts/correct`, { body: { occupancy: -3 }, token })).status,
    ).toBe(400);
    expect((await d.api('/api/sites/nowhere/counts/reset', { body: {}, token })).status).toBe(404);
    const none = await d.api(`/api/sites/${busK1.id}/corrections`, { token });
    expect(none).toMatchObject({ status: 200, body: [] });
  });
});

describe('capacity policy', () => {
  it('switches the city with per-kind shares, publishes the record and keeps the audit log', async () => {
    const res = await d.api('/api/policy', {
      method: 'PUT',
      body: { id: 'ppkm-3', kindPct: { restaurant: 25, market: 0.4 } },
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 'ppkm-3',
      kindPct: { restaurant: 0.25, market: 0.4 },
      changedBy: 'admin',
    });

    const record = policyRecordSchema.parse(JSON.parse((await retained(topics.registryPolicy()))!));
    expect(record).toMatchObject({ id: 'ppkm-3', kindPct: { restaurant: 0.25, market: 0.4 } });

    // Sites without an own policyPct follow their kind's share at once; pasarTos keeps its own 50%.
    const sites = (await d.api('/api/sites', { token })).body as Array<{ id: string; safeCapacity: number }>;
    const cap = (id: string) => sites.find((s) => s.id === id)?.safeCapacity;
    expect(cap(restaurant.id)).toBe(20);
    expect(cap(busK1.id)).toBe(40);
    expect(cap(pasarTos.id)).toBe(200);

    const policy = (await d.api('/api/policy', { token })).body;
    expect(policy).toMatchObject({ id: 'ppkm-3', pct: { restaurant: 0.25, market: 0.4, bus: 0.5 } });
    expect(policy.presets.map((p: { id: string }) => p.id)).toContain('ppkm-4');
    expect(policy.changes).toEqual([
      {
        from: 'new-normal-1',
        to: 'ppkm-3',
        toKindPct: { restaurant: 0.25, market: 0.4 },
        at: expect.any(String),
        by: 'admin',
      },
    ]);
    expect(
      (await d.api('/api/policy', { method: 'PUT', body: { id: 'ppkm-3', kindPct: { ship: 1 } }, token }))
        .status,
    ).toBe(400);
  });

  it('changes a site with PATCH (null removes its own share) and replicates it', async () => {
    const res = await d.api(`/api/sites/${pasarTos.id}`, {
      method: 'PATCH',
      body: { name: 'Pasar Tos 3000 Jodoh', policyPct: null, alarm: { capacity: { warnEnter: 0.75 } } },
      token,
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('policyPct');
    expect(res.body).toMatchObject({
      name: 'Pasar Tos 3000 Jodoh',
      alarm: { capacity: { warnEnter: 0.75 } },
    });
    await expect.poll(() => retained(topics.registrySite(pasarTos.id))).toContain('Pasar Tos 3000 Jodoh');
    // new-normal-1 gives markets 50% of 400, the area rule 900 m2 at 1 m allows 900.
    expect((await d.api(`/api/sites/${pasarTos.id}`, { token })).body.safeCapacity).toBe(200);
    expect(
      (await d.api(`/api/sites/${pasarTos.id}`, { method: 'PATCH', body: { kind: 'mall' }, token })).status,
    ).toBe(400);
    expect((await d.api('/api/sites/nowhere', { method: 'PATCH', body: { name: 'x' }, token })).status).toBe(
      404,
    );
  });

  it('keeps city-wide and per-kind alarm settings, replicated retained', async () => {
    const put = await d.api('/api/alarm-settings', {
      method: 'PUT',
      body: { all: { renotifyMs: 600_000 }, kinds: { bus: { capacity: { warnPendingMs: 0 } } } },
      token,
    });
    expect(put.status).toBe(200);
    const record = alarmSettingsRecordSchema.parse(
      JSON.parse((await retained(topics.registryAlarmSettings()))!),
    );
    expect(record).toMatchObject({
      all: { renotifyMs: 600_000 },
      kinds: { bus: { capacity: { warnPendingMs: 0 } } },
      changedBy: 'admin',
    });
    const got = (await d.api('/api/alarm-settings', { token })).body;
    expect(got.effective.bus).toMatchObject({
      renotifyMs: 600_000,
      capacity: { warnPendingMs: 0, warnEnter: 0.8 },
    });
    expect(got.effective.market.capacity.warnPendingMs).toBe(30_000);
    expect(
      (await d.api('/api/alarm-settings', { method: 'PUT', body: { all: { renotifyMs: 5 } }, token })).status,
    ).toBe(400);
  });
});

describe('reads from the store', () => {
  it('serves a past alarm by id, the alarm events and the corrections of a site', async () => {
    await d.dashboard.stop();
    const store = createMemoryStore();
    await store.start();
    d = await startDashboard({
      brokerUrl: broker.url,
      dataDir: data.dir,
      store,
      clock: { now: () => T0 + 3_600_000 },
    });
    token = await d.login();
    const past = {
      ...makeAlarm(pasarTos.id, 'fever', { raisedAt: T0 }),
      state: 'cleared' as const,
      clearedAt: T0 + 60_000,
    };
    const tags = { site: pasarTos.id, type: 'fever' };
    const fields = (a: Alarm) => ({
      alarmId: a.id,
      severity: a.severity,
      state: a.state,
      by: 'system',
      alarm: JSON.stringify(a),
    });
    store.write({
      measurement: 'alarm_event',
      tags: { ...tags, action: 'raised' },
      fields: fields(makeAlarm(pasarTos.id, 'fever')),
      ts: T0,
    });
    store.write({
      measurement: 'alarm_event',
      tags: { ...tags, action: 'cleared' },
      fields: fields(past),
      ts: T0 + 60_000,
    });
    store.write({
      measurement: 'correction',
      tags: { site: pasarTos.id, action: 'correct' },
      fields: { occupancyBefore: 57, occupancyAfter: 42, reason: 'hitung manual', by: 'ops' },
      ts: T0 + 120_000,
    });
    await store.flush();

    expect((await d.api(`/api/alarms/${encodeURIComponent(past.id)}`, { token })).body).toEqual(past);
    const events = (await d.api(`/api/sites/${pasarTos.id}/alarm-events`, { token })).body;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['raised', 'cleared']);
    expect(events[1]).toMatchObject({
      alarmId: past.id,
      type: 'fever',
      state: 'cleared',
      at: new Date(T0 + 60_000).toISOString(),
    });
    expect((await d.api(`/api/sites/${pasarTos.id}/corrections`, { token })).body).toEqual([
      {
        at: new Date(T0 + 120_000).toISOString(),
        action: 'correct',
        occupancyBefore: 57,
        occupancyAfter: 42,
        reason: 'hitung manual',
        by: 'ops',
      },
    ]);
    await d.dashboard.stop();
    await store.close();
    d = await startDashboard({ brokerUrl: broker.url, dataDir: data.dir });
  });
});
