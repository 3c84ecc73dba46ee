/**
 * Alarms, operator commands and counting corrections through a real aedes broker and real mqtt.js
 * clients, with ingest's clock injected (no sleeps: every wait is for an event or a message).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Alarm, ControlReply } from '../shared/alarms.ts';
import type { SiteState } from '../shared/site-state.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { createInfluxStore } from '../shared/store/influx-store.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { filters, topics } from '../shared/topics.ts';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { testDatabase } from '../test/helpers/influxd.ts';
import type { AlarmChange } from './alarms/alarm-record.ts';
import type { IngestConfig } from './config.ts';
import { createIngest, type Ingest } from './create-ingest.ts';

/** 03:59:00 WIB on 28 November 2026. */
const T0 = Date.UTC(2026, 10, 27, 20, 59, 0);
const SITE = 'bus-k1-01';
const GW = 'bus-k1-01-gw';

let broker: BareBroker;
let clients: MqttClient[];
let running: Ingest[];
let clock: { t: number; now(): number };
let seq = 0;

function config(clientId = `ingest-test-${Math.random().toString(36).slice(2)}`): IngestConfig {
  return {
    mqttUrl: broker.url,
    serviceSecret: 'test-secret-0123456789',
    clientId,
    policyId: 'normal',
    stateFlushMs: 20,
    levelTickMs: 20,
    registrySettleMs: 50,
    resetHour: 4,
    resetTimeZone: 'Asia/Jakarta',
  };
}

async function connect(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { clientId: `c-${Math.random().toString(36).slice(2)}` });
  clients.push(c);
  return c;
}

/** Site: design 10 at policy 50% (safe capacity 5), warning without a pending time. */
async function provision(designCapacity = 10) {
  const admin = await connect();
  const site = {
    id: SITE,
    name: 'Trans Batam K1 01',
    kind: 'bus',
    designCapacity,
    policyPct: 0.5,
    alarm: { capacity: { warnPendingMs: 0 } },
    createdAt: 'x',
  };
  const gw = { id: GW, siteId: SITE, type: 'gateway', secretHash: 'h', createdAt: 'x' };
  await admin.publishAsync(topics.registrySite(SITE), JSON.stringify(site), { qos: 1, retain: true });
  await admin.publishAsync(topics.registryDevice(GW), JSON.stringify(gw), { qos: 1, retain: true });
}

async function startIngest(store: HistoryStore = createMemoryStore(), clientId?: string) {
  const ingest = createIngest(config(clientId), { store, clock });
  await ingest.start();
  running.push(ingest);
  return ingest;
}

/** A first ingest raises the capacity warning on `inT` people entering, then stops; the store keeps it. */
async function raisedBeforeRestart(store: HistoryStore, inT: number): Promise<Alarm> {
  const first = await startIngest(store);
  const raised = nextAlarm(first);
  await counts(inT, 0);
  const { alarm } = await raised;
  await first.stop();
  running.splice(0);
  await store.flush();
  return alarm;
}

async function counts(inT: number, outT: number) {
  const device = await connect();
  seq++;
  const payload = JSON.stringify({ ts: clock.t, seq, in: inT, out: outT });
  await device.publishAsync(topics.device(GW, 'counts'), payload, { qos: 1 });
}

function nextAlarm(
  ingest: Ingest,
  predicate: (c: AlarmChange) => boolean = () => true,
): Promise<AlarmChange> {
  return new Promise((resolve) => {
    const on = (c: AlarmChange) => {
      if (!predicate(c)) return;
      ingest.events.off('alarm', on);
      resolve(c);
    };
    ingest.events.on('alarm', on);
  });
}

function nextState(ingest: Ingest, predicate: (s: SiteState) => boolean): Promise<SiteState> {
  return new Promise((resolve) => {
    const on = (s: SiteState) => {
      if (!predicate(s)) return;
      ingest.events.off('state', on);
      resolve(s);
    };
    ingest.events.on('state', on);
  });
}

/** The retained alarm of (SITE, capacity) as a fresh subscriber sees it. */
async function retainedAlarm(): Promise<Alarm> {
  const watcher = await connect();
  const got = new Promise<Alarm>((resolve) =>
    watcher.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as Alarm)),
  );
  await watcher.subscribeAsync(topics.siteAlarm(SITE, 'capacity'), { qos: 1 });
  return got;
}

