import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { BufferList } from 'bl';
import * as mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { usePlainParserBuffers } from './parser-buffers.ts';

const require = createRequire(import.meta.url);

describe('usePlainParserBuffers', () => {
  it('aedes and mqtt.js parse with the mqtt-packet it patches', () => {
    const ours = require.resolve('mqtt-packet/parser.js');
    for (const user of ['aedes', 'mqtt'])
      expect(createRequire(require.resolve(user)).resolve('mqtt-packet/parser.js')).toBe(ours);
  });

  it('gives every new parser a plain list, and parsing across chunks and after errors still works', () => {
    usePlainParserBuffers();
    usePlainParserBuffers();
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
});
