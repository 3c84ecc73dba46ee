/**
 * The standalone dashboard as `npm run dashboard` and docker-compose run it: its real main.ts in
 * a child process (NODE_ENV=production, JSON logs), with INFLUX_API=auto and InfluxDB DOWN when
 * it starts. It must start anyway, say so in /healthz and /metrics (the store's metrics on the
 * dashboard's own registry), answer history reads with a 503 and a reason, and pick the API and
 * serve history once InfluxDB answers. A dedicated influxd is stopped before the start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BareBroker, startBareBroker } from '../test/helpers/bare-broker.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { type InfluxdHandle, startInfluxd, testDatabase } from '../test/helpers/influxd.ts';
import { parseMetrics, sample } from '../test/helpers/prom-text.ts';
import { ADMIN, pasarTos } from './test-fixture.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

let influxd: InfluxdHandle;
let broker: BareBroker;
let dataDir: string;
let child: ChildProcess;
let url: string;
const lines: LogLine[] = [];
const waiters: Array<{ match: RegExp; resolve: (l: LogLine) => void }> = [];

/** The first log line whose message matches (already logged or still to come). */
const logged = (match: RegExp) =>
  new Promise<LogLine>((resolve) => {
    const seen = lines.find((l) => match.test(l.msg));
    if (seen) resolve(seen);
    else waiters.push({ match, resolve });
  });

beforeAll(async () => {
  influxd = await startInfluxd();
  await influxd.stop();
  broker = await startBareBroker();
  dataDir = mkdtempSync(join(tmpdir(), 'jagajarak-dashboard-main-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, ['--import', 'tsx', 'dashboard/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      SESSION_SECRET: 'a-test-session-secret-of-at-least-32-chars',
      MQTT_URL: broker.url,
      MQTT_SERVICE_SECRET: 'test-service-secret-0123',
      INFLUX_URL: influxd.url,
      INFLUX_API: 'auto',
      INFLUX_DATABASE: testDatabase('dashboard_main'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as LogLine;
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.match.test(line.msg)) w.resolve(line);
      else waiters.push(w);
    }
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`dashboard exited with ${code} before it was up:\n${stderr}`);
  });
  await Promise.race([logged(/^dashboard at /), exited]);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  await broker?.close();
  await influxd?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function api(path: string, init: { body?: unknown; token?: string } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: res.status, body };
}

describe('standalone dashboard started while InfluxDB is down (INFLUX_API=auto)', () => {
  it('starts, reports the unreached store in /healthz and /metrics, answers history with 503 and a reason, and serves history once InfluxDB answers', {
    timeout: 60_000,
  }, async () => {
    expect((await logged(/did not answer/)).level).toBe(40);
    expect((await logged(/history store ready/)).store).toMatch(/\(auto API\).*\(not reached yet\)$/);

    await expect
      .poll(async () => (await api('/healthz')).body, { timeout: 10_000 })
      .toMatchObject({ mqtt: true });
    const degraded = await api('/healthz');
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({
      status: 'degraded',
      store: { connection: { state: 'connecting' } },
    });
    expect(degraded.body.store.connection.api).toBeUndefined();

    // The store's metrics are on the dashboard's own /metrics (before, only under `npm start`).
    let metrics = parseMetrics((await api('/metrics')).body);
    expect(sample(metrics, 'jagajarak_store_connecting')).toBe(1);
    expect(sample(metrics, 'jagajarak_store_connect_failures_total')).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'jagajarak_store_pending_points')).toBe(0);
    expect(sample(metrics, 'jagajarak_store_spool_active')).toBe(0);

    const login = await api('/api/login', { body: ADMIN });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    expect((await api('/api/sites', { body: pasarTos, token })).status).toBe(201);
    const history = `/api/sites/${pasarTos.id}/history?from=2026-11-28T00:00:00Z&to=2026-11-28T01:00:00Z&step=5m`;
    const refused = await api(history, { token });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe(
      'history is unavailable right now (the history database has not been reached since start); try again shortly',
    );

    await influxd.restart();
    await expect
      .poll(async () => (await api('/healthz')).body, { timeout: 30_000, interval: 200 })
      .toMatchObject({ status: 'ok', store: { connection: { state: 'connected', api: 'v1' } } });
    expect((await logged(/^History store: InfluxDB 1\.\S+ \(v1 API\)/)).level).toBe(30);
    metrics = parseMetrics((await api('/metrics')).body);
    expect(sample(metrics, 'jagajarak_store_connecting')).toBe(0);
    const served = await api(history, { token });
    expect(served.status).toBe(200);
    expect(served.body).toMatchObject({ siteId: pasarTos.id, buckets: [] });

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });
});
