import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { BufferList } from 'bl';
import * as mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { useLeanParsers } from './lean-parsers.ts';

const require = createRequire(import.meta.url);

describe('useLeanParsers', () => {
  it('aedes and mqtt.js parse with the mqtt-packet it patches', () => {
    const ours = require.resolve('mqtt-packet/parser.js');
    for (const user of ['aedes', 'mqtt'])
      expect(createRequire(require.resolve(user)).resolve('mqtt-packet/parser.js')).toBe(ours);
  });

  it('gives every new parser a plain list, and parsing across chunks and after errors still works', () => {
    useLeanParsers();
    useLeanParsers();
    const parser = mqttPacket.parser() as unknown as ReturnType<typeof mqttPacket.parser> & {
      _list: unknown;
    };
    expect(parser._list).toBeInstanceOf(BufferList);
    expect(parser._list).not.toBeInstanceOf(Readable);

    const packets: mqttPacket.Packet[] = [];
    const errors: Error[] = [];
    parser.on('packet', (p) => packets.push(p));
    parser.on('error', (e) => errors.push(e));
    const publish = mqttPacket.generate({
      cmd: 'publish',
      topic: 'crowd/v1/devices/d1/counts',
      payload: Buffer.from('{"in":3}'),
      qos: 1,
      messageId: 7,
      retain: false,
      dup: false,
    });
    const stream = Buffer.concat([publish, publish]);
    for (let i = 0; i < stream.length; i += 5) parser.parse(stream.subarray(i, i + 5));
    expect(packets.map((p) => [p.cmd, (p as mqttPacket.IPublishPacket).messageId])).toEqual([
      ['publish', 7],
      ['publish', 7],
    ]);

    // QoS 3 is invalid: an error, then the parser resets (with a plain list again) and goes on.
    parser.parse(Buffer.from([0x36, 0]));
    expect(errors).toHaveLength(1);
    expect(parser._list).toBeInstanceOf(BufferList);
    parser.parse(publish);
    expect(packets).toHaveLength(3);
  });

  it('keeps of a CONNECT only the settings later packets parse by, and a will payload of its own', () => {
    useLeanParsers();
    const parser = mqttPacket.parser();
    const packets: mqttPacket.Packet[] = [];
    parser.on('packet', (p) => packets.push(p));
    const connect = mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'bus-k1-07',
      clean: true,
      keepalive: 30,
      username: 'bus-k1-07',
      password: Buffer.from('s3cret-s3cret'),
      will: {
        topic: 'crowd/v1/devices/bus-k1-07/status',
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    });
    const packetBytes = Buffer.concat([
      connect,
      mqttPacket.generate(
        {
          cmd: 'publish',
          topic: 'crowd/v1/devices/bus-k1-07/counts',
          payload: Buffer.from('{"in":3}'),
          qos: 1,
          messageId: 9,
          retain: false,
          dup: false,
          properties: { contentType: 'application/json' },
        },
        { protocolVersion: 5 },
      ),
    ]);
    // A chunk with a memory of its own, as a socket read gives (Buffer.concat's may be the pool's).
    const chunk = Buffer.alloc(packetBytes.length);
    packetBytes.copy(chunk);
    parser.parse(chunk);

    const [parsed, publish] = packets as [mqttPacket.IConnectPacket, mqttPacket.IPublishPacket];
    expect(parsed.password?.toString()).toBe('s3cret-s3cret'); // aedes authenticates with it
    const willPayload = parsed.will?.payload as Buffer;
    expect(willPayload.toString()).toBe('{"online":false}');
    expect(willPayload.buffer).not.toBe(chunk.buffer);
    expect((parser as unknown as { settings: object }).settings).toEqual({
      protocolVersion: 5,
      bridgeMode: undefined,
    });
    // The publish after it still parses as MQTT 5 (its properties read).
    expect(publish.properties?.contentType).toBe('application/json');
  });
});
