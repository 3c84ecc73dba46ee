/**
 * BoundedPersistence is a correct aedes persistence (aedes-persistence's own abstract suite,
 * run through a small node:test-style adapter) and keeps its bound and its metrics.
 */
import assert from 'node:assert';
import { PassThrough } from 'node:stream';
import abstractPersistence from 'aedes-persistence/abstract.js';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundedPersistence, type QueuedPacket } from './bounded-persistence.ts';

/** The part of node:test's TestContext the abstract suite uses: assert, plan, diagnostic. */
function nodeTestContext() {
  let planned: number | undefined;
  let count = 0;
  const counted = new Proxy(assert, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    context: { assert: counted, plan: (n: number) => (planned = n), diagnostic: () => {} },
    verify: () => {
      if (planned !== undefined) expect(count, 'assertions run vs t.plan()').toBe(planned);
    },
  };
}

describe('aedes-persistence abstract suite against BoundedPersistence', () => {
  abstractPersistence({
    test: (name, fn) =>
      it(name, async () => {
        const { context, verify } = nodeTestContext();
        await fn(context);
        verify();
      }),
    persistence: () => new BoundedPersistence({ maxQueuedPerClient: 1_000 }),
    testAsync: true,
  });
});

const broker = { id: 'broker-1', counter: 0 };

async function fresh(maxQueuedPerClient: number, metrics?: Registry) {
  const p = new BoundedPersistence({ maxQueuedPerClient, ...(metrics ? { metrics } : {}) });
  await p.setup(broker);
  return p;
}

const publish = (brokerCounter: number, extra: Partial<QueuedPacket> = {}): QueuedPacket => ({
  cmd: 'publish',
  topic: 'crowd/v1/devices/d1/counts',
  payload: Buffer.from(String(brokerCounter)),
  qos: 1,
  brokerId: broker.id,
  brokerCounter,
  ...extra,
});

async function drain(p: BoundedPersistence, clientId: string): Promise<QueuedPacket[]> {
  const out: QueuedPacket[] = [];
  for await (const packet of p.outgoingStream({ id: clientId })) out.push(packet as QueuedPacket);
  return out;
}

