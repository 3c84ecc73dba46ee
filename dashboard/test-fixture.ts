/**
 * Test wiring for the dashboard: a real aedes broker (test/helpers/bare-broker.ts), a temp
 * DATA_DIR, the dashboard on port 0, and helpers to log in and call the API over real HTTP.
 * Not a test file itself; the dashboard tests import it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Clock } from '../shared/clock.ts';
import type { HistoryStore } from '../shared/store/history-store.ts';
import { createMemoryStore } from '../shared/store/memory-store.ts';
import { type DashboardConfig, loadDashboardConfig } from './config.ts';
import { createDashboard, type Dashboard } from './create-dashboard.ts';

export const ADMIN = { username: 'admin', password: 'kata-sandi-uji-123' };

export function tempDataDir(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'jagajarak-dashboard-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(
  brokerUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
): DashboardConfig {
  return loadDashboardConfig({
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    SESSION_SECRET: 'a-test-session-secret-of-at-least-32-chars',
    DATA_DIR: dataDir,
    MQTT_URL: brokerUrl,
    MQTT_SERVICE_SECRET: 'test-service-secret-0123',
    LIVE_TICK_MS: '100',
    REGISTRY_ECHO_TIMEOUT_MS: '2000',
    ...env,
  });
}

export interface RunningDashboard {
  dashboard: Dashboard;
  url: string;
  metrics: Registry;
  /** fetch against the dashboard with JSON in and out. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; token?: string | undefined },
  ): Promise<ApiResponse>;
  login(username?: string, password?: string): Promise<string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON shapes
  body: any;
}

export async function startDashboard(options: {
  brokerUrl: string;
  dataDir: string;
  store?: HistoryStore;
  env?: Record<string, string>;
  clock?: Clock;
}): Promise<RunningDashboard> {
  const metrics = new Registry();
  const dashboard = createDashboard(testConfig(options.brokerUrl, options.dataDir, options.env), {
    store: options.store ?? createMemoryStore(),
    metrics,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const { port } = await dashboard.start();
  const url = `http://127.0.0.1:${port}`;
  const api: RunningDashboard['api'] = async (path, init = {}) => {
    const headers: Record<string, string> = {};
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics, HTML): keep the text
    }
    return { status: res.status, headers: res.headers, body };
  };
  return {
    dashboard,
    url,
    metrics,
    api,
    async login(username = ADMIN.username, password = ADMIN.password) {
      const res = await api('/api/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
  };
}

export const pasarTos = {
  id: 'pasar-tos-3000',
  name: 'Pasar Tos 3000',
  kind: 'market',
  designCapacity: 400,
  areaM2: 900,
  policyPct: 50,
  location: { lat: 1.1446, lon: 104.0126 },
};

export const busK1 = {
  id: 'bus-k1-01',
  name: 'Trans Batam K1 01',
  kind: 'bus',
  designCapacity: 80,
  route: 'K1',
};
