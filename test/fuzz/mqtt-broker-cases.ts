/**
 * The MQTT fuzz cases the broker must refuse, each sent on a one-shot connection that the broker
 * closes: the access policy (`jagajarak_broker_publish_denied_total{reason}`), aedes' own topic
 * checks (counted as `invalid-topic`, broker/client-errors.ts), the packet guard and the MQTT
 * parser (`jagajarak_broker_connections_dropped_total{reason}`).
 */
import { MAX_DEVICE_PAYLOAD_BYTES } from '../../shared/device-schemas.ts';
import { ROOT, topics } from '../../shared/topics.ts';
import type { Rng } from './fuzz-kit.ts';
import { BAD_UTF8, BASE_TS, type Expect, type FixtureDevice, goodPayload, SERVICE } from './mqtt-fixture.ts';
import { announcePacket, publishPacket, varint } from './raw-mqtt.ts';

export interface BrokerCaseKit {
  rng: Rng;
  devices: readonly FixtureDevice[];
  /** Adds a one-shot case: log in as `from` (a device id or SERVICE), send `bytes`. */
  raw: (cls: string, from: string, bytes: Buffer, expect: Expect) => void;
}

/** Weighted generators of broker-refused cases (weights relative to mqtt-cases.ts's). */
export function brokerGenerators(kit: BrokerCaseKit): Array<[weight: number, make: () => void]> {
  const { rng, devices, raw } = kit;
  const denied = (reason: string): Expect => ({ layer: 'broker', metric: 'publishDenied', reason });
  const dropped = (reason: string): Expect => ({ layer: 'broker', metric: 'dropped', reason });
  return [
    [
      1,
      () => {
        const [me, other] = [rng.pick(devices), rng.pick(devices)];
        const victim = me.id === other.id ? devices.find((d) => d.id !== me.id)! : other;
        const body = JSON.stringify(goodPayload(rng, 'counts', BASE_TS, 1));
        raw(
          'foreign-device',
          me.id,
          publishPacket(topics.device(victim.id, 'counts'), Buffer.from(body)),
          denied('not-own-topic'),
        );
      },
    ],
    [
      1,
      () => {
        const me = rng.pick(devices);
        const [topic, reason] = rng.pick([
          [`${ROOT}/devices/${me.id}/counts/extra`, 'not-own-topic'],
          [`${ROOT}/devices/${me.id}/bogus`, 'not-own-topic'],
          [`${ROOT}/devices/${me.id}`, 'not-own-topic'],
          [`${ROOT}/sites/${me.siteId}/state`, 'not-own-topic'],
          [`${ROOT}/registry/devices/${me.id}`, 'not-own-topic'],
          [`crowd/v2/devices/${me.id}/counts`, 'not-own-topic'],
          [`/${ROOT}/devices/${me.id}/counts`, 'not-own-topic'],
          // Empty levels under our root are refused for everyone (access-policy.ts topicProblem).
          [`${ROOT}/devices/${me.id}//counts`, 'invalid-topic'],
          [`${ROOT}//devices/${me.id}/counts`, 'invalid-topic'],
          [`${ROOT}/devices/${me.id}/counts/`, 'invalid-topic'],
        ] as const);
        raw('odd-topic-device', me.id, publishPacket(topic, Buffer.from('{}')), denied(reason));
      },
    ],
    [
      1,
      () => {
        const me = rng.pick(devices);
        raw(
          'cmd-from-device',
          me.id,
          publishPacket(topics.deviceCmd(me.id), Buffer.from('{"op":"reboot"}')),
          denied('not-device-stream'),
        );
      },
    ],
    [
      1,
      () => {
        const me = rng.chance(0.5) ? rng.pick(devices).id : SERVICE;
        raw(
          'sys-topic',
          me,
          publishPacket(rng.pick(['$SYS/broker/uptime', '$share/x/y', '$']), Buffer.from('1')),
          denied('sys-topic'),
        );
      },
    ],
    [
      1,
      () => {
        const me = rng.chance(0.5) ? rng.pick(devices).id : SERVICE;
        const topic = rng.chance(0.5)
          ? `${ROOT}/devices/${'x/'.repeat(rng.int(8, 90))}counts`
          : `${ROOT}/devices/${'a'.repeat(rng.int(250, 4000))}/counts`;
        raw('deep-topic', me, publishPacket(topic, Buffer.from('{}')), denied('invalid-topic'));
      },
    ],
    [
      1,
      () => {
        const me = rng.chance(0.5) ? rng.pick(devices) : undefined;
        const prefix = Buffer.from(`${ROOT}/devices/${me?.id ?? 'fz-bus-door'}/`);
        const topic = rng.chance(0.8)
          ? Buffer.concat([prefix, rng.pick(BAD_UTF8), Buffer.from('counts')])
          : Buffer.concat([prefix, Buffer.from([0x00]), Buffer.from('counts')]);
        raw(
          'utf8-topic',
          me?.id ?? SERVICE,
          publishPacket(topic, Buffer.from('{}')),
          denied('invalid-topic'),
        );
      },
    ],
    // Empty levels that match ingest's `+/+` filter, from a service account.
    [
      1,
      () => {
        const known = rng.pick(devices).id;
        const topic = rng.pick([`${ROOT}/devices//counts`, `${ROOT}/devices/${known}/`, `${ROOT}/devices//`]);
        raw('empty-level-topic', SERVICE, publishPacket(topic, Buffer.from('{}')), denied('invalid-topic'));
      },
    ],
    // Refused by aedes itself before the ACL runs; the broker counts them as invalid topics.
    [
      1,
      () => {
        const me = rng.chance(0.5) ? rng.pick(devices) : undefined;
        const id = me?.id ?? 'fz-bus-door';
        const topic = rng.pick([
          `${ROOT}/devices/${id}/+`,
          `${ROOT}/devices/+/counts`,
          `${ROOT}/devices/${id}/#`,
          '#',
          '+',
          `${ROOT}/devices/${id}/co+nts`,
          '',
          `${'a/'.repeat(120)}a`,
        ]);
        raw(
          'wildcard-topic',
          me?.id ?? SERVICE,
          publishPacket(topic, Buffer.from('{}')),
          denied('invalid-topic'),
        );
      },
    ],
    [
      1,
      () => {
        const me = rng.pick(devices);
        const stream = rng.pick(['counts', 'status'] as const);
        const size = rng.chance(0.2)
          ? rng.int(260_000, 262_000)
          : rng.int(MAX_DEVICE_PAYLOAD_BYTES + 1, 30_000);
        raw(
          'oversize-device',
          me.id,
          publishPacket(topics.device(me.id, stream), Buffer.alloc(size, 0x7b)),
          denied('payload-too-large'),
        );
      },
    ],
    [
      1,
      () => {
        const topic = rng.pick(['other/topic', 'crowd/v2/x', 'crowd', 'Crowd/v1/devices/a/counts', 'x']);
        raw('outside-root', SERVICE, publishPacket(topic, Buffer.from('1')), denied('outside-root'));
      },
    ],
    [
      1,
      () => {
        const from = rng.chance(0.5) ? rng.pick(devices).id : SERVICE;
        const announced = rng.chance(0.5) ? rng.int(262_145, 300_000) : rng.int(1_000_000, 268_435_455);
        raw('guard-too-large', from, announcePacket(announced, rng.int(0, 64)), dropped('packet-too-large'));
      },
    ],
    [
      1,
      () => {
        const from = rng.chance(0.5) ? rng.pick(devices).id : SERVICE;
        // Five length bytes of small value ([MQTT-2.2.3]: at most four); large ones trip the size limit first.
        const bytes = Buffer.from([0x30, 0x80 | rng.int(0, 3), 0x80, 0x80, 0x80, 0x01]);
        raw('guard-malformed-length', from, bytes, dropped('malformed-length'));
      },
    ],
    // Well framed, but no valid MQTT 3.1.1 packet: the parser refuses it and the broker closes.
    [
      1,
      () => {
        const from = rng.chance(0.5) ? rng.pick(devices).id : SERVICE;
        const bytes = rng.pick([
          () => publishPacket(`${ROOT}/devices/fz-bus-door/counts`, Buffer.from('{}'), { qos: 3 }),
          // Topic length 0xFFFF in a 4-byte body.
          () => Buffer.from([0x30, 0x04, 0xff, 0xff, 0x61, 0x62]),
          // SUBSCRIBE with reserved flag bits 0000 instead of 0010.
          () =>
            Buffer.concat([
              Buffer.from([0x80]),
              varint(8),
              Buffer.from([0x00, 0x01, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00]),
            ]),
          // Reserved packet type 15 (AUTH does not exist in 3.1.1).
          () => Buffer.from([0xf0, 0x00]),
          // A second CONNECT on the same connection ([MQTT-3.1.0-2]).
          () =>
            Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]),
        ])();
        raw('malformed-packet', from, bytes, dropped('malformed-packet'));
      },
    ],
  ];
}
