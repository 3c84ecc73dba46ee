import { describe, expect, it } from 'vitest';
import {
  DEVICE_STREAMS,
  filters,
  isDeviceStream,
  type ParsedTopic,
  parseTopic,
  ROOT,
  topics,
} from './topics.ts';

describe('topic builders', () => {
  it('build the DESIGN.md topics under crowd/v1', () => {
    expect(topics.device('bus-k1-07', 'counts')).toBe('crowd/v1/devices/bus-k1-07/counts');
    expect(topics.deviceCmd('bus-k1-07')).toBe('crowd/v1/devices/bus-k1-07/cmd');
    expect(topics.device('bus-k1-07', 'cmd')).toBe(topics.deviceCmd('bus-k1-07'));
    expect(topics.siteState('pasar-jodoh')).toBe('crowd/v1/sites/pasar-jodoh/state');
    expect(topics.siteAlarm('pasar-jodoh', 'capacity')).toBe('crowd/v1/sites/pasar-jodoh/alarms/capacity');
    expect(topics.registrySite('pasar-jodoh')).toBe('crowd/v1/registry/sites/pasar-jodoh');
    expect(topics.registryDevice('bus-k1-07')).toBe('crowd/v1/registry/devices/bus-k1-07');
    expect(topics.registryPolicy()).toBe('crowd/v1/registry/policy');
  });

  it('keep every subscription filter under the root', () => {
    for (const filter of Object.values(filters)) expect(filter.startsWith(`${ROOT}/`)).toBe(true);
  });
});

describe('parseTopic', () => {
  const roundTrips: [string, ParsedTopic][] = [
    ...DEVICE_STREAMS.map((stream): [string, ParsedTopic] => [
      topics.device('bus-k1-07', stream),
      { kind: 'device', deviceId: 'bus-k1-07', stream },
    ]),
    [topics.deviceCmd('bus-k1-07'), { kind: 'device', deviceId: 'bus-k1-07', stream: 'cmd' }],
    [topics.siteState('pasar-jodoh'), { kind: 'site-state', siteId: 'pasar-jodoh' }],
    [topics.liveSiteStates(), { kind: 'live-site-states' }],
    [topics.siteAlarm('pasar-jodoh', 'fever'), { kind: 'site-alarm', siteId: 'pasar-jodoh', type: 'fever' }],
    [topics.registrySite('pasar-jodoh'), { kind: 'registry-site', siteId: 'pasar-jodoh' }],
    [topics.registryDevice('bus-k1-07'), { kind: 'registry-device', deviceId: 'bus-k1-07' }],
    [topics.registryPolicy(), { kind: 'registry-policy' }],
  ];

  it.each(roundTrips)('reads back what the builders write: %s', (topic, expected) => {
    expect(parseTopic(topic)).toEqual(expected);
  });

  it('accepts ids of 2 and 63 characters, digits first', () => {
    expect(parseTopic(topics.device('b1', 'counts'))).toMatchObject({ deviceId: 'b1' });
    expect(parseTopic(topics.siteState('9a'))).toMatchObject({ siteId: '9a' });
    expect(parseTopic(topics.registryDevice('d'.repeat(63)))).toMatchObject({ deviceId: 'd'.repeat(63) });
  });

  it.each([
    ['another root', 'crowd/v2/devices/bus-k1-07/counts'],
    ['a root prefix only', 'crowd/v1x/devices/bus-k1-07/counts'],
    ['a leading slash', '/crowd/v1/devices/bus-k1-07/counts'],
    ['the bare root', 'crowd/v1'],
    ['the root with a slash', 'crowd/v1/'],
    ['an unknown area', 'crowd/v1/vehicles/bus-k1-07/counts'],
    ['$SYS', '$SYS/broker/clients'],
  ])('rejects %s', (_, topic) => {
    expect(parseTopic(topic)).toBeUndefined();
  });

  it.each([
    ['uppercase', 'Bus-K1'],
    ['too short', 'b'],
    ['a leading dash', '-bus'],
    ['an underscore', 'bus_k1'],
    ['64 characters', 'd'.repeat(64)],
    ['the + wildcard', '+'],
    ['the # wildcard', '#'],
    ['a wildcard inside', 'bus+k1'],
  ])('rejects a device or site id with %s', (_, id) => {
    expect(parseTopic(topics.device(id, 'counts'))).toBeUndefined();
    expect(parseTopic(topics.siteState(id))).toBeUndefined();
    expect(parseTopic(topics.siteAlarm(id, 'capacity'))).toBeUndefined();
    expect(parseTopic(topics.registrySite(id))).toBeUndefined();
    expect(parseTopic(topics.registryDevice(id))).toBeUndefined();
  });

  it.each(['Counts', 'count', 'state', 'alarms', '', '+', '#'])(
    'rejects the unknown device stream %o',
    (stream) => {
      expect(parseTopic(`${ROOT}/devices/bus-k1-07/${stream}`)).toBeUndefined();
    },
  );

  it.each([
    ['a device topic', 'crowd/v1/devices/bus-k1-07/counts/extra'],
    ['a site state', 'crowd/v1/sites/pasar-jodoh/state/extra'],
    ['a site alarm', 'crowd/v1/sites/pasar-jodoh/alarms/capacity/extra'],
    ['a registry site', 'crowd/v1/registry/sites/pasar-jodoh/extra'],
    ['a registry device', 'crowd/v1/registry/devices/bus-k1-07/extra'],
    ['the policy', 'crowd/v1/registry/policy/extra'],
    ['a trailing slash', 'crowd/v1/devices/bus-k1-07/counts/'],
  ])('rejects an extra level after %s', (_, topic) => {
    expect(parseTopic(topic)).toBeUndefined();
  });

  it.each([
    ['an empty device id', 'crowd/v1/devices//counts'],
    ['an empty stream', 'crowd/v1/devices/bus-k1-07/'],
    ['a missing stream', 'crowd/v1/devices/bus-k1-07'],
    ['an empty site id', 'crowd/v1/sites//state'],
    ['an empty alarm type', 'crowd/v1/sites/pasar-jodoh/alarms/'],
    ['an empty registry id', 'crowd/v1/registry/sites/'],
    ['a double slash', 'crowd/v1//devices/bus-k1-07/counts'],
    ['an empty policy level', 'crowd/v1/registry//policy'],
  ])('rejects %s', (_, topic) => {
    expect(parseTopic(topic)).toBeUndefined();
  });

  it('rejects registry collections without an id and unknown collections', () => {
    expect(parseTopic('crowd/v1/registry/sites')).toBeUndefined();
    expect(parseTopic('crowd/v1/registry/devices')).toBeUndefined();
    expect(parseTopic('crowd/v1/registry/users/admin')).toBeUndefined();
    expect(parseTopic('crowd/v1/registry/policies')).toBeUndefined();
  });

  it('does not take subscription filters for topics', () => {
    for (const filter of [filters.allDeviceStreams, filters.allSiteStates, filters.registry]) {
      expect(parseTopic(filter)).toBeUndefined();
    }
  });
});

describe('isDeviceStream', () => {
  it('knows the five device streams and not cmd', () => {
    for (const stream of DEVICE_STREAMS) expect(isDeviceStream(stream)).toBe(true);
    expect(isDeviceStream('cmd')).toBe(false);
    expect(isDeviceStream('toString')).toBe(false);
  });
});
