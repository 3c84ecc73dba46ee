/**
 * The whole system for cross-service tests: create-system.ts (the same composition `npm start`
 * runs) on ephemeral ports, with a temp DATA_DIR, random secrets, the simulator off unless asked,
 * and optionally the run's real InfluxDB (test/global-setup.ts) in a database of its own. Plus
 * the operator-API and device helpers most tests need. Not a test file itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { inject } from 'vitest';
import { createSystem, type RunningSystem, type System } from '../../create-system.ts';
import type { Env } from '../../shared/config.ts';
import { STREAM_QOS } from '../../shared/device-schemas.ts';
import type { Logger } from '../../shared/log.ts';
import type { DeviceType, Site, SiteInput } from '../../shared/registry-schemas.ts';
import { type DeviceStream, topics } from '../../shared/topics.ts';
import { testDatabase } from './influxd.ts';

export interface TestSystemOptions {
  /** Environment on top of the test defaults (e.g. `{ LIVE_TICK_MS: '100' }`). */
  env?: Env;
  /** Run the simulated Batam fleet (SIMULATE=on); off by default. */
  simulate?: boolean;
  /** Store history in the run's real InfluxDB (v1 API, a database unique to this system). */
  influx?: boolean;
  logger?: Logger;
}

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary JSON shapes
  body: any;
}

export interface TestSystem extends RunningSystem {
  system: System;
  /** The environment createSystem was given. */
  env: Env;
  admin: { username: string; password: string };
  dataDir: string;
  /** Set when `influx: true`. */
  influx: { url: string; database: string } | undefined;
  /** Logs in over HTTP; returns the bearer token. Defaults to the admin. */
  login(username?: string, password?: string): Promise<string>;
  /** JSON request as the admin (logged in lazily, token reused). */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** `POST /api/sites`; fills name, kind and designCapacity when omitted. Throws unless 201. */
  createSite(input: Partial<SiteInput> & { id: string }): Promise<Site>;
  /** `POST /api/devices`; returns the secret shown once. Throws unless 201. */
  createDevice(input: {
    id: string;
    siteId: string;
    type?: DeviceType;
  }): Promise<{ id: string; secret: string }>;
  /** Connects an mqtt.js client as the device (username = id, password = secret). */
  connectDevice(id: string, secret: string): Promise<TestDevice>;
  /** Stops the system and every device client it connected, removes the temp dir. */
  stop(): Promise<void>;
}

export interface TestDevice {
  client: MqttClient;
  /** Publishes a protocol v1 message with the stream's QoS and retain flag; resolves on PUBACK. */
  publish(stream: DeviceStream, payload: object): Promise<void>;
  close(): Promise<void>;
}

/** Admin credentials every test system uses (the password meets the 8-character minimum). */
export const TEST_ADMIN = { username: 'admin', password: 'kata-sandi-uji-sistem' } as const;

/**
 * @example
 * const sys = await startTestSystem({ influx: true });
 * await sys.createSite({ id: 'pasar-tos-3000', kind: 'market', designCapacity: 400 });
 * const { secret } = await sys.createDevice({ id: 'tos-cam-1', siteId: 'pasar-tos-3000' });
 * const device = await sys.connectDevice('tos-cam-1', secret);
 * await device.publish('occupancy', { ts: Date.now(), seq: 1, count: 250 });
 * await sys.stop();
 */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jagajarak-system-'));
  let influx: TestSystem['influx'];
  const influxEnv: Env = {};
  if (options.influx) {
    influx = { url: inject('influxUrl'), database: testDatabase('system') };
    Object.assign(influxEnv, {
      INFLUX_URL: influx.url,
      INFLUX_API: 'v1',
      INFLUX_DATABASE: influx.database,
      INFLUX_BUCKET: influx.database,
    });
  }
  const env: Env = {
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    SIMULATE: options.simulate ? 'on' : 'off',
    DATA_DIR: dataDir,
    ADMIN_USER: TEST_ADMIN.username,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    MQTT_SERVICE_SECRET: randomBytes(24).toString('base64url'),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
    ...influxEnv,
    ...options.env,
  };
  const system = createSystem(env, options.logger ? { logger: options.logger } : {});
  let running: RunningSystem;
  try {
    running = await system.start();
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const devices = new Set<TestDevice>();
  let adminToken: Promise<string> | undefined;

  const request = async (method: string, path: string, body: unknown, token: string | undefined) => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics, HTML): keep the text
    }
    return { status: res.status, body: parsed } as ApiResponse;
  };

  const login: TestSystem['login'] = async (username = env.ADMIN_USER!, password = env.ADMIN_PASSWORD!) => {
    const res = await request('POST', '/api/login', { username, password }, undefined);
    if (res.status !== 200)
      throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  };

  const api: TestSystem['api'] = async (method, path, body) => {
    adminToken ??= login();
    return request(method, path, body, await adminToken);
  };

  const expectCreated = (what: string, res: ApiResponse) => {
    if (res.status !== 201)
      throw new Error(`creating ${what} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const connectDevice: TestSystem['connectDevice'] = async (id, secret) => {
    const client = await mqtt.connectAsync(running.mqttUrl, {
      protocolVersion: 4,
      clientId: id,
      username: id,
      password: secret,
      reconnectPeriod: 0,
      queueQoSZero: false,
    });
    const device: TestDevice = {
      client,
      async publish(stream, payload) {
        const { qos, retain } = STREAM_QOS[stream];
        await client.publishAsync(topics.device(id, stream), JSON.stringify(payload), { qos, retain });
      },
      async close() {
        devices.delete(device);
        await client.endAsync();
      },
    };
    devices.add(device);
    return device;
  };

  return {
    ...running,
    system,
    env,
    admin: { username: env.ADMIN_USER!, password: env.ADMIN_PASSWORD! },
    dataDir,
    influx,
    login,
    api,
    async createSite(input) {
      const site = { name: input.id, kind: 'market', designCapacity: 100, ...input };
      return expectCreated(`site ${input.id}`, await api('POST', '/api/sites', site));
    },
    async createDevice(input) {
      const device = { type: 'occupancy-sensor', ...input };
      return expectCreated(`device ${input.id}`, await api('POST', '/api/devices', device));
    },
    connectDevice,
    async stop() {
      await Promise.all([...devices].map((d) => d.close().catch(() => undefined)));
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
