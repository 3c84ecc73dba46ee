import { EventEmitter, once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMetrics, sample } from '../../test/helpers/prom-text.ts';
import type { InfluxConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { apiForVersion, createInfluxConnection, type InfluxApi, queryPath } from './influx-connection.ts';
import { createInfluxHttp, type InfluxHttp } from './influx-http.ts';
import { createStoreMetrics } from './store-metrics.ts';

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);

const config = (url: string, overrides: Partial<InfluxConfig> = {}): InfluxConfig => ({
  url,
  token: undefined,
  org: 'jagajarak',
  bucket: 'jagajarak',
  database: 'kota_batam',
  retentionPolicy: undefined,
  api: 'auto',
  ...overrides,
});

/** A real HTTP server standing in for InfluxDB; `answer` scripts each request. */
async function scriptedServer(answer: (req: { method: string; url: string }, res: ServerResponse) => void) {
  const seen: Array<{ method: string; url: string }> = [];
  const events = new EventEmitter();
  const server = createServer((req, res) => {
    const r = { method: req.method ?? '', url: req.url ?? '' };
    seen.push(r);
    answer(r, res);
    events.emit('request', r);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const nth = (n: number, path = '/ping') =>
    new Promise<void>((resolve) => {
      const count = () => seen.filter((r) => r.url === path).length;
      if (count() >= n) return resolve();
      const on = () => {
        if (count() < n) return;
        events.off('request', on);
        resolve();
      };
      events.on('request', on);
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    nth,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('InfluxDB connection', () => {
  let cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  const connect = (cfg: InfluxConfig, registry = new Registry()) => {
    const http: InfluxHttp = createInfluxHttp(cfg, 1);
    const connected: InfluxApi[] = [];
    const connection = createInfluxConnection({
      config: cfg,
      http,
      url: cfg.url,
      logger: silentLogger,
      // A clock standing still makes every scheduled attempt's time its exact delay.
      clock: { now: () => T0 },
      metrics: createStoreMetrics(registry),
      holding: 'memory',
      onConnected: (api) => connected.push(api),
      retry: { minDelayMs: 20, maxDelayMs: 80 },
      random: () => 0,
    });
    cleanup.push(
      () => connection.close(),
      () => http.close(),
    );
    return { connection, connected, registry };
  };

  it('starts without InfluxDB, tries again with a capped exponential backoff, and detects the API and creates the database once it answers', async () => {
    let up = false;
    const delays: number[] = [];
    let c: ReturnType<typeof connect>;
    const server = await scriptedServer((req, res) => {
      if (req.url === '/ping') {
        // When attempt n arrives, the wait that preceded it is still the one on record.
        const next = c.connection.stats().nextAttemptAt;
        if (next !== undefined) delays.push(next - T0);
        if (up) res.writeHead(204, { 'X-Influxdb-Version': '1.8.10' }).end();
        else res.writeHead(503).end();
      } else
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
    });
    cleanup.push(server.close);
    c = connect(config(server.url));

    expect(await c.connection.open()).toBe(false);
    expect(c.connection.stats()).toMatchObject({
      state: 'connecting',
      api: undefined,
      failedAttempts: 1,
      lastError: 'GET /ping answered 503',
    });
    expect(c.connection.api()).toBeUndefined();
    expect(sample(parseMetrics(await c.registry.metrics()), 'jagajarak_store_connecting')).toBe(1);

    await server.nth(5);
    up = true;
    await server.nth(1, queryPath(config(server.url), 'CREATE DATABASE "kota_batam"'));
    await expect.poll(() => c.connected).toEqual(['v1']);

    // 20 ms doubling, capped at 80 ms; the fifth attempt failed too, the sixth succeeded.
    expect(delays).toEqual([20, 40, 80, 80, 80]);
    expect(c.connection.stats()).toMatchObject({
      state: 'connected',
      api: 'v1',
      version: '1.8.10',
      failedAttempts: 5,
      lastError: undefined,
    });
    expect(c.connection.stats().nextAttemptAt).toBeUndefined();
    // The database is created only after InfluxDB answered GET /ping.
    expect(server.seen.map((r) => `${r.method} ${r.url.split('?')[0]}`).slice(-2)).toEqual([
      'GET /ping',
      'POST /query',
    ]);
    const metrics = parseMetrics(await c.registry.metrics());
    expect(sample(metrics, 'jagajarak_store_connecting')).toBe(0);
    expect(sample(metrics, 'jagajarak_store_connect_failures_total')).toBe(5);
  });

  it('keeps a configured API while InfluxDB is unreachable and stops trying on close()', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(502).end());
    cleanup.push(server.close);
    const c = connect(config(server.url, { api: 'v2' }));
    expect(await c.connection.open()).toBe(false);
    expect(c.connection.api()).toBe('v2');
    await server.nth(3);
    c.connection.close();
    const pings = server.seen.length;
    expect(c.connection.stats().nextAttemptAt).toBeUndefined();
    // Four times the longest backoff: a running loop would have tried again by now.
    await new Promise((r) => setTimeout(r, 320));
    expect(server.seen.length).toBeLessThanOrEqual(pings + 1);
    expect(c.connected).toEqual([]);
    expect(c.connection.stats().state).toBe('connecting');
  });

  it('fails the first attempt when something without a version answers at the URL (INFLUX_API=auto)', async () => {
    const server = await scriptedServer((_req, res) => res.writeHead(200).end('<html>not InfluxDB</html>'));
    cleanup.push(server.close);
    const c = connect(config(server.url));
    await expect(c.connection.open()).rejects.toThrow(/sent no X-Influxdb-Version on GET \/ping/);
    expect(c.connected).toEqual([]);
  });

  it('counts an unreachable port as a failed attempt, not a crash', async () => {
    const server = await scriptedServer(() => undefined);
    const url = server.url;
    await server.close();
    const c = connect(config(url, { api: 'v1' }));
    expect(await c.connection.open()).toBe(false);
    expect(c.connection.stats()).toMatchObject({ state: 'connecting', api: 'v1', failedAttempts: 1 });
    expect(c.connection.stats().lastError).toMatch(/ECONNREFUSED/);
  });

  it('maps versions to APIs', () => {
    expect(['1.6.7', '1.8.10', 'v2.7.1', '2.7.11', '3.0.1'].map(apiForVersion)).toEqual([
      'v1',
      'v1',
      'v2',
      'v2',
      'v2',
    ]);
    expect(() => apiForVersion('unknown')).toThrow(/version/);
  });
});
