/**
 * Issue #6 item 2, ingest restart: the broker keeps ingest's QoS 1 messages in its persistent
 * session meanwhile; on return ingest resumes its state, nothing is lost and nothing counted twice.
 * Real broker, real InfluxDB, real firmware-sim device clients; once with a clean stop() and once
 * with SIGKILL of an ingest running as its own process (no DISCONNECT, its write queue lost).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceClient } from '../../firmware-sim/device-client.ts';
import type { Ingest } from '../../ingest/create-ingest.ts';
import type { HistoryStore } from '../../shared/store/history-store.ts';
import { DEVICES, Rig, SITES, Traffic, until } from './ingest-restart-kit.ts';

const REBOOT_AFTER = 20;
const STOP_AT = 45;
const DOWN_UNTIL = 80;
const LAST = 100;
const TICK_MS = 15;

let rig: Rig;

afterEach(async () => {
  await rig?.close();
});

async function setUp(): Promise<{ traffic: Traffic; devices: Map<string, DeviceClient> }> {
  rig = new Rig();
  await rig.startBroker();
  await rig.provision(SITES, DEVICES);
  const devices = new Map<string, DeviceClient>();
  for (const d of DEVICES) devices.set(d.id, await rig.startDevice(d.id));
  return { traffic: new Traffic(devices, REBOOT_AFTER), devices };
}

/** What must hold after the restart, whichever way the first ingest went. */
async function expectNothingLostOrDoubled(
  traffic: Traffic,
  second: Ingest,
  store: HistoryStore,
  openAlarmId: string,
) {
  await until('every device message acknowledged', () => traffic.allDelivered());
  const market = await until('the market count of the last tick', () => {
    const s = second.state('pasar-uji');
    return s?.occupancy === 2 * LAST ? s : undefined;
  });
  expect(market).toMatchObject({ occupancy: 2 * LAST, updatedAt: traffic.ts(LAST) });
  await until('the last state on MQTT', () => rig.states.get('pasar-uji')?.at(-1)?.occupancy === 2 * LAST);
  expect(second.state('mpp-uji')).toMatchObject({
    occupancy: traffic.cameraCount(LAST),
    ambientTempC: 30 + (LAST % 3),
    level: 'critical',
  });

  // Door totals are cumulative; the market gains exactly 2 per tick, so a published count that
  // ever went down was a door re-learned or left out after the restart.
  const published = (rig.states.get('pasar-uji') ?? []).map((s) => s.occupancy ?? 0);
  const drops = published.filter((n, i) => i > 0 && n < published[i - 1]!);
  expect(drops).toEqual([]);
  expect(published.at(-1)).toBe(2 * LAST);

  // The capacity alarm open before the restart is the one open after it: no second alarm.
  expect(second.alarm('mpp-uji', 'capacity')).toMatchObject({ id: openAlarmId, state: 'open' });
  expect(new Set(rig.alarms.filter((a) => a.type === 'capacity').map((a) => a.id))).toEqual(
    new Set([openAlarmId]),
  );

  // Nothing is pending anywhere now: what the killed process lost and the broker did not re-send is gone.
  await until(
    'ingest to acknowledge everything the broker held for it',
    () => rig.ingestBacklog() === 0 && second.acks().unacked === 0,
  );
  await store.flush();
  const report = await traffic.expectStored(rig);
  for (const id of Object.keys(report)) expect(report[id], id).toEqual({ missing: [], extra: [] });
}

describe('an ingest restart', { timeout: 60_000 }, () => {
  it('after stop(), resumes counts and alarms and stores every message once', async () => {
    const { traffic } = await setUp();
    const store = await rig.newStore();
    const first = await rig.startIngest(store);
    let openAlarmId = '';
    let stopped: Promise<void> | undefined;
    await traffic.run(DOWN_UNTIL, TICK_MS, (k) => {
      if (k !== STOP_AT) return;
      openAlarmId = first.alarm('mpp-uji', 'capacity')?.id ?? '';
      stopped = rig.stopIngest(first);
    });
    await stopped;
    expect(openAlarmId).not.toBe('');

    // A new process would have a new store client: the old one's queue is flushed on stop (main.ts).
    await store.flush();
    const store2 = await rig.newStore();
    const second = await rig.startIngest(store2);
    // Rebuilt from the store before the broker's backlog is processed: never below the count at stop.
    expect(second.state('pasar-uji')?.occupancy).toBeGreaterThanOrEqual(2 * (STOP_AT - 5));
    await traffic.run(LAST, TICK_MS);
    await expectNothingLostOrDoubled(traffic, second, store2, openAlarmId);
  });

  it('after SIGKILL of its process mid-stream, loses nothing the broker had handed it', async () => {
    const { traffic } = await setUp();
    const child = await rig.spawnIngest();
    let killed: Promise<void> | undefined;
    await traffic.run(DOWN_UNTIL, TICK_MS, (k) => {
      if (k === STOP_AT) killed = rig.kill(child);
    });
    await killed;
    const openAlarm = rig.alarms.findLast((a) => a.siteId === 'mpp-uji' && a.type === 'capacity');
    expect(openAlarm).toMatchObject({ state: 'open' });

    const store = await rig.newStore();
    const second = await rig.startIngest(store);
    await traffic.run(LAST, TICK_MS);
    await expectNothingLostOrDoubled(traffic, second, store, openAlarm!.id);
    // The broker re-sent what the killed ingest had not acknowledged; the store took it again.
    expect(second.acks().acked).toBeGreaterThan(0);
  });
});