/** A dashboard-like client: sends control requests and awaits their replies. */
async function controller() {
  const c = await connect();
  const waiting = new Map<string, (r: ControlReply) => void>();
  c.on('message', (_t, p) => {
    const reply = JSON.parse(p.toString()) as ControlReply;
    waiting.get(reply.requestId)?.(reply);
  });
  await c.subscribeAsync(filters.controlReplies, { qos: 1 });
  return async (topic: string, body: Record<string, unknown>): Promise<ControlReply> => {
    const requestId = String(body.requestId);
    const reply = new Promise<ControlReply>((resolve) => waiting.set(requestId, resolve));
    await c.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    return reply;
  };
}

beforeEach(async () => {
  clock = { t: T0, now: () => clock.t };
  clients = [];
  running = [];
  broker = await startBareBroker();
  await provision();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((i) => i.stop()));
  await Promise.all(clients.splice(0).map((c) => c.endAsync()));
  await broker.close();
});

describe('ingest alarms over MQTT', () => {
  it('publishes a raised alarm retained and answers acknowledge, comment, assign and clear', async () => {
    const ingest = await startIngest();
    const raised = nextAlarm(ingest);
    await counts(7, 0);
    const { alarm } = await raised;
    expect(alarm).toMatchObject({ siteId: SITE, type: 'capacity', severity: 'critical', state: 'open' });
    expect(await retainedAlarm()).toEqual(alarm);

    const request = await controller();
    const topic = topics.controlAlarm(SITE, 'capacity');
    clock.t += 1000;
    const ack = await request(topic, {
      action: 'acknowledge',
      alarmId: alarm.id,
      by: 'sari',
      requestId: 'req-1',
    });
    expect(ack).toMatchObject({
      requestId: 'req-1',
      ok: true,
      alarm: { id: alarm.id, state: 'acknowledged', acknowledgedBy: 'sari', acknowledgedAt: T0 + 1000 },
    });
    expect((await retainedAlarm()).state).toBe('acknowledged');

    const comment = await request(topic, {
      action: 'comment',
      alarmId: alarm.id,
      by: 'sari',
      comment: 'sopir diberi tahu',
      requestId: 'req-2',
    });
    const assign = await request(topic, {
      action: 'assign',
      alarmId: alarm.id,
      by: 'sari',
      assignee: 'budi',
      requestId: 'req-3',
    });
    expect([comment.ok, assign.alarm?.assignee]).toEqual([true, 'budi']);
    const clear = await request(topic, {
      action: 'clear',
      alarmId: alarm.id,
      by: 'budi',
      requestId: 'req-4',
    });
    expect(clear.alarm).toMatchObject({ state: 'cleared', clearedBy: 'budi' });
    expect(clear.alarm?.history.map((h) => h.action)).toEqual([
      'raised',
      'acknowledged',
      'commented',
      'assigned',
      'cleared',
    ]);
  });

  it('refuses unknown ids, cleared alarms and invalid requests, and answers a retried request once', async () => {
    const ingest = await startIngest();
    const raised = nextAlarm(ingest);
    await counts(7, 0);
    const { alarm } = await raised;
    const request = await controller();
    const topic = topics.controlAlarm(SITE, 'capacity');

    expect(
      await request(topic, { action: 'acknowledge', alarmId: 'x:capacity:1', by: 's', requestId: 'a' }),
    ).toEqual({
      requestId: 'a',
      ok: false,
      error: "unknown alarm 'x:capacity:1'",
    });
    const invalid = await request(topic, { action: 'acknowledge', alarmId: alarm.id, requestId: 'b' });
    expect(invalid).toMatchObject({ ok: false, error: expect.stringContaining('by') });
    const badType = await request(topics.controlAlarm(SITE, 'flood'), {
      action: 'clear',
      alarmId: alarm.id,
      by: 's',
      requestId: 'c',
    });
    expect(badType).toMatchObject({ ok: false, error: "unknown alarm type 'flood'" });

    let transitions = 0;
    ingest.events.on('alarm', () => transitions++);
    const first = await request(topic, { action: 'clear', alarmId: alarm.id, by: 's', requestId: 'd' });
    const retried = await request(topic, { action: 'clear', alarmId: alarm.id, by: 's', requestId: 'd' });
    expect(retried).toEqual(first);
    expect(transitions).toBe(1);
    const again = await request(topic, { action: 'clear', alarmId: alarm.id, by: 's', requestId: 'e' });
    expect(again).toMatchObject({ ok: false, error: `alarm '${alarm.id}' is already cleared` });
  });

  it('resets a bus at the end of its line on request and re-publishes its state at once', async () => {
    const ingest = await startIngest();
    const seen = nextState(ingest, (s) => s.occupancy === 4);
    await counts(4, 0);
    await seen;
    const request = await controller();
    const zero = nextState(ingest, (s) => s.occupancy === 0);
    const reply = await request(topics.controlCounts(SITE), {
      action: 'reset',
      reason: 'end-of-line',
      by: 'dispatch',
      requestId: 'eol-1',
    });
    expect(reply).toEqual({ requestId: 'eol-1', ok: true });
    expect((await zero).level).toBe('ok');
    const correct = nextState(ingest, (s) => s.occupancy === 2);
    expect(
      await request(topics.controlCounts(SITE), {
        action: 'correct',
        occupancy: 2,
        by: 'sari',
        requestId: 'c-1',
      }),
    ).toEqual({
      requestId: 'c-1',
      ok: true,
    });
    await correct;
  });

  it('runs the daily reset at 04:00 WIB by itself and clears the capacity alarm it ends', async () => {
    const ingest = await startIngest();
    const raised = nextAlarm(ingest);
    await counts(7, 0);
    await raised;
    expect(new Date(ingest.nextDailyReset()!).toISOString()).toBe('2026-11-27T21:00:00.000Z');
    const reset = new Promise((resolve) => ingest.events.once('correction', resolve));
    const cleared = nextAlarm(ingest, (c) => c.action === 'cleared');
    clock.t = Date.UTC(2026, 10, 27, 21, 0, 0);
    expect(await reset).toMatchObject({
      siteId: SITE,
      action: 'reset',
      reason: 'daily',
      by: 'system',
      before: 7,
      after: 0,
    });
    expect((await cleared).alarm).toMatchObject({ state: 'cleared', clearedBy: 'system' });
    expect(ingest.state(SITE)?.occupancy).toBe(0);
  });

  it('takes an open alarm back from the broker when the store has none (retained records)', async () => {
    const first = await startIngest();
    const raised = nextAlarm(first);
    await counts(7, 0);
    const { alarm } = await raised;
    await first.stop();
    running.splice(0);
    const second = await startIngest(createMemoryStore());
    expect(second.alarm(SITE, 'capacity')).toMatchObject({ id: alarm.id, state: 'open' });
  });
});

