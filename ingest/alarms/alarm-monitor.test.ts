/**
 * The four alarm rules end to end through the real parts ingest wires together (registry replica,
 * SiteTracker with its level machine, AlarmMonitor, memory store), with time passed in: every
 * transition is checked without timers or sleeps.
 */
import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Alarm, AlarmSettingsInput, AlarmType } from '../../shared/alarms.ts';
import { silentLogger } from '../../shared/log.ts';
import { RegistryReplica } from '../../shared/registry-replica.ts';
import type { DeviceType, SiteKind } from '../../shared/registry-schemas.ts';
import type { HistoryStore } from '../../shared/store/history-store.ts';
import { createMemoryStore } from '../../shared/store/memory-store.ts';
import { type DeviceStream, topics } from '../../shared/topics.ts';
import { ingestMetrics } from '../ingest-metrics.ts';
import { SiteTracker } from '../site-tracker.ts';
import { validateMessage } from '../validate-message.ts';
import { AlarmMonitor } from './alarm-monitor.ts';
import type { AlarmChange } from './alarm-record.ts';

const T0 = Date.UTC(2026, 10, 28, 2, 0, 0);
const MIN = 60_000;

let registry: RegistryReplica;
let tracker: SiteTracker;
let monitor: AlarmMonitor;
let store: HistoryStore;
let published: Map<string, Alarm>;
let changes: AlarmChange[];
let seq = 0;

function site(id: string, kind: SiteKind, designCapacity: number, alarm?: AlarmSettingsInput) {
  registry.handle(
    topics.registrySite(id),
    JSON.stringify({ id, name: id, kind, designCapacity, createdAt: 'x', ...(alarm ? { alarm } : {}) }),
  );
}
function device(id: string, siteId: string, type: DeviceType) {
  registry.handle(
    topics.registryDevice(id),
    JSON.stringify({ id, siteId, type, secretHash: 'h', createdAt: 'x' }),
  );
}
function alarmSettings(record: { all?: AlarmSettingsInput; kinds?: Record<string, AlarmSettingsInput> }) {
  registry.handle(
    topics.registryAlarmSettings(),
    JSON.stringify({ ...record, changedAt: 'x', changedBy: 'admin' }),
  );
  for (const id of tracker.siteIds()) evaluate(id, T0);
}
function evaluate(siteId: string, now: number) {
  tracker.evaluate(siteId, now);
  monitor.capacity(siteId, now);
}

/** What create-ingest does with one device message. */
function send(deviceId: string, stream: DeviceStream, payload: object, now: number, retained = false) {
  const v = validateMessage(topics.device(deviceId, stream), Buffer.from(JSON.stringify(payload)), registry);
  if (!v.ok) throw new Error(v.error);
  const outcome = tracker.apply(v.site.id, v.message, now);
  monitor.observe(v, outcome, now, retained);
  if (outcome !== 'stale') evaluate(v.site.id, now);
}
const occupancy = (deviceId: string, count: number, now: number, ts = now) =>
  send(deviceId, 'occupancy', { ts, seq: ++seq, count }, now);
const body = (deviceId: string, celsius: number, now: number, kind = 'body') =>
  send(deviceId, 'temperature', { ts: now, seq: ++seq, kind, celsius }, now);

function tick(now: number) {
  for (const id of tracker.tick(now)) monitor.capacity(id, now);
  monitor.tick(now);
}
const alarm = (siteId: string, type: AlarmType) => monitor.engine.get(siteId, type);
const actions = (type: AlarmType) => changes.filter((c) => c.alarm.type === type).map((c) => c.action);

beforeEach(() => {
  registry = new RegistryReplica('normal');
  tracker = new SiteTracker(registry, (s) => registry.alarmSettingsFor(s).capacity);
  store = createMemoryStore();
  published = new Map();
  changes = [];
  monitor = new AlarmMonitor({
    registry,
    tracker,
    store,
    publish: (topic, payload) => published.set(topic, JSON.parse(payload) as Alarm),
    log: silentLogger,
    metrics: ingestMetrics(new Registry()),
    onChange: (c) => changes.push(c),
  });
  site('pasar-tos', 'market', 100);
  device('tos-cam', 'pasar-tos', 'occupancy-sensor');
  monitor.start(T0);
});

