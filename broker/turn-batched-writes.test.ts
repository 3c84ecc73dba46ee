import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../shared/topics.ts';
import { startTestBroker, type TestBroker } from './test-kit.ts';
import { batchWritesPerTurn, TURN_ALLOWANCE_BYTES } from './turn-batched-writes.ts';

/** A writable that records every call that reaches it: one entry per `_write` or `_writev`. */
function recorder() {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      calls.push([String(chunk)]);
      callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.map(({ chunk }) => String(chunk)));
      callback();
    },
  });
  return { stream, calls };
}

/** Writes as mqtt-packet does (cork, write, uncork on the next tick), once per tick. */
async function writeInSeparateTicks(stream: Writable, parts: string[]) {
  for (const part of parts) {
    stream.cork();
    stream.write(part);
    process.nextTick(() => stream.uncork());
    await new Promise<void>((resolve) => process.nextTick(resolve));
    await new Promise<void>((resolve) => process.nextTick(resolve));
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('batchWritesPerTurn', () => {
  it('sends what is written over several ticks of one turn in one writev, in order', async () => {
    const { stream, calls } = recorder();
    batchWritesPerTurn(stream);
    await writeInSeparateTicks(stream, ['a', 'b', 'c']);
    expect(calls).toEqual([]);
    await turn();
    expect(calls).toEqual([['a', 'b', 'c']]);
    // The next turn starts a batch of its own.
    await writeInSeparateTicks(stream, ['d', 'e']);
    await turn();
    expect(calls).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('is what makes the difference: unpatched, each tick is a write of its own', async () => {
    const { stream, calls } = recorder();
    await writeInSeparateTicks(stream, ['a', 'b', 'c']);
    await turn();
    expect(calls).toEqual([['a'], ['b'], ['c']]);
  });

  it('passes callbacks and backpressure through, and a destroyed stream is left alone', async () => {
    const { stream } = recorder();
    batchWritesPerTurn(stream);
    const done = new Promise<void>((resolve) => stream.write('x', () => resolve()));
    await turn();
    await done;
    stream.destroy();
    expect(() => stream.write('y', () => {})).not.toThrow();
    expect(stream.writableCorked).toBe(0);
  });
});

describe('batchWritesPerTurn backpressure', () => {
  /** A 16-byte high-water mark; `stuck` never completes a write, as a socket nobody reads. */
  function small(stuck: boolean) {
    return new Writable({
      highWaterMark: 16,
      write(_chunk, _encoding, callback) {
        if (!stuck) callback();
      },
      writev(_chunks, callback) {
        if (!stuck) callback();
      },
    });
  }

  it("does not report a turn's own batch as backpressure, up to the allowance", async () => {
    const stream = batchWritesPerTurn(small(false));
    expect(stream.write(Buffer.alloc(100))).toBe(true);
    expect(stream.write(Buffer.alloc(1000))).toBe(true);
    // Corked without the patch, the same write says false and its writer would wait for 'drain'.
    const plain = small(false);
    plain.cork();
    expect(plain.write(Buffer.alloc(100))).toBe(false);
    expect(stream.write(Buffer.alloc(TURN_ALLOWANCE_BYTES))).toBe(false);
    await turn();
    expect(stream.writableLength).toBe(0);
  });

  it('reports backpressure at once on a connection already backed up when the turn begins', async () => {
    const stream = batchWritesPerTurn(small(true));
    expect(stream.write(Buffer.alloc(100))).toBe(true);
    await turn();
    // Nobody read the first batch: the next turn's first write says so.
    expect(stream.write(Buffer.alloc(1))).toBe(false);
  });
});

describe('a broker', () => {
  let kit: TestBroker | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it("forwards many devices' messages to a service in fewer writes than messages", async () => {
    kit = await startTestBroker();
    const consumer = await kit.service('ingest');
    await consumer.subscribeAsync(topics.device('+', 'counts'), { qos: 1 });
    const conn = (kit.broker.aedes as unknown as { clients: Record<string, { conn: Writable }> }).clients[
      consumer.options.clientId!
    ]!.conn as Writable & { _write: Writable['_write']; _writev: NonNullable<Writable['_writev']> };
    const devices = [];
    for (let i = 0; i < 20; i++) {
      const id = `bus-k1-${String(i).padStart(2, '0')}-gw`;
      devices.push(await kit.device(id, await kit.provision(id)));
    }
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = conn[method] as (...args: unknown[]) => void;
      (conn as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        writes += 1;
        original.apply(this, args);
      };
    }
    let received = 0;
    consumer.on('message', () => {
      received += 1;
    });
    // Sent together, the twenty arrive in one poll phase of the broker's event loop.
    devices.forEach((device, i) => {
      device.publish(topics.device(device.options.clientId!, 'counts'), JSON.stringify({ seq: i }), {
        qos: 1,
      });
    });
    await expect.poll(() => received).toBe(20);
    expect(writes).toBeLessThan(10);
  });
});
