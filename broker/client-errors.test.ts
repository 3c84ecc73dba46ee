import { describe, expect, it } from 'vitest';
import { classifyClientError } from './client-errors.ts';

describe('classifyClientError', () => {
  it('counts the PUBLISH topics aedes refuses before the access policy as invalid topics', () => {
    for (const message of [
      'empty topic not allowed in PUBLISH',
      '# is not allowed in PUBLISH',
      '+ is not allowed in PUBLISH',
      'topic has too many levels',
    ])
      expect(classifyClientError(new Error(message))).toEqual({
        counter: 'publishDenied',
        reason: 'invalid-topic',
      });
  });

  it("counts packets the MQTT parser refuses, and aedes' second CONNECT, as malformed packets", () => {
    for (const message of [
      'Packet must not have both QoS bits set to 1',
      'Invalid header flag bits, must be 0x2 for subscribe packet',
      'Cannot parse topic',
      'Not supported auth packet for this version MQTT',
      'Invalid protocol',
    ])
      expect(classifyClientError(new Error(message))).toEqual({
        counter: 'dropped',
        reason: 'malformed-packet',
      });
  });

  it('leaves socket errors and timeouts uncounted: they are no bad input', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(classifyClientError(reset)).toBeUndefined();
    expect(classifyClientError(new Error('keep alive timeout'))).toBeUndefined();
    expect(classifyClientError(new Error('connection closed'))).toBeUndefined();
    expect(classifyClientError(new Error('drain timeout'))).toBeUndefined();
  });
});
