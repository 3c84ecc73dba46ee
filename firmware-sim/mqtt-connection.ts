/**
 * A lean MQTT 3.1.1 client connection: exactly what a device of protocol v1 needs (DESIGN.md
 * "Device protocol v1") and nothing else, so that one process can carry 10,000 of them cheaply
 * (issue #5: the load generator shares the machine with the system it measures).
 *
 * Measured with test/bench/generator-cost.ts: mqtt.js spent about half of the generator's time
 * per message in its own machinery (a `debug` call per step, a keepalive timer re-armed on every
 * packet, six stream writes per PUBLISH through mqtt-packet's writeToStream, an outgoing store and
 * a BufferList parser per connection). Here a PUBLISH is one Buffer and one socket write, the
 * keepalive is one interval per connection that looks at two flags, and the few packet types a
 * device can receive are framed by hand.
 *
 * What it does: CONNECT with will, credentials, clean flag and keepalive [MQTT-3.1]; CONNACK with
 * refusal codes [MQTT-3.2.2.3]; PUBLISH at QoS 0 and 1 with packet ids, QoS 1 kept until PUBACK
 * and resent with DUP set and the same id after every reconnect [MQTT-4.4.0-1]; SUBSCRIBE and
 * SUBACK; incoming PUBLISH at QoS 0/1 with PUBACK [MQTT-4.3.2]; PINGREQ when nothing was sent for
 * a keepalive period [MQTT-3.1.2-23]; the connection is closed when the broker stays silent for
 * 1.5 keepalive periods; DISCONNECT on a clean end. Reconnecting is the caller's choice
 * (`connect()` again after `close`): DeviceClient owns the backoff.
 */
import { EventEmitter } from 'node:events';
import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { encodeConnect, encodePublish, encodeSubscribe } from './mqtt-packets.ts';

export interface MqttWill {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface MqttConnectionOptions {
  /** `mqtt://host:port` (or `tcp://`), `mqtts://host:port` (or `tls://`, `ssl://`). */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  clean: boolean;
  /** Seconds; 0 turns keepalive off. */
  keepaliveS: number;
  /** The socket is destroyed when no CONNACK arrived within this. */
  connectTimeoutMs: number;
  will?: MqttWill;
}

export interface MqttConnectionEvents {
  /** CONNACK accepted; in-flight QoS 1 messages have already been resent. */
  connect: [sessionPresent: boolean];
  /** The socket closed (after `connect` or not); call `connect()` to try again. */
  close: [];
  error: [err: Error];
  /** An application message from a subscription. */
  message: [topic: string, payload: Buffer];
}

/** Called once the broker acknowledged (QoS 1) or the packet was written (QoS 0). */
export type SendCallback = (err?: Error) => void;

const PINGREQ = Buffer.from([0xc0, 0x00]);
const DISCONNECT = Buffer.from([0xe0, 0x00]);
/** Devices receive commands of a few hundred bytes; anything near this is a broken stream. */
const MAX_INCOMING_BYTES = 1 << 20;
/** [MQTT-3.2.2.3] */
const CONNACK_REFUSALS = [
  '',
  'Unacceptable protocol version',
  'Identifier rejected',
  'Server unavailable',
  'Bad username or password',
  'Not authorized',
];

const END_TIMEOUT_MS = 2000;
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

function parseUrl(url: string): { host: string; port: number; secure: boolean } {
  const u = new URL(url);
  const secure = ['mqtts:', 'tls:', 'ssl:'].includes(u.protocol);
  if (!secure && !['mqtt:', 'tcp:'].includes(u.protocol))
    throw new Error(`MQTT connection: '${u.protocol}//' is not supported, use mqtt:// or mqtts://`);
  const port = u.port ? Number(u.port) : secure ? 8883 : 1883;
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port, secure };
}

interface Inflight {
  packet: Buffer;
  cb: SendCallback | undefined;
}

/**
 * @example
 * const conn = new MqttConnection({ url, clientId: 'door-1', username: 'door-1', password, clean: false,
 *   keepaliveS: 60, connectTimeoutMs: 10_000, will: { topic, payload: '{"online":false}', qos: 1, retain: true } });
 * conn.on('connect', () => conn.publish(topic, '{"ts":1,"seq":0,"in":1,"out":0}', 1, false, false, (err) => {}));
 * conn.on('close', () => setTimeout(() => conn.connect(), 1000));
 * conn.connect();
 */
