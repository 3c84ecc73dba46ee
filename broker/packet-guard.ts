/**
 * A size guard in front of aedes. aedes 1.2 has no maximum packet size: its parser (mqtt-packet)
 * buffers a packet until the whole announced remaining length has arrived, so a client that
 * announces 256 MiB got 100 MiB buffered (aedes issue #831). The guard reads only the MQTT fixed
 * headers as bytes stream past (type byte + "remaining length", 1-4 bytes of 7 bits each,
 * MQTT 3.1.1 section 2.2.3), skips bodies without copying them, and destroys the connection as
 * soon as a header announces more than the limit, before any of that body is buffered.
 */
import { Duplex } from 'node:stream';

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
 * Wraps a connection (a TCP socket or a WebSocket stream) in a duplex that passes bytes both ways
 * unchanged and destroys both ends when an inbound packet is too large or malformed. Hand the
 * result to `aedes.handle`.
 *
 * @example
 * net.createServer((socket) => aedes.handle(guardConnection(socket, 262_144, (r) => log.warn(r))));
 */
export function guardConnection(
  inner: Duplex,
  maxRemainingLength: number,
  onReject: (rejection: GuardRejection) => void,
): Duplex {
  return new GuardedConnection(inner, new MqttFrameScanner(maxRemainingLength), onReject);
}

class GuardedConnection extends Duplex {
  constructor(
    private readonly inner: Duplex,
    private readonly scanner: MqttFrameScanner,
    private readonly onReject: (rejection: GuardRejection) => void,
  ) {
    super({ allowHalfOpen: false });
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  /** aedes reads this for logging; a WebSocket stream has none (the request carries it). */
  get remoteAddress(): string | undefined {
    return (this.inner as Partial<{ remoteAddress: string }>).remoteAddress;
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    const result = this.scanner.scan(chunk);
    if (!result.ok) {
      this.onReject(result);
      this.destroy();
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.destroyed) {
      callback(new Error('connection closed'));
      return;
    }
    if (this.inner.write(chunk, encoding)) callback();
    else this.inner.once('drain', () => callback());
  }

  /**
   * mqtt-packet corks the stream for each packet until the next tick, so the packets aedes writes
   * in one turn (PUBACKs to a device, PUBLISHes to ingest) arrive here together: one write to the
   * socket instead of one syscall per chunk (one per packet part; test/bench/README.md finding 4).
   */
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    if (chunks.length === 1) {
      this._write(chunks[0]!.chunk, chunks[0]!.encoding, callback);
      return;
    }
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'buffer' as BufferEncoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}
