/**
 * A size guard in front of aedes. aedes 1.2 has no maximum packet size: its parser (mqtt-packet)
 * buffers a packet until the whole announced remaining length has arrived, so a client that
 * announces 256 MiB got 100 MiB buffered (aedes issue #831). The guard reads only the MQTT fixed
 * headers as bytes stream past (type byte + "remaining length", 1-4 bytes of 7 bits each,
 * MQTT 3.1.1 section 2.2.3), skips bodies without copying them, and destroys the connection as
 * soon as a header announces more than the limit, before any of that body is buffered.
 */
import type { Readable } from 'node:stream';

export type ScanResult =
  | { ok: true }
  | { ok: false; reason: 'packet-too-large'; remainingLength: number }
  | { ok: false; reason: 'malformed-length' };

/**
 * Follows MQTT framing across arbitrary chunk boundaries.
 *
 * @example
 * const scanner = new MqttFrameScanner(1024);
 * scanner.scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64])); // { ok: false, reason: 'packet-too-large', remainingLength: 209715200 }
 */
export class MqttFrameScanner {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxRemainingLength: number) {}

  scan(chunk: Uint8Array): ScanResult {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skip;
        i += skip;
        if (this.bodyLeft === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        // [MQTT-2.2.3] the remaining length is at most four bytes long.
        if (this.lengthBytes === 4) return { ok: false, reason: 'malformed-length' };
        // Stop early: the part read so far already exceeds the limit.
        if (this.length > this.maxRemainingLength)
          return { ok: false, reason: 'packet-too-large', remainingLength: this.length };
        continue;
      }
      if (this.length > this.maxRemainingLength)
        return { ok: false, reason: 'packet-too-large', remainingLength: this.length };
      this.bodyLeft = this.length;
      this.state = this.bodyLeft > 0 ? 'body' : 'type';
    }
    return { ok: true };
  }
}

export type GuardRejection = Exclude<ScanResult, { ok: true }>;

/**
 * Guards a connection (a TCP or TLS socket, or a WebSocket stream) in place and returns it: every
 * chunk it receives is scanned as it enters the stream (its `push`), and the connection is
 * destroyed when an inbound packet is too large or malformed, before that chunk is buffered or
 * read. Hand the result to `aedes.handle`.
 *
 * In place rather than as a wrapping stream: a wrapper (session 3) cost every connection a second
 * duplex (about 0.9 KiB of heap, 9 MiB at 10,000 devices) and every packet a second stream
 * layer each way. Writes go straight to the socket, where mqtt-packet's cork/uncork per turn
 * already makes one `writev` of a packet's parts.
 *
 * @example
 * net.createServer((socket) => aedes.handle(guardConnection(socket, 262_144, (r) => log.warn(r))));
 */
export function guardConnection<T extends Readable>(
  connection: T,
  maxRemainingLength: number,
  onReject: (rejection: GuardRejection) => void,
): T {
  const scanner = new MqttFrameScanner(maxRemainingLength);
  const push = connection.push;
  connection.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    // null ends the stream; a destroyed connection drops whatever still arrives.
    if (chunk === null || connection.destroyed) return push.call(connection, chunk, encoding);
    const result = scanner.scan(chunk as Uint8Array);
    if (result.ok) return push.call(connection, chunk, encoding);
    onReject(result);
    connection.destroy();
    return false;
  };
  return connection;
}
