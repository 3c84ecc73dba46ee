/**
 * The network side of one simulated device: a real MQTT 3.1.1 connection (mqtt-connection.ts, a
 * lean client: mqtt.js cost the load generator twice the CPU per message, issue #5) speaking
 * device protocol v1 (DESIGN.md "Device protocol v1"), behaving as firmware on a bad network does.
 * Username and client id are the device id, the password its secret; a persistent session
 * (clean: false) so QoS 1 commands wait for the device; a retained last will `{"online":false}`
 * and a retained birth after every connect; data at QoS 1 (positions at QoS 0: a stale fix is worth nothing after an
 * outage, so they are dropped while offline, never queued).
 *
 * Bad-network behaviour (issue 5), each configured per device (device-behaviour.ts):
 * - its own reconnect loop with exponential backoff and jitter (backoff.ts), seeded per device;
 * - a bounded offline buffer (offline-buffer.ts): every message goes through it, at most
 *   `inflightWindow` QoS 1 messages are handed to the connection at a time, and the rest wait in
 *   the buffer. After a reconnect the connection first resends the unacknowledged in-flight ones
 *   (same packet ids, DUP set: the persistent session's duty [MQTT-4.4.0-1]), then the buffer is
 *   replayed in order with the original `ts` (DESIGN.md: "replays in order with the original ts");
 * - clock skew on every `ts` the device stamps, duplicates and malformed messages.
 */
import { EventEmitter } from 'node:events';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type CmdMsg, cmdSchema, type DeviceMessage, STREAM_QOS } from '../shared/device-schemas.ts';
import { type Logger, rateLimitedLog, silentLogger } from '../shared/log.ts';
import { topics } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';
import { type Backoff, deviceBackoff } from './backoff.ts';
import {
  type DeviceBehaviour,
  FaultPlan,
  GOOD_DEVICE,
  malformedPayload,
  type Outgoing,
} from './device-behaviour.ts';
import type { DeviceClientStats, DeviceTally } from './device-counters.ts';
import { MqttConnection } from './mqtt-connection.ts';
import { OfflineBuffer } from './offline-buffer.ts';

export const SIM_FIRMWARE_VERSION = 'sim-1.0.0';

export interface DeviceClientOptions {
  /** e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  deviceId: string;
  secret: string;
  fw?: string;
  /** True time; the device's own clock is this plus `behaviour.clockSkewMs`. */
  clock?: Clock;
  logger?: Logger;
  /** Faults, buffer and backoff; default a good device (GOOD_DEVICE). */
  behaviour?: Partial<DeviceBehaviour>;
  /** Seed of the fault dice and the backoff jitter (with the device id); default 2020. */
  seed?: number;
  /** Reconnect after a loss (default true); tests of a single connection turn it off. */
  reconnect?: boolean;
  /** Subscribe to the device's `cmd` topic (default true). */
  subscribeCmd?: boolean;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  /** How long a clean stop waits for the broker to acknowledge the offline status. */
  stopTimeoutMs?: number;
  /**
   * Counters shared by many devices (load mode), kept as they change: summing 10,000 stats()
   * four times a second cost the load worker a sixth of its CPU (test/bench/generator-cost.ts).
   */
  tally?: DeviceTally;
}

export interface DeviceClientEvents {
  /** A valid command from the device's `cmd` topic. */
  command: [cmd: CmdMsg];
  connect: [];
  offline: [];
  /** A reconnect attempt was scheduled after `delayMs` (attempt counts from 1 after each loss). */
  reconnectScheduled: [delayMs: number, attempt: number];
}

/** True when `promise` settled (either way) within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

export type { DeviceClientStats, DeviceTally } from './device-counters.ts';

const OFFLINE_WILL = JSON.stringify({ online: false });

/** Positions may go at QoS 0 (DESIGN.md table: "0 or 1"). */
const QOS = { ...STREAM_QOS, position: { qos: 0, retain: false } } as const;

/**
 * @example
 * const device = new DeviceClient({ url, deviceId: 'bus-k1-01-gw', secret, behaviour: { clockSkewMs: 90_000 } });
 * device.on('command', (cmd) => world.command('bus-k1-01-gw', cmd));
 * await device.start();
 * device.publish({ deviceId: 'bus-k1-01-gw', stream: 'counts', payload: { ts: Date.now(), seq: 0, in: 3, out: 1 } });
 * await device.stop();
 */
