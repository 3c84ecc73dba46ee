/**
 * Issue #6 item 2, broker restart: the firmware-sim devices lose the broker mid-stream, keep
 * measuring into their offline buffers, reconnect with exponential backoff and jitter once a new
 * broker listens on the same port (and the control plane has replicated the registry to it again),
 * and replay in order with the original device time; ingest reconnects and subscribes again.
 * InfluxDB must then hold every message exactly once per (device, ts), and the counts must be right.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceClient } from '../../firmware-sim/device-client.ts';
import { DEVICES, Rig, SITES, Traffic, until } from './ingest-restart-kit.ts';

const BACKOFF = { initialMs: 100, maxMs: 800, factor: 2, jitter: 0.5 };
const ATTEMPTS_WHILE_DOWN = 3;
const STOP_AT = 30;
const LAST = 100;
const TICK_MS = 15;

let rig: Rig | undefined;

afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('a broker restart', { timeout: 60_000 }, () => {
  it('devices back off, replay their buffers, and the store gets every message exactly once', async () => {
    rig = new Rig();
    const r = rig;
    await r.startBroker();
    await r.provision(SITES, DEVICES);
    const store = await r.newStore();
    const ingest = await r.startIngest(store);
    const devices = new Map<string, DeviceClient>();
    const scheduled = new Map<string, Array<{ delayMs: number; attempt: number }>>();
    for (const d of DEVICES) {
      const device = await r.startDevice(d.id, { backoff: BACKOFF });
      scheduled.set(d.id, []);
      device.on('reconnectScheduled', (delayMs, attempt) => scheduled.get(d.id)!.push({ delayMs, attempt }));
      devices.set(d.id, device);
    }
    const traffic = new Traffic(devices, 10);

    let outage: Promise<void> | undefined;
    let bufferedWhileDown = 0;
    await traffic.run(LAST, TICK_MS, (k) => {
      if (k !== STOP_AT) return;
      outage = (async () => {
        await r.stopBroker();
        await until('every device to fail a few reconnects', () =>
          [...scheduled.values()].every((s) => s.length >= ATTEMPTS_WHILE_DOWN),
        );
        bufferedWhileDown = Math.min(...[...devices.values()].map((d) => d.stats().buffered));
        // The new broker starts empty (aedes in-memory persistence) but declares ingest's session
        // at start (broker/durable-sessions.ts): devices come back within 0.5-1 s, ingest after about
        // 1 s, and what the devices replay meanwhile waits in ingest's queue instead of being lost.
        await r.startBroker();
      })();
    });
    await outage;

    // Backoff: per device, each delay within its exponential cap and the jittered half below it.
    for (const [id, attempts] of scheduled) {
      for (const { delayMs, attempt } of attempts) {
        const cap = Math.min(BACKOFF.maxMs, BACKOFF.initialMs * BACKOFF.factor ** (attempt - 1));
        expect(delayMs, `${id} attempt ${attempt}`).toBeGreaterThanOrEqual(cap * (1 - BACKOFF.jitter));
        expect(delayMs, `${id} attempt ${attempt}`).toBeLessThanOrEqual(cap);
      }
      expect(attempts.slice(0, ATTEMPTS_WHILE_DOWN).map((a) => a.attempt)).toEqual([1, 2, 3]);
    }
    // Jitter: the devices that lost the broker together do not all come back at the same instant.
    const firstDelays = new Set([...scheduled.values()].map((s) => s[0]!.delayMs));
    expect(firstDelays.size).toBeGreaterThan(1);
    expect(bufferedWhileDown).toBeGreaterThan(0);

    await until('every buffered message replayed and acknowledged', () => traffic.allDelivered());
    await until('the market count of the last tick', () => ingest.state('pasar-uji')?.occupancy === 2 * LAST);
    await until('the last state on MQTT', () => r.states.get('pasar-uji')?.at(-1)?.occupancy === 2 * LAST);
    expect(ingest.state('mpp-uji')).toMatchObject({
      occupancy: traffic.cameraCount(LAST),
      level: 'critical',
    });
    const published = (r.states.get('pasar-uji') ?? []).map((s) => s.occupancy ?? 0);
    expect(published.filter((n, i) => i > 0 && n < published[i - 1]!)).toEqual([]);

    await until(
      'ingest to acknowledge everything the broker held for it',
      () => r.ingestBacklog() === 0 && ingest.acks().unacked === 0,
    );
    // Nobody was thrown out by the new broker, e.g. ingest mid-replay of its queue ("no such packet").
    expect(r.clientErrors).toEqual([]);
    await store.flush();
    const report = await traffic.expectStored(r);
    for (const id of Object.keys(report)) expect(report[id], id).toEqual({ missing: [], extra: [] });
    // Replayed with the original device time, in order: the newest reading is the last tick's.
    expect(ingest.state('pasar-uji')?.updatedAt).toBe(traffic.ts(LAST));
  });
});