const stores = {
  memory: () => createMemoryStore(),
  influx: () =>
    createInfluxStore(
      {
        url: inject('influxUrl'),
        token: undefined,
        org: 'jagajarak',
        bucket: 'jagajarak',
        database: testDatabase('ingest_alarms'),
        retentionPolicy: undefined,
        api: 'v1',
      },
      { queue: { flushIntervalMs: 20 } },
    ),
};

describe.each(Object.entries(stores))('after an ingest restart (%s store)', (_name, makeStore) => {
  it('keeps the open alarm with its id, escalates it in place and clears it', async () => {
    const store = makeStore();
    await store.start();
    try {
      const alarm = await raisedBeforeRestart(store, 4);
      expect(alarm).toMatchObject({ severity: 'warning', state: 'open' });

      // The broker restarts too (in-memory persistence): only the store remembers the alarm.
      await Promise.all(clients.splice(0).map((c) => c.endAsync()));
      await broker.close();
      broker = await startBareBroker();
      await provision();

      clock.t += 30_000;
      const second = await startIngest(store);
      expect(second.alarm(SITE, 'capacity')).toMatchObject({
        id: alarm.id,
        state: 'open',
        severity: 'warning',
      });
      expect(await retainedAlarm()).toMatchObject({ id: alarm.id, state: 'open' });

      const changes: AlarmChange[] = [];
      second.events.on('alarm', (c) => changes.push(c));
      const escalated = nextAlarm(second, (c) => c.action === 'escalated');
      await counts(6, 0);
      expect((await escalated).alarm).toMatchObject({ id: alarm.id, severity: 'critical' });
      const cleared = nextAlarm(second, (c) => c.action === 'cleared');
      await counts(6, 5);
      expect((await cleared).alarm).toMatchObject({ id: alarm.id, state: 'cleared', clearedBy: 'system' });
      expect(changes.map((c) => [c.action, c.alarm.id])).toEqual([
        ['escalated', alarm.id],
        ['cleared', alarm.id],
      ]);
    } finally {
      await Promise.all(running.splice(0).map((i) => i.stop()));
      await store.close();
    }
  });

  it("keeps counting from the last correction instead of the devices' totals since boot", async () => {
    const store = makeStore();
    await store.start();
    try {
      const first = await startIngest(store);
      const counted = nextState(first, (s) => s.occupancy === 4);
      await counts(30, 26);
      await counted;
      const request = await controller();
      const eol = { action: 'reset', reason: 'end-of-line', by: 'dispatch', requestId: 'eol' };
      expect((await request(topics.controlCounts(SITE), eol)).ok).toBe(true);
      await first.stop();
      running.splice(0);
      await store.flush();
      const points = await store.points({ measurement: 'correction', fromMs: 0, toMs: T0 * 2 });
      expect(
        points.map((p) => [
          p.tags.action,
          p.fields.reason,
          p.fields.occupancyBefore,
          p.fields.occupancyAfter,
        ]),
      ).toEqual([['reset', 'end-of-line', 4, 0]]);

      const second = await startIngest(store);
      // Rebuilt from the store at start, before the device speaks again (state-restore.ts).
      expect(second.state(SITE)?.occupancy).toBe(0);
      const resumed = nextState(second, (s) => s.occupancy !== 0);
      await counts(33, 27);
      expect((await resumed).occupancy).toBe(2);
    } finally {
      await Promise.all(running.splice(0).map((i) => i.stop()));
      await store.close();
    }
  });

  it('waits for the registry owner before restoring when the broker came back empty (all-in-one restart)', async () => {
    const store = makeStore();
    await store.start();
    try {
      const alarm = await raisedBeforeRestart(store, 4);

      // Broker and ingest restart; the dashboard replicates the registry only after ingest began.
      await Promise.all(clients.splice(0).map((c) => c.endAsync()));
      await broker.close();
      broker = await startBareBroker();
      clock.t += 30_000;
      const second = createIngest({ ...config(), registryWaitMs: 10_000 }, { store, clock });
      running.push(second);
      const changes: AlarmChange[] = [];
      second.events.on('alarm', (c) => changes.push(c));
      const started = second.start();
      await new Promise((r) => setTimeout(r, 300)); // well past registrySettleMs: an empty registry
      await provision();
      const owner = await connect();
      const policy = { id: 'normal', changedAt: new Date(clock.t).toISOString(), changedBy: 'test' };
      await owner.publishAsync(topics.registryPolicy(), JSON.stringify(policy), { qos: 1, retain: true });
      await started;

      expect(second.alarm(SITE, 'capacity')).toMatchObject({ id: alarm.id, state: 'open' });
      expect(second.state(SITE)).toMatchObject({ occupancy: 4, level: 'warning' });
      expect(changes).toEqual([]);
    } finally {
      await Promise.all(running.splice(0).map((i) => i.stop()));
      await store.close();
    }
  });

  it('keeps a restored warning at 75% (hysteresis holds across the restart)', async () => {
    const store = makeStore();
    await store.start();
    try {
      await provision(40);
      const alarm = await raisedBeforeRestart(store, 16);
      expect(alarm).toMatchObject({ severity: 'warning', details: { load: 0.8 } });
      // Listening from before start: restoring the warning must not re-raise or clear it either.
      const second = createIngest(config(), { store, clock });
      running.push(second);
      const transitions: AlarmChange[] = [];
      second.events.on('alarm', (c) => transitions.push(c));
      await second.start();
      const state = nextState(second, (s) => s.occupancy === 15);
      // One person leaves; totals are cumulative, so lower ones would be a reboot, not people leaving.
      await counts(16, 1);
      expect(await state).toMatchObject({ level: 'warning', load: 0.75 });
      expect(second.alarm(SITE, 'capacity')).toMatchObject({ id: alarm.id, state: 'open' });
      expect(transitions).toEqual([]);
    } finally {
      await Promise.all(running.splice(0).map((i) => i.stop()));
      await store.close();
    }
  });
});
