/**
 * A service started while InfluxDB is down (README "When InfluxDB is down"): the store starts,
 * holds writes (disk spool or memory), answers reads with StoreUnavailableError, and catches up
 * once InfluxDB answers. A DEDICATED influxd is stopped before each test and started after the
 * store (the run's shared one serves other tests and is never stopped).
 */

import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type InfluxdHandle, influxQuery, startInfluxd, testDatabase } from '../../test/helpers/influxd.ts';
import { parseMetrics, sample } from '../../test/helpers/prom-text.ts';
import type { InfluxConfig } from '../config.ts';
import { type StorePoint, StoreUnavailableError, storeDegraded } from './history-store.ts';
import { createInfluxStore, type InfluxStore, type InfluxStoreDeps } from './influx-store.ts';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);

let influxd: InfluxdHandle;
beforeAll(async () => {
  influxd = await startInfluxd();
});
afterAll(async () => {
  await influxd?.dispose();
});

const point = (i: number): StorePoint => ({
  measurement: 'site_state',
  tags: { site: 'pasar-tos-3000', kind: 'market' },
  fields: { occupancy: i, safeCapacity: 200, level: 'ok' },
  ts: T0 + i * 1000,
});

/** JSON log lines of a real pino logger, awaitable. */
function capturedLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const events = new EventEmitter();
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const entry = JSON.parse(line);
        lines.push(entry);
        events.emit('line', entry);
      },
    },
  );
  const next = (match: RegExp) =>
    new Promise<{ level: number; msg: string }>((resolve) => {
      const seen = lines.find((l) => match.test(l.msg));
      if (seen) return resolve(seen);
      const on = (l: { level: number; msg: string }) => {
        if (!match.test(l.msg)) return;
        events.off('line', on);
        resolve(l);
      };
      events.on('line', on);
    });
  return { logger, lines, next };
}

/** Fast retries so a test waits milliseconds, not the production seconds. */
const FAST: InfluxStoreDeps = {
  connectRetry: { minDelayMs: 50, maxDelayMs: 200 },
  queue: { flushIntervalMs: 20, minRetryDelayMs: 50, maxRetryDelayMs: 200 },
  spool: { probeMaxDelayMs: 100, flushMs: 10 },
};

