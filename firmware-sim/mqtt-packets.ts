/**
 * The MQTT 3.1.1 packets a device sends, each encoded into one Buffer (OASIS MQTT 3.1.1, section
 * 3), for the lean device connection (mqtt-connection.ts). Fixed control packets (PINGREQ,
 * DISCONNECT, PUBACK) are a few constant bytes and live there.
 */

/** What a CONNECT carries; `MqttConnectionOptions` is one. */
export interface ConnectFields {
  clientId: string;
  username?: string;
  password?: string;
  clean: boolean;
  keepaliveS: number;
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean };
}

const varintLength = (n: number) => (n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4);

/** Writes the fixed header (type byte and remaining length); returns the offset after it. */
function header(buf: Buffer, first: number, remaining: number): number {
  buf[0] = first;
  let o = 1;
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[o++] = byte;
  } while (n > 0);
  return o;
}

/** A UTF-8 string with its 2-byte length prefix [MQTT-1.5.3]; returns the offset after it. */
function writeString(buf: Buffer, o: number, text: string, bytes: number): number {
  buf.writeUInt16BE(bytes, o);
  return o + 2 + buf.write(text, o + 2, 'utf8');
}

/**
 * One PUBLISH packet in one Buffer.
 *
 * @example encodePublish('crowd/v1/devices/d/counts', '{"ts":1}', 1, false, false, 7)
 */
export function encodePublish(
  topic: string,
  payload: string,
  qos: 0 | 1,
  retain: boolean,
  dup: boolean,
  packetId: number,
): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const remaining = 2 + topicBytes + (qos ? 2 : 0) + Buffer.byteLength(payload);
  const buf = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
  let o = header(buf, 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0), remaining);
  o = writeString(buf, o, topic, topicBytes);
  if (qos) o = buf.writeUInt16BE(packetId, o);
  buf.write(payload, o, 'utf8');
  return buf;
}

/** CONNECT of protocol level 4 (MQTT 3.1.1) [MQTT-3.1]. */
export function encodeConnect(options: ConnectFields): Buffer {
  const { clientId, username, password, will } = options;
  const fields: string[] = [clientId];
  let flags = options.clean ? 0x02 : 0;
  if (will) {
    flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
    fields.push(will.topic, will.payload);
  }
  if (username !== undefined) {
    flags |= 0x80;
    fields.push(username);
  }
  if (password !== undefined) {
    flags |= 0x40;
    fields.push(password);
  }
  const sizes = fields.map((f) => Buffer.byteLength(f));
  const remaining = 10 + sizes.reduce((sum, n) => sum + 2 + n, 0);
  const buf = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
  let o = header(buf, 0x10, remaining);
  o = writeString(buf, o, 'MQTT', 4);
  buf[o++] = 4;
  buf[o++] = flags;
  o = buf.writeUInt16BE(options.keepaliveS, o);
  fields.forEach((field, i) => {
    o = writeString(buf, o, field, sizes[i]!);
  });
  return buf;
}

export function encodeSubscribe(packetId: number, filter: string, qos: 0 | 1): Buffer {
  const bytes = Buffer.byteLength(filter);
  const remaining = 2 + 2 + bytes + 1;
  const buf = Buffer.allocUnsafe(1 + varintLength(remaining) + remaining);
  // [MQTT-3.8.1-1]: the reserved bits of SUBSCRIBE are 0010.
  let o = header(buf, 0x82, remaining);
  o = buf.writeUInt16BE(packetId, o);
  o = writeString(buf, o, filter, bytes);
  buf[o] = qos;
  return buf;
}
