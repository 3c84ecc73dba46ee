/**
 * The parts the restart fault tests compose by hand, so each can be stopped and started on its
 * own: the project's broker on a fixed port (a restarted broker comes back where devices look for
 * it), a control-plane stand-in that replicates the registry as retained messages after every
 * connect (what dashboard/registry-store.ts does), ingest in-process or as its own OS process
 * (`node --import tsx ingest/main.ts`, so SIGKILL loses whatever that process held in memory),
 * an InfluxDB database of the test's own, firmware-sim device clients, and an observer of the
 * published site states and alarms. Not a test file itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { inject } from 'vitest';
import type { BoundedPersistence } from '../../broker/bounded-persistence.ts';
import { loadBrokerConfig } from '../../broker/config.ts';
import { type Broker, createBroker } from '../../broker/create-broker.ts';
import type { DeviceBehaviour } from '../../firmware-sim/device-behaviour.ts';
import { DeviceClient } from '../../firmware-sim/device-client.ts';
import { createIngest, type Ingest } from '../../ingest/create-ingest.ts';
import type { Alarm } from '../../shared/alarms.ts';
import { type Env, influxConfigFrom } from '../../shared/config.ts';
import { connectService } from '../../shared/mqtt-service.ts';
import { DEFAULT_POLICY_ID } from '../../shared/policy.ts';
import type { PolicyRecord } from '../../shared/registry-replica.ts';
import type { DeviceRecord, DeviceType, Site, SiteKind } from '../../shared/registry-schemas.ts';
import { DEVICE_SECRET_COST, hashSecret, newDeviceSecret } from '../../shared/secrets.ts';
import type { SiteState } from '../../shared/site-state.ts';
import { createStore } from '../../shared/store/create-store.ts';
import type { HistoryStore } from '../../shared/store/history-store.ts';
import { filters, parseTopic, topics } from '../../shared/topics.ts';
import { freePort } from '../helpers/free-port.ts';
import { influxQuery, testDatabase } from '../helpers/influxd.ts';

export const INGEST_CLIENT_ID = 'jagajarak-ingest-fault';

export interface RigSite {
  id: string;
  kind: SiteKind;
  designCapacity: number;
}
export interface RigDevice {
  id: string;
  siteId: string;
  type: DeviceType;
}

/** Polls `probe` every 20 ms until it returns a value (or true); throws after `ms`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export class Rig {
  readonly secret = randomBytes(24).toString('base64url');
  readonly influxUrl = inject('influxUrl');
  readonly database = testDatabase('restart');
  readonly dataDir = mkdtempSync(join(tmpdir(), 'jagajarak-restart-'));
  port = 0;
  broker: Broker | undefined;
  /** Every site state published, in order, per site (as a dashboard sees them). */
  readonly states = new Map<string, SiteState[]>();
  /** Every retained alarm record published, in order. */
  readonly alarms: Alarm[] = [];
  readonly deviceSecrets = new Map<string, string>();
  /** Errors for which a running broker closed a client (`clientError`), outside broker stops. */
  readonly clientErrors: string[] = [];
  private readonly onClientError = (client: { id: string }, err: Error) =>
    this.clientErrors.push(`${client.id}: ${err.message}`);
  private records: Array<[string, string]> = [];
  private control: MqttClient | undefined;
  private observer: MqttClient | undefined;
  private readonly devices: DeviceClient[] = [];
  private readonly stores: HistoryStore[] = [];
  private readonly ingests: Ingest[] = [];
  private readonly children: ChildProcess[] = [];

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async startBroker(): Promise<void> {
    this.port ||= await freePort();
    const env: Env = {
      MQTT_PORT: String(this.port),
      MQTT_WS_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      MQTT_SERVICE_SECRET: this.secret,
      // Ingest's session, declared at broker start (broker/durable-sessions.ts), as deployed.
      MQTT_DURABLE_SESSIONS: `${INGEST_CLIENT_ID}=${filters.allDeviceStreams}`,
      LOG_LEVEL: 'silent',
    };
    this.broker = createBroker(loadBrokerConfig(env));
    await this.broker.start();
    this.broker.aedes.on('clientError', this.onClientError);
  }

  /**
   * Messages the broker holds for ingest's session, queued or awaiting its PUBACK. Zero means
   * ingest acknowledged, after the store had it, everything the broker had for it; ingest having
   * nothing unacknowledged is not enough, because live messages overtake the replay of a backlog
   * (aedes delivers live to a resumed session while it re-sends the queue).
   */
  ingestBacklog(): number {
    const aedes = this.broker?.aedes as unknown as { persistence: BoundedPersistence } | undefined;
    return aedes?.persistence.queueDepth(INGEST_CLIENT_ID) ?? 0;
  }

  async stopBroker(): Promise<void> {
    this.broker?.aedes.off('clientError', this.onClientError);
    await this.broker?.stop();
    this.broker = undefined;
  }

  /** Registry records (retained, republished after every reconnect) and the observer. */
  async provision(sites: RigSite[], devices: RigDevice[]): Promise<void> {
    const createdAt = new Date().toISOString();
    for (const s of sites) {
      const site: Site = { ...s, name: s.id, createdAt };
      this.records.push([topics.registrySite(s.id), JSON.stringify(site)]);
    }
    for (const d of devices) {
      const secret = newDeviceSecret();
      this.deviceSecrets.set(d.id, secret);
      const record: DeviceRecord = {
        ...d,
        secretHash: await hashSecret(secret, DEVICE_SECRET_COST),
        createdAt,
      };
      this.records.push([topics.registryDevice(d.id), JSON.stringify(record)]);
    }
    // Last, as the dashboard publishes it: ingest takes the policy record as "registry complete".
    const policy: PolicyRecord = { id: DEFAULT_POLICY_ID, changedAt: createdAt, changedBy: 'rig' };
    this.records.push([topics.registryPolicy(), JSON.stringify(policy)]);
    this.control = await connectService({
      url: this.url,
      service: 'dashboard',
      secret: this.secret,
      extra: { reconnectPeriod: 100 },
    });
    const publishAll = () =>
      Promise.all(this.records.map(([t, p]) => this.control?.publishAsync(t, p, { qos: 1, retain: true })));
    this.control.on('connect', () => {
      void publishAll().catch(() => undefined);
    });
    await publishAll();
    this.observer = await connectService({
      url: this.url,
      service: 'observer',
      secret: this.secret,
      extra: { reconnectPeriod: 100 },
      onMessage: (topic, payload) => {
        if (payload.length === 0) return;
        const parsed = parseTopic(topic);
        if (parsed?.kind === 'site-state') {
          const list = this.states.get(parsed.siteId) ?? [];
          list.push(JSON.parse(payload.toString()) as SiteState);
          this.states.set(parsed.siteId, list);
        } else if (parsed?.kind === 'site-alarm') this.alarms.push(JSON.parse(payload.toString()) as Alarm);
      },
    });
    await this.observer.subscribeAsync([filters.allSiteStates, filters.allSiteAlarms], { qos: 1 });
  }

  async newStore(): Promise<HistoryStore> {
    const store = createStore(
      influxConfigFrom({
        INFLUX_URL: this.influxUrl,
        INFLUX_API: 'v1',
        INFLUX_ORG: 'jagajarak',
        INFLUX_BUCKET: this.database,
        INFLUX_DATABASE: this.database,
        DATA_DIR: this.dataDir,
      }),
    );
    await store.start();
    this.stores.push(store);
    return store;
  }

  /** Ingest in this process, on the fixed persistent-session client id. */
  async startIngest(store: HistoryStore): Promise<Ingest> {
    const ingest = createIngest(
      {
        mqttUrl: this.url,
        serviceSecret: this.secret,
        clientId: INGEST_CLIENT_ID,
        policyId: DEFAULT_POLICY_ID,
        stateFlushMs: 20,
        levelTickMs: 200,
        registrySettleMs: 100,
        ackIntervalMs: 20,
      },
      { store },
    );
    await ingest.start();
    this.ingests.push(ingest);
    return ingest;
  }

  async stopIngest(ingest: Ingest): Promise<void> {
    this.ingests.splice(this.ingests.indexOf(ingest), 1);
    await ingest.stop();
  }

  /** `npm run ingest` as a child process; resolves once it logs "ingest running". */
  async spawnIngest(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'ingest/main.ts'], {
      cwd: join(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        MQTT_URL: this.url,
        MQTT_SERVICE_SECRET: this.secret,
        INGEST_CLIENT_ID,
        INFLUX_URL: this.influxUrl,
        INFLUX_API: 'v1',
        INFLUX_BUCKET: this.database,
        INFLUX_DATABASE: this.database,
        DATA_DIR: join(this.dataDir, 'child'),
        REGISTRY_SETTLE_MS: '100',
        STATE_FLUSH_MS: '20',
        ACK_INTERVAL_MS: '20',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ingest did not start:\n${output}`)), 30_000);
      child.stdout?.on('data', (d: Buffer) => {
        output = (output + d.toString()).slice(-8000);
        if (output.includes('"msg":"ingest running"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (d: Buffer) => {
        output = (output + d.toString()).slice(-8000);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child ingest exited with ${code}:\n${output}`));
      });
    });
    return child;
  }

  /** SIGKILL: no DISCONNECT, no flush, whatever the process held in memory is gone. */
  async kill(child: ChildProcess): Promise<void> {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  async startDevice(id: string, behaviour: Partial<DeviceBehaviour> = {}): Promise<DeviceClient> {
    const device = new DeviceClient({
      url: this.url,
      deviceId: id,
      secret: this.deviceSecrets.get(id)!,
      subscribeCmd: false,
      behaviour,
    });
    this.devices.push(device);
    await device.start();
    return device;
  }

  /** Stored device timestamps of one device in one measurement, oldest first. */
  async storedTimes(measurement: string, deviceId: string): Promise<number[]> {
    const rows = await influxQuery(
      this.influxUrl,
      this.database,
      `SELECT seq FROM ${measurement} WHERE device = '${deviceId}'`,
    );
    return rows.map((r) => r.time as number);
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop().catch(() => undefined)));
    for (const child of this.children)
      if (child.exitCode === null && child.signalCode === null) await this.kill(child);
    for (const ingest of this.ingests.splice(0)) await ingest.stop().catch(() => undefined);
    await Promise.all([this.control?.endAsync(true), this.observer?.endAsync(true)]);
    for (const store of this.stores) await store.close().catch(() => undefined);
    await this.stopBroker();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A market with two door counters and a public-service office with a camera and a thermal scanner. */