describe('capacity alarm', () => {
  it('raises no warning before the 30 s pending time, then a warning', () => {
    occupancy('tos-cam', 85, T0);
    tick(T0 + 29_999);
    expect(alarm('pasar-tos', 'capacity')).toBeUndefined();
    tick(T0 + 30_000);
    expect(alarm('pasar-tos', 'capacity')).toMatchObject({
      severity: 'warning',
      state: 'open',
      raisedAt: T0 + 30_000,
      details: { occupancy: 85, safeCapacity: 100, load: 0.85 },
    });
  });

  it('keeps the warning at 75% and clears it below 70% as the system', () => {
    occupancy('tos-cam', 85, T0);
    tick(T0 + 30_000);
    occupancy('tos-cam', 75, T0 + 40_000);
    expect(alarm('pasar-tos', 'capacity')?.state).toBe('open');
    occupancy('tos-cam', 69, T0 + 50_000);
    expect(alarm('pasar-tos', 'capacity')).toMatchObject({ state: 'cleared', clearedBy: 'system' });
    expect(actions('capacity')).toEqual(['raised', 'cleared']);
  });

  it('goes critical at 100% and de-escalates to warning in place below 90%', () => {
    occupancy('tos-cam', 120, T0);
    const { id } = alarm('pasar-tos', 'capacity')!;
    occupancy('tos-cam', 95, T0 + 1000);
    expect(alarm('pasar-tos', 'capacity')).toMatchObject({ id, severity: 'critical' });
    occupancy('tos-cam', 89, T0 + 2000);
    expect(alarm('pasar-tos', 'capacity')).toMatchObject({ id, severity: 'warning', state: 'open' });
    expect(actions('capacity')).toEqual(['raised', 'de-escalated']);
  });

  it('follows per-kind thresholds from the city alarm settings', () => {
    site('mall-a', 'mall', 100);
    device('mall-cam', 'mall-a', 'occupancy-sensor');
    alarmSettings({ kinds: { market: { capacity: { warnEnter: 0.5, warnExit: 0.4, warnPendingMs: 0 } } } });
    occupancy('tos-cam', 60, T0);
    occupancy('mall-cam', 60, T0);
    expect(alarm('pasar-tos', 'capacity')?.severity).toBe('warning');
    expect(alarm('mall-a', 'capacity')).toBeUndefined();
  });

  it("follows a site's own thresholds over the city's", () => {
    site('mpp-batam', 'public-service', 100, { capacity: { critEnter: 0.6, critExit: 0.55 } });
    device('mpp-cam', 'mpp-batam', 'occupancy-sensor');
    occupancy('mpp-cam', 65, T0);
    occupancy('tos-cam', 65, T0);
    expect(alarm('mpp-batam', 'capacity')?.severity).toBe('critical');
    expect(alarm('pasar-tos', 'capacity')).toBeUndefined();
  });

  it('follows a city policy switch at once (safe capacity halves, the alarm goes critical)', () => {
    occupancy('tos-cam', 60, T0);
    registry.handle(
      topics.registryPolicy(),
      JSON.stringify({ id: 'psbb', changedAt: 'x', changedBy: 'admin' }),
    );
    evaluate('pasar-tos', T0 + 1);
    expect(alarm('pasar-tos', 'capacity')).toMatchObject({
      severity: 'critical',
      details: { safeCapacity: 50 },
    });
  });

  it('publishes every transition retained and stores it as an alarm_event point', async () => {
    occupancy('tos-cam', 120, T0);
    occupancy('tos-cam', 10, T0 + 1000);
    const retained = published.get(topics.siteAlarm('pasar-tos', 'capacity'));
    expect(retained).toMatchObject({ state: 'cleared', severity: 'critical' });
    const points = await store.points({ measurement: 'alarm_event', fromMs: 0, toMs: T0 * 2 });
    expect(points.map((p) => [p.tags, p.fields.state, p.fields.by, p.ts])).toEqual([
      [{ site: 'pasar-tos', type: 'capacity', action: 'raised' }, 'open', 'system', T0],
      [{ site: 'pasar-tos', type: 'capacity', action: 'cleared' }, 'cleared', 'system', T0 + 1000],
    ]);
    expect(JSON.parse(points[1]!.fields.alarm as string)).toEqual(retained);
  });
});

