/**
 * The network side of one simulated device: a real MQTT 3.1.1 client speaking device protocol v1
 * (DESIGN.md "Device protocol v1"), as firmware on a real counter would. Username and client id
 * are the device id, the password its secret; a persistent session (clean: false) so QoS 1
 * commands wait for the device; a retained last will `{"online":false}` and a retained birth
 * after every connect; data at QoS 1 (positions at QoS 0: a stale fix is worth nothing after an
 * outage, and with `queueQoSZero: false` they are dropped rather than queued while offline).
 *
 * Reconnecting is mqtt.js's fixed `reconnectPeriod` for now. Every outgoing message goes through
 * `send()`, the one place where exponential backoff and a bounded offline buffer will hook in.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { type Clock, systemClock } from '../shared/clock.ts';
import { type CmdMsg, cmdSchema, type DeviceMessage, STREAM_QOS } from '../shared/device-schemas.ts';
import { type Logger, rateLimitedLog, silentLogger } from '../shared/log.ts';
import { topics } from '../shared/topics.ts';
import { safeParse } from '../shared/validation.ts';

export const SIM_FIRMWARE_VERSION = 'sim-1.0.0';

export interface DeviceClientOptions {
  /** e.g. `mqtt://127.0.0.1:1883`. */
  url: string;
  deviceId: string;
  secret: string;
  fw?: string;
  /** Device wall clock, stamped on status messages. */
  clock?: Clock;
  logger?: Logger;
  reconnectPeriodMs?: number;
  keepaliveS?: number;
  /** How long a clean stop waits for the broker to acknowledge the offline status. */
  stopTimeoutMs?: number;
}

export interface DeviceClientEvents {
  /** A valid command from the device's `cmd` topic. */
  command: [cmd: CmdMsg];
  connect: [];
  offline: [];
}

export interface DeviceClientStats {
  connected: boolean;
  connects: number;
  published: number;
  /** QoS 0 messages dropped while offline. */
  dropped: number;
  commands: number;
  rejectedCommands: number;
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

/** Positions may go at QoS 0 (DESIGN.md table: "0 or 1"). */
const QOS = { ...STREAM_QOS, position: { qos: 0, retain: false } } as const;

/**
 * @example
 * const device = new DeviceClient({ url, deviceId: 'bus-k1-01-gw', secret });
 * device.on('command', (cmd) => world.command('bus-k1-01-gw', cmd));
 * await device.start();
 * device.publish({ deviceId: 'bus-k1-01-gw', stream: 'counts', payload: { ts: Date.now(), seq: 0, in: 3, out: 1 } });
 * await device.stop();
 */
export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  readonly deviceId: string;
  private client: MqttClient | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly warn = rateLimitedLog();
  private readonly counters = { connects: 0, published: 0, dropped: 0, commands: 0, rejectedCommands: 0 };
  private stopping = false;

  constructor(private readonly options: DeviceClientOptions) {
    super();
    this.deviceId = options.deviceId;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ device: options.deviceId });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  stats(): DeviceClientStats {
    return { connected: this.connected, ...this.counters };
  }

  /**
   * Connects; resolves on the first CONNACK. A refused connection (e.g. the broker has not yet
   * received the device's registry record) is retried like any other failure; rejects only if
   * `stop()` comes first.
   */
  start(): Promise<void> {
    if (this.client) throw new Error(`Device '${this.deviceId}' is already started`);
    const { url, deviceId, secret } = this.options;
    const statusTopic = topics.device(deviceId, 'status');
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: deviceId,
      username: deviceId,
      password: secret,
      clean: false,
      keepalive: this.options.keepaliveS ?? 30,
      reconnectPeriod: this.options.reconnectPeriodMs ?? 1000,
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: {
        topic: statusTopic,
        payload: Buffer.from(JSON.stringify({ online: false })),
        qos: 1,
        retain: true,
      },
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('offline', () => this.emit('offline'));
    client.on('error', (err) =>
      this.warn(`error:${err.message}`, (suppressed) =>
        this.log.warn({ err: err.message, suppressed }, 'MQTT connection error, retrying'),
      ),
    );
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('end', () => reject(new Error(`Device '${deviceId}' stopped before it connected`)));
    });
  }

  /** Publishes one protocol v1 message of this device; never throws for I/O. */
  publish(message: DeviceMessage): void {
    if (message.deviceId !== this.deviceId)
      throw new Error(`Device '${this.deviceId}' cannot publish for '${message.deviceId}'`);
    const { qos, retain } = QOS[message.stream];
    this.send(topics.device(this.deviceId, message.stream), JSON.stringify(message.payload), { qos, retain });
  }

  /**
   * Clean shutdown: publishes `{"online":false}` itself and then disconnects with a DISCONNECT
   * packet, so the broker discards the will [MQTT-3.14.4-3].
   */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client || this.stopping) return;
    this.stopping = true;
    if (client.connected) {
      const offline = JSON.stringify({ online: false, ts: this.clock.now() });
      const ms = this.options.stopTimeoutMs ?? 2000;
      const status = topics.device(this.deviceId, 'status');
      await within(client.publishAsync(status, offline, { qos: 1, retain: true }), ms);
      // end(false) waits for in-flight QoS 1 acknowledgements; a dead broker must not hang stop().
      if (!(await within(client.endAsync(false), ms))) await client.endAsync(true);
    } else {
      await client.endAsync(true);
    }
  }

  /** Abrupt loss (power cut, modem crash): the socket is destroyed without DISCONNECT, so the will fires. */
  kill(): void {
    this.stopping = true;
    this.client?.end(true);
  }

  private send(topic: string, payload: string, opts: IClientPublishOptions): void {
    const client = this.client;
    if (!client || this.stopping) return;
    if (!client.connected && opts.qos === 0) {
      this.counters.dropped++;
      return;
    }
    this.counters.published++;
    client.publish(topic, payload, opts, (err) => {
      if (err)
        this.warn(`publish:${err.message}`, (suppressed) =>
          this.log.warn({ err: err.message, topic, suppressed }, 'publish failed'),
        );
    });
  }

  private onConnect(client: MqttClient): void {
    this.counters.connects++;
    const birth = JSON.stringify({
      online: true,
      fw: this.options.fw ?? SIM_FIRMWARE_VERSION,
      ts: this.clock.now(),
    });
    client.publish(topics.device(this.deviceId, 'status'), birth, { qos: 1, retain: true });
    // Subscribing again is harmless when the session kept the subscription, and needed when the
    // broker lost it (in-memory persistence restarted).
    client.subscribe(topics.deviceCmd(this.deviceId), { qos: 1 }, (err) => {
      if (err) this.log.warn({ err: err.message }, 'subscribing to cmd failed');
    });
    this.log.debug('connected');
    this.emit('connect');
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
