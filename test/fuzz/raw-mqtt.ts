/**
 * MQTT 3.1.1 packets built by hand, byte by byte, and one-shot connections that send them. A
 * client library refuses to send most of what the fuzzer needs (wildcards or ill-formed UTF-8 in
 * a PUBLISH topic, QoS 3, a remaining length of five bytes, a header announcing 1 MiB), so these
 * go straight onto a socket. Each one-shot connection is expected to be closed by the broker.
 */
import { connect as tcpConnect } from 'node:net';

/** [MQTT-2.2.3] remaining length: 7 bits per byte, high bit = more bytes follow. */
export function varint(length: number): Buffer {
  const bytes: number[] = [];
  let n = length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A length-prefixed field ([MQTT-1.5.3]); `value` may hold any bytes, valid UTF-8 or not. */
function field(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(bytes.length);
  return Buffer.concat([prefix, bytes]);
}

function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), varint(body.length), body]);
}

/**
 * CONNECT with clean session, username and password.
 *
 * @example connectPacket('fz-1', 'bus-k1-07', 'secret')
 */
export function connectPacket(clientId: string, username: string, password: string): Buffer {
  const header = Buffer.concat([field('MQTT'), Buffer.from([0x04, 0xc2, 0x00, 0x3c])]);
  return packet(0x10, Buffer.concat([header, field(clientId), field(username), field(password)]));
}

/**
 * PUBLISH with whatever topic bytes and flags are given (QoS in bits 1-2, 3 being invalid).
 *
 * @example publishPacket(Buffer.from('crowd/v1/devices/a+/counts'), Buffer.from('{}'))
 */
export function publishPacket(
  topic: Buffer | string,
  payload: Buffer,
  options: { qos?: number } = {},
): Buffer {
  const qos = options.qos ?? 1;
  const messageId = qos > 0 ? Buffer.from([0x00, 0x01]) : Buffer.alloc(0);
  return packet(0x30 | ((qos & 3) << 1), Buffer.concat([field(topic), messageId, payload]));
}

/** A PUBLISH fixed header announcing `announced` bytes, followed by only `sent` of them. */
export function announcePacket(announced: number, sent: number): Buffer {
  return Buffer.concat([Buffer.from([0x32]), varint(announced), Buffer.alloc(sent, 0x41)]);
}

export interface OneShotResult {
  /** CONNACK return code, when a CONNECT was sent. */
  connack: number | undefined;
  /** The broker answered the bad packet with a PUBACK (it should not: it closes instead). */
  acked: boolean;
}

/**
 * Opens a TCP connection, optionally logs in (waits for CONNACK 0), writes `bytes` and resolves
 * once the broker has closed the connection. Rejects when it stays open for `timeoutMs`.
 *
 * @example await oneShot(1883, { clientId: 'x', username: 'dev', password: 's' }, publishPacket('#', Buffer.from('')));
 */
export function oneShot(
  port: number,
  login: { clientId: string; username: string; password: string } | undefined,
  bytes: Buffer,
  timeoutMs = 5000,
): Promise<OneShotResult> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let connack: number | undefined;
    let sentBad = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the broker kept the connection open after ${bytes.subarray(0, 40).toString('hex')}`));
    }, timeoutMs);
    const sendBad = () => {
      sentBad = true;
      received = Buffer.alloc(0);
      socket.write(bytes);
    };
    socket.on('connect', () =>
      login ? socket.write(connectPacket(login.clientId, login.username, login.password)) : sendBad(),
    );
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!sentBad && received.length >= 4) {
        connack = received[3];
        if (received[0] !== 0x20 || connack !== 0) {
          clearTimeout(timer);
          socket.destroy();
          reject(
            new Error(`CONNECT as ${login?.username} refused: ${received.subarray(0, 4).toString('hex')}`),
          );
          return;
        }
        sendBad();
      }
    });
    // Writes racing the broker's close end in EPIPE / ECONNRESET: the close is what we wait for.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      if (login && connack === undefined) {
        reject(new Error(`connection closed before CONNACK for ${login.username}`));
        return;
      }
      resolve({ connack, acked: sentBad && received.length > 0 && (received[0]! & 0xf0) === 0x40 });
    });
  });
}
