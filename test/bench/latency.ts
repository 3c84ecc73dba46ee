/**
 * End-to-end latency of the live path, measured from outside the system:
 * - a probe device (a real MQTT client with its own provisioned id) publishes an occupancy reading
 *   every `everyMs` whose `ts` is the wall-clock time of the publish;
 * - dashboard sockets (socket.io clients, logged in like browsers) receive `sites:update` batches;
 *   the probe site's view carries `updatedAt` = that `ts` (ingest keeps the newest reading's time),
 *   so publish -> event latency = arrival time - updatedAt, per socket;
 * - an InfluxDB poller asks every `pollMs` for probe points newer than the last it saw;
 *   publish -> queryable = the poll's time - the point's time (biased up by up to one poll period,
 *   which the report states).
 * Everything runs on one machine, so one clock serves both ends.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { STREAM_QOS } from '../../shared/device-schemas.ts';
import type { SiteView } from '../../shared/site-state.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/socket-events.ts';
import { topics } from '../../shared/topics.ts';
import { influxQuery } from '../helpers/influxd.ts';

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentiles of `samples` (ms). */
export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1)! };
}

export interface ProbeDevice {
  /** Starts publishing; samples are only kept while recording. */
  start(everyMs: number): void;
  published(): number;
  stop(): Promise<void>;
}

/** @example const probe = await connectProbe(mqttUrl, 'bench-probe', secret); probe.start(50); */
export async function connectProbe(mqttUrl: string, deviceId: string, secret: string): Promise<ProbeDevice> {
  const client: MqttClient = await mqtt.connectAsync(mqttUrl, {
    protocolVersion: 4,
    clientId: deviceId,
    username: deviceId,
    password: secret,
    reconnectPeriod: 0,
    queueQoSZero: false,
  });
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  let lastTs = 0;
  const { qos } = STREAM_QOS.occupancy;
  return {
    start(everyMs) {
      timer = setInterval(() => {
        const ts = Math.max(Date.now(), lastTs + 1);
        lastTs = ts;
        // The count changes every time so every reading is a state change the dashboard shows.
        const payload = JSON.stringify({ ts, seq: seq++, count: seq % 50 });
        client.publish(topics.device(deviceId, 'occupancy'), payload, { qos });
      }, everyMs);
    },
    published: () => seq,
    async stop() {
      clearInterval(timer);
      await client.endAsync(true);
    },
  };
}

export interface DashboardSockets {
  connected(): number;
  /** Sockets that received at least one `sites:update` since the last reset. */
  receiving(): number;
  batches(): number;
  /** Starts (or restarts) recording probe latencies. */
  record(): void;
  samples(): number[];
  close(): void;
}

/**
 * Opens one socket per token (a token may repeat: one user, several tabs) and records the probe
 * site's latency on each.
 */
export async function openSockets(
  url: string,
  tokens: string[],
  probeSiteId: string,
): Promise<DashboardSockets> {
  const sockets: Array<Socket<ServerToClientEvents, ClientToServerEvents>> = [];
  const got = new Set<number>();
  let samples: number[] = [];
  let recording = false;
  let batches = 0;
  await Promise.all(
    tokens.map(
      (token, i) =>
        new Promise<void>((resolve, reject) => {
          const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
            path: '/socket.io',
            transports: ['websocket'],
            auth: { token },
            reconnection: true,
            forceNew: true,
          });
          sockets.push(socket);
          socket.once('connect', () => resolve());
          socket.once('connect_error', (err) => reject(new Error(`socket ${i}: ${err.message}`)));
          socket.on('sites:update', (views: SiteView[]) => {
            const now = Date.now();
            batches++;
            got.add(i);
            if (!recording) return;
            for (const view of views)
              if (view.id === probeSiteId && view.updatedAt) samples.push(now - Date.parse(view.updatedAt));
          });
        }),
    ),
  );
  return {
    connected: () => sockets.filter((s) => s.connected).length,
    receiving: () => got.size,
    batches: () => batches,
    record() {
      samples = [];
      got.clear();
      recording = true;
    },
    samples: () => samples,
    close() {
      for (const s of sockets) s.disconnect();
    },
  };
}

export interface InfluxPoller {
  samples(): number[];
  stop(): void;
}

/** Polls InfluxDB for new probe points; latency = time of the answering poll - point time. */
export function pollInflux(url: string, db: string, deviceId: string, pollMs: number): InfluxPoller {
  const samples: number[] = [];
  let since = Date.now();
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      try {
        const rows = await influxQuery(
          url,
          db,
          `SELECT "count" FROM "occupancy" WHERE "device" = '${deviceId}' AND time > ${since}ms`,
        );
        const now = Date.now();
        for (const row of rows) {
          const t = row.time as number;
          samples.push(now - t);
          since = Math.max(since, t);
        }
      } catch {
        // InfluxDB busy: the next poll reports the delay
      }
      await new Promise((r) => setTimeout(r, Math.max(0, pollMs - (Date.now() - started))));
    }
  };
  void loop();
  return {
    samples: () => samples,
    stop() {
      stopped = true;
    },
  };
}
