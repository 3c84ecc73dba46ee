/**
 * Issue #6 item 1: with InfluxDB stopped for 2 minutes under steady load, nothing is lost. Writes
 * spool to disk (visible in /healthz and /metrics) and replay when InfluxDB returns; the live
 * dashboard and alarms keep working meanwhile. A DEDICATED influxd is stopped and restarted here
 * (the run's shared one serves other tests and is never stopped).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_LINES } from '../../shared/store/spooled-writer.ts';
import { type InfluxdHandle, influxQuery, startInfluxd, testDatabase } from '../helpers/influxd.ts';
import { startTestSystem, type TestDevice, type TestSystem } from '../helpers/system.ts';

/** The outage: 2 minutes. */
const OUTAGE_MS = 120_000;
/** Light steady load: DEVICES devices, one message each per TICK_MS (4 x 20/s = 80 msg/s). */
const DEVICES = 4;
const TICK_MS = 50;

let influxd: InfluxdHandle;
let sys: TestSystem;
const database = testDatabase('outage');

beforeAll(async () => {
  influxd = await startInfluxd();
  sys = await startTestSystem({
    env: {
      INFLUX_URL: influxd.url,
      INFLUX_API: 'v1',
      INFLUX_DATABASE: database,
      INFLUX_BUCKET: database,
      LIVE_TICK_MS: '100',
    },
  });
});

afterAll(async () => {
  await sys?.stop();
  await influxd?.dispose();
});