export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  readonly deviceId: string;
  readonly behaviour: DeviceBehaviour;
  private connection: MqttConnection | undefined;
  private starting: { resolve: () => void; reject: () => void } | undefined;
  private readonly clock: Clock;
  private logger: Logger | undefined;
  private readonly warn = rateLimitedLog();
  private readonly buffer: OfflineBuffer<Outgoing>;
  private readonly backoff: Backoff;
  private readonly plan: FaultPlan;
  private readonly counters = {
    connects: 0,
    published: 0,
    acked: 0,
    accepted: 0,
    dropped: 0,
    duplicates: 0,
    malformed: 0,
    reconnectAttempts: 0,
    errors: 0,
    commands: 0,
    rejectedCommands: 0,
  };
  private inflight = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Between a CONNACK and the close that follows it (for the shared `connected` tally). */
  private online = false;

  constructor(private readonly options: DeviceClientOptions) {
    super();
    this.deviceId = options.deviceId;
    this.behaviour = { ...GOOD_DEVICE, ...options.behaviour };
    this.clock = options.clock ?? systemClock;
    const seed = options.seed ?? 2020;
    this.buffer = new OfflineBuffer(this.behaviour.bufferSize);
    this.backoff = deviceBackoff(seed, this.deviceId, this.behaviour.backoff);
    this.plan = new FaultPlan(this.behaviour, seed, this.deviceId);
  }

  /** Created on first use: a pino child per device is too much memory for 20,000 devices. */
  private get log(): Logger {
    this.logger ??= (this.options.logger ?? silentLogger).child({ device: this.deviceId });
    return this.logger;
  }

  get connected(): boolean {
    return this.connection?.connected ?? false;
  }

  /** The device's own clock: true time plus its skew. */
  now(): number {
    return this.clock.now() + this.behaviour.clockSkewMs;
  }

  stats(): DeviceClientStats {
    return {
      connected: this.connected,
      ...this.counters,
      bufferDropped: this.buffer.dropped,
      buffered: this.buffer.size,
      inflight: this.inflight,
    };
  }

  /** The fault dice of this device (load firmware asks it when to reboot). */
  get faults(): FaultPlan {
    return this.plan;
  }

  /**
   * Connects; resolves on the first CONNACK. A refused connection (e.g. the broker has not yet
   * received the device's registry record) is retried like any other failure; rejects only if
   * `stop()` comes first.
   */
  start(): Promise<void> {
    if (this.connection) throw new Error(`Device '${this.deviceId}' is already started`);
    const { url, deviceId, secret } = this.options;
    const connection = new MqttConnection({
      url,
      clientId: deviceId,
      username: deviceId,
      password: secret,
      clean: false,
      keepaliveS: this.options.keepaliveS ?? 30,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
      will: { topic: topics.device(deviceId, 'status'), payload: OFFLINE_WILL, qos: 1, retain: true },
    });
    this.connection = connection;
    connection.on('connect', () => this.onConnect(connection));
    connection.on('close', () => this.onClose(connection));
    connection.on('error', (err) => {
      this.counters.errors++;
      if (this.options.tally) this.options.tally.errors++;
      this.warn(`error:${err.message}`, (suppressed) =>
        this.log.warn({ err: err.message, suppressed }, 'MQTT connection error, retrying'),
      );
    });
    connection.on('message', (topic, payload) => this.onMessage(topic, payload));
    const started = new Promise<void>((resolve, reject) => {
      this.starting = {
        resolve,
        reject: () => reject(new Error(`Device '${deviceId}' stopped before it connected`)),
      };
    });
    connection.connect();
    return started;
  }

  /**
   * Publishes one protocol v1 data message of this device, stamped by the caller with true time:
   * the device's skew is added to `ts`. Goes through the offline buffer; never throws for I/O.
   */
  publish(message: DeviceMessage): void {
    if (message.deviceId !== this.deviceId)
      throw new Error(`Device '${this.deviceId}' cannot publish for '${message.deviceId}'`);
    if (this.stopping) return;
    this.counters.accepted++;
    const { qos, retain } = QOS[message.stream];
    const topic = topics.device(this.deviceId, message.stream);
    const skewed = this.skewed(message);
    const bad = this.plan.malformed();
    if (bad) {
      const m = malformedPayload(bad, skewed);
      this.enqueue({ topic, payload: m.payload, qos: m.qos, retain: false, kind: 'malformed' });
      return;
    }
    const payload = JSON.stringify(skewed.payload);
    this.enqueue({ topic, payload, qos, retain, kind: 'data' });
    if (this.plan.duplicate()) this.enqueue({ topic, payload, qos, retain, dup: qos > 0, kind: 'duplicate' });
  }

  /**
   * Clean shutdown: publishes `{"online":false}` itself and then disconnects with a DISCONNECT
   * packet, so the broker discards the will [MQTT-3.14.4-3]. What is still buffered is lost, as
   * on a device switched off.
   */
  async stop(): Promise<void> {
    const connection = this.connection;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (!connection || this.stopping) return;
    this.stopping = true;
    this.starting?.reject();
    this.starting = undefined;
    if (connection.connected) {
      const offline = JSON.stringify({ online: false, ts: this.now() });
      const ms = this.options.stopTimeoutMs ?? 2000;
      const status = topics.device(this.deviceId, 'status');
      await within(
        new Promise<void>((resolve) => connection.publish(status, offline, 1, true, false, () => resolve())),
        ms,
      );
      // The messages still in flight get their acknowledgements first; a dead broker must not hang stop().
      await within(this.settled(), ms);
    }
    await connection.end();
  }

  /** Abrupt loss (power cut, modem crash): the socket is destroyed without DISCONNECT, so the will fires. */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.starting?.reject();
    this.starting = undefined;
    this.connection?.destroy();
  }

  /** Resolves once no QoS 1 message is in flight (or the connection is gone). */
  private settled(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.inflight === 0 || !this.connected) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
  }

  private skewed(message: DeviceMessage): DeviceMessage {
    const skew = this.behaviour.clockSkewMs;
    const payload = message.payload as { ts?: number };
    if (skew === 0 || payload.ts === undefined) return message;
    return { ...message, payload: { ...payload, ts: payload.ts + skew } } as DeviceMessage;
  }

  private enqueue(out: Outgoing): void {
    const tally = this.options.tally;
    if (out.qos === 0 && !this.connected) {
      this.counters.dropped++;
      if (tally) tally.dropped++;
      return;
    }
    const before = this.buffer.dropped;
    this.buffer.push(out);
    if (tally) {
      const lost = this.buffer.dropped - before;
      tally.bufferDropped += lost;
      // The one dropped is the oldest: a QoS 1 one unless QoS 0 messages sit in the buffer.
      if (out.qos === 1) tally.pending += 1 - lost;
    }
    if (this.connected && this.inflight < this.behaviour.inflightWindow) this.pump();
  }

  /** Hands buffered messages to the connection while connected and the in-flight window has room. */
  private pump(): void {
    const connection = this.connection;
    if (!connection?.connected || this.stopping) return;
    const tally = this.options.tally;
    const several = this.buffer.size > 1;
    if (several) connection.cork();
    while (connection.connected && this.inflight < this.behaviour.inflightWindow) {
      const out = this.buffer.shift();
      if (!out) break;
      if (out.qos === 1) this.inflight++;
      this.counters.published++;
      if (tally) tally.published++;
      if (out.kind === 'duplicate') {
        this.counters.duplicates++;
        if (tally) tally.duplicates++;
      } else if (out.kind === 'malformed') {
        this.counters.malformed++;
        if (tally) tally.malformed++;
      }
      connection.publish(out.topic, out.payload, out.qos, out.retain, out.dup === true, (err) =>
        this.onSent(out, err),
      );
    }
    if (several) connection.uncork();
  }

  private onSent(out: Outgoing, err: Error | undefined): void {
    const tally = this.options.tally;
    if (out.qos === 1) {
      this.inflight--;
      if (!err) this.counters.acked++;
      if (tally) {
        tally.pending--;
        if (!err) tally.acked++;
      }
    }
    if (err) {
      this.counters.errors++;
      if (tally) tally.errors++;
      if (!this.stopping)
        this.warn(`publish:${err.message}`, (suppressed) =>
          this.log.warn({ err: err.message, topic: out.topic, suppressed }, 'publish failed'),
        );
    }
    if (out.qos === 1 && this.buffer.size > 0) this.pump();
  }

  private onConnect(connection: MqttConnection): void {
    this.counters.connects++;
    this.online = true;
    if (this.options.tally) this.options.tally.connected++;
    this.backoff.reset();
    const birth = JSON.stringify({
      online: true,
      fw: this.options.fw ?? SIM_FIRMWARE_VERSION,
      ts: this.now(),
    });
    connection.publish(topics.device(this.deviceId, 'status'), birth, 1, true, false);
    // Subscribing again is harmless when the session kept the subscription, and needed when the
    // broker lost it (in-memory persistence restarted).
    if (this.options.subscribeCmd ?? true)
      connection.subscribe(topics.deviceCmd(this.deviceId), 1, (err) => {
        if (err && !this.stopping) this.log.debug({ err: err.message }, 'subscribing to cmd failed');
      });
    this.log.debug('connected');
    this.starting?.resolve();
    this.starting = undefined;
    this.emit('connect');
    this.pump();
  }

  private onClose(connection: MqttConnection): void {
    if (this.connection !== connection) return;
    if (this.online) {
      this.online = false;
      if (this.options.tally) this.options.tally.connected--;
    }
    if (this.stopping) return;
    this.emit('offline');
    if (this.options.reconnect === false || this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.counters.reconnectAttempts++;
    if (this.options.tally) this.options.tally.reconnectAttempts++;
    this.emit('reconnectScheduled', delay, this.backoff.attempts);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // The connection keeps its unacknowledged QoS 1 messages and resends them first.
      if (!this.stopping) connection.connect();
    }, delay);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== topics.deviceCmd(this.deviceId)) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      json = undefined;
    }
    // Unknown ops and malformed commands are ignored, as firmware must (forward compatible).
    const cmd = safeParse(cmdSchema, json);
    if (!cmd.ok) {
      this.counters.rejectedCommands++;
      this.log.debug({ error: cmd.error }, 'ignoring command');
      return;
    }
    this.counters.commands++;
    try {
      this.emit('command', cmd.value);
    } catch (err) {
      this.log.error({ err }, 'command handler failed');
    }
  }
}
