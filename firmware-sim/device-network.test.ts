/**
 * Firmware behaviour on a bad network (issue 5), each against a real aedes broker on an
 * ephemeral port: reconnect with exponential backoff and jitter, the bounded offline buffer
 * replayed in order with the original timestamps, clock skew, counter reboots, duplicates and
 * malformed messages, all deterministic for a seed.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countsSchema, MAX_DEVICE_PAYLOAD_BYTES, streamSchemas } from '../shared/device-schemas.ts';
import { topics } from '../shared/topics.ts';
import { deviceBackoff } from './backoff.ts';
import { type DeviceBehaviour, FaultPlan, GOOD_DEVICE, type MalformedKind } from './device-behaviour.ts';
import { DeviceClient } from './device-client.ts';
import { LoadFirmware } from './load-firmware.ts';

const DEVICE = 'load-00042';
const COUNTS = topics.device(DEVICE, 'counts');
const T0 = 1_764_313_200_000;
const FAST_BACKOFF = { initialMs: 20, maxMs: 160, factor: 2, jitter: 0.5 };

interface Received {
  topic: string;
  text: string;
  dup: boolean;
}

describe('device firmware on a bad network, against a real aedes broker', () => {
  let aedes: Aedes;
  let server: Server;
  let port: number;
  let refuseLogins = 0;
  let live: Set<Client>;
  const cleanup: Array<() => Promise<unknown> | unknown> = [];

  const listen = async () => {
    server = createServer(aedes.handle);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  };
  /** The network goes away: no listener, every connection cut (the broker keeps its sessions). */
  const cutNetwork = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const client of live) client.close();
    await closed;
  };

  beforeEach(async () => {
    refuseLogins = 0;
    port = 0;
    aedes = await Aedes.createBroker({
      authenticate: (_client, username, _password, done) => {
        if (username !== 'watcher' && refuseLogins > 0) {
          refuseLogins--;
          return done(null, false);
        }
        done(null, true);
      },
    });
    live = new Set();
    aedes.on('client', (c) => live.add(c));
    aedes.on('clientDisconnect', (c) => live.delete(c));
    await listen();
  });

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await new Promise<void>((r) => aedes.close(() => r()));
    if (server.listening) await new Promise<void>((r) => server.close(() => r()));
  });

  function device(behaviour: Partial<DeviceBehaviour> = {}, seed = 7): DeviceClient {
    const client = new DeviceClient({
      url: `mqtt://127.0.0.1:${port}`,
      deviceId: DEVICE,
      secret: 'rahasia',
      clock: { now: () => T0 },
      seed,
      behaviour: { backoff: FAST_BACKOFF, ...behaviour },
      stopTimeoutMs: 200,
    });
    cleanup.push(() => client.stop());
    return client;
  }

  async function watcher(filter = COUNTS): Promise<Received[]> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: `watcher-${Math.random()}`,
      username: 'watcher',
      reconnectPeriod: 0,
    });
    cleanup.push(() => client.endAsync(true));
    const seen: Received[] = [];
    client.on('message', (topic, payload, packet) =>
      seen.push({ topic, text: payload.toString(), dup: packet.dup }),
    );
    await client.subscribeAsync(filter, { qos: 1 });
    return seen;
  }

  const until = async (check: () => boolean, what = 'condition') => {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check(), what).toBe(true);
  };

  const counts = (seq: number, ts = T0 + seq) =>
    ({ deviceId: DEVICE, stream: 'counts', payload: { ts, seq, in: seq, out: 0 } }) as const;

  it('reconnects after a loss with exponentially growing, jittered delays seeded per device', async () => {
    const client = device();
    const delays: number[] = [];
    client.on('reconnectScheduled', (ms) => delays.push(ms));
    await client.start();
    refuseLogins = 3;
    const reconnected = once(client, 'connect');
    for (const c of live) if (c.id === DEVICE) c.close();
    await reconnected;
    const expected = deviceBackoff(7, DEVICE, FAST_BACKOFF);
    expect(delays).toEqual([expected.next(), expected.next(), expected.next(), expected.next()]);
    expect(delays[0]).toBeGreaterThanOrEqual(10);
    expect(delays[0]).toBeLessThanOrEqual(20);
    expect(delays[3]).toBeGreaterThanOrEqual(80);
    expect(delays[3]).toBeLessThanOrEqual(160);
    expect(client.stats()).toMatchObject({ connects: 2, reconnectAttempts: 4 });
  });

  it('buffers while offline, drops the oldest beyond its bound, and replays the rest in order with the original ts', async () => {
    const client = device({ bufferSize: 5 });
    await client.start();
    const seen = await watcher();
    client.publish(counts(0));
    await until(() => seen.length === 1);

    const offline = once(client, 'offline');
    await cutNetwork();
    await offline;
    for (let seq = 1; seq <= 8; seq++) client.publish(counts(seq, T0 + seq * 1000));
    expect(client.stats()).toMatchObject({ buffered: 5, bufferDropped: 3, connected: false });

    // The replay is not retained: the device stays refused until the watcher has subscribed.
    refuseLogins = Number.POSITIVE_INFINITY;
    await listen();
    const replayed = await watcher();
    refuseLogins = 0;
    await until(() => replayed.length === 5, 'the buffered messages arrive');
    const payloads = replayed.map((m) => countsSchema.parse(JSON.parse(m.text)));
    expect(payloads.map((p) => p.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(payloads.map((p) => p.ts)).toEqual([4, 5, 6, 7, 8].map((s) => T0 + s * 1000));
    expect(client.stats()).toMatchObject({ buffered: 0, inflight: 0, acked: 6 });
  });

  it('never hands more than its in-flight window to mqtt.js; the rest waits in its own buffer', async () => {
    const client = device({ inflightWindow: 4, bufferSize: 1000 });
    await client.start();
    const seen = await watcher();
    for (let seq = 0; seq < 50; seq++) client.publish(counts(seq));
    expect(client.stats().inflight).toBe(4);
    expect(client.stats().buffered).toBe(46);
    await until(() => seen.length === 50);
    expect(seen.map((m) => JSON.parse(m.text).seq)).toEqual([...Array(50).keys()]);
  });

  it('stamps every ts with its own skewed clock, birth included', async () => {
    const births = await watcher(topics.device(DEVICE, 'status'));
    const seen = await watcher();
    const client = device({ clockSkewMs: -90_000 });
    await client.start();
    client.publish(counts(1, T0));
    await until(() => seen.length === 1 && births.length === 1);
    expect(JSON.parse(seen[0]!.text).ts).toBe(T0 - 90_000);
    expect(JSON.parse(births[0]!.text)).toMatchObject({ online: true, ts: T0 - 90_000 });
  });

  it('reboots its counter when its dice say so: totals back to 0 and seq restarting, deterministic for a seed', async () => {
    const behaviour = { ...GOOD_DEVICE, rebootRate: 0.25 };
    const client = device(behaviour, 11);
    await client.start();
    const seen = await watcher();
    const fw = new LoadFirmware(DEVICE, 11);
    for (let i = 0; i < 40; i++) client.publish(fw.next(T0 + i * 1000, client.faults));
    await until(() => seen.length === 40);
    const got = seen.map((m) => countsSchema.parse(JSON.parse(m.text)));
    // A reboot before the very first report looks like any first report.
    const restarts = got.flatMap((p, i) => (i > 0 && p.seq === 0 ? [i] : []));
    expect(restarts.length).toBeGreaterThanOrEqual(fw.reboots - 1);
    expect(restarts.length).toBeLessThanOrEqual(fw.reboots);
    expect(restarts.length).toBeGreaterThan(3);
    // A fresh boot has counted at most one step of people (0..3); the totals before were higher.
    for (const i of restarts) expect(got[i]!.in).toBeLessThanOrEqual(3);
    expect(restarts.filter((i) => got[i]!.in < got[i - 1]!.in).length).toBeGreaterThan(0);
    // The same seed replays the same reboots.
    const plan = new FaultPlan(behaviour, 11, DEVICE);
    const again = new LoadFirmware(DEVICE, 11);
    const replay = Array.from({ length: 40 }, (_, i) => again.next(T0 + i * 1000, plan).payload);
    expect(replay).toEqual(got);
  });

  it('sends the same message twice, as a retransmission would, when its dice say duplicate', async () => {
    const client = device({ duplicateRate: 1 });
    await client.start();
    const seen = await watcher();
    client.publish(counts(3));
    await until(() => seen.length === 2 && client.stats().acked === 2);
    expect(seen[0]!.text).toBe(seen[1]!.text);
    expect(client.stats()).toMatchObject({ accepted: 1, published: 2, duplicates: 1, acked: 2 });
  });

  it.each<[MalformedKind, (text: string) => void]>([
    ['invalid-json', (text) => expect(() => JSON.parse(text)).toThrow()],
    ['wrong-type', (text) => expect(typeof JSON.parse(text).ts).toBe('string')],
    ['out-of-range', (text) => expect(JSON.parse(text).in).toBe(-1)],
    ['oversize', (text) => expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_DEVICE_PAYLOAD_BYTES)],
  ])('sends a %s message in place of the reading at its malformed rate', async (kind, check) => {
    const client = device({ malformedRate: 1, malformedKinds: [kind] });
    await client.start();
    const seen = await watcher();
    client.publish(counts(5));
    await until(() => seen.length === 1);
    check(seen[0]!.text);
    if (kind !== 'invalid-json' && kind !== 'oversize')
      expect(streamSchemas.counts.safeParse(JSON.parse(seen[0]!.text)).success).toBe(false);
    expect(client.stats()).toMatchObject({ malformed: 1, published: 1 });
  });

  it('mixes faults at the configured rates, the same way for the same seed', () => {
    const behaviour = { ...GOOD_DEVICE, malformedRate: 0.1, duplicateRate: 0.05, rebootRate: 0.01 };
    const roll = (seed: number) => {
      const plan = new FaultPlan(behaviour, seed, DEVICE);
      return Array.from({ length: 10_000 }, () => [plan.malformed() ?? '-', plan.duplicate(), plan.reboot()]);
    };
    const a = roll(3);
    expect(roll(3)).toEqual(a);
    expect(roll(4)).not.toEqual(a);
    const share = (f: (r: (string | boolean)[]) => boolean) => a.filter(f).length / a.length;
    expect(share((r) => r[0] !== '-')).toBeCloseTo(0.1, 1);
    expect(share((r) => r[1] === true)).toBeCloseTo(0.05, 1);
    expect(share((r) => r[2] === true)).toBeCloseTo(0.01, 1);
  });
});
