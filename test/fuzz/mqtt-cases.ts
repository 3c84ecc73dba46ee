/**
 * Seeded generator of MQTT fuzz cases (issue #6 item 4): good protocol v1 messages interleaved
 * with generated and mutated bad ones. Every case says who must refuse it and why:
 * - `good`: stored as one point (measurement, device, ts);
 * - `ingest`: passes the broker, ingest rejects it with a `jagajarak_ingest_messages_rejected_total`
 *   reason and a dead letter;
 * - `broker`: refused by the broker on a one-shot connection (ACL or aedes' own topic checks ->
 *   `jagajarak_broker_publish_denied_total`, packet guard or parser ->
 *   `jagajarak_broker_connections_dropped_total`), connection closed.
 * The same seed gives the same cases, so a failure replays with `FUZZ_SEED`.
 */
import { MAX_DEVICE_PAYLOAD_BYTES } from '../../shared/device-schemas.ts';
import { deviceMayPublish } from '../../shared/registry-schemas.ts';
import { type DeviceStream, ROOT, topics } from '../../shared/topics.ts';
import { prng } from './fuzz-kit.ts';
import { brokerGenerators } from './mqtt-broker-cases.ts';
import {
  BAD_UTF8,
  BASE_TS,
  type Expect,
  FIXTURE,
  type FixtureDevice,
  type FuzzCase,
  goodPayload,
  judgePayload,
  SERVICE,
} from './mqtt-fixture.ts';

export { FIXTURE, type FuzzCase, goodKey, MEASUREMENT, SERVICE } from './mqtt-fixture.ts';

const WRONG_VALUES: unknown[] = ['12', 'lots', true, false, null, [], [1], {}, { n: 1 }, '', '\u0000'];
const HUGE_VALUES = [1e20, 2 ** 63, 1e308, Number.MAX_SAFE_INTEGER + 2, 1_000_000_001, 4_102_444_800_001];
const NEGATIVE_VALUES = [-1, -1000, -1e15, -Number.MAX_VALUE];
const JSON_GARBAGE = [
  '',
  ' ',
  '{',
  '}',
  '{"ts":',
  "{'ts': 1}",
  '{"ts":1,}',
  '[1,2',
  'null null',
  'not json at all',
  '{"ts":1764316800000 "seq":1}',
  '/* comment */ {}',
  '{"ts":0x10}',
  '{"count":01}',
  '{"a":"\u0001"}',
  '\ufeff{"ts":1}',
  '{"count":.5}',
  '{"count":+5}',
];

/** A value that JSON cannot carry, spelt the ways firmware gets it wrong. */
const NON_JSON_NUMBERS = ['NaN', 'Infinity', '-Infinity', 'nan', 'inf', 'undefined'];
const OVERFLOW_NUMBERS = ['1e999', '-1e999', '1e400'];

function replaceValue(json: string, key: string, raw: string): string {
  const re = new RegExp(`("${key}":)(-?[0-9.e+]+|"[^"]*"|true|false)`);
  return json.replace(re, `$1${raw}`);
}

interface Sender {
  device: FixtureDevice;
  nextTs: number;
  seq: number;
}

/**
 * Generates `count` cases from `seed`.
 *
 * @example const cases = generateMqttCases(42, 10_000);
 */
