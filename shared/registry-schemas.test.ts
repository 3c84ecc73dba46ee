import { describe, expect, it } from 'vitest';
import {
  DEVICE_TYPES,
  type DeviceType,
  deviceInputSchema,
  deviceMayPublish,
  deviceRecordSchema,
  siteInputSchema,
  siteSchema,
} from './registry-schemas.ts';
import { DEVICE_STREAMS } from './topics.ts';
import { safeParse } from './validation.ts';

const goodSite = {
  id: 'pasar-jodoh',
  name: 'Pasar Jodoh',
  kind: 'market',
  designCapacity: 400,
  areaM2: 900,
  policyPct: 0.5,
  distanceM: 1.5,
  location: { lat: 1.1453, lon: 103.9991 },
};

function siteError(patch: Record<string, unknown>): string {
  const result = safeParse(siteInputSchema, { ...goodSite, ...patch });
  if (result.ok) throw new Error(`expected ${JSON.stringify(patch)} to be rejected`);
  return result.error;
}

describe('siteInputSchema', () => {
  it('accepts a complete site unchanged', () => {
    expect(siteInputSchema.parse(goodSite)).toEqual(goodSite);
  });

  it('accepts a bus with only the required fields and a route', () => {
    const bus = { id: 'bus-k1-07', name: 'Trans Batam K1 07', kind: 'bus', designCapacity: 80, route: 'K1' };
    expect(siteInputSchema.parse(bus)).toEqual(bus);
  });

  it('trims the name and rejects one that is only whitespace', () => {
    expect(siteInputSchema.parse({ ...goodSite, name: '  Pasar Jodoh ' }).name).toBe('Pasar Jodoh');
    expect(siteError({ name: '   ' })).toMatch(/^name /);
  });

  it.each([
    [0.5, 0.5],
    [50, 0.5],
    [1, 1],
    [100, 1],
    [0, 0],
    [75, 0.75],
    [5, 0.05],
  ])('reads policyPct %d as the fraction %d', (policyPct, expected) => {
    expect(siteInputSchema.parse({ ...goodSite, policyPct }).policyPct).toBe(expected);
  });

  it.each([150, -1, 100.5, 1.5, 2, 4.99])('rejects policyPct %d with a reason', (policyPct) => {
    expect(siteError({ policyPct })).toBe(
      'policyPct must be a fraction 0..1 or a percentage 5..100 (0.5 and 50 both mean 50%)',
    );
  });

  it.each([
    ['uppercase', 'Pasar-Jodoh'],
    ['too short', 'p'],
    ['leading dash', '-pasar'],
    ['a slash', 'pasar/jodoh'],
    ['an MQTT wildcard', 'pasar+'],
    ['empty', ''],
    ['64 characters', 'a'.repeat(64)],
  ])('rejects an id with %s', (_, id) => {
    expect(siteError({ id })).toMatch(/^id must be 2-63 characters/);
  });

  it('accepts ids of 2 and 63 characters', () => {
    expect(siteInputSchema.safeParse({ ...goodSite, id: 'p1' }).success).toBe(true);
    expect(siteInputSchema.safeParse({ ...goodSite, id: 'a'.repeat(63) }).success).toBe(true);
  });

  it.each([
    ['kind', { kind: 'stadium' }],
    ['designCapacity', { designCapacity: -1 }],
    ['designCapacity', { designCapacity: 10.5 }],
    ['designCapacity', { designCapacity: '400' }],
    ['areaM2', { areaM2: 0 }],
    ['distanceM', { distanceM: 0.1 }],
    ['location.lat', { location: { lat: 91, lon: 104 } }],
    ['location.lon', { location: { lat: 1, lon: 181 } }],
  ])('rejects a bad %s and names it', (path, patch) => {
    expect(siteError(patch)).toMatch(new RegExp(`^${path.replace('.', '\\.')} `));
  });

  it('reports every problem at once as `<path> <message>` joined by "; "', () => {
    const result = safeParse(siteInputSchema, { id: 'BAD', name: '', kind: 'stadium', designCapacity: -1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.error.split('; ');
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['id', 'name', 'kind', 'designCapacity']);
    for (const line of lines) expect(line).toMatch(/^\S+ \S/);
  });

  it('reports a non-object input at the root', () => {
    const result = safeParse(siteInputSchema, 'pasar');
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^\(root\) /) });
  });

  it('requires createdAt in the registry record', () => {
    expect(siteSchema.safeParse(goodSite).success).toBe(false);
    expect(siteSchema.parse({ ...goodSite, createdAt: '2020-06-08T00:00:00.000Z' }).createdAt).toBe(
      '2020-06-08T00:00:00.000Z',
    );
  });
});

describe('deviceInputSchema', () => {
  const goodDevice = { id: 'bus-k1-07-door', siteId: 'bus-k1-07', type: 'door-counter', name: 'Pintu depan' };

  it('accepts every device type', () => {
    for (const type of Object.keys(DEVICE_TYPES)) {
      expect(deviceInputSchema.parse({ ...goodDevice, type }).type).toBe(type);
    }
  });

  it('rejects an unknown type, a bad id and a bad site id, all at once', () => {
    const result = safeParse(deviceInputSchema, { id: 'Bus', siteId: 'x/y', type: 'camera' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.split('; ').map((line) => line.split(' ')[0])).toEqual(['id', 'siteId', 'type']);
  });

  it('makes the name optional', () => {
    const { name: _, ...noName } = goodDevice;
    expect(deviceInputSchema.parse(noName)).toEqual(noName);
  });

  it('requires a non-empty secret hash in the registry record', () => {
    const record = { ...goodDevice, secretHash: 'scrypt$1024$8$1$s$h', createdAt: '2020-06-08T00:00:00Z' };
    expect(deviceRecordSchema.parse(record)).toEqual(record);
    expect(deviceRecordSchema.safeParse({ ...record, secretHash: '' }).success).toBe(false);
  });
});

describe('deviceMayPublish', () => {
  it('lets each type publish only its own streams', () => {
    expect(deviceMayPublish('door-counter', 'counts')).toBe(true);
    expect(deviceMayPublish('door-counter', 'occupancy')).toBe(false);
    expect(deviceMayPublish('thermal-scanner', 'temperature')).toBe(true);
    expect(deviceMayPublish('thermal-scanner', 'counts')).toBe(false);
    expect(deviceMayPublish('gps-tracker', 'position')).toBe(true);
    expect(deviceMayPublish('occupancy-sensor', 'position')).toBe(false);
  });

  it('lets every type publish status and a gateway publish every stream', () => {
    for (const type of Object.keys(DEVICE_TYPES) as DeviceType[]) {
      expect(deviceMayPublish(type, 'status')).toBe(true);
    }
    for (const stream of DEVICE_STREAMS) expect(deviceMayPublish('gateway', stream)).toBe(true);
  });
});
