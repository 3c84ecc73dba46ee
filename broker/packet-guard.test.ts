import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type GuardRejection, guardConnection, MqttFrameScanner } from './packet-guard.ts';
import { encodeLength } from './test-kit.ts';

const packet = (type: number, bodyLength: number) =>
  Buffer.concat([Buffer.from([type]), encodeLength(bodyLength), Buffer.alloc(bodyLength, 0x61)]);

describe('MqttFrameScanner', () => {
  it('passes a stream of packets at and under the limit, split at every byte', () => {
    const stream = Buffer.concat([packet(0x10, 40), packet(0xc0, 0), packet(0x30, 1024), packet(0x30, 200)]);
    const scanner = new MqttFrameScanner(1024);
    for (const byte of stream) expect(scanner.scan(Buffer.from([byte]))).toEqual({ ok: true });
  });

  it('follows framing across chunks of any size', () => {
    const stream = Buffer.concat([
      packet(0x30, 130),
      packet(0x30, 16_383),
      packet(0x30, 16_384),
      packet(0x30, 5),
    ]);
    for (const size of [1, 2, 3, 7, 100, 4096, stream.length]) {
      const scanner = new MqttFrameScanner(20_000);
      for (let i = 0; i < stream.length; i += size)
        expect(scanner.scan(stream.subarray(i, i + size))).toEqual({ ok: true });
      // The next byte starts a new packet: an oversize header there is still caught.
      expect(scanner.scan(Buffer.concat([Buffer.from([0x30]), encodeLength(20_001)])).ok).toBe(false);
    }
  });

  it('rejects an oversize announcement from its header alone', () => {
    const scanner = new MqttFrameScanner(262_144);
    expect(scanner.scan(Buffer.concat([Buffer.from([0x30]), encodeLength(200 * 1024 * 1024)]))).toEqual({
      ok: false,
      reason: 'packet-too-large',
      remainingLength: 200 * 1024 * 1024,
    });
  });

  it('rejects as soon as the length bytes read so far exceed the limit', () => {
    const scanner = new MqttFrameScanner(1000);
    // 0xff 0xff: 127 + 127 * 128 = 16,383 already, with a continuation bit still set.
    expect(scanner.scan(Buffer.from([0x30, 0xff, 0xff])).ok).toBe(false);
  });

  it('rejects a remaining length longer than four bytes', () => {
    const scanner = new MqttFrameScanner(268_435_455);
    expect(scanner.scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toEqual({
      ok: false,
      reason: 'malformed-length',
    });
  });
});

describe('guardConnection', () => {
  it('passes bytes both ways and destroys both ends on an oversize packet', async () => {
    const rejections: GuardRejection[] = [];
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => {
      server.once('connection', (socket) => {
        const guarded = guardConnection(socket, 1024, (r) => rejections.push(r));
        // In place: the socket itself, no second stream per connection.
        expect(guarded).toBe(socket);
        resolve(guarded);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => {});
    try {
      const guarded = await accepted;
      const ok = packet(0x30, 10);
      client.write(ok);
      const [received] = (await once(guarded, 'data')) as [Buffer];
      expect(received).toEqual(ok);

      guarded.write(Buffer.from([0x20, 2, 0, 0]));
      const [reply] = (await once(client, 'data')) as [Buffer];
      expect(reply).toEqual(Buffer.from([0x20, 2, 0, 0]));

      const guardClosed = new Promise<void>((resolve) => guarded.once('close', () => resolve()));
      const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.write(Buffer.concat([Buffer.from([0x30]), encodeLength(2048), Buffer.alloc(512)]));
      await Promise.all([guardClosed, clientClosed]);
      expect(rejections).toEqual([{ ok: false, reason: 'packet-too-large', remainingLength: 2048 }]);
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