export class MqttConnection extends EventEmitter<MqttConnectionEvents> {
  /** True between an accepted CONNACK and the socket's close. */
  connected = false;
  private socket: Socket | undefined;
  private readonly target: { host: string; port: number; secure: boolean };
  /** QoS 1 publishes sent and not acknowledged, oldest first (a Map keeps insertion order). */
  private readonly inflight = new Map<number, Inflight>();
  private readonly subscribing = new Map<number, SendCallback | undefined>();
  private nextId = 1;
  private partial: Buffer | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private sentSinceTick = false;
  private silentTicks = 0;

  constructor(private readonly options: MqttConnectionOptions) {
    super();
    this.target = parseUrl(options.url);
  }

  /** QoS 1 messages sent (or waiting to be resent) and not yet acknowledged. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Opens a socket and logs in; a no-op while a socket is open. */
  connect(): void {
    if (this.socket) return;
    const { host, port, secure } = this.target;
    let socket: Socket;
    if (secure) {
      socket = tlsConnect({ host, port, servername: host });
      socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    } else {
      // Reads land in one buffer shared by every connection of the process, bypassing the
      // Readable stream (a Buffer and a stream push per 4-byte PUBACK otherwise); onData
      // consumes or copies each read before the next.
      const onread = {
        buffer: SHARED_READ_BUFFER,
        callback: (bytes: number, buf: Uint8Array) => {
          this.onData(socket, Buffer.from(buf.buffer, buf.byteOffset, bytes));
          return true;
        },
      };
      socket = tcpConnect({ host, port, onread });
    }
    this.socket = socket;
    // A device sends one small packet and waits for its PUBACK: Nagle would only add latency.
    socket.setNoDelay(true);
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.onClose(socket));
    this.connectTimer = setTimeout(
      () => socket.destroy(new Error(`no CONNACK within ${this.options.connectTimeoutMs} ms`)),
      this.options.connectTimeoutMs,
    );
    // Written before the TCP handshake completes: the socket queues it.
    socket.write(encodeConnect(this.options));
  }

  /**
   * Sends one application message. QoS 1 is kept until its PUBACK (and resent after a
   * reconnect), `cb` called then; QoS 0 fails at once when not connected.
   */
  publish(
    topic: string,
    payload: string,
    qos: 0 | 1,
    retain: boolean,
    dup: boolean,
    cb?: SendCallback,
  ): void {
    if (qos === 0) {
      if (this.connected) this.write(encodePublish(topic, payload, 0, retain, dup, 0));
      cb?.(this.connected ? undefined : new Error('not connected'));
      return;
    }
    const id = this.allocateId();
    if (id === undefined) {
      cb?.(new Error('no free packet id: 65,535 messages in flight'));
      return;
    }
    const packet = encodePublish(topic, payload, 1, retain, dup, id);
    this.inflight.set(id, { packet, cb });
    if (this.connected) this.write(packet);
  }

  /** SUBSCRIBE to one filter; `cb` gets the SUBACK's verdict. Only while connected. */
  subscribe(filter: string, qos: 0 | 1, cb?: SendCallback): void {
    const id = this.connected ? this.allocateId() : undefined;
    if (id === undefined) {
      cb?.(new Error(this.connected ? 'no free packet id' : 'not connected'));
      return;
    }
    this.subscribing.set(id, cb);
    this.write(encodeSubscribe(id, filter, qos));
  }

  /** Writes in between are sent in one syscall (Node's writev) at `uncork()`. */
  cork(): void {
    this.socket?.cork();
  }

  uncork(): void {
    this.socket?.uncork();
  }

  /**
   * Clean end: DISCONNECT, so the broker discards the will [MQTT-3.14.4-3], then the socket is
   * closed. Resolves once it is.
   */
  end(): Promise<void> {
    const socket = this.socket;
    if (!socket) return Promise.resolve();
    // The broker closes its side on DISCONNECT; one that is gone never does, so stop waiting.
    const timer = setTimeout(() => socket.destroy(), END_TIMEOUT_MS);
    const closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      }),
    );
    if (this.connected) socket.end(DISCONNECT);
    else socket.destroy();
    return closed;
  }

  /** Abrupt loss: no DISCONNECT, so the broker publishes the will. */
  destroy(): void {
    this.socket?.destroy();
  }

  private allocateId(): number | undefined {
    for (let tries = 0; tries < 65_535; tries++) {
      const id = this.nextId;
      this.nextId = id === 65_535 ? 1 : id + 1;
      if (!this.inflight.has(id) && !this.subscribing.has(id)) return id;
    }
    return undefined;
  }

  private write(packet: Buffer): void {
    this.sentSinceTick = true;
    this.socket?.write(packet);
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.connected = false;
    this.partial = undefined;
    clearTimeout(this.connectTimer);
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    // A SUBSCRIBE is not part of the session's resend duty; the caller subscribes again.
    for (const cb of this.subscribing.values()) cb?.(new Error('connection closed'));
    this.subscribing.clear();
    this.emit('close');
  }

  private onData(socket: Socket, chunk: Buffer): void {
    const buf = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = undefined;
    this.silentTicks = 0;
    let o = 0;
    while (buf.length - o >= 2) {
      let remaining = 0;
      let multiplier = 1;
      let i = o + 1;
      let complete = false;
      for (; i < buf.length && i <= o + 4; i++) {
        remaining += (buf[i]! & 0x7f) * multiplier;
        multiplier *= 128;
        if (!(buf[i]! & 0x80)) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i > o + 4) return void socket.destroy(new Error('malformed remaining length'));
        break;
      }
      if (remaining > MAX_INCOMING_BYTES)
        return void socket.destroy(new Error(`incoming packet of ${remaining} bytes`));
      const start = i + 1;
      const end = start + remaining;
      if (end > buf.length) break;
      if (!this.onPacket(socket, buf[o]!, buf, start, end)) return;
      if (this.socket !== socket) return;
      o = end;
    }
    // Copied: a view would keep the whole read buffer alive until the rest arrives.
    if (o < buf.length) this.partial = Buffer.from(buf.subarray(o));
  }

  /** Handles one packet; false when the connection was dropped for a protocol error. */
  private onPacket(socket: Socket, first: number, buf: Buffer, start: number, end: number): boolean {
    switch (first >> 4) {
      case 4: {
        // PUBACK
        const id = buf.readUInt16BE(start);
        const entry = this.inflight.get(id);
        if (entry) {
          this.inflight.delete(id);
          entry.cb?.();
        }
        return true;
      }
      case 2: {
        // CONNACK
        const code = buf[start + 1]!;
        clearTimeout(this.connectTimer);
        if (code !== 0) {
          const reason = CONNACK_REFUSALS[code] ?? `return code ${code}`;
          socket.destroy(new Error(`Connection refused: ${reason}`));
          return false;
        }
        this.onConnack((buf[start]! & 1) === 1);
        return true;
      }
      case 3:
        return this.onPublish(socket, first, buf, start, end);
      case 9: {
        // SUBACK
        const id = buf.readUInt16BE(start);
        const cb = this.subscribing.get(id);
        this.subscribing.delete(id);
        cb?.(buf[start + 2] === 0x80 ? new Error('subscription refused') : undefined);
        return true;
      }
      case 13:
        // PINGRESP: any packet already counted as a sign of life.
        return true;
      default:
        socket.destroy(new Error(`unexpected packet type ${first >> 4}`));
        return false;
    }
  }

  private onConnack(sessionPresent: boolean): void {
    this.connected = true;
    this.sentSinceTick = false;
    this.silentTicks = 0;
    const keepaliveMs = this.options.keepaliveS * 1000;
    if (keepaliveMs > 0) this.keepaliveTimer = setInterval(() => this.onKeepaliveTick(), keepaliveMs / 2);
    // [MQTT-4.4.0-1]: unacknowledged QoS 1 messages again, oldest first, same ids, DUP set.
    if (this.inflight.size > 0) {
      this.cork();
      for (const entry of this.inflight.values()) {
        entry.packet[0]! |= 0x08;
        this.write(entry.packet);
      }
      this.uncork();
    }
    this.emit('connect', sessionPresent);
  }

  private onPublish(socket: Socket, first: number, buf: Buffer, start: number, end: number): boolean {
    const qos = (first >> 1) & 3;
    // Devices subscribe at QoS 1, so the broker never sends QoS 2 [MQTT-3.8.4-6].
    if (qos === 2) {
      socket.destroy(new Error('QoS 2 PUBLISH to a QoS 1 subscription'));
      return false;
    }
    const topicEnd = start + 2 + buf.readUInt16BE(start);
    const topic = buf.toString('utf8', start + 2, topicEnd);
    const payloadStart = qos ? topicEnd + 2 : topicEnd;
    const payload = Buffer.from(buf.subarray(payloadStart, end));
    if (qos === 1) {
      const ack = Buffer.from([0x40, 0x02, buf[topicEnd]!, buf[topicEnd + 1]!]);
      this.emit('message', topic, payload);
      this.write(ack);
    } else {
      this.emit('message', topic, payload);
    }
    return true;
  }

  /** Every half keepalive: PINGREQ if nothing was sent since the last tick; give up after 1.5 periods of silence. */
  private onKeepaliveTick(): void {
    if (++this.silentTicks >= 3) {
      this.socket?.destroy(new Error('keepalive timeout: the broker is silent'));
      return;
    }
    if (!this.sentSinceTick) this.write(PINGREQ);
    this.sentSinceTick = false;
  }
}