describe('fever alarm', () => {
  beforeEach(() => device('tos-thermal', 'pasar-tos', 'thermal-scanner'));

  it('warns at 37.3 C, escalates at 38.0 C, never fires on ambient readings', () => {
    body('tos-thermal', 40, T0, 'ambient');
    body('tos-thermal', 37.2, T0);
    expect(alarm('pasar-tos', 'fever')).toBeUndefined();
    body('tos-thermal', 37.3, T0 + 1000);
    expect(alarm('pasar-tos', 'fever')).toMatchObject({
      severity: 'warning',
      details: { celsius: 37.3, deviceId: 'tos-thermal' },
    });
    body('tos-thermal', 38.4, T0 + 2000);
    expect(alarm('pasar-tos', 'fever')).toMatchObject({ severity: 'critical', details: { celsius: 38.4 } });
  });

  it('takes an impossible body temperature as a sensor fault, never as a fever', () => {
    body('tos-thermal', 120, T0);
    body('tos-thermal', 12, T0 + 1000);
    expect(alarm('pasar-tos', 'fever')).toBeUndefined();
    expect(alarm('pasar-tos', 'sensor-fault')?.details).toMatchObject({
      fault: 'impossible-temperature',
      deviceId: 'tos-thermal',
      celsius: 120,
    });
    body('tos-thermal', 45, T0 + 2000);
    expect(alarm('pasar-tos', 'fever')).toMatchObject({ severity: 'critical' });
  });

  it('de-escalates and clears feverClearMs after the last fever reading of each severity', () => {
    body('tos-thermal', 38.4, T0);
    body('tos-thermal', 37.5, T0 + 2 * MIN);
    tick(T0 + 5 * MIN - 1);
    expect(alarm('pasar-tos', 'fever')?.severity).toBe('critical');
    tick(T0 + 5 * MIN);
    expect(alarm('pasar-tos', 'fever')).toMatchObject({ severity: 'warning', state: 'open' });
    tick(T0 + 7 * MIN);
    expect(alarm('pasar-tos', 'fever')).toMatchObject({ state: 'cleared', clearedBy: 'system' });
    expect(actions('fever')).toEqual(['raised', 'de-escalated', 'cleared']);
  });
});

describe('device-offline alarm (deadman)', () => {
  beforeEach(() => device('tos-door', 'pasar-tos', 'door-counter'));
  const countsAt = (now: number) => send('tos-door', 'counts', { ts: now, seq: ++seq, in: 5, out: 1 }, now);

  it('warns when one device is silent for 5 min, goes critical when all are, clears when they report', () => {
    occupancy('tos-cam', 10, T0 + 1 * MIN);
    tick(T0 + 5 * MIN - 1);
    expect(alarm('pasar-tos', 'device-offline')).toBeUndefined();
    tick(T0 + 5 * MIN);
    expect(alarm('pasar-tos', 'device-offline')).toMatchObject({
      severity: 'warning',
      details: { silentDevices: 'tos-door', silentCount: 1, deviceCount: 2 },
    });
    tick(T0 + 6 * MIN);
    expect(alarm('pasar-tos', 'device-offline')).toMatchObject({
      severity: 'critical',
      details: { silentDevices: 'tos-cam,tos-door', silentCount: 2 },
    });
    countsAt(T0 + 7 * MIN);
    expect(alarm('pasar-tos', 'device-offline')?.severity).toBe('warning');
    occupancy('tos-cam', 10, T0 + 7 * MIN);
    expect(alarm('pasar-tos', 'device-offline')?.state).toBe('cleared');
    expect(actions('device-offline')).toEqual(['raised', 'escalated', 'de-escalated', 'cleared']);
  });

  it("finds new silence on the tick, not on another device's message; ends it on the silent device's own", () => {
    occupancy('tos-cam', 10, T0 + 1 * MIN);
    // tos-door has been silent for 5 min, but tos-cam's message does not walk the site's devices.
    occupancy('tos-cam', 11, T0 + 5 * MIN);
    expect(alarm('pasar-tos', 'device-offline')).toBeUndefined();
    tick(T0 + 5 * MIN);
    expect(alarm('pasar-tos', 'device-offline')?.severity).toBe('warning');
    // While a device is silent, every message of the site re-evaluates: tos-door's clears at once.
    countsAt(T0 + 5 * MIN + 1);
    expect(alarm('pasar-tos', 'device-offline')?.state).toBe('cleared');
  });

  it('does not take a retained replay or a last will as a sign of life', () => {
    tick(T0 + 5 * MIN);
    expect(alarm('pasar-tos', 'device-offline')?.severity).toBe('critical');
    send('tos-door', 'status', { online: true, fw: '1.0', ts: T0 }, T0 + 6 * MIN, true);
    send('tos-door', 'status', { online: false }, T0 + 6 * MIN);
    expect(alarm('pasar-tos', 'device-offline')?.severity).toBe('critical');
  });
});