export const SITES: RigSite[] = [
  { id: 'pasar-uji', kind: 'market', designCapacity: 1000 },
  { id: 'mpp-uji', kind: 'public-service', designCapacity: 50 },
];
export const DEVICES: RigDevice[] = [
  { id: 'uji-pintu-a', siteId: 'pasar-uji', type: 'door-counter' },
  { id: 'uji-pintu-b', siteId: 'pasar-uji', type: 'door-counter' },
  { id: 'uji-kamera', siteId: 'mpp-uji', type: 'occupancy-sensor' },
  { id: 'uji-termal', siteId: 'mpp-uji', type: 'thermal-scanner' },
];
const STREAM_OF = {
  'uji-pintu-a': 'counts',
  'uji-pintu-b': 'counts',
  'uji-kamera': 'occupancy',
  'uji-termal': 'temperature',
} as const;
type DeviceId = keyof typeof STREAM_OF;

/**
 * Steady traffic with known device time and seq: one message per device per tick `k`, device time
 * `t0 + k * 100 ms`. Each door lets in 3 and out 2 per tick, so the market's occupancy rises by
 * exactly 2 per tick and any drop in a published state is a counting error. Door b reboots at
 * tick `rebootAfter + 1` (totals and seq start again from 0). The camera counts 60-64 people in an
 * office of 50: its capacity alarm is raised early and stays open.
 */