describe('BoundedPersistence', () => {
  it('keeps the oldest messages and drops new ones for a client whose queue is full', async () => {
    const metrics = new Registry();
    const p = await fresh(3, metrics);
    for (let i = 1; i <= 5; i++)
      await p.outgoingEnqueueCombi([{ clientId: 'ingest' }, { clientId: 'other' }], publish(i));
    await p.outgoingEnqueue({ clientId: 'small' }, publish(9));

    expect((await drain(p, 'ingest')).map((x) => x.brokerCounter)).toEqual([1, 2, 3]);
    expect(p.queueDepth('other')).toBe(3);
    expect(p.queueDepth('small')).toBe(1);
    expect(p.queuedTotal).toBe(7);
    const dropped = await metrics.getSingleMetric('jagajarak_broker_queue_dropped_total')!.get();
    expect(dropped.values.map((v) => [v.labels.client, v.value])).toEqual([
      ['ingest', 2],
      ['other', 2],
    ]);
    await p.destroy();
  });

  it('accepts new messages again once the client acknowledges some', async () => {
    const p = await fresh(2);
    await p.outgoingEnqueue({ clientId: 'c' }, publish(1));
    await p.outgoingEnqueue({ clientId: 'c' }, publish(2));
    await p.outgoingEnqueue({ clientId: 'c' }, publish(3));
    await p.outgoingUpdate({ id: 'c' }, publish(1, { messageId: 11 }));
    expect(
      (await p.outgoingClearMessageId({ id: 'c' }, { cmd: 'puback', messageId: 11 }))?.brokerCounter,
    ).toBe(1);
    await p.outgoingEnqueue({ clientId: 'c' }, publish(4));
    expect((await drain(p, 'c')).map((x) => x.brokerCounter)).toEqual([2, 4]);
    await p.destroy();
  });

  it('lets a dropped message be sent live to a connected client instead of failing its delivery', async () => {
    const p = await fresh(1);
    await p.outgoingEnqueue({ clientId: 'c' }, publish(1));
    await p.outgoingEnqueue({ clientId: 'c' }, publish(2));
    // aedes' deliverQoS runs outgoingUpdate before writing; a failure there closes the client.
    await expect(p.outgoingUpdate({ id: 'c' }, publish(2, { messageId: 5 }))).resolves.toBeUndefined();
    await expect(p.outgoingUpdate({ id: 'c' }, publish(77, { messageId: 6 }))).rejects.toThrow(
      'no such packet',
    );
    expect(await p.outgoingClearMessageId({ id: 'c' }, { cmd: 'puback', messageId: 5 })).toBeUndefined();
    expect(p.queueDepth('c')).toBe(1);
    await p.destroy();
  });

  it('clears an unforwarded message by its broker identity, not by the publisher messageId it carries', async () => {
    const p = await fresh(10);
    await p.outgoingEnqueue({ clientId: 'c' }, publish(1));
    await p.outgoingUpdate({ id: 'c' }, publish(1, { messageId: 7 }));
    await p.outgoingEnqueue({ clientId: 'c' }, publish(2));
    // The routed packet of counter 2 carries the device's messageId 7, which is message 1's here.
    const cleared = await p.outgoingClearMessageId({ id: 'c' }, publish(2, { messageId: 7 }));
    expect(cleared?.brokerCounter).toBe(2);
    expect((await drain(p, 'c')).map((x) => x.brokerCounter)).toEqual([1]);
    await p.destroy();
  });

  it('leaves out of a replay what the client acknowledged after the replay was asked for', async () => {
    const p = await fresh(10);
    for (let i = 1; i <= 3; i++) await p.outgoingEnqueue({ clientId: 'c' }, publish(i));
    // aedes has subscribed the client and delivers message 2 live while it replays the queue.
    await p.outgoingUpdate({ id: 'c' }, publish(2, { messageId: 5 }));
    const replay = p.outgoingStream({ id: 'c' });
    await p.outgoingClearMessageId({ id: 'c' }, { cmd: 'puback', messageId: 5 });
    const out: QueuedPacket[] = [];
    for await (const packet of replay) out.push(packet as QueuedPacket);
    expect(out.map((x) => x.brokerCounter)).toEqual([1, 3]);
    await p.destroy();
  });

  it('lets the replay send a message acknowledged after the replay read it, instead of failing', async () => {
    const p = await fresh(10);
    for (let i = 1; i <= 2; i++) await p.outgoingEnqueue({ clientId: 'c' }, publish(i));
    // aedes pipes the replay into a Transform, which reads ahead into its buffer.
    const replay = p.outgoingStream({ id: 'c' }).pipe(new PassThrough({ objectMode: true }));
    await expect.poll(() => replay.readableLength).toBe(2);
    await p.outgoingUpdate({ id: 'c' }, publish(2, { messageId: 6 }));
    await p.outgoingClearMessageId({ id: 'c' }, { cmd: 'puback', messageId: 6 });
    expect((replay.read() as QueuedPacket).brokerCounter).toBe(1);
    const late = replay.read() as QueuedPacket;
    expect(late.brokerCounter).toBe(2);
    // What connect.js emptyQueue runs before writing it; a rejection closes the client.
    await expect(p.outgoingUpdate({ id: 'c' }, { ...late, messageId: 6 })).resolves.toBeUndefined();
    expect(p.queueDepth('c')).toBe(1);
    await p.destroy();
  });

  it('delivers and acknowledges new messages in constant time behind a deep backlog', async () => {
    const p = await fresh(200_000);
    const backlog = 100_000;
    for (let i = 1; i <= backlog; i++) await p.outgoingEnqueue({ clientId: 'ingest' }, publish(i));
    const started = performance.now();
    for (let i = backlog + 1; i <= backlog + 5_000; i++) {
      const messageId = (i % 60_000) + 1;
      await p.outgoingEnqueue({ clientId: 'ingest' }, publish(i));
      await p.outgoingUpdate({ id: 'ingest' }, publish(i, { messageId }));
      await p.outgoingClearMessageId({ id: 'ingest' }, { cmd: 'puback', messageId });
    }
    const took = performance.now() - started;
    expect(p.queueDepth('ingest')).toBe(backlog);
    // aedes-persistence's array scan walks the backlog twice per message here: measured 67 s on
    // this machine for the same loop (about 0.3 s with the indexes).
    expect(took).toBeLessThan(5_000);
    await p.destroy();
  });

  it('reports total depth and the deepest sessions at scrape time', async () => {
    const metrics = new Registry();
    const p = await fresh(100, metrics);
    for (let i = 1; i <= 4; i++) await p.outgoingEnqueue({ clientId: 'ingest' }, publish(i));
    await p.outgoingEnqueue({ clientId: 'dash' }, publish(9));
    const text = await metrics.metrics();
    expect(text).toContain('jagajarak_broker_session_queue_messages 5');
    expect(text).toContain('jagajarak_broker_session_queue_depth{client="ingest"} 4');
    expect(text).toContain('jagajarak_broker_session_queue_depth{client="dash"} 1');
    await p.destroy();
    expect(await metrics.metrics()).toContain('jagajarak_broker_session_queue_messages 0');
  });

  it('keeps a retained payload of its own, not the socket chunk it was parsed from', async () => {
    const p = await fresh(10);
    const chunk = Buffer.alloc(400, 0x2a); // a socket read: its own memory, several packets long
    const payload = chunk.subarray(300, 320);
    await p.storeRetained({ ...publish(1), topic: 'crowd/v1/devices/d1/status', payload, retain: true });
    const [kept] = (await p.createRetainedStreamCombi(['crowd/v1/devices/+/status']).toArray()) as Array<{
      payload: Buffer;
    }>;
    expect(kept?.payload.equals(payload)).toBe(true);
    expect(kept?.payload.buffer).not.toBe(chunk.buffer);
    await p.destroy();
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new BoundedPersistence({ maxQueuedPerClient: 0 })).toThrow('positive integer');
  });
});
