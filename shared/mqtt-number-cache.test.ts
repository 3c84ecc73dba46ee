import { createRequire } from 'node:module';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { skipMqttNumberCache } from './mqtt-number-cache.ts';

const require = createRequire(import.meta.url);

describe('skipMqttNumberCache', () => {
  it('encodes message ids and topic lengths without building the 65,536-entry cache', () => {
    const numbers = require('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };
    for (const user of ['aedes', 'mqtt'])
      expect(createRequire(require.resolve(user)).resolve('mqtt-packet/numbers.js')).toBe(
        require.resolve('mqtt-packet/numbers.js'),
      );
    skipMqttNumberCache();
    skipMqttNumberCache();
    const topic = 'crowd/v1/devices/d1/counts';
    const bytes = mqttPacket.generate({
      cmd: 'publish',
      topic,
      payload: Buffer.from('{}'),
      qos: 1,
      messageId: 0x1234,
      retain: false,
      dup: false,
    });
    expect(bytes.readUInt16BE(2)).toBe(topic.length);
    expect(bytes.readUInt16BE(4 + topic.length)).toBe(0x1234);
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});