describe('sensor-fault alarm', () => {
  beforeEach(() => device('tos-door', 'pasar-tos', 'door-counter'));

  it('warns on a door counter reboot and clears after 10 quiet minutes', () => {
    send('tos-door', 'counts', { ts: T0, seq: 1, in: 40, out: 10 }, T0);
    send('tos-door', 'counts', { ts: T0 + 1000, seq: 0, in: 2, out: 0 }, T0 + 1000);
    expect(alarm('pasar-tos', 'sensor-fault')).toMatchObject({
      severity: 'warning',
      details: { fault: 'counter-reboot', deviceId: 'tos-door' },
    });
    tick(T0 + 1000 + 10 * MIN - 1);
    expect(alarm('pasar-tos', 'sensor-fault')?.state).toBe('open');
    tick(T0 + 1000 + 10 * MIN);
    expect(alarm('pasar-tos', 'sensor-fault')?.state).toBe('cleared');
  });

  it('warns on a device clock far ahead, and on a birth message far behind', () => {
    occupancy('tos-cam', 10, T0, T0 + 60 * MIN);
    expect(alarm('pasar-tos', 'sensor-fault')).toMatchObject({
      details: { fault: 'clock-skew', deviceId: 'tos-cam', clockOffsetMs: 60 * MIN },
    });
    tick(T0 + 10 * MIN);
    expect(alarm('pasar-tos', 'sensor-fault')?.state).toBe('cleared');
    send('tos-door', 'status', { online: true, ts: T0 - 60 * MIN }, T0 + 11 * MIN);
    expect(alarm('pasar-tos', 'sensor-fault')).toMatchObject({
      state: 'open',
      details: { fault: 'clock-skew' },
    });
  });

  it('takes a replay of buffered readings as normal, but a clock that stays behind as a fault', () => {
    for (let i = 0; i < 5; i++) occupancy('tos-cam', 10, T0 + i * 1000, T0 - 60 * MIN + i * 1000);
    expect(alarm('pasar-tos', 'sensor-fault')).toBeUndefined();
    occupancy('tos-cam', 10, T0 + 10 * MIN, T0 - 50 * MIN);
    expect(alarm('pasar-tos', 'sensor-fault')?.details.fault).toBe('clock-skew');
  });

  it('warns on impossible values: 3x design capacity, or door counts far below zero', () => {
    occupancy('tos-cam', 301, T0);
    expect(alarm('pasar-tos', 'sensor-fault')?.details).toMatchObject({
      fault: 'impossible-occupancy',
      occupancy: 301,
    });
    site('halte', 'public-service', 40);
    device('halte-door', 'halte', 'door-counter');
    send('halte-door', 'counts', { ts: T0, seq: 1, in: 0, out: 9 }, T0);
    expect(alarm('halte', 'sensor-fault')).toBeUndefined();
    send('halte-door', 'counts', { ts: T0 + 1, seq: 2, in: 0, out: 11 }, T0 + 1);
    expect(alarm('halte', 'sensor-fault')?.details).toMatchObject({ fault: 'negative-count', doorNet: -11 });
  });
});

describe('operator commands through the monitor', () => {
  it('acknowledge and clear are stored and published with their actor', async () => {
    occupancy('tos-cam', 120, T0);
    const { id } = alarm('pasar-tos', 'capacity')!;
    const ack = monitor.command(
      'pasar-tos',
      'capacity',
      { action: 'acknowledge', alarmId: id, by: 'sari', requestId: 'a' },
      T0 + 5,
    );
    expect(ack).toMatchObject({ ok: true, alarm: { state: 'acknowledged', acknowledgedBy: 'sari' } });
    expect(published.get(topics.siteAlarm('pasar-tos', 'capacity'))?.state).toBe('acknowledged');
    monitor.command(
      'pasar-tos',
      'capacity',
      { action: 'clear', alarmId: id, by: 'sari', requestId: 'b' },
      T0 + 6,
    );
    occupancy('tos-cam', 125, T0 + 7);
    expect(alarm('pasar-tos', 'capacity')).toMatchObject({ id, state: 'cleared', clearedBy: 'sari' });
    const points = await store.points({ measurement: 'alarm_event', fromMs: 0, toMs: T0 * 2 });
    expect(points.map((p) => [p.tags.action, p.fields.by])).toEqual([
      ['raised', 'system'],
      ['acknowledged', 'sari'],
      ['cleared', 'sari'],
    ]);
  });
});