export function generateMqttCases(seed: number, count: number): FuzzCase[] {
  const rng = prng(seed);
  const devices = FIXTURE.devices as readonly FixtureDevice[];
  const senders = new Map<string, Sender>(devices.map((d) => [d.id, { device: d, nextTs: BASE_TS, seq: 0 }]));
  const cases: FuzzCase[] = [];
  const streamsOf = (d: FixtureDevice) =>
    (['counts', 'occupancy', 'temperature', 'position', 'status'] as const).filter((s) =>
      deviceMayPublish(d.type, s),
    );

  /** A good message (payload object) on a random device and stream, with a fresh ts. */
  const good = (noStatus = false) => {
    const device = rng.pick(devices);
    const streams = streamsOf(device).filter((s) => !(noStatus && s === 'status'));
    const stream = rng.pick(streams);
    const sender = senders.get(device.id)!;
    sender.nextTs += 1000;
    sender.seq += 1;
    return { device, stream, body: goodPayload(rng, stream, sender.nextTs, sender.seq) };
  };

  const publish = (
    cls: string,
    device: FixtureDevice,
    stream: DeviceStream,
    payload: Buffer,
    from = device.id,
  ) => {
    const expect = judgePayload(stream, payload, device.id);
    cases.push({
      n: cases.length,
      cls,
      kind: 'publish',
      from,
      topic: topics.device(device.id, stream),
      payload,
      retain: stream === 'status',
      expect,
    });
  };

  const field = (stream: DeviceStream): string =>
    rng.pick(
      {
        counts: ['ts', 'seq', 'in', 'out'],
        occupancy: ['ts', 'seq', 'count'],
        temperature: ['ts', 'seq', 'kind', 'celsius'],
        position: ['ts', 'seq', 'lat', 'lon'],
        status: ['online', 'ts'],
      }[stream],
    );

  const raw = (cls: string, from: string, bytes: Buffer, expect: Expect) =>
    cases.push({ n: cases.length, cls, kind: 'raw', from, bytes, expect });

  const generators: Array<[weight: number, make: () => void]> = [
    // Good messages, about half of all: the fuzzer must not cost a single one of them.
    [
      45,
      () => {
        const { device, stream, body } = good();
        publish('good', device, stream, Buffer.from(JSON.stringify(body)));
      },
    ],
    // Unknown fields are ignored (DESIGN.md), prototype-pollution keys included; -0 is zero.
    [
      4,
      () => {
        const { device, stream, body } = good();
        const extra = rng.pick([
          '"__proto__":{"count":-5,"polluted":true}',
          '"constructor":{"prototype":{"polluted":true}}',
          '"extra":"\u00e9\u4e2d\ud83d\ude8c"',
          '"nested":{"a":[1,2,{"b":null}]}',
          '"seq2":-0',
        ]);
        let text = JSON.stringify(body).replace(/^\{/, `{${extra},`);
        if (stream !== 'status' && rng.chance(0.3)) text = text.replace(/"seq":\d+/, '"seq":-0');
        publish('good-extra-fields', device, stream, Buffer.from(text));
      },
    ],
    [
      5,
      () => {
        const { device, stream, body } = good();
        const key = field(stream);
        body[key] = rng.pick(WRONG_VALUES);
        publish('wrong-type', device, stream, Buffer.from(JSON.stringify(body)));
      },
    ],
    [
      2,
      () => {
        const { device, stream } = good();
        const root = rng.pick(['[]', '"counts"', '42', 'null', 'true', '[{"ts":1764316800000}]']);
        publish('wrong-root', device, stream, Buffer.from(root));
      },
    ],
    [
      4,
      () => {
        // Not status: its ts is optional, and a status without ts is stored at ingest's clock.
        const { device, stream, body } = good(true);
        delete body[field(stream)];
        publish('missing-field', device, stream, Buffer.from(JSON.stringify(body)));
      },
    ],
    [
      4,
      () => {
        const { device, stream, body } = good(true);
        const key = field(stream);
        const text = JSON.stringify({ ...body, [key]: 7 });
        const bad = rng.chance(0.6) ? rng.pick(NON_JSON_NUMBERS) : rng.pick(OVERFLOW_NUMBERS);
        publish('nan-infinity', device, stream, Buffer.from(replaceValue(text, key, bad)));
      },
    ],
    [
      4,
      () => {
        const { device, stream, body } = good(true);
        const key = rng.pick([
          'ts',
          'seq',
          ...(stream === 'counts' ? ['in', 'out'] : stream === 'occupancy' ? ['count'] : []),
        ]);
        body[key] = rng.chance(0.5) ? rng.pick(HUGE_VALUES) : rng.pick(NEGATIVE_VALUES);
        if (key === 'ts' && rng.chance(0.3)) body.ts = rng.pick([946_684_799_999, 1_764_316_800, 0]);
        publish('huge-negative', device, stream, Buffer.from(JSON.stringify(body)));
      },
    ],
    [
      3,
      () => {
        const { device, stream, body } = good(true);
        const key = rng.pick([
          'ts',
          'seq',
          ...(stream === 'counts' ? ['in', 'out'] : stream === 'occupancy' ? ['count'] : []),
        ]);
        body[key] = (body[key] as number) + rng.pick([0.5, 0.25, 0.001]);
        publish('float-for-int', device, stream, Buffer.from(JSON.stringify(body)));
      },
    ],
    [
      5,
      () => {
        const { device, stream } = good();
        publish('invalid-json', device, stream, Buffer.from(rng.pick(JSON_GARBAGE)));
      },
    ],
    [
      4,
      () => {
        const { device, stream, body } = good();
        const text = Buffer.from(JSON.stringify(body));
        const at = rng.int(0, text.length);
        const payload = Buffer.concat([text.subarray(0, at), rng.pick(BAD_UTF8), text.subarray(at)]);
        publish('invalid-utf8', device, stream, payload);
      },
    ],
    // Mutations of a good message; the oracle decides which survive (and must then be stored).
    [
      8,
      () => {
        const { device, stream, body } = good(true);
        const text = Buffer.from(JSON.stringify(body));
        const how = rng.pick(['bitflip', 'truncate', 'swap', 'duplicate-key', 'bitflips'] as const);
        let payload: Buffer;
        if (how === 'bitflip' || how === 'bitflips') {
          payload = Buffer.from(text);
          for (let i = how === 'bitflip' ? 1 : rng.int(2, 8); i > 0; i--) {
            const at = rng.int(0, payload.length - 1);
            payload[at] = payload[at]! ^ (1 << rng.int(0, 7));
          }
        } else if (how === 'truncate') {
          payload = text.subarray(0, rng.int(0, text.length - 1));
        } else if (how === 'swap') {
          const keys = Object.keys(body);
          const a = rng.pick(keys);
          const b = rng.pick(keys);
          payload = Buffer.from(JSON.stringify({ ...body, [a]: body[b], [b]: body[a] }));
        } else {
          const key = field(stream);
          payload = Buffer.from(JSON.stringify(body).replace(/\}$/, `,"${key}":"dup"}`));
        }
        publish(`mutated-${how}`, device, stream, payload);
      },
    ],
    // A provisioned device on its own topic, but a stream its type does not have.
    [
      2,
      () => {
        const device = rng.pick(devices.filter((d) => d.type !== 'gateway'));
        const stream = rng.pick(
          (['counts', 'occupancy', 'temperature', 'position'] as const).filter(
            (s) => !deviceMayPublish(device.type, s),
          ),
        );
        const sender = senders.get(device.id)!;
        sender.nextTs += 1000;
        const payload = Buffer.from(JSON.stringify(goodPayload(rng, stream, sender.nextTs, ++sender.seq)));
        cases.push({
          n: cases.length,
          cls: 'stream-not-allowed',
          kind: 'publish',
          from: device.id,
          topic: topics.device(device.id, stream),
          payload,
          retain: false,
          expect: { layer: 'ingest', reason: 'stream-not-allowed' },
        });
      },
    ],
    // An integration account pushing for devices nobody provisioned.
    [
      3,
      () => {
        const id = `fz-ghost-${rng.int(0, 999)}`;
        const stream = rng.pick(['counts', 'occupancy', 'temperature', 'position'] as const);
        const payload = Buffer.from(JSON.stringify(goodPayload(rng, stream, BASE_TS, 1)));
        cases.push({
          n: cases.length,
          cls: 'unknown-device',
          kind: 'publish',
          from: SERVICE,
          topic: topics.device(id, stream),
          payload,
          retain: false,
          expect: { layer: 'ingest', reason: 'unknown-device' },
        });
      },
    ],
    // Topics that match ingest's `crowd/v1/devices/+/+` but are no device stream.
    [
      2,
      () => {
        const known = rng.pick(devices).id;
        const topic = rng.pick([
          `${ROOT}/devices/FZ-BUS-DOOR/counts`,
          `${ROOT}/devices/fz_bus_door/counts`,
          `${ROOT}/devices/-fz/counts`,
          `${ROOT}/devices/${'a'.repeat(64)}/counts`,
          `${ROOT}/devices/${known}/bogus`,
          `${ROOT}/devices/${known}/COUNTS`,
          `${ROOT}/devices/${known}/counts `,
          `${ROOT}/devices/${known}/\u00e7ounts`,
          `${ROOT}/devices/../counts`,
        ]);
        cases.push({
          n: cases.length,
          cls: 'bad-topic',
          kind: 'publish',
          from: SERVICE,
          topic,
          payload: Buffer.from('{}'),
          retain: false,
          expect: { layer: 'ingest', reason: 'bad-topic' },
        });
      },
    ],
    // Over the device payload limit but under the packet guard: only a service gets it to ingest.
    [
      1,
      () => {
        // An allowed stream: ingest checks the device's streams before the size.
        const { device, stream } = good(true);
        const size = rng.chance(0.1)
          ? rng.int(250_000, 262_000)
          : rng.int(MAX_DEVICE_PAYLOAD_BYTES + 1, 20_000);
        const payload = Buffer.alloc(size, 0x20);
        Buffer.from('{"ts":1764316800000,"seq":1,"count":1}').copy(payload);
        cases.push({
          n: cases.length,
          cls: 'oversize-ingest',
          kind: 'publish',
          from: SERVICE,
          topic: topics.device(device.id, stream),
          payload,
          retain: false,
          expect: { layer: 'ingest', reason: 'too-large' },
        });
      },
    ],
    ...brokerGenerators({ rng, devices, raw }),
  ];

  const total = generators.reduce((sum, [w]) => sum + w, 0);
  while (cases.length < count) {
    let roll = rng.next() * total;
    for (const [weight, make] of generators) {
      roll -= weight;
      if (roll < 0) {
        make();
        break;
      }
    }
  }
  return cases;
}
