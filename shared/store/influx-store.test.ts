import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { influxQuery, testDatabase } from '../../test/helpers/influxd.ts';
import type { InfluxConfig } from '../config.ts';
import { describeHistoryStoreContract } from './history-store.contract.ts';
import type { StorePoint } from './history-store.ts';
import { createInfluxStore, type InfluxStore, retryAfterMs } from './influx-store.ts';

const T0 = Date.UTC(2025, 10, 28, 7, 0, 0);
const influxUrl = inject('influxUrl');

const config = (overrides: Partial<InfluxConfig> = {}): InfluxConfig => ({
  url: influxUrl,
  token: undefined,
  org: 'jagajarak',
  bucket: 'jagajarak',
  database: testDatabase('store'),
  retentionPolicy: undefined,
  api: 'v1',
  ...overrides,
});

const point = (site: string, occupancy: number, ts = T0): StorePoint => ({
  measurement: 'site_state',
  tags: { site, kind: 'bus' },
  fields: { occupancy, safeCapacity: 50, level: 'ok' },
  ts,
});

describeHistoryStoreContract('InfluxDB store (v1 API, real influxd)', async () =>
  createInfluxStore(config(), { queue: { flushIntervalMs: 20 } }),
);

/** A pino logger whose lines tests can await. */
function capturedLogger() {
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const events = new EventEmitter();
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        const entry = JSON.parse(line);
        lines.push(entry);
        events.emit('line', entry);
      },
    },
  );
  const next = (match: RegExp) =>
    new Promise<{ msg: string; [k: string]: unknown }>((resolve) => {
      const seen = lines.find((l) => match.test(l.msg));
      if (seen) return resolve(seen);
      const on = (l: { msg: string }) => {
        if (!match.test(l.msg)) return;
        events.off('line', on);
        resolve(l);
      };
      events.on('line', on);
    });
  return { logger, lines, next };
}

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny InfluxDB 1.x look-alike on a real socket: answers /ping and /query, scripts /write. */
async function scriptedInflux(onWrite: (n: number, res: ServerResponse) => void) {
  const writes: SeenRequest[] = [];
  const events = new EventEmitter();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const body = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
    if (req.url === '/ping') {
      res.writeHead(204, { 'X-Influxdb-Version': '1.8.10' }).end();
    } else if (req.url?.startsWith('/query')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"statement_id":0}]}');
    } else {
      writes.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      onWrite(writes.length, res);
      events.emit('write', writes.length);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nthWrite = (n: number) =>
    writes.length >= n
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const on = (count: number) => {
            if (count < n) return;
            events.off('write', on);
            resolve();
          };
          events.on('write', on);
        });
  return {
    url,
    writes,
    nthWrite,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('InfluxDB store against real influxd', () => {
  let store: InfluxStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('detects the v1 API from GET /ping when api is auto, and creates the database', async () => {
    const cfg = config({ api: 'auto' });
    store = createInfluxStore(cfg);
    expect(store.describe()).toMatch(/\(auto API\)/);
    await store.start();
    expect(store.api()).toBe('v1');
    expect(store.describe()).toMatch(
      new RegExp(
        `^InfluxDB 1\\.\\d+\\.\\d+\\S* \\(v1 API\\) at http://127\\.0\\.0\\.1:\\d+, database ${cfg.database}$`,
      ),
    );
    expect(await influxQuery(influxUrl, cfg.database, 'SHOW DATABASES')).toContainEqual({
      name: cfg.database,
    });
  });

  it('stores a 20,000-point burst in full batches, as InfluxQL counts', async () => {
    const cfg = config();
    const registry = new Registry();
    store = createInfluxStore(cfg, { metrics: registry });
    await store.start();
    for (let i = 0; i < 20_000; i++)
      store.write({
        measurement: 'counts',
        tags: { site: 'bus-k1-07', device: `door-${i % 4}`, kind: 'bus' },
        fields: { in: i, out: 0, seq: i },
        ts: T0 + Math.floor(i / 4),
      });
    await store.flush();
    expect(await influxQuery(influxUrl, cfg.database, 'SELECT count("seq") FROM "counts"')).toEqual([
      { time: 0, count: 20_000 },
    ]);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/^jagajarak_store_points_written_total 20000$/m);
    // 20,000 lines at 5,000 per batch: four requests.
    expect(metrics).toMatch(/^jagajarak_store_write_duration_seconds_count 4$/m);
    expect(metrics).toMatch(/^jagajarak_store_pending_points 0$/m);
  });

  it('close() stores what was written just before it', async () => {
    const cfg = config();
    store = createInfluxStore(cfg);
    await store.start();
    store.write(point('harbour-bay', 7));
    await store.close();
    expect(await influxQuery(influxUrl, cfg.database, 'SELECT "occupancy" FROM "site_state"')).toEqual([
      { time: T0, occupancy: 7 },
    ]);
  });

  it('counts the points InfluxDB refuses in a partial write and keeps the rest', async () => {
    const cfg = config();
    const log = capturedLogger();
    store = createInfluxStore(cfg, { logger: log.logger });
    await store.start();
    // Another writer made `occupancy` an integer; our floats conflict with it (history-store.ts).
    await fetch(`${influxUrl}/write?db=${cfg.database}&precision=ms`, {
      method: 'POST',
      body: `site_state,site=other occupancy=1i ${T0}`,
    });
    store.write(point('bus-k1-07', 3, T0 + 1));
    store.write({ measurement: 'status', tags: { device: 'd' }, fields: { online: true }, ts: T0 });
    await store.flush();
    expect(store.stats()).toMatchObject({ pending: 0, written: 1, failed: 1 });
    expect((await log.next(/refused/)).msg).toMatch(/field type conflict/);
  });
});

