import { describe, expect, it } from 'vitest';
import {
  cmdSchema,
  countsSchema,
  occupancySchema,
  positionSchema,
  STREAM_QOS,
  statusSchema,
  streamSchemas,
  temperatureSchema,
} from './device-schemas.ts';
import { DEVICE_STREAMS } from './topics.ts';
import { safeParse } from './validation.ts';

const ts = 1764313200000;

/** The payload examples of DESIGN.md "Device protocol v1", as they arrive on the wire. */
const examples = {
  counts: '{"ts":1764313200000,"seq":42,"in":1532,"out":1490}',
  occupancy: '{"ts":1764313200000,"seq":43,"count":37}',
  temperature: '{"ts":1764313200000,"seq":44,"kind":"body","celsius":37.9}',
  position: '{"ts":1764313200000,"seq":45,"lat":1.1301,"lon":104.0529,"speedKmh":32.5,"heading":270}',
  status: '{"online":true,"fw":"1.4.2","ts":1764313200000}',
} as const;

function errorOf(schema: (typeof streamSchemas)[keyof typeof streamSchemas], input: unknown): string {
  const result = safeParse(schema, input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  return result.error;
}

describe('device stream schemas', () => {
  it.each(DEVICE_STREAMS)('accept the DESIGN.md %s example exactly', (stream) => {
    const json = JSON.parse(examples[stream]);
    expect(streamSchemas[stream].parse(json)).toEqual(json);
  });

  it('accept the last will and the command examples', () => {
    expect(statusSchema.parse({ online: false })).toEqual({ online: false });
    expect(cmdSchema.parse({ op: 'reset-counts' })).toEqual({ op: 'reset-counts' });
    expect(cmdSchema.safeParse({ op: 'format-disk' }).success).toBe(false);
  });

  it.each(DEVICE_STREAMS)('strip unknown fields from %s (forward compatible)', (stream) => {
    const json = { ...JSON.parse(examples[stream]), battery: 87, extra: { nested: true } };
    const parsed = streamSchemas[stream].parse(json);
    expect(parsed).not.toHaveProperty('battery');
    expect(parsed).not.toHaveProperty('extra');
    expect(parsed).toEqual(JSON.parse(examples[stream]));
  });

  it.each([
    ['counts', 'in'],
    ['counts', 'out'],
    ['counts', 'ts'],
    ['counts', 'seq'],
    ['occupancy', 'count'],
    ['temperature', 'kind'],
    ['temperature', 'celsius'],
    ['position', 'lat'],
    ['position', 'lon'],
    ['status', 'online'],
  ] as const)('reject %s without the required field %s, naming it', (stream, field) => {
    const { [field]: _, ...rest } = JSON.parse(examples[stream]);
    expect(errorOf(streamSchemas[stream], rest)).toMatch(new RegExp(`^${field} `));
  });

  it('keep the optional position fields and status ts optional', () => {
    expect(positionSchema.parse({ ts, seq: 1, lat: 1.13, lon: 104.05 })).toEqual({
      ts,
      seq: 1,
      lat: 1.13,
      lon: 104.05,
    });
    expect(statusSchema.parse({ online: true })).toEqual({ online: true });
  });

  it.each([
    ['a string number', '1532'],
    ['null', null],
    ['a string NaN', 'NaN'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a boolean', true],
    ['a fraction', 1.5],
    ['a negative count', -1],
    ['an absurd total', 1_000_000_001],
  ])('reject %s as a door total', (_, value) => {
    expect(errorOf(countsSchema, { ts, seq: 1, in: value, out: 0 })).toMatch(/^in /);
  });

  it('reject a negative head count or sequence number', () => {
    expect(errorOf(occupancySchema, { ts, seq: 1, count: -3 })).toMatch(/^count /);
    expect(errorOf(occupancySchema, { ts, seq: -1, count: 3 })).toMatch(/^seq /);
  });

  it('reject ts in seconds instead of milliseconds as too small', () => {
    expect(errorOf(countsSchema, { ts: 1764313200, seq: 1, in: 0, out: 0 })).toBe(
      'ts is before the year 2000 (epoch milliseconds expected)',
    );
  });

  it('reject ts in microseconds, fractional ts and ts as a date string', () => {
    expect(errorOf(countsSchema, { ts: ts * 1000, seq: 1, in: 0, out: 0 })).toBe('ts is after the year 2100');
    expect(errorOf(countsSchema, { ts: ts + 0.5, seq: 1, in: 0, out: 0 })).toMatch(/^ts must be an integer/);
    expect(errorOf(countsSchema, { ts: '2025-11-28T07:00:00Z', seq: 1, in: 0, out: 0 })).toMatch(/^ts /);
  });

  it.each([
    ['lat', 90.01],
    ['lat', -90.01],
    ['lon', 180.01],
    ['lon', -180.01],
  ])('reject an out-of-range %s of %d', (field, value) => {
    const json = { ...JSON.parse(examples.position), [field]: value };
    expect(errorOf(positionSchema, json)).toMatch(new RegExp(`^${field} `));
  });

  it('accept the extremes of latitude and longitude', () => {
    expect(positionSchema.safeParse({ ts, seq: 1, lat: -90, lon: 180 }).success).toBe(true);
  });

  it('reject a negative speed and a heading past 360', () => {
    expect(errorOf(positionSchema, { ts, seq: 1, lat: 1, lon: 104, speedKmh: -1 })).toMatch(/^speedKmh /);
    expect(errorOf(positionSchema, { ts, seq: 1, lat: 1, lon: 104, heading: 361 })).toMatch(/^heading /);
  });

  it('accept ambient temperature and reject any other kind', () => {
    expect(temperatureSchema.parse({ ts, seq: 1, kind: 'ambient', celsius: 31.2 }).kind).toBe('ambient');
    expect(errorOf(temperatureSchema, { ts, seq: 1, kind: 'skin', celsius: 36.5 })).toMatch(/^kind /);
    expect(errorOf(temperatureSchema, { ts, seq: 1, kind: 'Body', celsius: 36.5 })).toMatch(/^kind /);
  });

  it('reject a temperature outside any sensor range', () => {
    expect(errorOf(temperatureSchema, { ts, seq: 1, kind: 'body', celsius: 1000 })).toMatch(/^celsius /);
  });

  it('reject a status whose online flag is not a boolean', () => {
    expect(errorOf(statusSchema, { online: 'true' })).toMatch(/^online /);
  });

  it('report every problem of one message at once', () => {
    expect(errorOf(countsSchema, { ts: 5, seq: 'x', in: -1 }).split('; ')).toHaveLength(4);
  });
});

describe('STREAM_QOS', () => {
  it('retains only status, at QoS 1 for every stream (DESIGN.md table)', () => {
    for (const [stream, flags] of Object.entries(STREAM_QOS)) {
      expect(flags).toEqual({ qos: 1, retain: stream === 'status' });
    }
  });
});