describe('InfluxDB store started before InfluxDB', () => {
  let dirs: string[] = [];
  let stores: InfluxStore[] = [];
  const spoolDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'jagajarak-late-start-'));
    dirs.push(dir);
    return dir;
  };
  const config = (overrides: Partial<InfluxConfig> = {}): InfluxConfig => ({
    url: influxd.url,
    token: undefined,
    org: 'jagajarak',
    bucket: 'jagajarak',
    database: testDatabase('late'),
    retentionPolicy: undefined,
    api: 'auto',
    ...overrides,
  });
  const open = (cfg: InfluxConfig, deps: InfluxStoreDeps = {}) => {
    const store = createInfluxStore(cfg, { ...FAST, ...deps });
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    await influxd.stop();
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    stores = [];
    dirs = [];
  });

  it('with INFLUX_API=auto starts, spools writes and refuses reads until InfluxDB answers, then picks the v1 API and stores everything', async () => {
    const cfg = config({ spoolDir: spoolDir() });
    const registry = new Registry();
    const log = capturedLogger();
    const store = open(cfg, { metrics: registry, logger: log.logger });

    await store.start();
    expect(store.api()).toBeUndefined();
    expect(store.describe()).toMatch(
      /^InfluxDB \(auto API\) at http:\/\/127\.0\.0\.1:\d+, database \S+ \(not reached yet\)$/,
    );
    expect(store.stats().connection).toMatchObject({ state: 'connecting', api: undefined });
    expect(storeDegraded(store.stats())).toBe(true);
    expect((await log.next(/did not answer/)).msg).toMatch(
      /starting anyway: history writes wait in the disk spool .*INFLUX_API=auto.* picked when it answers/,
    );

    for (let i = 0; i < 500; i++) store.write(point(i));
    await expect.poll(() => store.stats().spool?.lines, { timeout: 10_000 }).toBe(500);
    expect(store.stats().spool?.active).toBe(true);
    const read = store.siteHistory({
      siteId: 'pasar-tos-3000',
      fromMs: T0,
      toMs: T0 + 600_000,
      stepMs: 60_000,
    });
    await expect(read).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(read).rejects.toMatchObject({
      reason: 'the history database has not been reached since start',
    });
    let metrics = parseMetrics(await registry.metrics());
    expect(sample(metrics, 'jagajarak_store_connecting')).toBe(1);
    expect(sample(metrics, 'jagajarak_store_connect_failures_total')).toBeGreaterThanOrEqual(1);

    await influxd.restart();
    await store.flush();

    expect(store.api()).toBe('v1');
    expect(store.describe()).toMatch(
      /^InfluxDB 1\.\S+ \(v1 API\) at http:\/\/127\.0\.0\.1:\d+, database \S+$/,
    );
    expect(store.stats()).toMatchObject({
      pending: 0,
      written: 500,
      failed: 0,
      connection: { state: 'connected', api: 'v1' },
      spool: { lines: 0, dropped: 0 },
    });
    expect(storeDegraded(store.stats())).toBe(false);
    expect(
      await influxQuery(influxd.url, cfg.database, 'SELECT count("occupancy") FROM "site_state"'),
    ).toEqual([{ time: 0, count: 500 }]);
    const buckets = await store.siteHistory({
      siteId: 'pasar-tos-3000',
      fromMs: T0,
      toMs: T0 + 600_000,
      stepMs: 60_000,
    });
    expect(buckets).toHaveLength(9);
    expect((await log.next(/answered after \d+ failed attempts/)).level).toBe(30);
    metrics = parseMetrics(await registry.metrics());
    expect(sample(metrics, 'jagajarak_store_connecting')).toBe(0);
    expect(sample(metrics, 'jagajarak_store_points_written_total')).toBe(500);
  });

  it('with INFLUX_API=v1 and no spool, creates the database only once InfluxDB answers, so no write is refused for a missing database', async () => {
    const cfg = config({ api: 'v1' });
    const store = open(cfg);
    await store.start();
    expect(store.stats().connection).toMatchObject({ state: 'connecting', api: 'v1' });
    for (let i = 0; i < 50; i++) store.write(point(i));
    await expect.poll(() => store.stats().connection?.failedAttempts).toBeGreaterThanOrEqual(2);

    await influxd.restart();
    await store.flush();
    expect(store.stats()).toMatchObject({ pending: 0, written: 50, failed: 0, dropped: 0 });
    expect(
      await influxQuery(influxd.url, cfg.database, 'SELECT count("occupancy") FROM "site_state"'),
    ).toEqual([{ time: 0, count: 50 }]);
  });

  it('keeps what it spooled while InfluxDB was never reached for the next start, which stores it', async () => {
    const cfg = config({ spoolDir: spoolDir() });
    const first = open(cfg);
    await first.start();
    for (let i = 0; i < 20; i++) first.write(point(i));
    await expect.poll(() => first.stats().spool?.lines).toBe(20);
    await first.close();
    expect(first.stats()).toMatchObject({ failed: 0, dropped: 0, spool: { lines: 20 } });

    await influxd.restart();
    const second = open(cfg);
    await second.start();
    expect(second.stats().connection?.state).toBe('connected');
    await second.flush();
    expect(second.stats()).toMatchObject({ written: 20, failed: 0, spool: { lines: 0, replayed: 20 } });
    expect(
      await influxQuery(influxd.url, cfg.database, 'SELECT count("occupancy") FROM "site_state"'),
    ).toEqual([{ time: 0, count: 20 }]);
  });
});