describe('InfluxDB store write failures (scripted server)', () => {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    vi.useRealTimers();
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  it('waits Retry-After in seconds (not ms) after a 503 before retrying', async () => {
    const server = await scriptedInflux((n, res) => {
      if (n === 1) res.writeHead(503, { 'Retry-After': '1' }).end();
      else res.writeHead(204).end();
    });
    cleanup.push(server.close);
    const log = capturedLogger();
    const store = createInfluxStore(config({ url: server.url }), { logger: log.logger });
    cleanup.push(() => store.close());
    await store.start();

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    store.write(point('bus-k2-03', 11));
    const flushed = store.flush();
    const retry = await log.next(/retrying/);
    expect(retry).toMatchObject({ reason: '503', retryInMs: 1000 });
    expect(server.writes).toHaveLength(1);

    vi.advanceTimersByTime(999);
    expect(vi.getTimerCount()).toBe(1); // still waiting: the client alone would have retried at 1 ms
    vi.advanceTimersByTime(1);
    await server.nthWrite(2);
    await flushed;
    expect(server.writes).toHaveLength(2);
    expect(store.stats()).toMatchObject({ pending: 0, written: 1, failed: 0 });
  });

  it('isolates the line a 400 refuses by splitting the batch, counts and logs it, and keeps writing', async () => {
    const server = await scriptedInflux((n, res) => {
      const body = server.writes[n - 1]!.body;
      if (body.includes('site=a '))
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"unable to parse \'site_state occupancy=\': missing field value"}');
      else res.writeHead(204).end();
    });
    cleanup.push(server.close);
    const log = capturedLogger();
    const registry = new Registry();
    const store = createInfluxStore(config({ url: server.url }), { logger: log.logger, metrics: registry });
    cleanup.push(() => store.close());
    await store.start();

    store.write(point('a', 1));
    store.write(point('b', 2));
    await store.flush();
    expect(store.stats()).toMatchObject({ pending: 0, written: 1, failed: 1 });
    const refused = await log.next(/refused/);
    expect(refused).toMatchObject({ level: 50, reason: '400', lost: 1 });
    expect(refused.msg).toMatch(/missing field value/);
    expect(await registry.metrics()).toMatch(/^jagajarak_store_refused_points_total 1$/m);
    // The batch, then each half: never retried beyond that.
    expect(server.writes).toHaveLength(3);

    store.write(point('c', 3));
    await store.flush();
    expect(store.stats()).toMatchObject({ written: 2, failed: 1 });
    expect(server.writes).toHaveLength(4);
    expect(server.writes[3]!.body).toMatch(/^site_state,kind=bus,site=c /);
  });

  it('speaks the v1 write path with basic auth and the v2 path with a token', async () => {
    const server = await scriptedInflux((_n, res) => res.writeHead(204).end());
    cleanup.push(server.close);
    const v1 = createInfluxStore(
      config({ url: server.url, token: 'ops:s3cret', database: 'city', retentionPolicy: 'week' }),
    );
    const v2 = createInfluxStore(
      config({ url: server.url, token: 'tok3n', api: 'v2', org: 'batam', bucket: 'crowd' }),
    );
    cleanup.push(
      () => v1.close(),
      () => v2.close(),
    );
    await v1.start();
    await v2.start();
    v1.write(point('a', 1));
    await v1.flush();
    v2.write(point('a', 1));
    await v2.flush();
    expect(server.writes.map((w) => [w.url, w.headers.authorization])).toEqual([
      ['/write?db=city&precision=ms&rp=week', `Basic ${Buffer.from('ops:s3cret').toString('base64')}`],
      ['/api/v2/write?org=batam&bucket=crowd&precision=ms', 'Token tok3n'],
    ]);
    expect(server.writes[0]!.body).toBe(
      `site_state,kind=bus,site=a level="ok",occupancy=1,safeCapacity=50 ${T0}`,
    );
    expect(v1.describe()).not.toMatch(/s3cret/);
    expect(v2.describe()).toMatch(/\(v2 API\).*org batam, bucket crowd/);
  });

  it('gzips a batch over 1 kB', async () => {
    const server = await scriptedInflux((_n, res) => res.writeHead(204).end());
    cleanup.push(server.close);
    const store = createInfluxStore(config({ url: server.url }));
    cleanup.push(() => store.close());
    await store.start();
    for (let i = 0; i < 100; i++) store.write(point('bus-k1-07', i, T0 + i));
    await store.flush();
    expect(server.writes).toHaveLength(1);
    expect(server.writes[0]!.headers['content-encoding']).toBe('gzip');
    expect(server.writes[0]!.body.split('\n')).toHaveLength(100);
  });

  it('bounds the backlog while InfluxDB is down and counts what it drops', async () => {
    const server = await scriptedInflux((_n, res) => res.writeHead(503, { 'Retry-After': '60' }).end());
    cleanup.push(server.close);
    const registry = new Registry();
    const store = createInfluxStore(config({ url: server.url }), {
      metrics: registry,
      queue: { batchSize: 10, maxInFlight: 1, maxPendingLines: 30 },
      closeTimeoutMs: 0,
    });
    await store.start();
    for (let i = 0; i < 100; i++) store.write(point('a', i, T0 + i));
    expect(store.stats().pending).toBeLessThanOrEqual(30);
    expect(store.stats().dropped).toBe(70);
    expect(await registry.metrics()).toMatch(/^jagajarak_store_dropped_points_total 70$/m);
    await server.nthWrite(1);
    await store.close();
    expect(store.stats()).toMatchObject({ pending: 0, written: 0, failed: 100, dropped: 100 });
  });
});

describe('InfluxDB store lifecycle', () => {
  it('holds writes made before start() and counts them as failed when closed unstarted', async () => {
    const store = createInfluxStore(config({ url: 'http://127.0.0.1:9' }));
    store.write(point('a', 1));
    expect(store.stats().pending).toBe(1);
    await store.close();
    expect(store.stats()).toMatchObject({ pending: 0, written: 0, failed: 1 });
    store.write(point('a', 2));
    expect(store.stats().failed).toBe(2);
  });
});

describe('InfluxDB helpers', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('5', 0)).toBe(5000);
    expect(retryAfterMs(new Date(T0 + 2000).toUTCString(), T0)).toBe(2000);
    expect(retryAfterMs(undefined, 0)).toBeUndefined();
    expect(retryAfterMs('86400', 0)).toBe(300_000);
  });
});