/** Polls `probe` until it returns a value other than undefined (awaiting a condition, not a sleep). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Devices publishing occupancy with unique, increasing device timestamps; counts PUBACKed messages. */
function steadyLoad(devices: TestDevice[], ids: string[]) {
  const acked = new Map<string, number[]>(ids.map((id) => [id, []]));
  const lastTs = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  const timer = setInterval(() => {
    seq++;
    devices.forEach((device, i) => {
      const id = ids[i]!;
      const ts = Math.max(Date.now(), (lastTs.get(id) ?? 0) + 1);
      lastTs.set(id, ts);
      // Only a PUBACKed message counts as sent; a refused publish is not expected to be stored.
      const p: Promise<void> = device
        .publish('occupancy', { ts, seq, count: 5 + (seq % 10) })
        .then(
          () => void acked.get(id)!.push(ts),
          () => undefined,
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    });
  }, TICK_MS);
  return {
    acked,
    total: () => [...acked.values()].reduce((n, a) => n + a.length, 0),
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

describe('InfluxDB outage under steady load', () => {
  it('spools every write while InfluxDB is stopped for 2 minutes, keeps the live view and alarms, and stores each message exactly once after it returns', {
    timeout: OUTAGE_MS + 120_000,
  }, async () => {
    const ids = Array.from({ length: DEVICES }, (_, i) => `bus-k1-0${i + 1}-apc`);
    await sys.createSite({ id: 'bus-k1-01', kind: 'bus', designCapacity: 1000 });
    await sys.createSite({ id: 'pasar-tos-3000', kind: 'market', designCapacity: 100 });
    const devices: TestDevice[] = [];
    for (const id of ids) {
      const { secret } = await sys.createDevice({ id, siteId: 'bus-k1-01' });
      devices.push(await sys.connectDevice(id, secret));
    }
    const cam = await sys.createDevice({ id: 'tos-cam-1', siteId: 'pasar-tos-3000' });
    const camera = await sys.connectDevice('tos-cam-1', cam.secret);
    const store = sys.system.store;

    const load = steadyLoad(devices, ids);
    try {
      await until('writes reaching InfluxDB', async () => (store.stats().written > 100 ? true : undefined));
      expect(store.stats().spool).toMatchObject({ active: false, lines: 0 });

      await influxd.stop();
      const outageEnds = Date.now() + OUTAGE_MS;

      // The spool takes over and shows in /healthz (degraded, not down) and /metrics.
      const health = await until('/healthz to show the spool', async () => {
        const res = await fetch(`${sys.url}/healthz`);
        const body = (await res.json()) as {
          status: string;
          store: { spool?: { lines: number; active: boolean } };
        };
        return body.store.spool?.active && body.store.spool.lines > 0 ? { res, body } : undefined;
      });
      expect(health.res.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      // Gauges are refreshed every second.
      const metrics = await until('/metrics to show the spool', async () => {
        const text = (await sys.api('GET', '/metrics')).body as string;
        return Number(/^jagajarak_store_spool_lines (\d+)/m.exec(text)?.[1]) > 0 ? text : undefined;
      });
      expect(metrics).toMatch(/^jagajarak_store_spool_active 1$/m);
      expect(metrics).toMatch(/^jagajarak_store_spool_bytes [1-9]\d*$/m);

      // The live view and alarms do not depend on InfluxDB.
      await camera.publish('occupancy', { ts: Date.now(), seq: 1, count: 400 });
      const site = await until('the live site state', async () => {
        const sites = (await sys.api('GET', '/api/sites')).body as Array<{
          id: string;
          occupancy: number | null;
          level: string;
        }>;
        const tos = sites.find((s) => s.id === 'pasar-tos-3000');
        return tos?.occupancy === 400 ? tos : undefined;
      });
      expect(site.level).toBe('critical');
      const alarm = await until('a capacity alarm', async () => {
        const res = await sys.api('GET', '/api/alarms?state=open&siteId=pasar-tos-3000&type=capacity');
        return (res.body as Array<{ severity: string }>)[0];
      });
      expect(alarm.severity).toBe('critical');

      // Memory stays flat: the in-memory part of the backlog never exceeds its bound.
      let peakMemoryLines = 0;
      while (Date.now() < outageEnds) {
        const s = store.stats();
        peakMemoryLines = Math.max(peakMemoryLines, s.pending - (s.spool?.lines ?? 0));
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(peakMemoryLines).toBeLessThanOrEqual(DEFAULT_MEMORY_LINES);
      const spooled = store.stats().spool!;
      expect(spooled.lines).toBeGreaterThan((OUTAGE_MS / TICK_MS) * DEVICES * 0.5);
      expect(spooled.dropped).toBe(0);

      await influxd.restart();
      await until(
        'the spool to drain',
        async () => {
          const s = store.stats();
          return s.spool?.lines === 0 && !s.spool.active ? s : undefined;
        },
        60_000,
      );
      await load.stop();
      await camera.close();
      await store.flush();

      const stats = store.stats();
      expect(stats).toMatchObject({ failed: 0, dropped: 0 });
      expect(stats.spool).toMatchObject({ lines: 0, segments: 0, dropped: 0, corrupt: 0 });
      expect(stats.spool!.replayed).toBeGreaterThanOrEqual(spooled.lines);
      const health2 = (await (await fetch(`${sys.url}/healthz`)).json()) as { status: string };
      expect(health2.status).toBe('ok');

      // Every acknowledged message is stored exactly once per (device, ts).
      const sent = Object.fromEntries(ids.map((id) => [id, load.acked.get(id)!.length]));
      const countStored = async () => {
        const rows = await influxQuery(
          influxd.url,
          database,
          `SELECT count("count") FROM "occupancy" WHERE "site" = 'bus-k1-01' GROUP BY "device"`,
        );
        return Object.fromEntries(rows.map((r) => [r.device as string, r.count as number]));
      };
      // aedes PUBACKs before routing (DESIGN.md "Known traps"): the last messages may still be on
      // their way through ingest; wait for them (bounded), then compare.
      await until(
        'the last messages to be stored',
        async () => {
          await store.flush();
          return JSON.stringify(await countStored()) === JSON.stringify(sent) ? true : undefined;
        },
        15_000,
      ).catch(() => undefined);
      expect(await countStored()).toEqual(sent);
      expect(load.total()).toBeGreaterThan((OUTAGE_MS / TICK_MS) * DEVICES * 0.5);
      for (const id of ids) {
        const times = await influxQuery(
          influxd.url,
          database,
          `SELECT "count" FROM "occupancy" WHERE "device" = '${id}'`,
        );
        expect(times.map((t) => t.time)).toEqual([...load.acked.get(id)!].sort((a, b) => a - b));
      }
    } finally {
      await load.stop();
    }
  });
});
