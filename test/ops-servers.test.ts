/**
 * The standalone broker and ingest as docker-compose runs them: separate processes (their real
 * main.ts), NODE_ENV=production and no LOG_FORMAT. Each serves /metrics (bearer METRICS_TOKEN)
 * and /healthz on OPS_PORT (shared/ops-server.ts), and logs one JSON object per line with the
 * service name, level, time and message (issue #7 item 5).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.ts';
import { families, parseMetrics, sample } from './helpers/prom-text.ts';

const SECRET = 'ops-test-service-secret-0123456789';
const TOKEN = 'ops-metrics-token-0123';

interface Service {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** Resolves with the first JSON log line matching. */
  waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function run(entry: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>; // throws (fails the test) on a non-JSON line
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.match(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  return {
    child,
    lines,
    waitFor: (match) =>
      new Promise((resolve) => {
        const seen = lines.find(match);
        if (seen) resolve(seen);
        else waiters.push({ match, resolve });
      }),
  };
}

async function stop(service: Service | undefined): Promise<number | null> {
  if (!service || service.child.exitCode !== null) return service?.child.exitCode ?? null;
  const exited = once(service.child, 'exit');
  service.child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

const get = (port: number, path: string, token?: string) =>
  fetch(`http://127.0.0.1:${port}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('ops servers of the standalone broker and ingest', () => {
  let broker: Service | undefined;
  let ingest: Service | undefined;
  const ports = { mqtt: 0, ws: 0, brokerOps: 0, ingestOps: 0 };

  beforeAll(async () => {
    ports.mqtt = await freePort();
    ports.ws = await freePort();
    ports.brokerOps = await freePort();
    ports.ingestOps = await freePort();
    broker = run('broker/main.ts', {
      MQTT_PORT: String(ports.mqtt),
      MQTT_WS_PORT: String(ports.ws),
      MQTT_HOST: '127.0.0.1',
      MQTT_SERVICE_SECRET: SECRET,
      OPS_PORT: String(ports.brokerOps),
      OPS_HOST: '127.0.0.1',
      METRICS_TOKEN: TOKEN,
      // Ingest's two connections make a burst (broker/burst-compaction.ts).
      MQTT_COMPACT_AFTER_CONNECTS: '2',
    });
    await broker.waitFor((l) => String(l.msg).includes('/metrics, /healthz'));
    ingest = run('ingest/main.ts', {
      MQTT_URL: `mqtt://127.0.0.1:${ports.mqtt}`,
      MQTT_SERVICE_SECRET: SECRET,
      OPS_PORT: String(ports.ingestOps),
      OPS_HOST: '127.0.0.1',
      REGISTRY_SETTLE_MS: '50',
      // No dashboard here to publish the registry: start without waiting for it.
      REGISTRY_WAIT_MS: '0',
    });
    await ingest.waitFor((l) => String(l.msg).includes('/metrics, /healthz'));
  }, 60_000);

  afterAll(async () => {
    await stop(ingest);
    await stop(broker);
  });

  it('log JSON lines with service name, level, time and message in production', () => {
    for (const [name, service] of [
      ['broker', broker!],
      ['ingest', ingest!],
    ] as const) {
      expect(service.lines.length, name).toBeGreaterThan(0);
      for (const line of service.lines) {
        expect(line.name, name).toBe(name);
        expect(typeof line.level).toBe('number');
        expect(typeof line.time).toBe('number');
        expect(typeof line.msg).toBe('string');
      }
    }
  });

  it('serve /healthz without a token and /metrics only with it', async () => {
    const health = await get(ports.brokerOps, '/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    expect((await get(ports.brokerOps, '/metrics')).status).toBe(401);
    expect((await get(ports.brokerOps, '/metrics', 'wrong-token-000000000')).status).toBe(401);
    expect((await get(ports.brokerOps, '/nope')).status).toBe(404);

    await expect
      .poll(async () => {
        const text = await (await get(ports.brokerOps, '/metrics', TOKEN)).text();
        return sample(parseMetrics(text), 'jagajarak_broker_connected_clients', { kind: 'service' });
      })
      .toBe(2); // ingest's registry and data connections

    const ingestHealth = await get(ports.ingestOps, '/healthz');
    expect(ingestHealth.status).toBe(200);
    expect(await ingestHealth.json()).toMatchObject({
      status: 'ok',
      mqtt: true,
      store: { pending: 0, failed: 0 },
    });
    // Ingest has no METRICS_TOKEN: open, and its store's metrics are on the same registry.
    const text = await (await get(ports.ingestOps, '/metrics')).text();
    for (const family of [
      'jagajarak_ingest_messages_received_total',
      'jagajarak_ingest_messages_rejected_total',
      'jagajarak_ingest_open_alarms',
      'jagajarak_ingest_alarm_transitions_total',
      'jagajarak_store_write_duration_seconds',
      'jagajarak_store_pending_points',
      'process_cpu_seconds_total',
    ])
      expect(families(text), family).toContain(family);
  });

  it('compact the broker heap once after a connection burst, and keep serving', async () => {
    const line = await broker!.waitFor((l) => l.msg === 'heap compacted after a connection burst');
    expect(line.connects).toBeGreaterThanOrEqual(2);
    expect(typeof line.ms).toBe('number');
    expect((await get(ports.brokerOps, '/healthz')).status).toBe(200);
  });

  it('report ingest unhealthy (503) when the broker goes away, and stop with exit code 0', async () => {
    expect(await stop(broker)).toBe(0);
    await expect
      .poll(async () => {
        const res = await get(ports.ingestOps, '/healthz');
        return [res.status, ((await res.json()) as { mqtt: boolean }).mqtt];
      })
      .toEqual([503, false]);
    expect(await stop(ingest)).toBe(0);
  });
});