export class Traffic {
  readonly t0 = Date.now() - 600_000;
  /** Ticks published so far. */
  tick = 0;

  constructor(
    private readonly devices: Map<string, DeviceClient>,
    private readonly rebootAfter: number,
  ) {}

  ts(k: number): number {
    return this.t0 + k * 100;
  }

  /** Publishes ticks up to `to`, one every `intervalMs`, calling `onTick` after each. */
  async run(to: number, intervalMs: number, onTick?: (k: number) => void | Promise<void>): Promise<void> {
    while (this.tick < to) {
      const k = ++this.tick;
      for (const [id, device] of this.devices) {
        const stream = STREAM_OF[id as DeviceId];
        device.publish({ deviceId: id, stream, payload: this.payload(id as DeviceId, k) } as never);
      }
      await onTick?.(k);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  private payload(id: DeviceId, k: number): object {
    const ts = this.ts(k);
    if (id === 'uji-pintu-b' && k > this.rebootAfter) {
      const n = k - this.rebootAfter;
      return { ts, seq: n, in: 3 * n, out: 2 * n };
    }
    if (id === 'uji-pintu-a' || id === 'uji-pintu-b') return { ts, seq: k, in: 3 * k, out: 2 * k };
    if (id === 'uji-kamera') return { ts, seq: k, count: this.cameraCount(k) };
    return { ts, seq: k, kind: 'ambient', celsius: 30 + (k % 3) };
  }

  cameraCount(k: number): number {
    return 60 + (k % 5);
  }

  /** Every device's messages acknowledged by the broker and none left in its offline buffer. */
  allDelivered(): boolean {
    return [...this.devices.values()].every((d) => {
      const s = d.stats();
      return s.buffered === 0 && s.inflight === 0 && s.acked === s.accepted;
    });
  }

  /** Every tick stored exactly once per device (InfluxDB keeps one point per series and time). */
  async expectStored(rig: Rig): Promise<Record<string, { missing: number[]; extra: number[] }>> {
    const report: Record<string, { missing: number[]; extra: number[] }> = {};
    const expected = Array.from({ length: this.tick }, (_, i) => this.ts(i + 1));
    for (const id of this.devices.keys()) {
      const stored = await rig.storedTimes(STREAM_OF[id as DeviceId], id);
      const set = new Set(stored);
      report[id] = {
        // As tick numbers, which say where in the run a gap is.
        missing: expected.filter((t) => !set.has(t)).map((t) => (t - this.t0) / 100),
        extra: stored.filter(
          (t) => t < this.t0 || t > this.ts(this.tick) || stored.indexOf(t) !== stored.lastIndexOf(t),
        ),
      };
    }
    return report;
  }
}
