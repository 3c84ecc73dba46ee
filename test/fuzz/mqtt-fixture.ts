/**
 * What the MQTT fuzz cases are built from: the provisioned sites and devices, the expectation
 * types, the oracle that says what ingest must decide about a payload, and good payloads.
 */
import { MAX_DEVICE_PAYLOAD_BYTES, streamSchemas } from '../../shared/device-schemas.ts';
import type { DeviceType } from '../../shared/registry-schemas.ts';
import type { DeviceStream } from '../../shared/topics.ts';
import type { Rng } from './fuzz-kit.ts';

export interface FixtureDevice {
  id: string;
  siteId: string;
  type: DeviceType;
}

/** Sites and devices the fuzz system provisions: every stream is covered by at least one device. */
export const FIXTURE = {
  sites: [
    { id: 'fz-bus-k1', kind: 'bus', designCapacity: 80 },
    { id: 'fz-pasar-tos', kind: 'market', designCapacity: 400 },
    { id: 'fz-mpp', kind: 'public-service', designCapacity: 200 },
  ],
  devices: [
    { id: 'fz-bus-door', siteId: 'fz-bus-k1', type: 'door-counter' },
    { id: 'fz-bus-gps', siteId: 'fz-bus-k1', type: 'gps-tracker' },
    { id: 'fz-tos-cam', siteId: 'fz-pasar-tos', type: 'occupancy-sensor' },
    { id: 'fz-tos-thermo', siteId: 'fz-pasar-tos', type: 'thermal-scanner' },
    { id: 'fz-mpp-gw', siteId: 'fz-mpp', type: 'gateway' },
    { id: 'fz-mpp-people', siteId: 'fz-mpp', type: 'people-counter' },
  ] satisfies FixtureDevice[],
} as const;

/** Stream -> measurement ingest writes (ingest/points.ts). */
export const MEASUREMENT: Record<DeviceStream, string> = {
  counts: 'counts',
  occupancy: 'occupancy',
  temperature: 'temperature',
  position: 'position',
  status: 'status',
};

export type Expect =
  | { layer: 'good'; key: string }
  | { layer: 'ingest'; reason: string }
  | { layer: 'broker'; metric: 'publishDenied' | 'dropped'; reason: string };

export type FuzzCase =
  | {
      n: number;
      cls: string;
      kind: 'publish';
      from: string;
      topic: string;
      payload: Buffer;
      retain: boolean;
      expect: Expect;
    }
  | { n: number; cls: string; kind: 'raw'; from: string; bytes: Buffer; expect: Expect };

/** Identity used for service-account cases (an integration pushing on behalf of devices). */
export const SERVICE = 'svc';

/** Device time of 2025-11-28 08:00 UTC; each device's good readings step one second from here. */
export const BASE_TS = 1_764_316_800_000;

/** Oracle for a payload on a device's own, allowed stream: what ingest must decide (DESIGN.md). */
export function judgePayload(stream: DeviceStream, payload: Buffer, deviceId: string): Expect {
  if (payload.length > MAX_DEVICE_PAYLOAD_BYTES) return { layer: 'ingest', reason: 'too-large' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    return { layer: 'ingest', reason: 'invalid-utf8' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { layer: 'ingest', reason: 'invalid-json' };
  }
  const result = streamSchemas[stream].safeParse(json);
  if (!result.success) return { layer: 'ingest', reason: 'invalid-payload' };
  const ts = (result.data as { ts?: number }).ts;
  // A status without ts is stored at ingest's clock: no key to predict. The generator never makes one.
  if (ts === undefined) throw new Error('fuzz generator produced a good status without ts');
  return { layer: 'good', key: goodKey(MEASUREMENT[stream], deviceId, ts) };
}

export const goodKey = (measurement: string, deviceId: string, ts: number) =>
  `${measurement}|${deviceId}|${ts}`;

export function goodPayload(
  rng: Rng,
  stream: DeviceStream,
  ts: number,
  seq: number,
): Record<string, unknown> {
  switch (stream) {
    case 'counts': {
      const out = rng.int(0, 5000);
      return { ts, seq, in: out + rng.int(0, 300), out };
    }
    case 'occupancy':
      return { ts, seq, count: rng.int(0, 1000) };
    case 'temperature':
      return rng.chance(0.7)
        ? { ts, seq, kind: 'body', celsius: Math.round((35 + rng.next() * 5) * 10) / 10 }
        : { ts, seq, kind: 'ambient', celsius: Math.round((22 + rng.next() * 14) * 10) / 10 };
    case 'position': {
      const p: Record<string, unknown> = {
        ts,
        seq,
        lat: 1.0 + rng.next() * 0.2,
        lon: 103.9 + rng.next() * 0.2,
      };
      if (rng.chance(0.7)) p.speedKmh = Math.round(rng.next() * 600) / 10;
      if (rng.chance(0.7)) p.heading = rng.int(0, 359);
      return p;
    }
    case 'status':
      return { online: rng.chance(0.9), fw: `1.${rng.int(0, 9)}.${rng.int(0, 20)}`, ts };
  }
}

/** Ill-formed UTF-8 (Unicode 15 table 3-7): lone continuation, overlong, surrogate, > U+10FFFF, 0xFF. */
export const BAD_UTF8 = [
  [0x80],
  [0xbf],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xe2, 0x82],
].map((b) => Buffer.from(b));
